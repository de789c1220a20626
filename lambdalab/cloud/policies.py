"""The least-privilege permission policy and the trust policies learners copy into IAM."""

from __future__ import annotations

import json
from typing import Any

from lambdalab.cloud import naming

FUNCTION_ACTIONS = (
    "lambda:CreateFunction",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "lambda:GetFunction",
    "lambda:GetFunctionConfiguration",
    "lambda:PublishVersion",
    "lambda:InvokeFunction",
    "lambda:DeleteFunction",
    "lambda:AddPermission",
    "lambda:RemovePermission",
    "lambda:GetPolicy",
    "lambda:TagResource",
    "lambda:ListTags",
)
ACCOUNT_ACTIONS = ("lambda:ListFunctions", "events:ListRules")
RULE_ACTIONS = (
    "events:PutRule",
    "events:PutTargets",
    "events:RemoveTargets",
    "events:DeleteRule",
    "events:ListTargetsByRule",
    "events:TagResource",
    "events:ListTagsForResource",
)
BUCKET_ACTIONS = ("s3:GetBucketNotification", "s3:PutBucketNotification")
PASS_ROLE = "iam:PassRole"  # noqa: S105 - an IAM action, not a password
REQUIRED_ACTIONS = (*FUNCTION_ACTIONS, *ACCOUNT_ACTIONS, *RULE_ACTIONS, *BUCKET_ACTIONS, PASS_ROLE)


def permission_policy(*, region: str = "", account_id: str = "", role_arn: str = "") -> dict:
    """What the role (or user) LambdaLab acts as needs: LambdaLab's own resources and no more."""
    region, account = region or "*", account_id or "*"
    prefix = naming.PREFIX
    statements: list[dict[str, Any]] = [
        _allow(
            "LambdaLabFunctions",
            FUNCTION_ACTIONS,
            [f"arn:aws:lambda:{region}:{account}:function:{prefix}*"],
        ),
        _allow("ListToFindLambdaLabResources", ACCOUNT_ACTIONS, ["*"]),
        _allow(
            "LambdaLabScheduleRules",
            RULE_ACTIONS,
            [f"arn:aws:events:{region}:{account}:rule/{prefix}*"],
        ),
        _allow("S3TriggerNotifications", BUCKET_ACTIONS, ["arn:aws:s3:::*"]),
        {
            **_allow("PassExecutionRoleToLambda", (PASS_ROLE,), [f"arn:aws:iam::{account}:role/*"]),
            "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
        },
        _allow("CheckOwnPermissions", ("iam:SimulatePrincipalPolicy",), [role_arn or "*"]),
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def _allow(sid: str, actions: tuple[str, ...], resources: list[str]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": resources}


def trust_policy(*, principal_arn: str, external_id: str) -> dict:
    """Lets LambdaLab assume the role, only with this learner's ExternalId (no confused deputy)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": principal_arn},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
            }
        ],
    }


def execution_trust_policy() -> dict:
    """For the execution role the function runs as (attach AWSLambdaBasicExecutionRole to it)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def pretty(document: dict) -> str:
    return json.dumps(document, indent=2)
