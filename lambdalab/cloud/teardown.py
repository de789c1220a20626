"""Find and delete everything LambdaLab created in a learner's account, by name prefix and tag.

Only resources whose `lambdalab:owner` tag names this learner are touched, so two learners who
share a sandbox account (a class account) never delete each other's work.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from lambdalab.cloud import naming
from lambdalab.cloud.aws import Sandbox


def resources_delete(*, sandbox: Sandbox, owner: str) -> dict[str, list[str]]:
    """Delete this owner's functions (with their permissions and S3 notifications) and rules."""
    report: dict[str, list[str]] = {
        "functions": [],
        "permissions": [],
        "notifications": [],
        "rules": [],
    }
    for rule in _owned_rules(sandbox, owner):
        _delete_rule(sandbox, rule)
        report["rules"].append(rule)
    for name, arn in _owned_functions(sandbox, owner):
        _delete_function(sandbox, name, arn, report)
    return report


def _owned_functions(sandbox: Sandbox, owner: str) -> list[tuple[str, str]]:
    lam = sandbox.client("lambda")
    owned = []
    for page in lam.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            if not function["FunctionName"].startswith(naming.PREFIX):
                continue
            tags = lam.list_tags(Resource=function["FunctionArn"]).get("Tags", {})
            if tags.get(naming.OWNER_TAG) == owner:
                owned.append((function["FunctionName"], function["FunctionArn"]))
    return owned


def _delete_function(sandbox: Sandbox, name: str, arn: str, report: dict[str, list[str]]) -> None:
    lam = sandbox.client("lambda")
    for statement in _statements(lam, name):
        bucket = _bucket_of(statement)
        if bucket:
            report["notifications"] += _unhook_bucket(sandbox, bucket, arn)
        lam.remove_permission(FunctionName=name, StatementId=statement["Sid"])
        report["permissions"].append(f"{name}: {statement['Sid']}")
    try:
        lam.delete_function(FunctionName=name)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    report["functions"].append(name)


def _statements(lam, name: str) -> list[dict[str, Any]]:
    try:
        policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ResourceNotFoundException":
            return []  # no resource policy at all
        raise
    return [s for s in policy.get("Statement", []) if s.get("Sid", "").startswith(naming.PREFIX)]


def _bucket_of(statement: dict[str, Any]) -> str:
    source = statement.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn", "")
    return source.removeprefix("arn:aws:s3:::") if source.startswith("arn:aws:s3:::") else ""


def _unhook_bucket(sandbox: Sandbox, bucket: str, function_arn: str) -> list[str]:
    s3 = sandbox.client("s3")
    try:
        current = s3.get_bucket_notification_configuration(Bucket=bucket)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchBucket":
            return []
        raise
    current.pop("ResponseMetadata", None)
    configs = current.get("LambdaFunctionConfigurations", [])
    ours = [c for c in configs if c.get("LambdaFunctionArn", "").startswith(function_arn)]
    if not ours:
        return []
    current["LambdaFunctionConfigurations"] = [c for c in configs if c not in ours]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=current)
    return [f"{bucket}: {c.get('Id', '')}" for c in ours]


def _owned_rules(sandbox: Sandbox, owner: str) -> list[str]:
    events = sandbox.client("events")
    owned = []
    for page in events.get_paginator("list_rules").paginate(NamePrefix=naming.PREFIX):
        for rule in page["Rules"]:
            tags = events.list_tags_for_resource(ResourceARN=rule["Arn"]).get("Tags", [])
            if {t["Key"]: t["Value"] for t in tags}.get(naming.OWNER_TAG) == owner:
                owned.append(rule["Name"])
    return owned


def _delete_rule(sandbox: Sandbox, rule: str) -> None:
    events = sandbox.client("events")
    targets = events.list_targets_by_rule(Rule=rule).get("Targets", [])
    if targets:
        events.remove_targets(Rule=rule, Ids=[t["Id"] for t in targets])
    events.delete_rule(Name=rule)
