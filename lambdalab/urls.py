from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("lambdalab.accounts.urls")),
    path("", include("lambdalab.core.urls")),
    path("", include("lambdalab.catalog.urls")),
    path("", include("lambdalab.progress.urls")),
    path("", include("lambdalab.submissions.urls")),
    path("courses/", include("lambdalab.courses.urls")),
    path("authoring/", include("lambdalab.authoring.urls")),
    path("", include("lambdalab.cloud.urls")),
]
