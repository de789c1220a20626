from __future__ import annotations

from django.urls import path

from lambdalab.cloud import views

urlpatterns = [
    path("cloud/", views.cloud_home, name="cloud"),
    path("cloud/connect/", views.cloud_connect, name="cloud_connect"),
    path("cloud/disconnect/", views.cloud_disconnect, name="cloud_disconnect"),
    path("cloud/verify/", views.cloud_verify, name="cloud_verify"),
    path("cloud/verify/latest/", views.cloud_verification, name="cloud_verification"),
    path("cloud/deploy/", views.cloud_deploy, name="cloud_deploy"),
    path("cloud/deployments/", views.cloud_deployments, name="cloud_deployments"),
    path("cloud/deployments/<int:deployment_id>/", views.cloud_deployment, name="cloud_deployment"),
    path("cloud/deployments/<int:deployment_id>/invoke/", views.cloud_invoke, name="cloud_invoke"),
    path("cloud/invocations/<int:invocation_id>/", views.cloud_invocation, name="cloud_invocation"),
    path("cloud/teardown/", views.cloud_teardown, name="cloud_teardown_create"),
    path("cloud/teardowns/<int:teardown_id>/", views.cloud_teardown_detail, name="cloud_teardown"),
]
