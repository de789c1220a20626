from __future__ import annotations

from django.urls import path

from lambdalab.submissions import views

urlpatterns = [
    path("exercises/<slug:slug>/test/", views.run_create, name="run_create"),
    path("exercises/<slug:slug>/submit/", views.submission_create, name="submission_create"),
    path("exercises/<slug:slug>/attempts/", views.submission_history, name="submission_history"),
    path("runs/<int:run_id>/", views.run_detail, name="run_detail"),
    path("submissions/<int:submission_id>/", views.submission_detail, name="submission_detail"),
]
