"""Cloud services: connect an account, verify it, deploy, invoke, tear down.

Views and tasks call only these. `*_create` checks guardrails and queues a job (GuardrailError
carries the learner's message); `*_execute` runs one job on the deploy queue and is idempotent.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from lambdalab.cloud import checks, crypto, deploy, jobs, limits, naming, teardown
from lambdalab.cloud.aws import NotConnected, learner_sandbox
from lambdalab.cloud.errors import CloudError, explain
from lambdalab.cloud.models import (
    AuthMode,
    CloudAccount,
    CloudInvocation,
    Deployment,
    Status,
    Teardown,
    Verification,
)
from lambdalab.cloud.naming import GuardrailError

ACCESS_KEY_ID = r"^(AKIA|ASIA)[A-Z0-9]{12,124}$"
MAX_EVENT_BYTES = 256 * 1024


# --- the account --------------------------------------------------------------------------------


def account_get(*, user) -> CloudAccount:
    """The learner's account row, made on first use so the ExternalId is stable from then on."""
    account, _ = CloudAccount.objects.get_or_create(
        user=user, defaults={"external_id": f"lambdalab-{secrets.token_hex(16)}"}
    )
    return account


def account_connect(
    *,
    user,
    mode: str,
    region: str,
    role_arn: str = "",
    access_key_id: str = "",
    secret_access_key: str = "",
    execution_role_arn: str = "",
) -> CloudAccount:
    """Connect (or re-connect) with a role to assume, or with access keys stored encrypted."""
    account = account_get(user=user)
    naming.check_region(region)
    if execution_role_arn:
        execution_role_arn = naming.check_role_arn(execution_role_arn)
    if mode == AuthMode.ROLE:
        account.role_arn = naming.check_role_arn(role_arn, what="access role")
        account.access_key_token = account.secret_key_token = ""
    elif mode == AuthMode.KEYS:
        _check_keys(access_key_id, secret_access_key)
        account.access_key_token = crypto.encrypt(access_key_id.strip())
        account.secret_key_token = crypto.encrypt(secret_access_key.strip())
        account.role_arn = ""
    else:
        raise GuardrailError("Choose a role to assume or access keys.")
    account.mode, account.region = mode, region
    account.execution_role_arn = execution_role_arn
    account.verified_at, account.aws_account_id, account.caller_arn = None, "", ""
    account.connected_at = timezone.now()
    account.save()
    return account


def _check_keys(access_key_id: str, secret_access_key: str) -> None:

    if not re.match(ACCESS_KEY_ID, access_key_id.strip()):
        raise GuardrailError("An access key ID starts with AKIA and has 20 characters.")
    if len(secret_access_key.strip()) < 20:
        raise GuardrailError("The secret access key is 40 characters long.")


def account_disconnect(*, user) -> None:
    """Forget the credentials (and role); the ExternalId stays for the next connection."""
    account = account_get(user=user)
    account.mode = ""
    account.role_arn = account.access_key_token = account.secret_key_token = ""
    account.verified_at = None
    account.save()


def _connected(user) -> CloudAccount:
    account = account_get(user=user)
    if not account.is_connected:
        raise GuardrailError("Connect your AWS account first.")
    return account


# --- verify -------------------------------------------------------------------------------------


def verification_create(*, user) -> Verification:
    account = _connected(user)
    limits.check_not_pending(Verification.objects.filter(user=user), "A check is already running.")
    with transaction.atomic():
        verification = Verification.objects.create(user=user, account=account)
        jobs.enqueue_on_commit(verification)
    return verification


def verification_execute(*, verification_id: int) -> bool:
    """Who LambdaLab is in the account, and which needed permissions it has."""
    token = jobs.claim(Verification, verification_id)
    if token is None:
        return False
    job = Verification.objects.select_related("account").get(pk=verification_id)
    account = job.account
    try:
        sandbox = learner_sandbox(account=account)
        identity = checks.identity_get(sandbox=sandbox)
        principal = checks.principal_arn(identity["arn"], account.role_arn)
        method, found = checks.permissions_check(sandbox=sandbox, principal=principal)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message for the learner
        jobs.retry_or_fail(job, token, _explain(exc, account.region, "sts:GetCallerIdentity"))
        return True
    CloudAccount.objects.filter(pk=account.pk).update(
        aws_account_id=identity["account"],
        caller_arn=identity["arn"],
        verified_at=timezone.now(),
    )
    jobs.finish(
        Verification,
        job.pk,
        token,
        report={"identity": identity, "method": method, "checks": found},
    )
    return True


