"""Test runs and graded submissions: create, watch (htmx polling while pending), review, compare."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lambdalab.progress import services as drafts
from lambdalab.progress.views import exercise_or_missing, read_workspace, workspace_context
from lambdalab.submissions import selectors, services
from lambdalab.submissions.errors import Refused

RUN_PAGE = "submissions/run_detail.html"
SUBMISSION_PAGE = "submissions/submission_detail.html"
EXERCISE_PAGE = "progress/exercise.html"


def _refuse(request, exercise, partial: str, message: str, *, retry_after=None, status=422):
    """Show why nothing was queued, next to the button that was pressed; the draft is kept.

    When the service says it is only busy ("Retrying in 3 s"), the partial sends the same form
    again after `retry_after` seconds, so the promise in the message is kept.
    """
    action = "run_create" if partial == "test-result" else "submission_create"
    retry_url = reverse(action, args=[exercise.slug]) if "Retrying" in message else ""
    context = {"refusal": message, "retry_after": retry_after, "retry_url": retry_url}
    if request.htmx:
        return render(request, f"{EXERCISE_PAGE}#{partial}", context, status=status)
    page = workspace_context(request, exercise, **{f"{partial}_refusal": message})
    return render(request, EXERCISE_PAGE, page, status=status)


def _keep_draft(request, exercise, files, config, event_text) -> str:
    """Save what the learner typed before anything else can go wrong."""
    try:
        drafts.draft_save(
            user=request.user, exercise=exercise, files=files, config=config, event_text=event_text
        )
    except drafts.DraftRefused as refused:
        return refused.message
    return ""


@login_required
@require_POST
def run_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Test: one ungraded invocation with the event in the editor."""
    exercise = exercise_or_missing(request, slug)
    if isinstance(exercise, HttpResponse):
        return exercise
    files, config, event_text, problems = read_workspace(request, exercise)
    event, event_problem = drafts.event_parse(text=event_text)
    if not files:
        return _refuse(request, exercise, "test-result", problems.summary, status=413)
    if event_problem:
        problems.add("event", event_problem.sentence)
    too_big = _keep_draft(request, exercise, files, config, event_text)
    if problems or too_big:
        return _refuse(request, exercise, "test-result", too_big or problems.summary)
    content = exercise.current_version.content()
    try:
        run = services.run_create(
            user=request.user,
            files=files,
            event=event,
            exercise=exercise,
            handler=content.handler,
            config=config,
            cold=request.POST.get("cold") == "on",
        )
    except Refused as refused:
        return _refuse(
            request,
            exercise,
            "test-result",
            refused.message,
            retry_after=refused.retry_after,
            status=429,
        )
    if not request.htmx:
        return redirect(run.get_absolute_url())
    return render(request, f"{RUN_PAGE}#run", {"run": run, **_run_context(run)})


@login_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_get(user=request.user, run_id=run_id)
    template = f"{RUN_PAGE}#run" if request.htmx else RUN_PAGE
    return render(request, template, {"run": run, **_run_context(run)})


def _run_context(run) -> dict:
    return selectors.run_context(run)


@login_required
@require_POST
def submission_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Submit: a graded attempt against the exercise's tests, hidden ones included."""
    exercise = exercise_or_missing(request, slug)
    if isinstance(exercise, HttpResponse):
        return exercise
    files, config, event_text, problems = read_workspace(request, exercise)
    if not files:
        return _refuse(request, exercise, "submit-result", problems.summary, status=413)
    too_big = _keep_draft(request, exercise, files, config, event_text)
    if problems.errors.get("files") or problems.errors.get("memory") or too_big:
        return _refuse(request, exercise, "submit-result", too_big or problems.summary)
    try:
        submission = services.submission_create(
            user=request.user, exercise=exercise, files=files, config=config
        )
    except Refused as refused:
        return _refuse(
            request,
            exercise,
            "submit-result",
            refused.message,
            retry_after=refused.retry_after,
            status=429,
        )
    if not request.htmx:
        return redirect(submission.get_absolute_url())
    return render(
        request,
        f"{SUBMISSION_PAGE}#submission",
        {"submission": submission, **_submission_context(submission), **_attempts(submission)},
    )


@login_required
def submission_detail(request: HttpRequest, submission_id: int) -> HttpResponse:
    submission = selectors.submission_get(user=request.user, submission_id=submission_id)
    context = {"submission": submission, **_submission_context(submission)}
    if not request.htmx:
        return render(request, SUBMISSION_PAGE, context)
    if not submission.is_pending:  # the exercise page's "Your attempts (N)" catches up
        context.update(_attempts(submission))
    return render(request, f"{SUBMISSION_PAGE}#submission", context)


def _attempts(submission) -> dict:
    """For htmx answers on the exercise page: its attempts link, swapped in out of band."""
    count = selectors.attempt_count(user_id=submission.user_id, exercise_id=submission.exercise_id)
    return {"attempts_oob": True, "attempt_count": count}


def _submission_context(submission) -> dict:
    return {
        "tests": selectors.learner_tests(submission=submission),
        "position": services.queue_position(submission),
        "files": sorted(submission.files.items()),
    }


@login_required
def submission_history(request: HttpRequest, slug: str) -> HttpResponse:
    exercise = exercise_or_missing(request, slug)
    if isinstance(exercise, HttpResponse):
        return exercise
    attempts = list(selectors.submission_history(user=request.user, exercise=exercise))
    context = {"exercise": exercise, "attempts": attempts, "diff": None}
    older_id, newer_id = request.GET.get("a", ""), request.GET.get("b", "")
    if older_id.isdigit() and newer_id.isdigit():
        older = selectors.submission_get(user=request.user, submission_id=int(older_id))
        newer = selectors.submission_get(user=request.user, submission_id=int(newer_id))
        if older.exercise_id == newer.exercise_id == exercise.pk:
            context.update(
                diff=selectors.submission_diff(older=older, newer=newer), older=older, newer=newer
            )
    template = "submissions/history.html"
    if request.htmx and context["diff"] is not None:
        template += "#diff"
    return render(request, template, context)
