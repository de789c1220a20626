"""Reads of courses, with the permission rules in one place.

Instructors see only courses they teach; students see only courses they joined, and only their
own work. Anything else is a 404, so nobody can probe which ids exist.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from lambdalab.courses.models import Assignment, Course, Regrade, ScoreNotice


def courses_taught(*, user) -> QuerySet[Course]:
    if not user.is_authenticated:
        return Course.objects.none()
    return Course.objects.filter(instructors=user).distinct()


def courses_joined(*, user) -> QuerySet[Course]:
    if not user.is_authenticated:
        return Course.objects.none()
    return Course.objects.filter(enrolments__user=user).distinct()


def course_for_instructor(*, user, course_id: int) -> Course:
    course = courses_taught(user=user).filter(pk=course_id).first()
    if course is None:
        raise Http404("No such course.")
    return course


def course_for_member(*, user, course_id: int) -> tuple[Course, bool]:
    """(course, is_instructor) for anyone who teaches or joined it; 404 for everyone else."""
    taught = courses_taught(user=user).filter(pk=course_id).first()
    if taught is not None:
        return taught, True
    joined = courses_joined(user=user).filter(pk=course_id).first()
    if joined is None:
        raise Http404("No such course.")
    return joined, False


def course_students(*, course: Course):
    from lambdalab.accounts.models import User

    return User.objects.filter(enrolments__course=course).order_by("username")


def student_in_course(*, course: Course, user_id: int):
    student = course_students(course=course).filter(pk=user_id).first()
    if student is None:
        raise Http404("No such student in this course.")
    return student


def course_assignments(*, course: Course) -> QuerySet[Assignment]:
    return course.assignments.select_related("exercise", "exercise__lesson", "course")


def assignment_get(*, course: Course, assignment_id: int) -> Assignment:
    assignment = course_assignments(course=course).filter(pk=assignment_id).first()
    if assignment is None:
        raise Http404("No such assignment.")
    return assignment


def course_submission(*, course: Course, submission_id: int):
    """A submission by one of the course's students to one of its assignments (else 404)."""
    from lambdalab.submissions.models import Submission

    submission = (
        Submission.objects.select_related("user", "exercise", "exercise_version")
        .filter(
            pk=submission_id,
            user__enrolments__course=course,
            exercise__assignments__course=course,
        )
        .first()
    )
    if submission is None:
        raise Http404("No such submission in this course.")
    return submission


def regrade_get(*, course: Course, regrade_id: int) -> Regrade:
    regrade = (
        Regrade.objects.select_related("exercise", "version")
        .filter(pk=regrade_id, course=course)
        .first()
    )
    if regrade is None:
        raise Http404("No such regrade.")
    return regrade


def notices_unseen(*, user) -> QuerySet[ScoreNotice]:
    if not user.is_authenticated:
        return ScoreNotice.objects.none()
    return ScoreNotice.objects.filter(user=user, seen_at__isnull=True).select_related(
        "submission__exercise", "regrade"
    )
