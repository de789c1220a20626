"""The Cloud page: connect, verify, policies to copy, deploy, invoke, compare, tear down.

Each view parses input and calls one service. Full pages first; for htmx, a named partial of the
same template, which polls only while its job is pending.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lambdalab.cloud import forms, policies, selectors, services, sources
from lambdalab.cloud.aws import lambdalab_principal_arn
from lambdalab.cloud.naming import GuardrailError

PAGE = "cloud/cloud.html"
DEPLOYMENT_PAGE = "cloud/deployment.html"
INVOCATION_PAGE = "cloud/invocation.html"
TEARDOWN_PAGE = "cloud/teardown.html"


def _page_context(request: HttpRequest, **extra) -> dict:
    user = request.user
    account = services.account_get(user=user)
    context = {
        "account": account,
        "connect_form": forms.ConnectForm(
            initial={
                "mode": account.mode or "role",
                "region": account.region,
                "role_arn": account.role_arn,
                "execution_role_arn": account.execution_role_arn,
            }
        ),
        "deploy_form": forms.DeployForm(
            exercises=sources.drafts_for(user=user), initial=_deploy_initial(request, account)
        ),
        "teardown_form": forms.TeardownForm(),
        "verification": selectors.verification_latest(user=user),
        **_deployments(user),
        "invocations": selectors.invocations_recent(user=user, limit=10),
        "teardown": selectors.teardown_latest(user=user),
        "cost": selectors.cost_estimate(user=user),
        **_policies(account),
    }
    context.update(extra)
    return context


def _deploy_initial(request: HttpRequest, account) -> dict:
    """Other pages link here with ?run=<id> or ?exercise=<slug> to deploy that code."""
    initial = {"execution_role_arn": account.execution_role_arn}
    if request.GET.get("run", "").isdigit():
        initial["run"] = int(request.GET["run"])
    if request.GET.get("exercise"):
        initial["exercise"] = request.GET["exercise"]
    return initial


def _policies(account) -> dict[str, str]:
    return {
        "permission_policy": policies.pretty(
            policies.permission_policy(
                region=account.region, account_id=account.aws_account_id, role_arn=account.role_arn
            )
        ),
        "trust_policy": policies.pretty(
            policies.trust_policy(
                principal_arn=lambdalab_principal_arn(), external_id=account.external_id
            )
        ),
        "execution_trust_policy": policies.pretty(policies.execution_trust_policy()),
    }


@login_required
def cloud_home(request: HttpRequest) -> HttpResponse:
    return render(request, PAGE, _page_context(request))


@login_required
@require_POST
def cloud_connect(request: HttpRequest) -> HttpResponse:
    form = forms.ConnectForm(request.POST)
    if form.is_valid():
        try:
            services.account_connect(user=request.user, **form.cleaned_data)
        except GuardrailError as refused:
            form.add_error(None, refused.message)
    if form.errors:
        return render(request, PAGE, _page_context(request, connect_form=form), status=422)
    messages.success(request, "Account connected. Now press Verify.")
    return redirect("cloud")


@login_required
@require_POST
def cloud_disconnect(request: HttpRequest) -> HttpResponse:
    services.account_disconnect(user=request.user)
    messages.success(request, "Disconnected: LambdaLab no longer holds any way into your account.")
    return redirect("cloud")


@login_required
@require_POST
def cloud_verify(request: HttpRequest) -> HttpResponse:
    refusal = ""
    try:
        services.verification_create(user=request.user)
    except GuardrailError as refused:
        refusal = refused.message
    if not request.htmx:
        if refusal:
            messages.error(request, refusal)
        return redirect("cloud")
    return _verification(request, refusal=refusal)


@login_required
def cloud_verification(request: HttpRequest) -> HttpResponse:
    if not request.htmx:
        return redirect("cloud")
    return _verification(request)


def _verification(request: HttpRequest, refusal: str = "") -> HttpResponse:
    context = {
        "account": services.account_get(user=request.user),
        "verify_refusal": refusal,
        "verification": selectors.verification_latest(user=request.user),
    }
    return render(request, f"{PAGE}#verification", context, status=422 if refusal else 200)


@login_required
@require_POST
def cloud_deploy(request: HttpRequest) -> HttpResponse:
    form = forms.DeployForm(request.POST, exercises=sources.drafts_for(user=request.user))
    deployment = None
    if form.is_valid():
        try:
            deployment = _deploy(request, form)
        except GuardrailError as refused:
            form.add_error(None, refused.message)
    if deployment is None:
        return render(request, PAGE, _page_context(request, deploy_form=form), status=422)
    return redirect(deployment.get_absolute_url())


def _deploy(request: HttpRequest, form: forms.DeployForm):
    data = form.cleaned_data
    if data.get("again"):
        code = sources.code_from_deployment(user=request.user, deployment_id=data["again"])
    elif data.get("run"):
        code = sources.code_from_run(user=request.user, run_id=data["run"])
    elif data.get("exercise"):
        code = sources.code_from_draft(user=request.user, slug=data["exercise"])
    else:
        raise GuardrailError("Choose the code to deploy.")
    config = {**code.config, **{k: data[k] for k in ("memory", "timeout") if data.get(k)}}
    return services.deployment_create(
        user=request.user,
        files=code.files,
        handler=code.handler,
        config=config,
        source=code.label,
        exercise=code.exercise,
        trigger=form.trigger_spec(),
        execution_role_arn=data.get("execution_role_arn", ""),
    )


@login_required
def cloud_deployments(request: HttpRequest) -> HttpResponse:
    if not request.htmx:
        return redirect("cloud")
    return render(request, f"{PAGE}#deployments", _deployments(request.user))


def _deployments(user) -> dict:
    deployments = selectors.deployments_recent(user=user)
    return {
        "deployments": deployments,
        "deployments_pending": any(d.is_pending for d in deployments),
    }


@login_required
def cloud_deployment(request: HttpRequest, deployment_id: int) -> HttpResponse:
    deployment = selectors.deployment_get(user=request.user, deployment_id=deployment_id)
    if request.htmx:
        return render(request, f"{DEPLOYMENT_PAGE}#status", {"deployment": deployment})
    event_text = sources.event_text(user=request.user, deployment=deployment, query=request.GET)
    form = forms.InvokeForm(initial={"event": event_text} if event_text else None)
    context = _deployment_context(deployment, invoke_form=form)
    context["event_choices"] = sources.event_choices(user=request.user, deployment=deployment)
    return render(request, DEPLOYMENT_PAGE, context)


def _deployment_context(deployment, **extra) -> dict:
    return {
        "deployment": deployment,
        "invoke_form": forms.InvokeForm(),
        "invocations": list(deployment.invocations.all()[:10]),
        **extra,
    }


@login_required
@require_POST
def cloud_invoke(request: HttpRequest, deployment_id: int) -> HttpResponse:
    deployment = selectors.deployment_get(user=request.user, deployment_id=deployment_id)
    form = forms.InvokeForm(request.POST)
    invocation = None
    if form.is_valid():
        try:
            invocation = services.invocation_create(
                user=request.user,
                deployment=deployment,
                event=_event(form),
                compare_locally=form.cleaned_data["compare_locally"],
            )
        except GuardrailError as refused:
            form.add_error(None, refused.message)
    if invocation is None:
        return render(
            request, DEPLOYMENT_PAGE, _deployment_context(deployment, invoke_form=form), status=422
        )
    return redirect(invocation.get_absolute_url())


def _event(form: forms.InvokeForm):
    try:
        return json.loads(form.cleaned_data["event"])
    except ValueError as exc:
        raise GuardrailError(f"The test event is not valid JSON: {exc}") from None


@login_required
def cloud_invocation(request: HttpRequest, invocation_id: int) -> HttpResponse:
    invocation = selectors.invocation_get(user=request.user, invocation_id=invocation_id)
    local = invocation.local_run
    pending = invocation.is_pending or (local is not None and local.is_pending)
    record = invocation.record or {}
    context = {
        "invocation": invocation,
        "record": record,
        "local": local,
        "pending": pending,
        "payload_text": selectors.pretty(record.get("payload")),
        "event_text": selectors.pretty(invocation.event),
    }
    if local is not None and local.record and invocation.record:
        context["compare"] = selectors.comparison(local=local.record, cloud=invocation.record)
    template = f"{INVOCATION_PAGE}#invocation" if request.htmx else INVOCATION_PAGE
    return render(request, template, context)


@login_required
@require_POST
def cloud_teardown(request: HttpRequest) -> HttpResponse:
    form = forms.TeardownForm(request.POST)
    if form.is_valid():
        try:
            job = services.teardown_create(user=request.user)
        except GuardrailError as refused:
            form.add_error(None, refused.message)
        else:
            return redirect(job.get_absolute_url())
    return render(request, PAGE, _page_context(request, teardown_form=form), status=422)


@login_required
def cloud_teardown_detail(request: HttpRequest, teardown_id: int) -> HttpResponse:
    teardown = selectors.teardown_get(user=request.user, teardown_id=teardown_id)
    context = {"teardown": teardown, "cost": selectors.cost_estimate(user=request.user)}
    template = f"{TEARDOWN_PAGE}#teardown" if request.htmx else TEARDOWN_PAGE
    return render(request, template, context)
