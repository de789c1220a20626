"""The real curriculum, loaded once per test database, for the learner's pages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lambdalab.catalog.content import load_catalog
from lambdalab.catalog.services import catalog_sync

# LAMBDALAB_LESSONS_DIR lets a developer point at a clean copy while lessons/ is being edited.
LESSONS = Path(
    os.environ.get("LAMBDALAB_LESSONS_DIR") or Path(__file__).resolve().parents[2] / "lessons"
)


@pytest.fixture(scope="session")
def curriculum_files():
    return load_catalog(LESSONS)


@pytest.fixture
def curriculum(db, curriculum_files):
    catalog_sync(catalog=curriculum_files)
    return curriculum_files


@pytest.fixture
def first_lesson(curriculum):
    from lambdalab.catalog.models import Lesson

    return Lesson.objects.order_by("position").first()


@pytest.fixture
def first_exercise(curriculum):
    from lambdalab.catalog.models import Exercise

    return Exercise.objects.get(slug="first-handler")
