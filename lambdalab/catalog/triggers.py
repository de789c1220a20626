"""Test events generated from a trigger (`trigger:` in a test) with AWS's real event shapes.

Builders come from `lambdalab.mockaws.events`; the `s3_put`, `sqs` (`from_mock: true`) and
`sns` triggers act on the run's mock account first, so the handler finds what the event says.
Runs on the trusted side at grading time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

_AT = {"type": "string", "minLength": 1}
_STR_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_HTTP = {
    "method": {"type": "string", "minLength": 1},
    "path": {"type": "string", "pattern": "^/"},
    "query": {"type": ["string", "object"]},
    "headers": _STR_MAP,
    "body": {},
    "path_parameters": _STR_MAP,
    "at": _AT,
}


def _spec(props: dict[str, Any], *required: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": list(required),
        "additionalProperties": False,
    }


TRIGGER_SCHEMAS: dict[str, dict[str, Any]] = {
    "s3_put": _spec(
        {
            "bucket": {"type": "string"},
            "key": {"type": "string"},
            "body": {"type": "string"},
            "content_type": {"type": "string"},
        },
        "bucket",
        "key",
        "body",
    ),
    "schedule": _spec({"rule": {"type": "string"}, "at": _AT}, "rule"),
    "alarm": _spec(
        {
            "name": {"type": "string"},
            "state": {"enum": ["OK", "ALARM", "INSUFFICIENT_DATA"]},
            "previous_state": {"enum": ["OK", "ALARM", "INSUFFICIENT_DATA"]},
            "namespace": {"type": "string"},
            "metric": {"type": "string"},
            "dimensions": _STR_MAP,
            "threshold": {"type": "number"},
            "value": {"type": "number"},
            "at": _AT,
        },
        "name",
        "state",
    ),
    "api": _spec({**_HTTP, "resource": {"type": "string"}}, "method", "path"),
    "http_api": _spec({**_HTTP, "route_key": {"type": "string"}}, "method", "path"),
    "sqs": _spec(
        {
            "queue": {"type": "string"},
            "bodies": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "from_mock": {"type": "boolean"},
        },
        "queue",
    ),
    "sns": _spec(
        {"topic": {"type": "string"}, "message": {}, "subject": {"type": "string"}},
        "topic",
        "message",
    ),
}

TRIGGER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": TRIGGER_SCHEMAS,
    "additionalProperties": False,
    "minProperties": 1,
    "maxProperties": 1,
}

NEEDS_ACCOUNT = {"s3_put", "sns"}


def needs_account(trigger: dict[str, Any]) -> bool:
    """Whether building this trigger's event acts on the mock account (fixtures required)."""
    kind = next(iter(trigger))
    return kind in NEEDS_ACCOUNT or bool(trigger[kind].get("from_mock"))


def trigger_event(trigger: dict[str, Any], account: Any) -> Any:
    """Build the event for `trigger` ({kind: options}), acting on `account` where needed."""
    kind, options = next(iter(trigger.items()))
    options = dict(options)
    if "at" in options:
        options["at"] = datetime.fromisoformat(options["at"].replace("Z", "+00:00"))
    return _BUILDERS[kind](options, account)


def _s3_put(options: dict[str, Any], account: Any) -> Any:
    from lambdalab.mockaws.events import s3_put_from_mock

    return s3_put_from_mock(account, **options)


def _schedule(options: dict[str, Any], account: Any) -> Any:
    from lambdalab.mockaws.events import scheduled_event

    return scheduled_event(**options, **_where(account))


def _alarm(options: dict[str, Any], account: Any) -> Any:
    from lambdalab.mockaws.events import alarm_state_change_event

    options["alarm"] = options.pop("name")
    return alarm_state_change_event(**options, **_where(account))


def _api(options: dict[str, Any], account: Any) -> Any:
    from lambdalab.mockaws.events import apigw_rest_event

    return apigw_rest_event(**options, **_where(account))


def _http_api(options: dict[str, Any], account: Any) -> Any:
    from lambdalab.mockaws.events import apigw_http_event

    return apigw_http_event(**options, **_where(account))


def _sqs(options: dict[str, Any], account: Any) -> Any:
    from lambdalab.mockaws.events import sqs_batch_from_mock, sqs_event

    if options.pop("from_mock", False):
        return sqs_batch_from_mock(account, queue=options["queue"]) or {"Records": []}
    return sqs_event(bodies=options.get("bodies") or ["Hello from SQS!"], queue=options["queue"])


def _sns(options: dict[str, Any], account: Any) -> Any:
    from lambdalab.mockaws.events import sns_publish_from_mock

    return sns_publish_from_mock(account, **options)


def _where(account: Any) -> dict[str, str]:
    if account is None:
        return {}
    return {"account": account.account_id, "region": account.region}


_BUILDERS: dict[str, Callable[[dict[str, Any], Any], Any]] = {
    "s3_put": _s3_put,
    "schedule": _schedule,
    "alarm": _alarm,
    "api": _api,
    "http_api": _http_api,
    "sqs": _sqs,
    "sns": _sns,
}
