from __future__ import annotations

from django.urls import path

from lambdalab.progress import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("exercises/<slug:slug>/", views.exercise_detail, name="exercise_detail"),
    path("exercises/<slug:slug>/draft/", views.draft_save, name="draft_save"),
    path("exercises/<slug:slug>/reset/", views.draft_reset, name="draft_reset"),
    path("exercises/<slug:slug>/events/", views.event_save, name="event_save"),
    path("labs/cost/", views.cost_calculator, name="cost_calculator"),
    path("labs/concurrency/", views.concurrency_lab, name="concurrency_lab"),
]
