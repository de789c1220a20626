from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from lambdalab.accounts.models import User


@admin.register(User)
class LambdaLabUserAdmin(UserAdmin):
    list_display = ["username", "email", "role", "is_staff", "date_joined"]
    list_filter = ["role", "is_staff", "is_active"]
    fieldsets = [*UserAdmin.fieldsets, ("LambdaLab", {"fields": ["role"]})]
