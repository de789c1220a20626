"""Grading end to end: learner code runs in the real sandboxed runtime, AWS calls hit a real
per-run mock account, and checks judge the records and the account state on the trusted side."""

from __future__ import annotations

import json

import pytest

from lambdalab.catalog.content import parse_catalog
from lambdalab.catalog.exercise_loader import parse_exercise
from lambdalab.catalog.grading import grade_exercise
from lambdalab.catalog.validate import validate_exercise, validation_table
from tests.catalog.builders import SOLUTION, STARTER, lesson_files


@pytest.fixture(scope="module")
def runtime():
    from lambdalab.runtime import Runtime

    rt = Runtime()
    yield rt
    rt.close()


def exercise_from(yaml_text: str, solution: str, *, extra: dict | None = None, slug="ex"):
    files = {
        "exercise.yaml": yaml_text,
        "solution/lambda_function.py": solution,
        "starter/lambda_function.py": "def lambda_handler(event, context):\n    return None\n",
        **(extra or {}),
    }
    return parse_exercise(slug, files, base=f"lessons/99-x/exercises/{slug}")


def code(text: str) -> dict:
    return {"lambda_function.py": text}


def test_validation_passes_the_solution_and_fails_starter_and_wrong_in_the_sandbox(runtime):
    exercise = parse_catalog(lesson_files()).exercise("greet")

    rows = validate_exercise(exercise, runtime=runtime)

    table = validation_table(rows)
    assert [(r.variant, r.score, r.ok) for r in rows] == [
        ("solution", 1.0, True),
        ("starter", 0.0, True),
        ("wrong/ignores-name", 0.0, True),
    ], table
    assert "3 runs, 3 ok, 0 failed" in table


def test_the_learner_sees_their_logs_and_a_real_report_line(runtime):
    exercise = parse_catalog(lesson_files()).exercise("greet")

    result = grade_exercise(exercise, code(SOLUTION), runtime=runtime, owner="ada")

    first = result.tests[0].invocations[0]
    assert result.status == "passed"
    assert first["cold_start"] is True and "greeting Ada" in first["logs"]
    assert "REPORT RequestId: " + first["request_id"] in first["logs"]
    assert result.tests[1].invocations[0]["cold_start"] is False  # shared: the same environment


def test_a_starter_that_returns_the_wrong_thing_is_told_what_came_back(runtime):
    exercise = parse_catalog(lesson_files()).exercise("greet")

    result = grade_exercise(exercise, code(STARTER), runtime=runtime, owner="ada")

    assert result.status == "failed"
    assert result.tests[0].message == (
        'Expected the function to return {"message": "Hello, Ada!"}, got {"message": "TODO"}.'
    )


TIMEOUT_YAML = """\
title: Be quick
prompt: Answer within a second.
handler: lambda_function.lambda_handler
timeout: 1
tests:
  - name: answers in time
    visible: true
    event: {wait: 3}
    checks:
      - returns: done
  - name: still answers afterwards
    visible: true
    event: {wait: 0}
    checks:
      - returns: done
"""

SLOW = """\
import time

def lambda_handler(event, context):
    time.sleep(event["wait"])
    return "done"
"""


def test_a_timeout_is_a_failed_test_not_a_crash(runtime):
    exercise = exercise_from(TIMEOUT_YAML, "def lambda_handler(e, c):\n    return 'done'\n")

    result = grade_exercise(exercise, code(SLOW), runtime=runtime, owner="ada")

    assert result.status == "failed" and result.score == 0.5
    assert result.tests[0].message.startswith("The function failed with Sandbox.Timedout")
    assert result.tests[1].passed  # the environment was reset and the next test ran
    from jsonschema import validate

    from lambdalab.catalog.results_schema import RESULTS_V1

    validate(json.loads(json.dumps(result.to_dict())), RESULTS_V1)  # real records fit v1


INIT_YAML = """\
title: Create clients once
prompt: Do expensive set-up at module level.
handler: lambda_function.lambda_handler
tests:
  - name: set-up runs once per environment
    visible: true
    event: {}
    checks:
      - init_once: {log: "creating client", repeat: 3}
      - max_memory_mb: 128
"""

INIT_GOOD = """\
print("creating client")

def lambda_handler(event, context):
    return "ok"
"""

INIT_BAD = """\
def lambda_handler(event, context):
    print("creating client")
    return "ok"
"""


