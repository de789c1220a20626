"""Course pages: list, create, join, settings, assignments, co-instructors.

Gradebook, analytics and regrade pages live in views_grades.py. Every view finds its course
through a selector that 404s for anyone who neither teaches nor joined it.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.views.decorators.http import require_POST

from lambdalab.courses import gradebook as grades
from lambdalab.courses import regrades, selectors, services
from lambdalab.courses.forms import AssignmentForm, CourseForm, InstructorForm, JoinForm
from lambdalab.courses.models import Course
from lambdalab.courses.services import CourseError


def instructor_required(view):
    """Logged-in instructors only; students get a 403 page that says why."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_instructor:
            return render(request, "courses/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    context = {
        "taught": selectors.courses_taught(user=request.user),
        "joined": selectors.courses_joined(user=request.user),
        "join_form": JoinForm(),
        "notices": selectors.notices_unseen(user=request.user),
    }
    return render(request, "courses/course_list.html", context)


@instructor_required
def course_create(request: HttpRequest) -> HttpResponse:
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        course = services.course_create(
            owner=request.user,
            title=data["title"],
            description=data["description"],
            late_penalty_percent=data["late_penalty_percent"],
            late_days_max=data["late_days_max"],
        )
        services.course_lessons_set(course=course, lessons=list(data["lessons"]))
        messages.success(
            request, f"Created {course.title}. Share the join code {course.join_code}."
        )
        return redirect(course)
    return render(request, "courses/course_form.html", {"form": form})


@login_required
@require_POST
def course_join(request: HttpRequest) -> HttpResponse:
    form = JoinForm(request.POST)
    if form.is_valid():
        try:
            course = services.course_join(user=request.user, code=form.cleaned_data["code"])
        except CourseError as error:
            form.add_error("code", error.message)
        else:
            messages.success(request, f"You joined {course.title}.")
            return redirect(course)
    context = {
        "taught": selectors.courses_taught(user=request.user),
        "joined": selectors.courses_joined(user=request.user),
        "join_form": form,
        "notices": selectors.notices_unseen(user=request.user),
    }
    return render(request, "courses/course_list.html", context, status=422)


@login_required
def course_join_link(request: HttpRequest, token: str) -> HttpResponse:
    """An invite link: shows the course and a Join button (joining is a POST)."""
    course = Course.objects.filter(invite_token=token, joining_open=True).first()
    if course is None:
        message = "This invite link does not match an open course: it was replaced, or the "
        message += "course no longer takes new students. Ask your instructor for a new one."
        return render(request, "courses/join_link.html", {"refusal": message}, status=404)
    if request.method == "POST":
        try:
            services.course_join(user=request.user, token=str(token))
        except CourseError as error:
            messages.error(request, error.message)
            return redirect("course_list")
        messages.success(request, f"You joined {course.title}.")
        return redirect(course)
    return render(request, "courses/join_link.html", {"course": course})


@login_required
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    course, teaches = selectors.course_for_member(user=request.user, course_id=course_id)
    if not teaches:
        return _student_course(request, course)
    return _instructor_course(request, course)


def _instructor_course(
    request: HttpRequest, course: Course, *, status: int = 200, **forms
) -> HttpResponse:
    """The instructor's course page; a refused form comes back bound, with its errors."""
    context = {
        "course": course,
        "assignments": selectors.course_assignments(course=course),
        "students": selectors.course_students(course=course),
        "instructors": course.instructors.order_by("username"),
        "assignment_form": AssignmentForm(),
        "instructor_form": InstructorForm(),
        "settings_form": CourseForm(instance=course, initial={"lessons": course.lessons.all()}),
        "invite_url": request.build_absolute_uri(
            reverse("course_join_link", args=[course.invite_token])
        ),
        "regrades": course.regrades.select_related("exercise", "version")[:10],
        **forms,
    }
    return render(request, "courses/course_detail.html", context, status=status)


def _student_course(request: HttpRequest, course: Course) -> HttpResponse:
    """A student's view: what is due, their own best score, and any regrade notices."""
    notices = selectors.notices_unseen(user=request.user)
    context = {
        "course": course,
        "rows": grades.student_row(course=course, student=request.user),
        "notices": list(notices),
        "lessons": course.lessons.filter(archived=False),
    }
    return render(request, "courses/student_course.html", context)


