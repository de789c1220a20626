"""Staff can see connections and jobs to help learners; encrypted keys are never listed."""

from __future__ import annotations

from django.contrib import admin

from lambdalab.cloud.models import CloudAccount, CloudInvocation, Deployment, Teardown


@admin.register(CloudAccount)
class CloudAccountAdmin(admin.ModelAdmin):
    list_display = ("user", "mode", "region", "aws_account_id", "verified_at")
    search_fields = ("user__username", "aws_account_id")
    exclude = ("access_key_token", "secret_key_token")
    readonly_fields = ("external_id",)


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    list_display = ("function_name", "user", "region", "status", "version", "created_at")
    list_filter = ("status", "region")
    search_fields = ("function_name", "user__username")


@admin.register(CloudInvocation)
class CloudInvocationAdmin(admin.ModelAdmin):
    list_display = ("pk", "deployment", "user", "status", "created_at")
    list_filter = ("status",)


@admin.register(Teardown)
class TeardownAdmin(admin.ModelAdmin):
    list_display = ("pk", "user", "status", "created_at")
