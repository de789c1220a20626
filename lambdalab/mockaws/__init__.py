"""Per-run mock AWS accounts, fixtures, event builders and triggers.

Public API::

    from lambdalab.mockaws import MockAccount, load_fixtures, FixtureError, event_templates

    fixtures = load_fixtures("lessons/stop-idle/fixtures.yaml")   # or YAML text / a dict
    with MockAccount.start(fixtures=fixtures, account_id="123456789012",
                           region="us-east-1") as acct:           # isolated; FixtureError
        sock = acct.connect()          # hand to the sandbox: client.use_channel(sock.fileno())
        env = acct.sandbox_env()       # optional: ASIA… credentials, region, retry mode
        rt.invoke(config, event, owner=..., aws=acct)   # the runtime calls acct.connect()
        acct.state()                   # JSON-able dict of the account (format in FIXTURES.md)
        acct.read_object("uploads", "reports/a.csv") -> bytes
        acct.boto3_client("ec2")       # trusted-side client onto the same account (cached)

    from lambdalab.mockaws.account import warm_host, shutdown_host
    warm_host()        # start this process's moto host now (~2–10 s once) instead of on first use
    shutdown_host()    # stop it (tests, CLI exit)

Sandbox side (stdlib + botocore only; imported in the runtime's zygote)::

    from lambdalab.mockaws import client
    client.preload()                   # once, in the zygote
    client.use_channel(fd)             # per invocation, inside the sandbox
    client.release_channel()           # after it (the runtime closes the fd)

Events: `lambdalab.mockaws.events` (S3, EventBridge schedule, CloudWatch alarm, DynamoDB
stream, API Gateway v1/v2, SQS, SNS) and `event_templates()` for the UI.
Triggers: `lambdalab.mockaws.triggers.Triggers(account=, runtime=, functions=)`.

Each account is a forked child of a warm moto host process (one per caller process, in an
empty network namespace); runs of the same fixture fork a seeded template. Closing the
account ends its process and frees all of its state. This package imports lazily so that
`lambdalab.mockaws.client` stays light in the sandbox.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FixtureError", "MockAccount", "MockAwsError", "event_templates", "load_fixtures"]

_EXPORTS = {
    "MockAccount": "lambdalab.mockaws.account",
    "MockAwsError": "lambdalab.mockaws.account",
    "FixtureError": "lambdalab.mockaws.fixtures",
    "load_fixtures": "lambdalab.mockaws.fixtures",
    "event_templates": "lambdalab.mockaws.templates",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)
