"""Writes to courses: create, join, co-teach, assign. Regrades live in regrades.py."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from lambdalab.courses.models import Assignment, Course, Enrolment, new_join_code


class CourseError(Exception):
    """Something a user asked for that cannot be done; the message is shown to them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _require_instructor(user) -> None:
    if not getattr(user, "is_instructor", False):
        raise CourseError("Only instructors can do this.")


@transaction.atomic
def course_create(
    *,
    owner,
    title: str,
    description: str = "",
    late_penalty_percent: int = 10,
    late_days_max: int = 3,
) -> Course:
    """A new course taught by `owner` (an instructor), open for joining with a fresh code."""
    _require_instructor(owner)
    course = Course.objects.create(
        owner=owner,
        title=title.strip(),
        description=description.strip(),
        late_penalty_percent=late_penalty_percent,
        late_days_max=late_days_max,
    )
    course.instructors.add(owner)
    return course


def course_update(*, course: Course, **fields: Any) -> Course:
    allowed = {"title", "description", "late_penalty_percent", "late_days_max", "joining_open"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(course, name, value)
    course.save(update_fields=list(fields))
    return course


def course_lessons_set(*, course: Course, lessons: list) -> None:
    course.lessons.set(lessons)


def course_code_rotate(*, course: Course) -> Course:
    """A new join code and invite link (the old ones, perhaps posted publicly, stop working)."""
    course.join_code = new_join_code()
    course.invite_token = uuid.uuid4()
    course.save(update_fields=["join_code", "invite_token"])
    return course


def course_join(*, user, code: str | None = None, token: str | None = None) -> Course:
    """Enrol `user` with a join code or an invite link's token. Joining twice is harmless."""
    course = _course_by_code_or_token(code, token)
    if course is None or not course.joining_open:
        raise CourseError("That code does not match an open course. Check it with your instructor.")
    if course.instructors.filter(pk=user.pk).exists():
        raise CourseError("You teach this course, so you cannot join it as a student.")
    Enrolment.objects.get_or_create(course=course, user=user)
    return course


def _course_by_code_or_token(code: str | None, token: str | None) -> Course | None:
    if code:
        return Course.objects.filter(join_code=code.strip().upper().replace(" ", "")).first()
    if token:
        try:
            return Course.objects.filter(invite_token=token).first()
        except Exception:  # not a UUID at all
            return None
    return None


def course_leave(*, user, course: Course) -> None:
    Enrolment.objects.filter(course=course, user=user).delete()


def instructor_add(*, course: Course, username: str):
    """Make another instructor a co-instructor (they then see everything in the course)."""
    from lambdalab.accounts.models import User

    other = User.objects.filter(username=username.strip()).first()
    if other is None or not other.is_instructor:
        raise CourseError(f"There is no instructor called {username!r}.")
    course.instructors.add(other)
    Enrolment.objects.filter(course=course, user=other).delete()
    return other


def instructor_remove(*, course: Course, user) -> None:
    if user.pk == course.owner_id:
        raise CourseError("The course's owner cannot be removed.")
    course.instructors.remove(user)


def assignment_set(
    *,
    course: Course,
    exercise,
    due_at: datetime | None = None,
    points: float = 10,
    accept_late: bool = True,
) -> Assignment:
    """Assign an exercise (or change its due date, points or late rule if already assigned)."""
    if exercise.archived or exercise.current_version_id is None:
        raise CourseError("Only published exercises can be assigned.")
    position = course.assignments.count()
    try:
        assignment, created = Assignment.objects.get_or_create(
            course=course,
            exercise=exercise,
            defaults={
                "due_at": due_at,
                "points": points,
                "accept_late": accept_late,
                "position": position,
            },
        )
    except IntegrityError as exc:  # a double submit raced us
        raise CourseError("That exercise is already assigned.") from exc
    if not created:
        assignment.due_at, assignment.points, assignment.accept_late = due_at, points, accept_late
        assignment.save(update_fields=["due_at", "points", "accept_late"])
    course.lessons.add(exercise.lesson)
    return assignment


def assignment_remove(*, assignment: Assignment) -> None:
    assignment.delete()
