"""Each check kind passes on a good invocation and fails, with a readable message, on a bad one."""

from __future__ import annotations

import json

import pytest

from lambdalab.catalog.checks import ARG_SCHEMAS, Check, CheckContext, evaluate_check


def record(payload=None, *, logs="", error=None, **extra) -> dict:
    """An invocation record with the runtime's --json keys."""
    base = {
        "request_id": "8f507cfc-0000-4697-b07a-ac58fc914c95",
        "status": "error" if error else "ok",
        "payload": payload,
        "function_error": "Unhandled" if error else None,
        "logs": logs,
        "duration_ms": 12.5,
        "billed_duration_ms": 13,
        "init_duration_ms": None,
        "max_memory_used_mb": 40,
        "memory_size_mb": 128,
        "cold_start": False,
        "log_stream_name": "2026/12/03/[$LATEST]abc",
        "cost_usd": 0.0000002271,
    }
    base.update(extra)
    return base


def failed(error_type: str, message: str) -> dict:
    return record({"errorType": error_type, "errorMessage": message}, error=True)


def run(kind, arg, rec, **ctx):
    context = CheckContext(record=rec, records=ctx.pop("records", [rec]), **ctx)
    return evaluate_check(Check(kind, arg), context)


STATE = {
    "s3": {"uploads": {"tmp/x.csv": {"size": 3}, "reports/daily.csv": {"size": 20}}},
    "ec2": {
        "instances": {
            "web-dev-1": {"id": "i-1", "state": "stopped", "tags": {"Environment": "dev"}},
            "web-prod-1": {"id": "i-2", "state": "running", "tags": {"Environment": "prod"}},
        }
    },
    "dynamodb": {"Payments": {"items": [{"order_id": "o-1", "amount": 12.5, "status": "PAID"}]}},
}

API = {
    "statusCode": 201,
    "headers": {"content-type": "application/json"},
    "body": json.dumps({"ok": True, "order": {"id": "o-1", "total": 12.5}}),
}

# (kind, argument, a record or state that passes, one that fails, words in the failure message)
CASES = [
    ("returns", {"message": "Hi"}, record({"message": "Hi"}), record({"message": "Yo"}), "Yo"),
    ("returns", 0.3, record(0.1 + 0.2), record(0.31), "0.31"),
    (
        "returns_subset",
        {"a": {"b": 1}},
        record({"a": {"b": 1, "c": 2}}),
        record({"a": {"c": 2}}),
        "a.b is missing",
    ),
    (
        "jsonpath",
        {"path": "$.items[0].id", "equals": "a"},
        record({"items": [{"id": "a"}]}),
        record({"items": [{"id": "b"}]}),
        '"b"',
    ),
    (
        "jsonpath",
        {"path": "$.monthly_usd", "approx": 12.34, "tolerance": 0.005},
        record({"monthly_usd": 12.3412}),
        record({"monthly_usd": 12.36}),
        "12.36",
    ),
    ("status", 201, record(API), record({**API, "statusCode": 200}), "200"),
    ("body_subset", {"order": {"id": "o-1"}}, record(API), record({**API, "body": "{}"}), "order"),
    ("body_contains", '"ok": true', record(API), record({**API, "body": "nope"}), "contain"),
    (
        "headers_subset",
        {"Content-Type": "application/json"},
        record(API),
        record({**API, "headers": {}}),
        "Content-Type",
    ),
    ("logs_contain", ["a", "b"], record(1, logs="a\nb\n"), record(1, logs="a\n"), '"b"'),
    ("logs_not_contain", "secret", record(1, logs="ok"), record(1, logs="secret=1"), "secret"),
    (
        "logs_match",
        r"order [0-9a-f]{4}$",
        record(1, logs="order beef\n"),
        record(1, logs="order"),
        "order",
    ),
    ("error_type", "ValueError", failed("ValueError", "bad"), record(1), "succeeded"),
    (
        "error_type",
        "ValueError",
        failed("ValueError", "bad"),
        failed("KeyError", "'x'"),
        "KeyError",
    ),
    ("no_error", True, record(1), failed("KeyError", "'name'"), "KeyError: 'name'"),
    ("max_duration_ms", 100, record(1, duration_ms=99.9), record(1, duration_ms=250.0), "250"),
    (
        "max_billed_duration_ms",
        100,
        record(1, billed_duration_ms=100),
        record(1, billed_duration_ms=101),
        "101",
    ),
    ("max_memory_mb", 64, record(1), record(1, max_memory_used_mb=90), "90"),
    ("max_cost_per_million_usd", 0.25, record(1), record(1, cost_usd=0.000001), "$1.0000"),
    ("cold_start", True, record(1, cold_start=True), record(1), "warm"),
]


@pytest.mark.parametrize(("kind", "arg", "good", "bad", "words"), CASES)
def test_record_checks_pass_and_fail_with_a_message(kind, arg, good, bad, words):
    assert run(kind, arg, good).passed

    outcome = run(kind, arg, bad)

    assert not outcome.passed and not outcome.grader_error
    assert words in outcome.message


def test_returns_explains_that_the_function_crashed():
    outcome = run("returns", {"message": "Hi"}, failed("KeyError", "'name'"))

    assert (
        outcome.message
        == "The function failed with KeyError: 'name' instead of returning a result."
    )


def test_a_dict_body_is_explained_as_needing_json_dumps():
    outcome = run("body_subset", {"ok": True}, record({"statusCode": 200, "body": {"ok": True}}))

    assert "json.dumps" in outcome.message


def test_an_authors_message_replaces_the_default():
    check = Check("returns", 1, message="Return the number, not a string.")
    outcome = evaluate_check(check, CheckContext(record=record("1"), records=[record("1")]))

    assert outcome.message == "Return the number, not a string."


