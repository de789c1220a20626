"""Staff views of the curriculum. Content is authored in lessons/ and loaded by sync_lessons,
so derived fields are read-only here; archiving is the only edit that makes sense in the admin."""

from __future__ import annotations

from django.contrib import admin

from lambdalab.catalog.models import Exercise, ExerciseVersion, Lesson, LessonFile, Quiz


class LessonFileInline(admin.TabularInline):
    model = LessonFile
    extra = 0
    fields = ["path"]
    readonly_fields = ["path"]
    can_delete = False


class QuizInline(admin.TabularInline):
    model = Quiz
    extra = 0
    fields = ["quiz_id", "kind", "points", "archived"]
    readonly_fields = ["quiz_id", "kind", "points"]
    can_delete = False


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["position", "title", "slug", "minutes", "archived"]
    list_filter = ["archived"]
    search_fields = ["title", "slug"]
    readonly_fields = [
        "slug",
        "dir_name",
        "position",
        "title",
        "summary",
        "objectives",
        "minutes",
        "prerequisites",
        "body",
        "created_at",
        "updated_at",
    ]
    inlines = [QuizInline, LessonFileInline]


class VersionInline(admin.TabularInline):
    model = ExerciseVersion
    extra = 0
    fields = ["number", "content_hash", "created_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "lesson", "points", "current_version", "archived"]
    list_filter = ["archived", "lesson"]
    search_fields = ["title", "slug"]
    readonly_fields = [
        "slug",
        "lesson",
        "position",
        "title",
        "points",
        "current_version",
        "created_at",
        "updated_at",
    ]
    inlines = [VersionInline]


@admin.register(ExerciseVersion)
class ExerciseVersionAdmin(admin.ModelAdmin):
    list_display = ["exercise", "number", "created_at"]
    readonly_fields = ["exercise", "number", "content_hash", "files", "spec", "created_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # submissions point at versions
