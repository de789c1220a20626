"""Verify: who LambdaLab is in the learner's account, and whether it may do its work there.

iam:SimulatePrincipalPolicy answers for every action at once when the account allows it; where it
does not (no permission, or an AWS look-alike without IAM simulation), harmless read calls are
tried instead and the rest are reported as unchecked until the first deploy.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from lambdalab.cloud import errors, naming, policies
from lambdalab.cloud.aws import Sandbox

_ASSUMED = re.compile(r"^arn:(aws[\w-]*):sts::(\d{12}):assumed-role/([\w+=,.@-]+)/")


def identity_get(*, sandbox: Sandbox) -> dict[str, str]:
    found = sandbox.client("sts").get_caller_identity()
    return {"account": found["Account"], "arn": found["Arn"], "user_id": found["UserId"]}


def principal_arn(caller_arn: str, role_arn: str = "") -> str:
    """The IAM principal to simulate: the role behind an assumed-role session, or the user."""
    if role_arn:
        return role_arn
    match = _ASSUMED.match(caller_arn)
    if match:
        return f"arn:{match.group(1)}:iam::{match.group(2)}:role/{match.group(3)}"
    return caller_arn


def permissions_check(*, sandbox: Sandbox, principal: str) -> tuple[str, list[dict[str, Any]]]:
    """(method, checks): each check is {action, result: allowed|denied|unchecked, detail}."""
    try:
        return "simulation", _simulate(sandbox, principal)
    except (ClientError, BotoCoreError, ResponseParserError):
        return "tried", _try_reads(sandbox)


def _simulate(sandbox: Sandbox, principal: str) -> list[dict[str, Any]]:
    iam = sandbox.client("iam")
    checks = []
    for actions, resource in _sample_resources(principal, sandbox.region):
        result = iam.simulate_principal_policy(
            PolicySourceArn=principal,
            ActionNames=list(actions),
            ResourceArns=[resource],
            ContextEntries=[PASSED_TO_LAMBDA],
        )
        for evaluation in result["EvaluationResults"]:
            allowed = evaluation["EvalDecision"] == "allowed"
            checks.append(
                {
                    "action": evaluation["EvalActionName"],
                    "result": "allowed" if allowed else "denied",
                    "detail": "" if allowed else evaluation["EvalDecision"],
                }
            )
    return checks


PASSED_TO_LAMBDA = {
    "ContextKeyName": "iam:PassedToService",
    "ContextKeyType": "string",
    "ContextKeyValues": ["lambda.amazonaws.com"],
}


def _sample_resources(principal: str, region: str) -> list[tuple[tuple[str, ...], str]]:
    # Concrete ARNs of the kind LambdaLab creates: simulating against "*" would report the
    # policy's resource-scoped grants (lambdalab-* only) as denied.
    account = principal.split(":")[4]
    probe = f"{naming.PREFIX}probe"
    return [
        (policies.FUNCTION_ACTIONS, f"arn:aws:lambda:{region}:{account}:function:{probe}"),
        (policies.ACCOUNT_ACTIONS, "*"),
        (policies.RULE_ACTIONS, f"arn:aws:events:{region}:{account}:rule/{probe}"),
        (policies.BUCKET_ACTIONS, f"arn:aws:s3:::{probe}"),
        ((policies.PASS_ROLE,), f"arn:aws:iam::{account}:role/{probe}"),
    ]


TRIES = (
    ("lambda:ListFunctions", "lambda", "list_functions", {"MaxItems": 1}),
    ("events:ListRules", "events", "list_rules", {"NamePrefix": naming.PREFIX, "Limit": 1}),
    (
        "lambda:GetFunctionConfiguration",
        "lambda",
        "get_function_configuration",
        {"FunctionName": f"{naming.PREFIX}verify-probe"},
    ),
)


def _try_reads(sandbox: Sandbox) -> list[dict[str, Any]]:
    checks = [_try(sandbox, *attempt) for attempt in TRIES]
    tried = {c["action"] for c in checks}
    for action in policies.REQUIRED_ACTIONS:
        if action not in tried:
            checks.append(
                {"action": action, "result": "unchecked", "detail": "checked on first use"}
            )
    return checks


def _try(
    sandbox: Sandbox, action: str, service: str, method: str, kwargs: dict[str, Any]
) -> dict[str, Any]:
    try:
        getattr(sandbox.client(service), method)(**kwargs)
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
        if code in errors.ACCESS_DENIED:
            return {"action": action, "result": "denied", "detail": code}
        if code != "ResourceNotFoundException":  # a missing probe function means "allowed"
            raise
    return {"action": action, "result": "allowed", "detail": ""}
