"""How a submission is graded: environments, accounts, repeats, points and what learners may see.

These use an in-process stand-in for the runtime to observe the orchestration; the real runtime
is exercised end to end in test_grading_runtime.py.
"""

from __future__ import annotations

import json

import pytest

from lambdalab.catalog.content import parse_catalog
from lambdalab.catalog.exercise_loader import parse_exercise
from lambdalab.catalog.grading import grade_exercise, redact_for_learner
from lambdalab.catalog.validate import validate_exercise
from tests.catalog.builders import SOLUTION, STARTER, WRONG, lesson_files
from tests.catalog.fakes import DictAccount, InProcessRuntime

PAYMENTS_YAML = """\
title: Record a payment once
prompt: Store each order once.
handler: lambda_function.lambda_handler
environment_reuse: {reuse}
fixtures:
  dynamodb:
    tables:
      - name: Payments
        partition_key: {{name: order_id, type: S}}
        items: []
tests:
  - name: records the order
    visible: true
    event: {{order_id: o-1}}
    checks:
      - aws: {{path: "dynamodb.Payments.items", count: 1}}
  - name: a retry records nothing new
    event: {{order_id: o-2}}
    checks:
      - idempotent:
          repeat: 3
          aws_count: {{path: "dynamodb.Payments.items", equals: {expected}}}
"""

PAYMENTS_SOLUTION = """\
def lambda_handler(event, context):
    items = AWS.data["dynamodb"]["Payments"]["items"]
    if not any(i["order_id"] == event["order_id"] for i in items):
        items.append({"order_id": event["order_id"]})
    return {"ok": True}
"""

PAYMENTS_DOUBLE = """\
def lambda_handler(event, context):
    AWS.data["dynamodb"]["Payments"]["items"].append({"order_id": event["order_id"]})
    return {"ok": True}
"""


def greet():
    return parse_catalog(lesson_files()).exercise("greet")


def payments(reuse="shared", expected=2):
    files = {
        "exercise.yaml": PAYMENTS_YAML.format(reuse=reuse, expected=expected),
        "solution/lambda_function.py": PAYMENTS_SOLUTION,
        "starter/lambda_function.py": PAYMENTS_DOUBLE,
    }
    return parse_exercise("payments", files, base="lessons/99-x/exercises/payments")


def code(text):
    return {"lambda_function.py": text}


def test_the_reference_solution_scores_full_points():
    result = grade_exercise(greet(), code(SOLUTION), runtime=InProcessRuntime(), owner="ada")

    doc = result.to_dict()
    assert (doc["version"], doc["status"], doc["score"], doc["points"]) == (1, "passed", 1.0, 3)
    assert [t["passed"] for t in doc["tests"]] == [True, True]
    assert doc["tests"][0]["invocations"][0]["payload"] == {"message": "Hello, Ada!"}


def test_a_wrong_solution_loses_the_points_of_the_tests_it_fails():
    result = grade_exercise(greet(), code(WRONG), runtime=InProcessRuntime(), owner="ada")

    assert result.status == "failed" and result.score == 0.0 and result.points == 0
    assert result.tests[0].message == (
        'Expected the function to return {"message": "Hello, Ada!"}, '
        'got {"message": "Hello, world!"}.'
    )


def test_learners_see_hidden_tests_only_as_passed_or_failed():
    result = grade_exercise(greet(), code(STARTER), runtime=InProcessRuntime(), owner="ada")

    hidden = result.to_learner_dict()["tests"][1]

    assert hidden == {
        "name": "Hidden test 2",
        "visible": False,
        "passed": False,
        "points": 0,
        "max_points": 1,
        "message": "A hidden test failed.",
    }
    assert "Grace" not in str(result.to_learner_dict())
    stored = json.loads(json.dumps(result.to_dict()))  # as the submission row keeps it
    assert redact_for_learner(stored) == result.to_learner_dict()


def test_shared_reuse_runs_all_tests_in_one_warm_environment_and_one_account():
    runtime = InProcessRuntime()
    DictAccount.started.clear()

    result = grade_exercise(
        payments("shared", expected=2),
        code(PAYMENTS_SOLUTION),
        runtime=runtime,
        owner="ada",
        account_factory=DictAccount,
    )

    assert result.status == "passed", result.to_dict()
    assert [c["cold"] for c in runtime.calls] == [True, False]
    assert [len(c["events"]) for c in runtime.calls] == [1, 3]  # idempotent asked for 3 sends
    assert len(DictAccount.started) == 1 and DictAccount.started[0].closed
    records = result.tests[1].invocations
    assert [r["cold_start"] for r in records] == [False, False, False]


def test_fresh_reuse_gives_each_test_a_cold_environment_and_a_clean_account():
    runtime = InProcessRuntime()
    DictAccount.started.clear()

    result = grade_exercise(
        payments("fresh", expected=1),
        code(PAYMENTS_SOLUTION),
        runtime=runtime,
        owner="ada",
        account_factory=DictAccount,
    )

    assert result.status == "passed", result.to_dict()
    assert [c["cold"] for c in runtime.calls] == [True, True]
    assert len(DictAccount.started) == 2 and all(a.closed for a in DictAccount.started)


