"""Instructor pages: the gradebook (and CSV), a student, a submission, analytics, regrades."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lambdalab.courses import gradebook as grades
from lambdalab.courses import regrades, selectors
from lambdalab.courses.forms import GradebookFilterForm
from lambdalab.courses.models import RegradeStatus
from lambdalab.courses.services import CourseError
from lambdalab.courses.views import instructor_required


@instructor_required
def gradebook(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_for_instructor(user=request.user, course_id=course_id)
    form = GradebookFilterForm(
        request.GET or None, assignments=selectors.course_assignments(course=course)
    )
    filters = form.cleaned_data if form.is_valid() else {}
    assignments, rows = grades.gradebook(
        course=course,
        query=filters.get("q") or "",
        status=filters.get("status") or "all",
        assignment_id=filters.get("assignment"),
    )
    if request.GET.get("format") == "csv":
        response = HttpResponse(
            grades.gradebook_csv(course=course, rows=rows, assignments=assignments),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="gradebook-{course.pk}.csv"'
        return response
    context = {"course": course, "assignments": assignments, "rows": rows, "form": form}
    template = "courses/gradebook.html#table" if request.htmx else "courses/gradebook.html"
    return render(request, template, context)


@instructor_required
def student_detail(request: HttpRequest, course_id: int, user_id: int) -> HttpResponse:
    course = selectors.course_for_instructor(user=request.user, course_id=course_id)
    student = selectors.student_in_course(course=course, user_id=user_id)
    context = {
        "course": course,
        "student": student,
        "rows": grades.student_submissions(course=course, student=student),
    }
    return render(request, "courses/student_detail.html", context)


@instructor_required
def submission_detail(request: HttpRequest, course_id: int, submission_id: int) -> HttpResponse:
    """The staff view of a submission: code, every test (hidden ones too) and the logs."""
    course = selectors.course_for_instructor(user=request.user, course_id=course_id)
    submission = selectors.course_submission(course=course, submission_id=submission_id)
    assignment = course.assignments.filter(exercise=submission.exercise).first()
    context = {
        "course": course,
        "submission": submission,
        "tests": (submission.results or {}).get("tests", []),
        "late_days": assignment.days_late(submission.created_at) if assignment else 0,
        "regrade_items": submission.regrade_items.select_related("regrade__version"),
    }
    return render(request, "courses/submission_detail.html", context)


@instructor_required
def analytics(request: HttpRequest, course_id: int, assignment_id: int) -> HttpResponse:
    course = selectors.course_for_instructor(user=request.user, course_id=course_id)
    assignment = selectors.assignment_get(course=course, assignment_id=assignment_id)
    data = grades.exercise_analytics(course=course, assignment=assignment)
    versions = assignment.exercise.versions.order_by("-number")
    context = {
        "course": course,
        "assignment": assignment,
        "analytics": data,
        "chart_data": data.chart_data(),
        "score_rows": list(zip(*data.chart_data()["scores"].values(), strict=True)),
        "versions": versions,
        "regradable": regrades.regradable(course=course, exercise=assignment.exercise).count(),
        "pending_regrade": regrades.regrade_pending(course=course, exercise=assignment.exercise),
    }
    return render(request, "courses/analytics.html", context)


@instructor_required
@require_POST
def regrade_start(request: HttpRequest, course_id: int, assignment_id: int) -> HttpResponse:
    course = selectors.course_for_instructor(user=request.user, course_id=course_id)
    assignment = selectors.assignment_get(course=course, assignment_id=assignment_id)
    try:
        regrade = regrades.regrade_start(
            course=course, exercise=assignment.exercise, requested_by=request.user
        )
    except CourseError as error:
        messages.error(request, error.message)
        pending = regrades.regrade_pending(course=course, exercise=assignment.exercise)
        return redirect(pending or reverse("assignment_analytics", args=[course.pk, assignment.pk]))
    return redirect(regrade)


@instructor_required
def regrade_detail(request: HttpRequest, course_id: int, regrade_id: int) -> HttpResponse:
    course = selectors.course_for_instructor(user=request.user, course_id=course_id)
    regrade = selectors.regrade_get(course=course, regrade_id=regrade_id)
    context = {
        "course": course,
        "regrade": regrade,
        "progress": regrades.regrade_progress(regrade=regrade),
        "changes": regrades.regrade_diff(regrade=regrade),
        "errors": regrade.items.filter(status="error").select_related("submission__user"),
        "ready": regrade.status == RegradeStatus.READY,
    }
    template = (
        "courses/regrade_detail.html#progress" if request.htmx else "courses/regrade_detail.html"
    )
    return render(request, template, context)


@instructor_required
@require_POST
def regrade_apply(request: HttpRequest, course_id: int, regrade_id: int) -> HttpResponse:
    course = selectors.course_for_instructor(user=request.user, course_id=course_id)
    regrade = selectors.regrade_get(course=course, regrade_id=regrade_id)
    try:
        changed = regrades.regrade_apply(regrade=regrade, user=request.user)
    except CourseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Regrade applied: {changed} submission(s) changed score.")
    return redirect(regrade)


@instructor_required
@require_POST
def regrade_discard(request: HttpRequest, course_id: int, regrade_id: int) -> HttpResponse:
    course = selectors.course_for_instructor(user=request.user, course_id=course_id)
    regrade = selectors.regrade_get(course=course, regrade_id=regrade_id)
    try:
        regrades.regrade_discard(regrade=regrade)
    except CourseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Regrade discarded; no score was changed.")
    return redirect(course)


@instructor_required
@require_POST
def regrade_resume(request: HttpRequest, course_id: int, regrade_id: int) -> HttpResponse:
    course = selectors.course_for_instructor(user=request.user, course_id=course_id)
    regrade = selectors.regrade_get(course=course, regrade_id=regrade_id)
    count = regrades.regrade_resume(regrade=regrade)
    messages.success(request, f"Re-queued {count} submission(s).")
    return redirect(regrade)
