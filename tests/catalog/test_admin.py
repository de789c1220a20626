"""Staff can browse the curriculum in the admin (read-only where the folder is the source)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from lambdalab.catalog.content import load_catalog
from lambdalab.catalog.models import Exercise, ExerciseVersion, Lesson
from lambdalab.catalog.services import catalog_sync
from tests.catalog.builders import lesson_files, write_tree

pytestmark = pytest.mark.django_db


def test_staff_see_lessons_exercises_and_versions(tmp_path, client):
    catalog_sync(catalog=load_catalog(write_tree(tmp_path / "lessons", lesson_files())))
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345678")
    client.force_login(admin)
    lesson, exercise = Lesson.objects.get(), Exercise.objects.get()
    pages = [
        "/admin/catalog/lesson/",
        f"/admin/catalog/lesson/{lesson.pk}/change/",
        "/admin/catalog/exercise/",
        f"/admin/catalog/exercise/{exercise.pk}/change/",
        f"/admin/catalog/exerciseversion/{ExerciseVersion.objects.get().pk}/change/",
        "/admin/catalog/",
    ]

    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
    assert b"Hello Lambda" in client.get("/admin/catalog/lesson/").content
