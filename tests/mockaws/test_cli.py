"""Instructors try an exercise from the shell: `invoke --fixtures FILE --state-out FILE`."""

from __future__ import annotations

import json

import pytest

from lambdalab import runtime as runtime_module
from lambdalab.runtime import cli
from tests.ci import skip_or_fail

HANDLER = """
import boto3

def handler(event, context):
    ec2 = boto3.client("ec2")
    found = ec2.describe_instances(Filters=[{"Name": "tag:Environment", "Values": ["dev"]}])
    ids = [i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]]
    ec2.stop_instances(InstanceIds=ids)
    boto3.client("s3").put_object(Bucket="uploads", Key="stopped.txt", Body=",".join(ids))
    return len(ids)
"""

FIXTURES = """
s3:
  buckets: [{name: uploads}]
ec2:
  instances:
    - {name: web-dev-1, tags: {Environment: dev}}
    - {name: web-prod-1, tags: {Environment: prod}}
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "app.py").write_text(HANDLER)
    (tmp_path / "fixtures.yaml").write_text(FIXTURES)
    return tmp_path


def _invoke(files, *extra):
    try:
        return cli.main(
            ["--code", str(files / "app.py"), "--handler", "app.handler", "--timeout", "60", *extra]
        )
    except runtime_module.IsolationUnavailable as exc:
        skip_or_fail(f"sandbox unavailable: {exc}")


def test_state_out_shows_what_the_handler_did_to_the_fixture_account(files, capsys):
    code = _invoke(
        files,
        "--fixtures",
        str(files / "fixtures.yaml"),
        "--state-out",
        str(files / "state.json"),
        "--json",
    )
    (record,) = json.loads(capsys.readouterr().out)
    state = json.loads((files / "state.json").read_text())
    assert code == 0 and record["payload"] == 1
    assert state["ec2"]["instances"]["web-dev-1"]["state"] == "stopped"
    assert state["ec2"]["instances"]["web-prod-1"]["state"] == "running"
    assert state["s3"]["uploads"]["stopped.txt"]["size"] == len(
        state["ec2"]["instances"]["web-dev-1"]["id"]
    )


def test_a_bad_fixture_file_is_a_usage_error_naming_file_and_field(files, capsys):
    (files / "fixtures.yaml").write_text("ec2:\n  instances:\n    - {name: a, state: paused}\n")
    code = _invoke(files, "--fixtures", str(files / "fixtures.yaml"))
    err = capsys.readouterr().err
    assert code == 2
    assert f"{files / 'fixtures.yaml'}: ec2.instances[0].state: 'paused'" in err