def _explain(exc: Exception, region: str, action: str) -> CloudError:
    if isinstance(exc, crypto.CredentialsUnreadable | NotConnected):
        return CloudError(str(exc), code=type(exc).__name__)
    if isinstance(exc, GuardrailError):
        return CloudError(exc.message, code="Guardrail")
    return explain(exc, region=region, action=action)


# --- deploy -------------------------------------------------------------------------------------


def deployment_create(
    *,
    user,
    files: dict[str, str],
    handler: str,
    config: dict[str, Any],
    source: str,
    exercise=None,
    exercise_slug: str = "",
    execution_role_arn: str = "",
    trigger: dict[str, Any] | None = None,
) -> Deployment:
    """Queue a deploy of this code to `lambdalab-<learner>-<exercise>`, within the guardrails."""
    account = _connected(user)
    config = _deploy_config(config)
    role = naming.check_role_arn(
        execution_role_arn or account.execution_role_arn, account_id=account.aws_account_id
    )
    trigger = naming.check_trigger(trigger)
    if not files:
        raise GuardrailError("There is no code to deploy.")
    slug = exercise.slug if exercise else exercise_slug or "playground"
    name = naming.function_name(learner=user.get_username(), exercise=slug)
    limits.check_deploy_rate(user, name)
    with transaction.atomic():
        deployment = Deployment.objects.create(
            user=user,
            account=account,
            exercise=exercise,
            source=source[:100],
            function_name=name,
            region=account.region,
            files=files,
            handler=handler,
            config=config,
            execution_role_arn=role,
            trigger=trigger,
        )
        jobs.enqueue_on_commit(deployment)
    return deployment


def _deploy_config(config: dict[str, Any]) -> dict[str, Any]:
    clean = {
        "runtime": config.get("runtime") or "python3.12",
        "architecture": config.get("architecture") or "x86_64",
        "memory": int(config.get("memory") or 128),
        "timeout": int(config.get("timeout") or 3),
        "environment": {str(k): str(v) for k, v in (config.get("environment") or {}).items()},
    }
    naming.check_memory_timeout(memory=clean["memory"], timeout=clean["timeout"])
    naming.check_runtime(runtime=clean["runtime"], architecture=clean["architecture"])
    return clean


def deployment_execute(*, deployment_id: int) -> bool:
    """Create or update the function, wait for it, publish a version, wire the trigger."""
    token = jobs.claim(Deployment, deployment_id)
    if token is None:
        return False
    job = Deployment.objects.select_related("account", "exercise", "user").get(pk=deployment_id)
    try:
        sandbox = learner_sandbox(account=job.account, region=job.region)
        done = deploy.function_deploy(sandbox=sandbox, spec=_spec(job), trigger=job.trigger)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message for the learner
        jobs.retry_or_fail(job, token, _explain(exc, job.region, "deploy"))
        return True
    jobs.finish(
        Deployment,
        job.pk,
        token,
        function_arn=done.function_arn,
        version=done.version,
        code_sha256=done.code_sha256,
        created_function=done.created,
        trigger_report=done.trigger_report,
        error_code="",
        error_message="",
    )
    return True


def _spec(job: Deployment) -> deploy.FunctionSpec:
    exercise = job.exercise.slug if job.exercise else job.function_name
    return deploy.FunctionSpec(
        name=job.function_name,
        files=job.files,
        handler=job.handler,
        runtime=job.config["runtime"],
        architecture=job.config["architecture"],
        memory=job.memory,
        timeout=job.timeout,
        environment=job.config["environment"],
        role_arn=job.execution_role_arn,
        tags={naming.OWNER_TAG: naming.owner_tag(job.user), naming.EXERCISE_TAG: exercise},
    )


