"""Per-run mock AWS accounts, fixtures, event builders and triggers.

Public API::

    from lambdalab.mockaws import MockAccount, load_fixtures, FixtureError

    fixtures = load_fixtures("lessons/stop-idle/fixtures.yaml")   # or YAML text / a dict
    with MockAccount.start(fixtures=fixtures, account_id="123456789012", region="us-east-1") \
            as acct:
        sock = acct.connect()          # hand to the sandbox: client.use_channel(sock.fileno())
        env = acct.sandbox_env()       # ASIA… credentials, region, retry mode for the sandbox
        ...                            # run the learner's handler
        acct.state()                   # JSON-able dict of the account (format in FIXTURES.md)
        acct.read_object("uploads", "reports/a.csv") -> bytes
        acct.boto3_client("ec2")       # trusted-side client onto the same account

Sandbox side (stdlib + botocore only; imported in the runtime's zygote)::

    from lambdalab.mockaws import client
    client.preload()                   # once, before any boto3 Session exists
    client.use_channel(fd)             # per invocation, inside the sandbox

Events (`events.py`, `event_templates()`) and triggers (`triggers.py`) build on MockAccount.
Each account is a forked child of a warm moto host process; closing the account ends it.

This package imports lazily so that `lambdalab.mockaws.client` stays light in the sandbox.
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