@instructor_required
@require_POST
def course_edit(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_for_instructor(user=request.user, course_id=course_id)
    form = CourseForm(request.POST, instance=course)
    if not form.is_valid():
        messages.error(request, "Settings not saved: fix the fields marked below.")
        course.refresh_from_db()  # the page shows the saved course; the form keeps the edits
        return _instructor_course(request, course, status=422, settings_form=form)
    form.save()
    services.course_lessons_set(course=course, lessons=list(form.cleaned_data["lessons"]))
    messages.success(request, "Course settings saved.")
    return redirect(course)


@instructor_required
@require_POST
def course_code_rotate(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_for_instructor(user=request.user, course_id=course_id)
    services.course_code_rotate(course=course)
    messages.success(
        request,
        f"New join code: {course.join_code}, and a new invite link. The old ones no longer work.",
    )
    return redirect(course)


@instructor_required
@require_POST
def instructor_add(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_for_instructor(user=request.user, course_id=course_id)
    form = InstructorForm(request.POST)
    if form.is_valid():
        try:
            other = services.instructor_add(course=course, username=form.cleaned_data["username"])
        except CourseError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{other.display_name} now co-teaches this course.")
    return redirect(course)


@instructor_required
@require_POST
def assignment_add(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_for_instructor(user=request.user, course_id=course_id)
    form = AssignmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Not assigned: fix the fields marked below.")
        return _instructor_course(request, course, status=422, assignment_form=form)
    existed = course.assignments.filter(exercise=form.cleaned_data["exercise"]).exists()
    try:
        assignment = services.assignment_set(course=course, **form.cleaned_data)
    except CourseError as error:
        messages.error(request, error.message)
    else:
        title = assignment.exercise.title
        if existed:  # the same form edits an assignment: say what it is now
            messages.success(request, f"Updated {title}, already assigned: {_terms(assignment)}.")
        else:
            messages.success(request, f"Assigned {title}: {_terms(assignment)}.")
    return redirect(course)


def _terms(assignment) -> str:
    due = "no due date"
    if assignment.due_at is not None:
        due = "due " + date_format(localtime(assignment.due_at), "Y-m-d H:i")
    late = "late work accepted" if assignment.accept_late else "late work not accepted"
    return f"{due}, {assignment.points:g} points, {late}"


@instructor_required
@require_POST
def assignment_remove(request: HttpRequest, course_id: int, assignment_id: int) -> HttpResponse:
    course = selectors.course_for_instructor(user=request.user, course_id=course_id)
    assignment = selectors.assignment_get(course=course, assignment_id=assignment_id)
    services.assignment_remove(assignment=assignment)
    messages.success(request, f"Removed {assignment.exercise.title} (submissions are kept).")
    return redirect(course)


@login_required
@require_POST
def notices_seen(request: HttpRequest) -> HttpResponse:
    """The student dismissed their regrade notices; back to where they were."""
    regrades.notices_mark_seen(user=request.user)
    course_id = request.POST.get("course")
    return (
        redirect("course_detail", course_id)
        if course_id and course_id.isdigit()
        else redirect("course_list")
    )


@instructor_required
@require_POST
def instructor_remove(request: HttpRequest, course_id: int, user_id: int) -> HttpResponse:
    course = selectors.course_for_instructor(user=request.user, course_id=course_id)
    other = get_object_or_404(course.instructors, pk=user_id)
    try:
        services.instructor_remove(course=course, user=other)
    except CourseError as error:
        messages.error(request, error.message)
        return redirect(course)
    messages.success(request, f"{other.display_name} no longer teaches this course.")
    return redirect(course if other != request.user else "course_list")


@login_required
@require_POST
def course_leave(request: HttpRequest, course_id: int) -> HttpResponse:
    course, teaches = selectors.course_for_member(user=request.user, course_id=course_id)
    if not teaches:
        services.course_leave(user=request.user, course=course)
        messages.success(request, f"You left {course.title}. Your submissions are kept.")
    return redirect("course_list")
