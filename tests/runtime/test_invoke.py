"""What a learner sees when a handler runs: the same logs, payloads and errors as on Lambda."""

from __future__ import annotations

import json

import pytest

from lambdalab.runtime import hostinfo
from lambdalab.runtime.config import RUNTIMES
from tests.ci import skip_or_fail
from tests.runtime.support import golden, normalise, run

pytestmark = pytest.mark.root


def test_hello_world_cold_start_logs_and_payload(rt):
    inv = run(
        rt,
        """
        import json
        print("loading function")
        def lambda_handler(event, context):
            print("value1 =", event["key1"])
            return {"statusCode": 200, "body": json.dumps("Hello from Lambda!")}
    """,
        {"key1": "value1"},
    )
    assert inv.status == "success" and inv.function_error is None
    assert inv.payload_bytes == b'{"statusCode": 200, "body": "\\"Hello from Lambda!\\""}'
    assert inv.cold_start and inv.init_duration_ms is not None
    golden("hello_cold.log", normalise(inv.logs))


def test_warm_invocations_keep_globals_and_tmp_and_show_no_init(rt):
    cfg_source = """
        import os
        count = 0
        def lambda_handler(event, context):
            global count
            count += 1
            with open("/tmp/visits", "a") as f:
                f.write("x")
            return {"count": count, "tmp": len(open("/tmp/visits").read())}
    """
    from tests.runtime.support import function

    first, second = rt.invoke_sequence(function(cfg_source), [{}, {}], owner="warm-test", cold=True)
    assert (first.payload, second.payload) == ({"count": 1, "tmp": 1}, {"count": 2, "tmp": 2})
    assert not second.cold_start and second.init_duration_ms is None
    assert "INIT_START" not in second.logs and "Init Duration" not in second.logs
    assert first.log_stream_name == second.log_stream_name
    golden("warm.log", normalise(second.logs))


def test_a_learners_warm_environment_survives_between_runs(rt):
    from tests.runtime.support import function

    cfg = function("n = 0\ndef lambda_handler(e, c):\n    global n\n    n += 1\n    return n\n")
    assert rt.invoke(cfg, owner="ada", cold=True).payload == 1
    assert rt.invoke(cfg, owner="ada").payload == 2
    assert rt.invoke(cfg, owner="grace").payload == 1  # another learner gets her own environment
    assert rt.invoke(cfg, owner="ada", cold=True).payload == 1  # forced cold start


