from __future__ import annotations

from django.urls import path

from lambdalab.catalog import views

urlpatterns = [
    path("lessons/<slug:slug>/", views.lesson_detail, name="lesson-detail"),
    path("lessons/<slug:slug>/quiz/<slug:quiz_id>/", views.quiz_answer, name="quiz_answer"),
    path("lessons/<slug:slug>/complete/", views.lesson_complete, name="lesson_complete"),
    path("lessons/<slug:slug>/<path:path>", views.lesson_asset, name="lesson_asset"),
]
