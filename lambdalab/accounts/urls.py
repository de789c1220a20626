from __future__ import annotations

from django.urls import include, path

from lambdalab.accounts import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("", include("django.contrib.auth.urls")),
]