def test_context_object_matches_the_python_runtime(rt):
    inv = run(
        rt,
        """
        def lambda_handler(event, context):
            return {
                "type": type(context).__name__,
                "memory": context.memory_limit_in_mb,
                "memory_type": type(context.memory_limit_in_mb).__name__,
                "remaining": context.get_remaining_time_in_millis(),
                "arn": context.invoked_function_arn,
                "group": context.log_group_name,
                "stream": context.log_stream_name,
                "version": context.function_version,
                "request_id": context.aws_request_id,
                "identity": repr(context.identity),
                "client_context": context.client_context,
                "repr": repr(context),
            }
    """,
        memory_size=256,
        timeout=5,
    )
    ctx = inv.payload
    assert ctx["type"] == "LambdaContext"
    assert (ctx["memory"], ctx["memory_type"]) == ("256", "str")
    assert 4000 < ctx["remaining"] <= 5000
    assert ctx["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:my-function"
    assert ctx["group"] == "/aws/lambda/my-function" and ctx["stream"] == inv.log_stream_name
    assert ctx["request_id"] == inv.request_id and ctx["client_context"] is None
    assert (
        ctx["identity"]
        == "CognitoIdentity([cognito_identity_id=None,cognito_identity_pool_id=None])"
    )
    assert ctx["repr"] == (
        f"LambdaContext([aws_request_id={inv.request_id},log_group_name=/aws/lambda/my-function,"
        f"log_stream_name={inv.log_stream_name},function_name=my-function,memory_limit_in_mb=256,"
        "function_version=$LATEST,invoked_function_arn=arn:aws:lambda:us-east-1:123456789012:"
        "function:my-function,client_context=None,identity=CognitoIdentity([cognito_identity_id="
        "None,cognito_identity_pool_id=None]),tenant_id=None])"
    )


def test_environment_has_lambdas_reserved_variables_and_the_learners_own(rt):
    inv = run(
        rt,
        """
        import os
        def lambda_handler(event, context):
            return dict(os.environ)
    """,
        environment={"TABLE_NAME": "orders"},
        runtime="python3.13",
    )
    env = inv.payload
    assert env["TABLE_NAME"] == "orders"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.13"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["_HANDLER"] == "lambda_function.lambda_handler"
    assert env["LAMBDA_TASK_ROOT"] == "/var/task" and env["TZ"] == ":UTC"
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA") and env["AWS_SESSION_TOKEN"]
    assert env["_X_AMZN_TRACE_ID"].startswith("Root=1-")
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"] == inv.log_stream_name


def test_logging_goes_through_the_runtime_format_and_info_is_hidden_by_default(rt):
    inv = run(
        rt,
        """
        import logging
        logger = logging.getLogger()
        def lambda_handler(event, context):
            logger.info("not shown at the default WARNING level")
            logger.warning("careful")
            logging.basicConfig(level=logging.INFO)  # a no-op: the runtime already has a handler
            logging.info("still hidden")
            logger.setLevel(logging.INFO)
            logger.info("now shown\\nsecond line")
            return None
    """,
    )
    assert inv.payload_bytes == b"null"
    assert "hidden" not in inv.logs and "not shown" not in inv.logs
    golden("logging.log", normalise(inv.logs))


def test_unhandled_exception_returns_the_error_document_with_stack_trace(rt):
    inv = run(
        rt,
        """
        def lambda_handler(event, context):
            return event["action"]
    """,
    )
    assert inv.status == "error" and inv.function_error == "Unhandled"
    assert json.loads(inv.payload_bytes) == {
        "errorMessage": "'action'",
        "errorType": "KeyError",
        "requestId": inv.request_id,
        "stackTrace": [
            '  File "/var/task/lambda_function.py", line 3, in lambda_handler\n'
            '    return event["action"]\n'
        ],
    }
    assert inv.payload_bytes.startswith(b'{"errorMessage": "\'action\'", "errorType": "KeyError"')
    golden("exception.log", normalise(inv.logs))


LIBRARY_ERRORS = """
import json, boto3

def lambda_handler(event, context):
    if event["sdk"]:
        boto3.client("s3").get_object(Bucket=1, Key="k")
    return json.loads("not json")
"""


def test_library_frames_show_lambdas_paths_not_the_hosts(rt):
    stdlib = run(rt, LIBRARY_ERRORS, {"sdk": False})
    sdk = run(rt, LIBRARY_ERRORS, {"sdk": True})
    assert json.loads(stdlib.payload_bytes)["stackTrace"][1].startswith(
        '  File "/var/lang/lib/python3.12/json/__init__.py", line '
    )
    assert json.loads(sdk.payload_bytes)["stackTrace"][1].startswith(
        '  File "/var/lang/lib/python3.12/site-packages/botocore/client.py", line '
    )
    for inv in (stdlib, sdk):
        for text in (inv.payload_bytes.decode(), inv.logs):
            assert "/root/" not in text and "/work/" not in text and "python3.11" not in text


VERSIONED = """
import json, sys
def lambda_handler(event, context):
    if event.get("fail"):
        json.loads("not json")
    order = {"dish": "pad thai"}
    return {"python": list(sys.version_info[:2]), "line": f"{order["dish"]} paid"}
"""


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_each_runtime_runs_its_own_python_version(rt, runtime):
    version = runtime.removeprefix("python")
    if not hostinfo.interpreter_for(runtime).version.startswith(version + "."):
        skip_or_fail(f"Python {version} is not installed on this host")

    ok = run(rt, VERSIONED, {}, runtime=runtime)
    failed = run(rt, VERSIONED, {"fail": True}, runtime=runtime)

    # Nested quotes in an f-string are new in Python 3.12: code written for Lambda runs as is.
    python = [int(part) for part in version.split(".")]
    assert json.loads(ok.payload_bytes) == {"python": python, "line": "pad thai paid"}
    assert json.loads(failed.payload_bytes)["stackTrace"][1].startswith(
        f'  File "/var/lang/lib/{runtime}/json/__init__.py", line '
    )


def test_import_error_fails_init_and_is_retried_inside_the_invoke(rt):
    inv = run(rt, "import requests\ndef lambda_handler(e, c):\n    return 1\n")
    assert json.loads(inv.payload_bytes) == {
        "errorMessage": "Unable to import module 'lambda_function': No module named 'requests'",
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }
    golden("import_error.log", normalise(inv.logs))


def test_syntax_error_reports_the_line_like_the_runtime(rt):
    inv = run(rt, "def lambda_handler(event, context)\n    return 1\n")
    doc = json.loads(inv.payload_bytes)
    assert doc["errorType"] == "Runtime.UserCodeSyntaxError"
    assert doc["errorMessage"] == (
        "Syntax error in module 'lambda_function': expected ':' (lambda_function.py, line 1)"
    )
    assert doc["stackTrace"] == [
        '  File "/var/task/lambda_function.py" Line 1\n    def lambda_handler(event, context)\n'
    ]


def test_missing_handler_function(rt):
    inv = run(rt, "def handler(e, c):\n    return 1\n")
    doc = json.loads(inv.payload_bytes)
    assert (doc["errorType"], doc["errorMessage"]) == (
        "Runtime.HandlerNotFound",
        "Handler 'lambda_handler' missing on module 'lambda_function'",
    )


def test_handler_without_a_dot_is_malformed(rt):
    inv = run(rt, "x = 1\n", handler="lambda_function")
    doc = json.loads(inv.payload_bytes)
    assert (doc["errorType"], doc["errorMessage"]) == (
        "Runtime.MalformedHandlerName",
        "Bad handler 'lambda_function': not enough values to unpack (expected 2, got 1)",
    )


def test_handler_in_a_subdirectory_uses_slashes(rt):
    from lambdalab.runtime import FunctionConfig

    cfg = FunctionConfig(
        code={"src/app.py": "def handler(e, c):\n    return __name__\n", "src/__init__.py": ""},
        handler="src/app.handler",
    )
    assert rt.invoke(cfg, owner="tester").payload == "src.app"


def test_unserialisable_result_is_a_marshal_error_without_traceback(rt):
    inv = run(rt, "def lambda_handler(e, c):\n    return {1, 2}\n")
    assert json.loads(inv.payload_bytes) == {
        "errorMessage": "Unable to marshal response: Object of type set is not JSON serializable",
        "errorType": "Runtime.MarshalError",
        "requestId": inv.request_id,
        "stackTrace": [],
    }
    assert "[ERROR] Runtime.MarshalError: Unable to marshal response" in inv.logs


def test_results_serialise_like_the_runtime(rt):
    inv = run(
        rt,
        """
        from decimal import Decimal
        def lambda_handler(e, c):
            return {"price": Decimal("19.99"), "city": "Zürich", "nested": [1, None, True]}
    """,
    )
    assert (
        inv.payload_bytes
        == '{"price": 19.99, "city": "Zürich", "nested": [1, null, true]}'.encode()
    )


def test_async_handler_is_not_awaited(rt):
    inv = run(rt, "async def lambda_handler(e, c):\n    return 1\n")
    doc = json.loads(inv.payload_bytes)
    assert doc["errorType"] == "Runtime.MarshalError"
    assert "Object of type coroutine is not JSON serializable" in doc["errorMessage"]


def test_timeout_gives_sandbox_timedout_and_resets_the_environment_but_not_tmp(rt):
    from tests.runtime.support import function

    cfg = function(
        """
        import os, time
        n = 0
        def lambda_handler(event, context):
            global n
            n += 1
            if event.get("sleep"):
                open("/tmp/before-timeout", "w").write("kept")
                time.sleep(5)
            return {"n": n, "tmp": os.path.exists("/tmp/before-timeout")}
    """,
        timeout=1,
    )
    first, slow, after = rt.invoke_sequence(cfg, [{}, {"sleep": True}, {}], owner="t", cold=True)
    assert slow.status == "timeout" and slow.function_error == "Unhandled"
    assert json.loads(slow.payload_bytes) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {slow.request_id} Error: Task timed out after 1.00 seconds",
    }
    assert 1000 <= slow.duration_ms < 2000
    assert after.payload == {"n": 1, "tmp": True}  # re-INIT: globals are gone, /tmp is kept
    assert after.cold_start and "INIT_START" in after.logs
    golden("timeout.log", normalise(slow.logs))