def test_init_once_tells_module_level_set_up_from_per_request_set_up(runtime):
    exercise = exercise_from(INIT_YAML, INIT_GOOD)

    good = grade_exercise(exercise, code(INIT_GOOD), runtime=runtime, owner="ada")
    bad = grade_exercise(exercise, code(INIT_BAD), runtime=runtime, owner="ada")

    assert good.status == "passed", good.tests[0].message
    assert [r["cold_start"] for r in good.tests[0].invocations] == [True, False, False]
    assert bad.status == "failed"
    assert "appeared in 3 of 3 invocations" in bad.tests[0].message


STOP_YAML = """\
title: Stop idle dev instances
prompt: Stop every running instance tagged Environment=dev.
handler: lambda_function.lambda_handler
fixtures: fixtures.yaml
tests:
  - name: stops the dev instance only
    visible: true
    event: {}
    checks:
      - aws: {path: "ec2.instances.web-dev-1.state", equals: stopped}
      - aws: {path: "ec2.instances.web-prod-1.state", equals: running}
      - python: checks.py:check_report
"""

FIXTURES = """\
ec2:
  instances:
    - {name: web-dev-1, type: t3.micro, state: running, tags: {Environment: dev}}
    - {name: web-prod-1, type: t3.micro, state: running, tags: {Environment: prod}}
s3:
  buckets:
    - name: reports
"""

CHECKS = """\
def check_report(ctx):
    body = ctx.account.read_object("reports", "stopped.txt").decode()
    if body.split() != [ctx.state["ec2"]["instances"]["web-dev-1"]["id"]]:
        return f"reports/stopped.txt should list the stopped instance id, not {body!r}"
"""

STOP_DEV = """\
import boto3

ec2 = boto3.client("ec2")
s3 = boto3.client("s3")

def lambda_handler(event, context):
    found = ec2.describe_instances(Filters=[
        {"Name": "tag:Environment", "Values": ["dev"]},
        {"Name": "instance-state-name", "Values": ["running"]},
    ])
    ids = [i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]]
    if ids:
        ec2.stop_instances(InstanceIds=ids)
    s3.put_object(Bucket="reports", Key="stopped.txt", Body="\\n".join(ids))
    return {"stopped": ids}
"""


def test_aws_checks_read_the_mock_account_the_handler_changed(runtime):
    extra = {"fixtures.yaml": FIXTURES, "checks.py": CHECKS}
    exercise = exercise_from(STOP_YAML, STOP_DEV, extra=extra)

    good = grade_exercise(exercise, code(STOP_DEV), runtime=runtime, owner="ada")
    stops_all = STOP_DEV.replace('{"Name": "tag:Environment", "Values": ["dev"]},', "")
    bad = grade_exercise(exercise, code(stops_all), runtime=runtime, owner="ada")

    assert good.status == "passed", good.to_dict()["tests"][0]["checks"]
    assert bad.status == "failed"
    assert bad.tests[0].message == (
        'In the AWS account, ec2.instances.web-prod-1.state: expected "running", got "stopped".'
    )


TRIGGER_YAML = """\
title: React to uploads and orders
prompt: Return what arrived.
handler: lambda_function.lambda_handler
fixtures:
  s3: {buckets: [{name: uploads}]}
tests:
  - name: an upload lands in the bucket and the event names it
    visible: true
    trigger: {s3_put: {bucket: uploads, key: "in/order 1.csv", body: "id,amount\\n1,9.5\\n"}}
    checks:
      - returns: {bucket: uploads, key: "in/order+1.csv", size: 16}
      - aws: {path: "s3.uploads.in/order 1.csv.size", equals: 16}
  - name: an API Gateway request carries its body as a string
    visible: true
    trigger: {api: {method: POST, path: /payments, body: {order_id: o-1}}}
    checks:
      - returns: {bucket: null, key: null, size: null, body: '{"order_id": "o-1"}'}
"""

ECHO = """\
def lambda_handler(event, context):
    if "Records" in event:
        s3 = event["Records"][0]["s3"]
        return {"bucket": s3["bucket"]["name"], "key": s3["object"]["key"],
                "size": s3["object"]["size"]}
    return {"bucket": None, "key": None, "size": None, "body": event["body"]}
"""


def test_trigger_events_have_aws_shapes_and_act_on_the_mock_account(runtime):
    exercise = exercise_from(TRIGGER_YAML, ECHO)

    result = grade_exercise(exercise, code(ECHO), runtime=runtime, owner="ada")

    assert result.status == "passed", [t.message for t in result.tests]
    assert result.tests[1].event["httpMethod"] == "POST"
    assert result.tests[1].event["requestContext"]["stage"] == "prod"
