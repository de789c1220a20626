from __future__ import annotations

from django.urls import path

from lambdalab.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("status/", views.status, name="status"),
    path("status/ping/", views.ping_create, name="ping_create"),
    path("status/ping/<int:ping_id>/", views.ping_detail, name="ping_detail"),
]