def test_sys_exit_in_the_handler_is_a_runtime_exit_error(rt):
    inv = run(rt, "import sys\ndef lambda_handler(e, c):\n    sys.exit(0)\n")
    assert json.loads(inv.payload_bytes) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {inv.request_id} Error: Runtime exited without providing "
        "a reason",
    }
    assert normalise(inv.logs).count("Runtime.ExitError") == 2
    failing = run(rt, "import sys\ndef lambda_handler(e, c):\n    sys.exit(3)\n")
    assert "Runtime exited with error: exit status 3" in failing.payload["errorMessage"]


def test_running_out_of_memory_is_killed_and_reported(rt):
    inv = run(
        rt,
        """
        def lambda_handler(event, context):
            hog = []
            while True:
                hog.append(bytearray(8 * 1024 * 1024))
    """,
        timeout=10,
    )
    assert inv.status == "error"
    assert inv.payload["errorType"] == "Runtime.ExitError"
    assert inv.payload["errorMessage"].endswith("Runtime exited with error: signal: killed")
    assert inv.max_memory_used_mb == 128
    assert "\tStatus: error\tError Type: Runtime.OutOfMemory\t\n" in inv.logs
    golden("out_of_memory.log", normalise(inv.logs))


def test_max_memory_used_is_measured(rt):
    small = run(rt, "def lambda_handler(e, c):\n    return 1\n", memory_size=512)
    big = run(
        rt,
        """
        def lambda_handler(e, c):
            block = bytearray(200 * 1024 * 1024)
            for i in range(0, len(block), 4096):
                block[i] = 1
            return 1
    """,
        memory_size=512,
    )
    assert 1 <= small.max_memory_used_mb < 60
    assert 200 <= big.max_memory_used_mb <= 260


