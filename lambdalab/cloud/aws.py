"""boto3 sessions for LambdaLab itself and for a learner's connected account.

Credentials live only in memory here: an assumed role's session credentials are fetched per job
and never stored; access keys are decrypted just before use. Nothing in this module logs them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config
from django.conf import settings

from lambdalab.cloud import crypto
from lambdalab.cloud.models import AuthMode, CloudAccount

SESSION_SECONDS = 900  # the shortest STS allows: a job finishes well within it
# One attempt per call: a throttled job is re-queued with a growing countdown instead of
# sleeping inside a worker slot (see services.job_retry_or_fail).
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 1},
    connect_timeout=5,
    read_timeout=70,
    user_agent_appid="LambdaLab",
)


class NotConnected(Exception):
    """The learner disconnected after the job was queued."""


@dataclass
class Sandbox:
    """A learner's account, reachable: a session in the chosen region, and clients on demand."""

    session: boto3.Session
    region: str
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = make_client(self.session, service, region=self.region)
        return self._clients[service]


def make_client(session: boto3.Session, service: str, *, region: str) -> Any:
    endpoint = settings.CLOUD_AWS_ENDPOINT_URL or None  # a moto server in tests, AWS otherwise
    return session.client(service, region_name=region, endpoint_url=endpoint, config=CLIENT_CONFIG)


@functools.lru_cache(maxsize=1)
def _loader() -> botocore.loaders.Loader:
    return botocore.loaders.create_loader()


def _session(**credentials: str) -> boto3.Session:
    """A boto3 session of its own (its own credentials), sharing one loader of service models.

    Every job needs fresh credentials, hence a fresh session; parsing botocore's JSON models
    again for each one cost about half a second per client.
    """
    core = botocore.session.Session()
    core.register_component("data_loader", _loader())
    return boto3.Session(botocore_session=core, **credentials)


def lambdalab_session(*, region: str) -> boto3.Session:
    """LambdaLab's own identity: the one allowed to assume learners' roles."""
    key_id = settings.CLOUD_AWS_ACCESS_KEY_ID
    secret = settings.CLOUD_AWS_SECRET_ACCESS_KEY
    if key_id and secret:
        return _session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name=region)
    return _session(region_name=region)  # the default chain: instance role, env, profile


def learner_sandbox(*, account: CloudAccount, region: str | None = None) -> Sandbox:
    """A session in the learner's account. Raises ClientError (e.g. AccessDenied) from STS."""
    region = region or account.region
    if account.mode == AuthMode.ROLE:
        session = _assumed_session(account, region)
    elif account.mode == AuthMode.KEYS:
        session = _session(
            aws_access_key_id=crypto.decrypt(account.access_key_token),
            aws_secret_access_key=crypto.decrypt(account.secret_key_token),
            region_name=region,
        )
    else:
        raise NotConnected("Your AWS account was disconnected; connect it again and retry.")
    return Sandbox(session=session, region=region)


def _assumed_session(account: CloudAccount, region: str) -> boto3.Session:
    sts = make_client(lambdalab_session(region=region), "sts", region=region)
    credentials = sts.assume_role(
        RoleArn=account.role_arn,
        RoleSessionName=f"lambdalab-{account.user_id}",
        ExternalId=account.external_id,
        DurationSeconds=SESSION_SECONDS,
    )["Credentials"]
    return _session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )


@functools.lru_cache(maxsize=1)
def lambdalab_principal_arn() -> str:
    """The principal learners' trust policies name: a setting, else who LambdaLab's keys are."""
    if settings.CLOUD_TRUST_PRINCIPAL_ARN:
        return settings.CLOUD_TRUST_PRINCIPAL_ARN
    region = settings.CLOUD_REGIONS[0] if settings.CLOUD_REGIONS else "us-east-1"
    try:
        sts = make_client(lambdalab_session(region=region), "sts", region=region)
        account_id = sts.get_caller_identity()["Account"]
    except Exception:  # noqa: BLE001 - the page must render even when AWS is unreachable
        return "arn:aws:iam::LAMBDALAB_ACCOUNT_ID:root"
    return f"arn:aws:iam::{account_id}:root"
