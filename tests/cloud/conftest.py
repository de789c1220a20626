"""A real moto server over HTTP, learners' sandbox accounts in it, and AWS faults at the wire.

moto's Lambda runs in its "simple" mode (no Docker): create/update/publish/waiters behave, and
Invoke echoes the event without a log tail. Faults are injected with a botocore `before-send`
handler that answers one named operation with a real-shaped AWS error; every other call goes
over HTTP to the server untouched.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

import boto3
import pytest
import requests
from botocore import handlers
from botocore.awsrequest import AWSResponse
from moto.server import ThreadedMotoServer

from lambdalab.cloud import aws, jobs, tasks
from tests.conftest import client_for

LAMBDALAB_KEY_ID = "AKIALAMBDALAB0000001"
LAMBDALAB_SECRET = "lambdalab-own-secret-key-0000000000000000"


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    requests.post(f"{url}/moto-api/config", json={"lambda": {"use_docker": False}}, timeout=10)
    yield url
    server.stop()


@pytest.fixture
def cloud_settings(settings, moto_url):
    settings.CLOUD_AWS_ENDPOINT_URL = moto_url
    settings.CLOUD_AWS_ACCESS_KEY_ID = LAMBDALAB_KEY_ID
    settings.CLOUD_AWS_SECRET_ACCESS_KEY = LAMBDALAB_SECRET
    settings.CLOUD_TRUST_PRINCIPAL_ARN = ""
    settings.CLOUD_ENCRYPTION_KEY = "test-encryption-secret"
    settings.CLOUD_REGIONS = ["eu-west-1", "us-east-1", "ap-east-1"]
    aws.lambdalab_principal_arn.cache_clear()
    yield settings
    aws.lambdalab_principal_arn.cache_clear()


@dataclass
class LearnerAccount:
    """One learner's sandbox account inside the moto server, as the learner would see it."""

    account_id: str
    moto_url: str
    region: str = "eu-west-1"
    _session: boto3.Session | None = field(default=None, repr=False)

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:role/LambdaLabAccess"

    def client(self, service: str, region: str | None = None):
        if self._session is None:
            sts = boto3.client(
                "sts",
                region_name=self.region,
                endpoint_url=self.moto_url,
                aws_access_key_id="AKIATESTSETUP0000001",
                aws_secret_access_key="test-setup",
            )
            creds = sts.assume_role(RoleArn=self.role_arn, RoleSessionName="test-setup")
            creds = creds["Credentials"]
            self._session = boto3.Session(
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )
        return self._session.client(
            service, region_name=region or self.region, endpoint_url=self.moto_url
        )

    def execution_role(self, name: str = "lambda-exec") -> str:
        iam = self.client("iam")
        document = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        )
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=document)["Role"]["Arn"]


@pytest.fixture
def learner_account(cloud_settings, moto_url) -> LearnerAccount:
    """A fresh account per test: moto keeps state for the whole session, accounts keep it apart."""
    return LearnerAccount(account_id=str(random.randrange(10**11, 10**12)), moto_url=moto_url)


@dataclass
class Queue:
    """Jobs sent to Celery, held so the test decides when the worker runs them."""

    sent: list[dict] = field(default_factory=list)

    def run_all(self) -> int:
        ran = 0
        while self.sent:
            message = self.sent.pop(0)
            message["task"](*message["args"])
            ran += 1
        return ran


@pytest.fixture
def deploy_queue(monkeypatch) -> Queue:
    queue = Queue()
    for name in jobs.TASKS.values():
        task = getattr(tasks, name)

        def apply_async(args, *, _task=task, **options):
            queue.sent.append(
                {
                    "task": _task,
                    "args": args,
                    "queue": options.get("queue"),
                    "countdown": options.get("countdown", 0),
                }
            )

        monkeypatch.setattr(task, "apply_async", apply_async)
    return queue


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """POST as a browser would, with the transaction's on_commit enqueues fired at the end."""

    def send(client, url, data=None, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {}, **extra)

    return send


@pytest.fixture
def connected(student, learner_account):
    """The student connected with the recommended role and a real execution role."""
    from lambdalab.cloud import services

    services.account_connect(
        user=student,
        mode="role",
        region=learner_account.region,
        role_arn=learner_account.role_arn,
        execution_role_arn=learner_account.execution_role(),
    )
    return learner_account


@pytest.fixture
def ada(student):
    return client_for(student)


# --- fault injection ----------------------------------------------------------------------------


class _Raw(io.BytesIO):
    def stream(self, **_kwargs):
        while chunk := self.read(65536):
            yield chunk


@dataclass
class Fault:
    event: str
    status: int
    code: str
    message: str
    times: int
    protocol: str
    hits: int = 0

    def __call__(self, request, **_kwargs):
        if self.hits >= self.times:
            return None  # let it through to the moto server
        self.hits += 1
        if self.protocol == "query":
            body = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{self.code}</Code>"
                f"<Message>{self.message}</Message></Error>"
                "<RequestId>fault</RequestId></ErrorResponse>"
            ).encode()
            headers = {"Content-Type": "text/xml"}
        else:
            body = json.dumps({"Type": "User", "message": self.message}).encode()
            headers = {"Content-Type": "application/json", "x-amzn-ErrorType": self.code}
        return AWSResponse(request.url, self.status, headers, _Raw(body))


@pytest.fixture
def aws_fault(monkeypatch):
    """aws_fault("lambda.CreateFunction", 403, "AccessDeniedException", "…", times=1)."""
    installed = []

    def install(operation, status, code, message, *, times=1_000_000, protocol="json"):
        fault = Fault(f"before-send.{operation}", status, code, message, times, protocol)
        handlers.BUILTIN_HANDLERS.append((fault.event, fault))
        installed.append((fault.event, fault))
        return fault

    yield install
    for entry in installed:
        handlers.BUILTIN_HANDLERS.remove(entry)
