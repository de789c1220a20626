from __future__ import annotations

import pytest

from tests.courses.builders import TEST_N2, publish_doubling


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def doubling(db):
    return publish_doubling(TEST_N2)


@pytest.fixture
def lesson(doubling):
    return doubling.lesson


@pytest.fixture
def runtime():
    import os

    if os.geteuid() != 0:
        pytest.skip("the sandbox needs root")
    from lambdalab.runtime import Runtime

    rt = Runtime()
    yield rt
    rt.close()


@pytest.fixture
def validations(monkeypatch):
    """Draft ids handed to the validation task (the tests then run it in this process)."""
    from lambdalab.authoring import tasks

    sent = []
    monkeypatch.setattr(
        tasks.validate_exercise_draft,
        "apply_async",
        lambda args, queue: sent.append((args[0], queue)),
    )
    return sent
