"""Shared fixtures: the personas view tests speak of, and real processes for pipeline tests."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from lambdalab.accounts.models import Role, User
from tests.ci import skip_or_fail

PASSWORD = "correct-horse-battery-staple"


def _make_user(username: str, role: str) -> User:
    return User.objects.create_user(
        username=username, email=f"{username}@example.com", password=PASSWORD, role=role
    )


@pytest.fixture
def student(db) -> User:
    return _make_user("ada", Role.STUDENT)


@pytest.fixture
def classmate(db) -> User:
    return _make_user("grace", Role.STUDENT)


@pytest.fixture
def instructor(db) -> User:
    user = _make_user("prof_lamport", Role.INSTRUCTOR)
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def other_instructor(db) -> User:
    return _make_user("prof_liskov", Role.INSTRUCTOR)


@pytest.fixture
def anonymous() -> Client:
    return Client()


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def student_client(student) -> Client:
    return client_for(student)


@pytest.fixture
def instructor_client(instructor) -> Client:
    return client_for(instructor)


@pytest.fixture
def redis_url() -> str:
    """The real Redis the suite uses (a database number of its own, emptied before use)."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        skip_or_fail(f"Redis is not running at {url}: {exc}")
    client.flushdb()
    return url


def pytest_runtest_setup(item):
    """Tests that build sandboxes need root; in CI (root) they must run, never skip silently."""
    if item.get_closest_marker("root") and os.geteuid() != 0:
        skip_or_fail("needs root (namespaces, cgroups); CI runs it as root")