AWS_CASES = [
    ("aws", {"path": "ec2.instances.web-dev-1.state", "equals": "stopped"}, True),
    ("aws", {"path": "ec2.instances.web-prod-1.state", "equals": "stopped"}, False),
    ("aws", {"path": "s3.uploads.reports/daily.csv", "exists": True}, True),
    ("aws", {"path": "dynamodb.Payments.items", "count": 1}, True),
    ("aws", {"path": "dynamodb.Payments.items[order_id=o-1].status", "equals": "PAID"}, True),
    ("aws", {"path": "dynamodb.Payments.items[order_id=o-2].status", "exists": True}, False),
    ("aws", {"path": "dynamodb.Payments.items[0].amount", "gte": 12}, True),
    (
        "aws",
        {"path": "$.ec2.instances[?tags.Environment == 'dev'].state", "equals": "stopped"},
        True,
    ),
    ("aws_absent", "s3.uploads.tmp/x.csv", False),  # a key with a dot still resolves
    ("aws_absent", "s3.uploads.tmp/y.csv", True),
]


@pytest.mark.parametrize(("kind", "arg", "passes"), AWS_CASES)
def test_aws_state_checks_read_the_mock_account(kind, arg, passes):
    outcome = run(kind, arg, record(1), state=STATE)

    assert outcome.passed is passes, outcome.message
    assert not outcome.grader_error


class FakeAccount:
    def __init__(self, objects):
        self.objects = objects

    def read_object(self, bucket, key):
        return self.objects[(bucket, key)]


def test_aws_object_reads_the_body_and_decodes_json():
    account = FakeAccount({("uploads", "reports/daily.csv"): b'{"total": 42}'})
    arg = {"bucket": "uploads", "key": "reports/daily.csv", "equals": {"total": 42}}

    assert run("aws_object", arg, record(1), state=STATE, account=account).passed
    missing = {"bucket": "uploads", "key": "nope.csv", "exists": True}
    assert (
        "does not exist"
        in run("aws_object", missing, record(1), state=STATE, account=account).message
    )


def test_config_checks_what_the_learner_configured():
    config = {"memory": 256, "environment": {"STAGE": "prod", "X": "1"}}

    assert run(
        "config", {"memory": 256, "environment": {"STAGE": "prod"}}, record(1), config=config
    ).passed
    outcome = run("config", {"memory": 512}, record(1), config=config)
    assert not outcome.passed and "512" in outcome.message


def test_idempotent_counts_payments_after_the_retry():
    arg = {
        "repeat": 2,
        "aws_count": {"path": "dynamodb.Payments.items", "equals": 1},
        "same_response": True,
    }
    first, retry = record({"id": "p-1"}), record({"id": "p-1"})

    assert run("idempotent", arg, retry, records=[first, retry], state=STATE).passed
    doubled = {"dynamodb": {"Payments": {"items": [{"order_id": "o-1"}, {"order_id": "o-1"}]}}}
    outcome = run("idempotent", arg, retry, records=[first, retry], state=doubled)
    assert not outcome.passed and "idempotency key" in outcome.message
    changed = run(
        "idempotent",
        arg,
        record({"id": "p-2"}),
        records=[first, record({"id": "p-2"})],
        state=STATE,
    )
    assert not changed.passed and "same response" in changed.message


def test_init_once_passes_only_when_the_line_is_printed_at_cold_start():
    cold = record(1, logs="INIT client\nhandled\n", cold_start=True)
    warm = record(1, logs="handled\n")
    assert run("init_once", {"log": "INIT"}, warm, records=[cold, warm, warm]).passed

    per_call = record(1, logs="INIT client\nhandled\n")
    outcome = run("init_once", {"log": "INIT"}, per_call, records=[cold, per_call, per_call])
    assert not outcome.passed and "3 of 3" in outcome.message


def instructor_checks(source: str):
    namespace: dict = {}
    exec(compile(source, "checks.py", "exec"), namespace)
    return lambda ref: namespace[ref.split(":")[1]]


def test_python_checks_run_on_the_trusted_side_with_the_records_and_state():
    checks = instructor_checks(
        "def check_total(ctx):\n"
        "    if ctx.state['dynamodb']['Payments']['items'][0]['amount'] != ctx.event['amount']:\n"
        "        return 'The stored amount differs from the order.'\n"
        "def check_assert(ctx):\n"
        "    assert ctx.payload == 2, 'Return 2.'\n"
        "def check_broken(ctx):\n"
        "    return 1 / 0\n"
    )
    common = {"state": STATE, "python_checks": checks}

    assert run(
        "python", "checks.py:check_total", record(1), event={"amount": 12.5}, **common
    ).passed
    wrong = run("python", "checks.py:check_total", record(1), event={"amount": 9}, **common)
    assert wrong.message == "The stored amount differs from the order."
    assert run("python", "checks.py:check_assert", record(3), **common).message == "Return 2."
    broken = run("python", "checks.py:check_broken", record(1), **common)
    assert broken.grader_error and "ZeroDivisionError" in broken.message


def test_every_documented_check_kind_is_exercised_here():
    covered = {case[0] for case in CASES} | {case[0] for case in AWS_CASES}
    covered |= {"aws_object", "config", "idempotent", "init_once", "python"}

    assert covered == set(ARG_SCHEMAS)


def test_repeating_checks_report_their_effective_repeat():
    assert Check("init_once", {"log": "INIT"}).options == {"log": "INIT", "repeat": 3}
    assert Check("idempotent", None).options == {"repeat": 2}
    assert Check("returns", {"a": 1}).options == {"a": 1}
