from __future__ import annotations

from django.urls import path

from lambdalab.authoring import views

urlpatterns = [
    path("", views.authoring_home, name="authoring_home"),
    path("lessons/new/", views.lesson_new, name="authoring_lesson_new"),
    path("lessons/import/", views.lesson_import, name="authoring_lesson_import"),
    path("lessons/preview/", views.lesson_preview, name="authoring_lesson_preview"),
    path("lessons/drafts/<int:draft_id>/", views.lesson_edit, name="authoring_lesson_edit"),
    path("lessons/drafts/<int:draft_id>/quiz/", views.lesson_quiz_add, name="authoring_quiz_add"),
    path(
        "lessons/drafts/<int:draft_id>/publish/",
        views.lesson_publish,
        name="authoring_lesson_publish",
    ),
    path(
        "lessons/<slug:slug>/edit/",
        views.lesson_edit_published,
        name="authoring_lesson_edit_published",
    ),
    path("lessons/<slug:slug>/export/", views.lesson_export, name="authoring_lesson_export"),
    path(
        "lessons/<slug:lesson_slug>/exercises/new/",
        views.exercise_new,
        name="authoring_exercise_new",
    ),
    path("exercises/drafts/<int:draft_id>/", views.exercise_edit, name="authoring_exercise_edit"),
    path(
        "exercises/drafts/<int:draft_id>/validation/",
        views.exercise_validation,
        name="authoring_exercise_validation",
    ),
    path(
        "exercises/drafts/<int:draft_id>/revalidate/",
        views.exercise_revalidate,
        name="authoring_exercise_revalidate",
    ),
    path(
        "exercises/drafts/<int:draft_id>/publish/",
        views.exercise_publish,
        name="authoring_exercise_publish",
    ),
    path(
        "exercises/<slug:slug>/edit/",
        views.exercise_edit_published,
        name="authoring_exercise_edit_published",
    ),
]
