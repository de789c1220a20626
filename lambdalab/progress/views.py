"""The exercise workspace (code, configuration, test events, drafts), the dashboard and the labs."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lambdalab.catalog import selectors as catalog
from lambdalab.catalog.models import Exercise
from lambdalab.progress import labs, services, workspace
from lambdalab.progress import selectors as progress

EXERCISE_PAGE = "progress/exercise.html"
TOO_BIG = (
    "Your code is larger than the 3 MB limit of the Lambda console editor. "
    "It is still in your browser: remove something and try again."
)


def exercise_or_missing(request: HttpRequest, slug: str) -> Exercise | HttpResponse:
    """The exercise, or a 404 page that says so in words and lists the exercises there are."""
    try:
        return catalog.exercise_get(slug=slug)
    except Http404:
        lessons = list(catalog.lesson_list())
        template = "progress/exercise_missing.html"
        if request.htmx:
            template += "#message"
        return render(request, template, {"slug": slug, "lessons": lessons}, status=404)


@login_required
def exercise_detail(request: HttpRequest, slug: str) -> HttpResponse:
    exercise = exercise_or_missing(request, slug)
    if isinstance(exercise, HttpResponse):
        return exercise
    return render(request, EXERCISE_PAGE, workspace_context(request, exercise))


def workspace_context(request: HttpRequest, exercise: Exercise, **extra: Any) -> dict[str, Any]:
    """Everything the exercise page shows, from the learner's draft or the starter."""
    from lambdalab.submissions.selectors import (
        attempt_count,
        latest_run,
        run_context,
        submission_history,
    )

    content = exercise.current_version.content()
    draft = progress.draft_get(user=request.user, exercise=exercise)
    files = dict(content.starter_files)
    if draft:
        files.update({p: t for p, t in draft.files.items() if p in content.starter_files})
    config = content.config_dict(None)
    if draft:
        config.update({k: v for k, v in draft.config.items() if k in content.configurable})
    choices = workspace.event_choices(exercise=exercise, content=content, user=request.user)
    event_text = (
        draft.event_text if draft and draft.event_text else workspace.first_event_text(content)
    )
    chosen = request.GET.get("event")
    for choice in choices:
        if chosen and choice.key == chosen:
            event_text = choice.body
    context = {
        "exercise": exercise,
        "content": content,
        "lesson": exercise.lesson,
        "files": workspace.ordered_files(files, content.handler),
        "handler_file": workspace.handler_path(content.handler),
        "config": config,
        "environment_text": workspace.environment_text(config["environment"]),
        "configurable": content.configurable,
        "memory_choices": workspace.MEMORY_CHOICES,
        "architectures": workspace.ARCHITECTURES,
        "event_text": event_text,
        "event_choices": choices,
        "chosen_event": chosen or "",
        "event_data": {c.key: c.body for c in choices},
        "draft": draft,
        **run_context(latest_run(user=request.user, exercise=exercise)),
        "history": list(submission_history(user=request.user, exercise=exercise)[:1]),
        "attempt_count": attempt_count(user_id=request.user.pk, exercise_id=exercise.pk),
        "visible_tests": [t for t in content.tests if t.visible],
        "hidden_count": sum(not t.visible for t in content.tests),
        "problems": {},
    }
    context.update(extra)
    return context


def read_workspace(request: HttpRequest, exercise: Exercise):
    """(files, config, event_text, problems) from the workspace form."""
    content = exercise.current_version.content()
    problems = workspace.FormProblems()
    try:
        request.POST  # noqa: B018 - parse now: a body over Django's limit raises here
    except RequestDataTooBig:
        problems.add("files", TOO_BIG)
        return {}, {}, "", problems
    files = workspace.read_files(request.POST, set(content.starter_files), problems)
    config = workspace.read_config(request.POST, content.configurable, problems)
    return files, config, request.POST.get("event", ""), problems


