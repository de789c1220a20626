from __future__ import annotations

import pytest

from lambdalab.courses import services
from tests.courses.builders import TEST_N2, publish_doubling


@pytest.fixture
def doubling(db):
    return publish_doubling(TEST_N2)


@pytest.fixture
def course(instructor, student, classmate, doubling):
    """Serverless 101, taught by the instructor; the student and classmate joined it."""
    course = services.course_create(owner=instructor, title="Serverless 101")
    services.course_join(user=student, code=course.join_code)
    services.course_join(user=classmate, code=course.join_code)
    services.assignment_set(course=course, exercise=doubling, points=10)
    return course


@pytest.fixture
def runtime():
    """The real sandboxed runtime, in this process (grading through it needs root)."""
    import os

    if os.geteuid() != 0:
        pytest.skip("the sandbox needs root")
    from lambdalab.runtime import Runtime

    rt = Runtime()
    yield rt
    rt.close()


@pytest.fixture
def enqueued(monkeypatch):
    """Regrade items handed to Celery, as (task, id, queue)."""
    from lambdalab.courses import tasks

    sent = []
    monkeypatch.setattr(
        tasks.regrade_item,
        "apply_async",
        lambda args, queue, countdown=0: sent.append(("courses.regrade_item", args[0], queue)),
    )
    return sent


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    """Personas are created per test; a fast hasher keeps the matrix of views quick to run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