def test_response_over_6_mb_is_rejected(rt):
    inv = run(rt, "def lambda_handler(e, c):\n    return 'x' * (7 * 1024 * 1024)\n")
    assert inv.status == "error" and inv.function_error == "Unhandled"
    assert inv.payload == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size "
        "(6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }


def test_bytes_results_are_passed_through_raw(rt):
    inv = run(rt, "def lambda_handler(e, c):\n    return b'raw bytes'\n")
    assert inv.payload_bytes == b"raw bytes"


def test_billing_and_cost_follow_the_report_line(rt):
    inv = run(rt, "def lambda_handler(e, c):\n    return 1\n", memory_size=1024)
    assert inv.billed_duration_ms >= inv.duration_ms + inv.init_duration_ms
    assert f"Billed Duration: {inv.billed_duration_ms} ms" in inv.logs
    gb_s = inv.billed_duration_ms / 1000
    assert inv.cost_for("x86_64") == pytest.approx(0.0000002 + gb_s * 0.0000166667)
    assert inv.cost_for("arm64") == pytest.approx(0.0000002 + gb_s * 0.0000133334)


def test_to_dict_has_exactly_the_cli_keys(rt):
    inv = run(rt, "def lambda_handler(e, c):\n    return 1\n")
    assert list(inv.to_dict()) == [
        "request_id",
        "status",
        "payload",
        "function_error",
        "logs",
        "duration_ms",
        "billed_duration_ms",
        "init_duration_ms",
        "max_memory_used_mb",
        "memory_size_mb",
        "cold_start",
        "log_stream_name",
        "cost_usd",
    ]