# --- invoke -------------------------------------------------------------------------------------


def invocation_create(
    *, user, deployment: Deployment, event: Any, compare_locally: bool = False
) -> CloudInvocation:
    """Queue an invoke of the deployed version; optionally the same code and event run locally."""
    if deployment.user_id != user.pk or not deployment.is_live:
        raise GuardrailError("Deploy the function first (or again, after a teardown).")

    if len(json.dumps(event).encode()) > MAX_EVENT_BYTES:
        raise GuardrailError("The event is over 256 KB; LambdaLab sends smaller test events.")
    limits.check_invoke_rate(user)
    with transaction.atomic():
        local_run = _local_run(user, deployment, event) if compare_locally else None
        invocation = CloudInvocation.objects.create(
            user=user, deployment=deployment, event=event, local_run=local_run
        )
        jobs.enqueue_on_commit(invocation)
    return invocation


def _local_run(user, deployment: Deployment, event: Any):
    from lambdalab.submissions import services as submissions
    from lambdalab.submissions.errors import Refused

    config = {k: deployment.config[k] for k in ("memory", "timeout", "environment", "architecture")}
    try:
        return submissions.run_create(
            user=user,
            files=deployment.files,
            event=event,
            exercise=deployment.exercise,
            handler=deployment.handler,
            config=config,
        )
    except Refused as refused:
        raise GuardrailError(f"The local run could not be queued: {refused.message}") from None


def invocation_execute(*, invocation_id: int) -> bool:
    """Invoke the published version (RequestResponse, log tail) and store the record."""
    token = jobs.claim(CloudInvocation, invocation_id)
    if token is None:
        return False
    job = CloudInvocation.objects.select_related("deployment__account").get(pk=invocation_id)
    deployment = job.deployment
    try:
        sandbox = learner_sandbox(account=deployment.account, region=deployment.region)
        record, executed = deploy.function_invoke(
            sandbox=sandbox,
            function_name=deployment.function_name,
            version=deployment.version,
            event=job.event,
            memory_size_mb=deployment.memory,
            architecture=deployment.config["architecture"],
        )
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message for the learner
        jobs.retry_or_fail(job, token, _explain(exc, deployment.region, "lambda:InvokeFunction"))
        return True
    jobs.finish(
        CloudInvocation,
        job.pk,
        token,
        record=record,
        executed_version=executed,
        error_code="",
        error_message="",
    )
    return True


# --- teardown -----------------------------------------------------------------------------------


def teardown_create(*, user) -> Teardown:
    """Queue the deletion of everything LambdaLab made, in every region it deployed to."""
    account = _connected(user)
    limits.check_not_pending(Teardown.objects.filter(user=user), "A teardown is already running.")
    limits.check_not_pending(
        Deployment.objects.filter(user=user),
        "Wait for the running deployment to finish, then tear down.",
    )
    used = set(Deployment.objects.filter(user=user).values_list("region", flat=True))
    regions = sorted(used | {account.region})
    with transaction.atomic():
        job = Teardown.objects.create(user=user, account=account, regions=regions)
        jobs.enqueue_on_commit(job)
    return job


def teardown_execute(*, teardown_id: int) -> bool:
    token = jobs.claim(Teardown, teardown_id)
    if token is None:
        return False
    job = Teardown.objects.select_related("account", "user").get(pk=teardown_id)
    report: dict[str, list[str]] = {}
    try:
        for region in job.regions:
            sandbox = learner_sandbox(account=job.account, region=region)
            found = teardown.resources_delete(sandbox=sandbox, owner=naming.owner_tag(job.user))
            for key, names in found.items():
                report.setdefault(key, []).extend(f"{region}: {n}" for n in names)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message for the learner
        jobs.retry_or_fail(job, token, _explain(exc, job.account.region, "teardown"))
        return True
    Deployment.objects.filter(
        user=job.user, status=Status.FINISHED, torn_down_at__isnull=True
    ).update(torn_down_at=timezone.now())
    jobs.finish(Teardown, job.pk, token, report=report, error_code="", error_message="")
    return True