def test_a_handler_that_records_every_retry_fails_idempotency():
    result = grade_exercise(
        payments("fresh", expected=1),
        code(PAYMENTS_DOUBLE),
        runtime=InProcessRuntime(),
        owner="ada",
        account_factory=DictAccount,
    )

    assert [t.passed for t in result.tests] == [True, False]
    assert "idempotency key" in result.tests[1].message
    assert result.score == 0.5


def test_learners_may_change_only_configurable_settings():
    exercise = greet()  # configurable: [memory]

    result = grade_exercise(
        exercise,
        code(SOLUTION),
        runtime=InProcessRuntime(),
        owner="ada",
        config_overrides={"memory": 256},
    )
    assert result.config["memory"] == 256
    assert result.tests[0].invocations[0]["memory_size_mb"] == 256
    with pytest.raises(ValueError, match="timeout is not configurable"):
        grade_exercise(
            exercise,
            code(SOLUTION),
            runtime=InProcessRuntime(),
            owner="ada",
            config_overrides={"timeout": 30},
        )


def test_an_invalid_configuration_is_an_error_result_in_aws_words():
    result = grade_exercise(
        greet(),
        code(SOLUTION),
        runtime=InProcessRuntime(),
        owner="ada",
        config_overrides={"memory": 64},
    )

    assert result.status == "error" and result.error["kind"] == "config"
    assert "memorySize" in result.error["message"]


def test_a_broken_sandbox_is_an_infrastructure_error_not_a_crash():
    class BrokenRuntime:
        def invoke_sequence(self, *args, **kwargs):
            raise OSError("no user namespaces")

    result = grade_exercise(greet(), code(SOLUTION), runtime=BrokenRuntime(), owner="ada")

    assert result.status == "error"
    assert result.error == {"kind": "infrastructure", "message": "OSError: no user namespaces"}


def test_validation_expects_solutions_to_pass_and_the_rest_to_fail():
    rows = validate_exercise(greet(), runtime=InProcessRuntime())

    assert [(r.variant, r.expected, r.score, r.ok) for r in rows] == [
        ("solution", "100%", 1.0, True),
        ("starter", "<100%", 0.0, True),
        ("wrong/ignores-name", "<100%", 0.0, True),
    ]


def test_validation_flags_a_wrong_solution_that_passes_everything():
    exercise = greet()
    exercise.wrong[0].files["lambda_function.py"] = SOLUTION  # the "wrong" one is actually right

    rows = validate_exercise(exercise, runtime=InProcessRuntime())

    assert rows[2].ok is False and rows[2].detail == "passes every test"


def test_a_learner_trigger_must_be_a_valid_trigger():
    exercise = greet()
    exercise.configurable.append("trigger")

    with pytest.raises(ValueError, match="Invalid trigger"):
        exercise.config_dict({"trigger": {"type": "schedule"}})  # no expression
    config = exercise.config_dict({"trigger": {"type": "schedule", "expression": "rate(1 hour)"}})
    assert config["trigger"]["expression"] == "rate(1 hour)"


def test_huge_logs_and_payloads_are_trimmed_in_the_stored_results_only():
    noisy = (
        "def lambda_handler(event, context):\n"
        "    for i in range(20000):\n"
        "        print(f'line {i}')\n"
        "    print('greeting Ada')\n"
        "    return {'message': 'Hello, Ada!', 'blob': 'x' * 100000}\n"
    )
    exercise = greet()

    result = grade_exercise(exercise, code(noisy), runtime=InProcessRuntime(), owner="ada")

    first = result.tests[0]
    assert [c.passed for c in first.checks] == [False, True]  # logs_contain saw the full log
    record = first.invocations[0]
    assert len(record["logs"]) < 33_000 and "characters not kept in the results" in record["logs"]
    assert record["logs"].rstrip().endswith("greeting Ada")
    assert record["payload"]["truncated"] is True
    assert len(json.dumps(result.to_dict())) < 200_000


def test_every_results_document_matches_the_published_v1_schema():
    from jsonschema import Draft202012Validator

    from lambdalab.catalog.results_schema import RESULTS_V1

    validator = Draft202012Validator(RESULTS_V1)
    results = [
        grade_exercise(greet(), code(SOLUTION), runtime=InProcessRuntime(), owner="ada"),
        grade_exercise(greet(), code(STARTER), runtime=InProcessRuntime(), owner="ada"),
        grade_exercise(
            greet(),
            code(SOLUTION),
            runtime=InProcessRuntime(),
            owner="ada",
            config_overrides={"memory": 64},
        ),
    ]

    for result in results:
        for document in (result.to_dict(), result.to_learner_dict()):
            stored = json.loads(json.dumps(document))
            assert not list(validator.iter_errors(stored)), stored
    broken = results[0].to_dict() | {"score": 1.5}
    assert list(validator.iter_errors(broken))
