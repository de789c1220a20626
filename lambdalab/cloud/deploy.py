"""Deploying to and invoking in the learner's account: the AWS calls, in order, and nothing else.

Callers pass a Sandbox (clients in the learner's account) and get plain results back; errors are
botocore's own, which services.explain() turns into messages.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from lambdalab.cloud import naming
from lambdalab.cloud.aws import Sandbox
from lambdalab.cloud.logs import record_from_invoke

WAIT = {"Delay": 2, "MaxAttempts": 90}  # three minutes: longer than any real Active transition
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same code gives the same CodeSha256


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    files: dict[str, str]
    handler: str
    runtime: str
    architecture: str
    memory: int
    timeout: int
    environment: dict[str, str]
    role_arn: str
    tags: dict[str, str]


@dataclass(frozen=True)
class Deployed:
    function_arn: str
    version: str
    code_sha256: str
    created: bool
    trigger_report: dict[str, Any] | None


def zip_code(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=ZIP_EPOCH)
            info.external_attr = 0o644 << 16  # readable by the Lambda runtime user
            archive.writestr(info, files[path], compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def function_deploy(
    *, sandbox: Sandbox, spec: FunctionSpec, trigger: dict[str, Any] | None
) -> Deployed:
    """Create or update the function, wait until it is ready, publish a version, wire a trigger."""
    lam = sandbox.client("lambda")
    code = zip_code(spec.files)
    created = not _exists(lam, spec.name)
    if created:
        lam.create_function(**_configuration(spec), Code={"ZipFile": code}, Tags=spec.tags)
        lam.get_waiter("function_active_v2").wait(FunctionName=spec.name, WaiterConfig=WAIT)
    else:
        _update(lam, spec, code)
    published = lam.publish_version(
        FunctionName=spec.name, CodeSha256=_sha256(code), Description="LambdaLab deploy"
    )
    function_arn = published["FunctionArn"].rsplit(":", 1)[0]
    report = (
        trigger_wire(
            sandbox=sandbox,
            function_name=spec.name,
            function_arn=function_arn,
            trigger=trigger,
            tags=spec.tags,
        )
        if trigger
        else None
    )
    return Deployed(
        function_arn=function_arn,
        version=published["Version"],
        code_sha256=published["CodeSha256"],
        created=created,
        trigger_report=report,
    )


def _sha256(code: bytes) -> str:
    return base64.b64encode(hashlib.sha256(code).digest()).decode()


def _exists(lam, name: str) -> bool:
    try:
        lam.get_function_configuration(FunctionName=name)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ResourceNotFoundException":
            return False
        raise
    return True


def _configuration(spec: FunctionSpec) -> dict[str, Any]:
    return {
        "FunctionName": spec.name,
        "Role": spec.role_arn,
        "Handler": spec.handler,
        "Runtime": spec.runtime,
        "MemorySize": spec.memory,
        "Timeout": spec.timeout,
        "Environment": {"Variables": spec.environment},
        "Architectures": [spec.architecture],
        "Description": "Deployed from LambdaLab",
    }


def _update(lam, spec: FunctionSpec, code: bytes) -> None:
    # Code and configuration are separate updates; each must finish before the next may start.
    lam.update_function_code(
        FunctionName=spec.name, ZipFile=code, Architectures=[spec.architecture]
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=spec.name, WaiterConfig=WAIT)
    config = _configuration(spec)
    config.pop("Architectures")
    lam.update_function_configuration(**config)
    lam.get_waiter("function_updated_v2").wait(FunctionName=spec.name, WaiterConfig=WAIT)
    arn = lam.get_function_configuration(FunctionName=spec.name)["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags=spec.tags)


# --- triggers -----------------------------------------------------------------------------------


def trigger_wire(
    *,
    sandbox: Sandbox,
    function_name: str,
    function_arn: str,
    trigger: dict[str, Any],
    tags: dict[str, str],
) -> dict[str, Any]:
    if trigger["type"] == "s3":
        return _wire_s3(sandbox, function_name, function_arn, trigger["bucket"], trigger["events"])
    return _wire_schedule(sandbox, function_name, function_arn, trigger["expression"], tags)


def _allow_invoke(
    lam,
    *,
    function_name: str,
    sid: str,
    principal: str,
    source_arn: str,
    account_id: str | None = None,
) -> None:
    extra = {"SourceAccount": account_id} if account_id else {}
    try:
        lam.add_permission(
            FunctionName=function_name,
            StatementId=sid,
            Action="lambda:InvokeFunction",
            Principal=principal,
            SourceArn=source_arn,
            **extra,
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceConflictException":  # already granted
            raise


def _wire_s3(
    sandbox: Sandbox, function_name: str, function_arn: str, bucket: str, events: list[str]
) -> dict[str, Any]:
    account_id = function_arn.split(":")[4]
    sid = f"{naming.PREFIX}s3-{bucket}"[:100]
    _allow_invoke(
        sandbox.client("lambda"),
        function_name=function_name,
        sid=sid,
        principal="s3.amazonaws.com",
        source_arn=f"arn:aws:s3:::{bucket}",
        account_id=account_id,
    )
    s3 = sandbox.client("s3")
    current = s3.get_bucket_notification_configuration(Bucket=bucket)
    current.pop("ResponseMetadata", None)
    ours = f"{naming.PREFIX}{function_name}"[:255]
    lambdas = [c for c in current.get("LambdaFunctionConfigurations", []) if c.get("Id") != ours]
    lambdas.append({"Id": ours, "LambdaFunctionArn": function_arn, "Events": events})
    current["LambdaFunctionConfigurations"] = lambdas
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=current)
    return {"type": "s3", "bucket": bucket, "statement_id": sid, "notification_id": ours}


def _wire_schedule(
    sandbox: Sandbox, function_name: str, function_arn: str, expression: str, tags: dict[str, str]
) -> dict[str, Any]:
    events = sandbox.client("events")
    rule_arn = events.put_rule(
        Name=function_name,
        ScheduleExpression=expression,
        State="ENABLED",
        Description="LambdaLab schedule",
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )["RuleArn"]
    events.put_targets(Rule=function_name, Targets=[{"Id": "lambdalab", "Arn": function_arn}])
    sid = f"{naming.PREFIX}schedule"
    _allow_invoke(
        sandbox.client("lambda"),
        function_name=function_name,
        sid=sid,
        principal="events.amazonaws.com",
        source_arn=rule_arn,
    )
    return {
        "type": "schedule",
        "rule": function_name,
        "rule_arn": rule_arn,
        "expression": expression,
        "statement_id": sid,
    }


# --- invoke -------------------------------------------------------------------------------------


def function_invoke(
    *,
    sandbox: Sandbox,
    function_name: str,
    version: str,
    event: Any,
    memory_size_mb: int,
    architecture: str,
) -> tuple[dict[str, Any], str]:
    """RequestResponse with the log tail; returns (record, executed version)."""
    response = sandbox.client("lambda").invoke(
        FunctionName=function_name,
        Qualifier=version,
        InvocationType="RequestResponse",
        LogType="Tail",
        Payload=json.dumps(event).encode(),
    )
    record = record_from_invoke(
        payload=response["Payload"].read(),
        function_error=response.get("FunctionError"),
        log_result=response.get("LogResult"),
        request_id=response["ResponseMetadata"].get("RequestId", ""),
        memory_size_mb=memory_size_mb,
        architecture=architecture,
    )
    return record, response.get("ExecutedVersion", version)