@login_required
@require_POST
def draft_save(request: HttpRequest, slug: str) -> HttpResponse:
    """Autosave (htmx, every pause in typing) and the Save button without JavaScript."""
    exercise = exercise_or_missing(request, slug)
    if isinstance(exercise, HttpResponse):
        return exercise
    files, config, event_text, problems = read_workspace(request, exercise)
    status = 200
    if problems.errors.get("files") == TOO_BIG:
        return _save_refused(request, exercise, TOO_BIG)
    try:
        services.draft_save(
            user=request.user, exercise=exercise, files=files, config=config, event_text=event_text
        )
        message = ""
    except services.DraftRefused as refused:
        message, status = refused.message, 422
    if not request.htmx:
        if message:
            return render(
                request,
                EXERCISE_PAGE,
                workspace_context(request, exercise, save_message=message),
                status=status,
            )
        return redirect(reverse("exercise_detail", args=[slug]))
    return render(
        request,
        f"{EXERCISE_PAGE}#save-status",
        {"save_message": message, "saved": not message},
        status=status,
    )


def _save_refused(request: HttpRequest, exercise: Exercise, message: str) -> HttpResponse:
    if request.htmx:
        return render(
            request, f"{EXERCISE_PAGE}#save-status", {"save_message": message}, status=413
        )
    return render(
        request,
        EXERCISE_PAGE,
        workspace_context(request, exercise, save_message=message),
        status=413,
    )


@login_required
@require_POST
def draft_reset(request: HttpRequest, slug: str) -> HttpResponse:
    exercise = exercise_or_missing(request, slug)
    if isinstance(exercise, HttpResponse):
        return exercise
    services.draft_reset(user=request.user, exercise=exercise)
    return redirect(reverse("exercise_detail", args=[slug]))


@login_required
@require_POST
def event_save(request: HttpRequest, slug: str) -> HttpResponse:
    """Save the event in the editor under a name, after checking it is JSON."""
    exercise = exercise_or_missing(request, slug)
    if isinstance(exercise, HttpResponse):
        return exercise
    name = request.POST.get("event_name", "").strip()
    body = request.POST.get("event", "")
    _, problem = services.event_parse(text=body)
    error = ""
    if not name or len(name) > 25:
        error = "Name the event (1 to 25 characters)."
    elif problem:
        error = problem.sentence
    else:
        services.event_save(user=request.user, exercise=exercise, name=name, body=body)
    if not request.htmx:
        if error:
            return render(
                request,
                EXERCISE_PAGE,
                workspace_context(request, exercise, event_error=error, event_text=body),
                status=422,
            )
        return redirect(reverse("exercise_detail", args=[slug]) + f"?event=saved:{name}")
    context = workspace_context(
        request,
        exercise,
        event_error=error,
        saved_name=name,
        event_text=body,
        chosen_event="" if error else f"saved:{name}",
    )
    return render(request, f"{EXERCISE_PAGE}#event-picker", context, status=422 if error else 200)


def dashboard(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={reverse('dashboard')}")
    lessons = list(catalog.lesson_list())
    return render(
        request, "progress/dashboard.html", progress.dashboard(user=request.user, lessons=lessons)
    )


def cost_calculator(request: HttpRequest) -> HttpResponse:
    report = labs.cost_report(labs.CostInputs.from_params(request.GET))
    template = "progress/labs.html#cost" if request.htmx else "progress/labs.html"
    lab = labs.concurrency_simulate(labs.LabInputs())
    return render(
        request,
        template,
        {"report": report, "lab": lab, "geometry": labs.timeline_svg_geometry(lab)},
    )


def concurrency_lab(request: HttpRequest) -> HttpResponse:
    lab = labs.concurrency_simulate(labs.LabInputs.from_params(request.GET))
    template = "progress/labs.html#concurrency" if request.htmx else "progress/labs.html"
    return render(
        request,
        template,
        {
            "lab": lab,
            "geometry": labs.timeline_svg_geometry(lab),
            "report": labs.cost_report(labs.CostInputs()),
        },
    )
