"""Authoring pages for instructors: lessons (with live preview and quizzes), exercises (validated
on every save), import and export. Drafts are private to their author; published content is
shared curriculum.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lambdalab.authoring import folder, services, transfer
from lambdalab.authoring.forms import (
    ExerciseForm,
    ImportForm,
    LessonForm,
    LessonNewForm,
    NewExerciseForm,
    QuizForm,
    WrongFormSet,
    wrong_variants,
)
from lambdalab.authoring.models import ExerciseDraft, LessonDraft
from lambdalab.authoring.services import AuthoringError
from lambdalab.catalog.models import Exercise, Lesson
from lambdalab.courses.views import instructor_required

EXERCISE_PAGE = "authoring/exercise_edit.html"


def _exercise_draft(request: HttpRequest, draft_id: int) -> ExerciseDraft:
    draft = ExerciseDraft.objects.select_related("lesson").filter(pk=draft_id, author=request.user)
    if not draft.exists():
        raise Http404("No such draft.")
    return draft.get()


def _lesson_draft(request: HttpRequest, draft_id: int) -> LessonDraft:
    return get_object_or_404(LessonDraft, pk=draft_id, author=request.user)


@instructor_required
def authoring_home(request: HttpRequest) -> HttpResponse:
    context = {
        "lessons": Lesson.objects.prefetch_related("exercises").order_by("position"),
        "exercise_drafts": ExerciseDraft.objects.filter(author=request.user).select_related(
            "lesson"
        ),
        "lesson_drafts": LessonDraft.objects.filter(author=request.user),
        "new_lesson_form": LessonNewForm(),
        "import_form": ImportForm(),
    }
    return render(request, "authoring/home.html", context)


# --- lessons -----------------------------------------------------------------------------------


@instructor_required
@require_POST
def lesson_new(request: HttpRequest) -> HttpResponse:
    form = LessonNewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Folder name: " + " ".join(form.errors.get("dir_name", [])))
        return redirect("authoring_home")
    try:
        draft = services.lesson_draft_create(
            author=request.user, dir_name=form.cleaned_data["dir_name"]
        )
    except AuthoringError as error:
        messages.error(request, error.message)
        return redirect("authoring_home")
    return redirect(draft)


@instructor_required
def lesson_edit_published(request: HttpRequest, slug: str) -> HttpResponse:
    lesson = get_object_or_404(Lesson, slug=slug)
    return redirect(services.lesson_draft_from_published(author=request.user, lesson=lesson))


@instructor_required
def lesson_edit(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = _lesson_draft(request, draft_id)
    form = LessonForm(request.POST or None, initial={"text": draft.text})
    if request.method == "POST" and form.is_valid():
        services.lesson_draft_save(draft=draft, text=form.cleaned_data["text"])
        if draft.problems:
            messages.error(
                request, "Saved as a draft, but it has problems to fix before publishing."
            )
        else:
            messages.success(request, "Saved.")
        return redirect(draft)
    context = {
        "draft": draft,
        "form": form,
        "quiz_form": QuizForm(),
        "preview": services.lesson_preview_html(text=draft.text, lesson=draft.lesson),
    }
    return render(request, "authoring/lesson_edit.html", context)


@instructor_required
@require_POST
def lesson_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the Markdown as students will see it, while the author types."""
    lesson = Lesson.objects.filter(slug=request.POST.get("lesson", "")).first()
    html = services.lesson_preview_html(text=request.POST.get("text", ""), lesson=lesson)
    return HttpResponse(html)


@instructor_required
@require_POST
def lesson_quiz_add(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = _lesson_draft(request, draft_id)
    form = QuizForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        services.lesson_quiz_append(
            draft=draft,
            quiz={
                "id": data["quiz_id"],
                "kind": data["kind"],
                "question": data["question"],
                "options": data["options"],
            },
        )
        messages.success(request, "Quiz added at the end of the lesson.")
    else:
        messages.error(
            request,
            "Quiz not added: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
        )
    return redirect(draft)


@instructor_required
@require_POST
def lesson_publish(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Publish the draft, with what is in the editor saved first (the button is in its form)."""
    draft = _lesson_draft(request, draft_id)
    if "text" in request.POST:
        form = LessonForm(request.POST)
        if not form.is_valid():
            messages.error(request, f"Not published: {form.errors.as_text()}")
            return redirect(draft)
        services.lesson_draft_save(draft=draft, text=form.cleaned_data["text"])
        if draft.problems:
            messages.error(request, "Saved as a draft, but not published: fix its problems first.")
            return redirect(draft)
    try:
        lesson = services.lesson_draft_publish(draft=draft)
    except AuthoringError as error:
        messages.error(request, f"Not published: {error.message}")
        return redirect(draft)
    messages.success(request, f"Published {lesson.title}.")
    return redirect(draft)


@instructor_required
def lesson_export(request: HttpRequest, slug: str) -> HttpResponse:
    lesson = get_object_or_404(Lesson, slug=slug)
    response = HttpResponse(
        transfer.lesson_export_zip(lesson=lesson), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="{lesson.dir_name}.zip"'
    return response


@instructor_required
@require_POST
def lesson_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a .zip of one lesson folder to import.")
        return redirect("authoring_home")
    try:
        draft = transfer.lesson_import(
            author=request.user, data=form.cleaned_data["archive"].read()
        )
    except AuthoringError as error:
        messages.error(request, f"Not imported: {error.message}")
        return redirect("authoring_home")
    messages.success(
        request,
        "Imported. Each changed exercise is a draft being validated now; "
        "publish them from the list below.",
    )
    return redirect(draft)


# --- exercises ---------------------------------------------------------------------------------


def _exercise_forms(request: HttpRequest, form_class, parts: folder.Parts):
    initial = {
        k: getattr(parts, k)
        for k in (
            "title",
            "prompt",
            "handler",
            "points",
            "memory",
            "timeout",
            "environment",
            "tests",
            "fixtures",
            "starter",
            "solution",
        )
    }
    wrong_initial = [{"name": w.name, "why": w.why, "code": w.code} for w in parts.wrong]
    data = request.POST if request.method == "POST" else None
    return form_class(data, initial=initial), WrongFormSet(
        data, initial=wrong_initial, prefix="wrong"
    )


def _save_parts(form, formset, draft: ExerciseDraft | None):
    """The folder for the submitted parts, or a message saying which part is not YAML."""
    try:
        return folder.files_from_parts(
            form.parts(wrong_variants(formset)), draft.files if draft else None
        ), ""
    except folder.PartsError as error:
        return None, str(error)


@instructor_required
def exercise_new(request: HttpRequest, lesson_slug: str) -> HttpResponse:
    lesson = get_object_or_404(Lesson, slug=lesson_slug)
    form, formset = _exercise_forms(request, NewExerciseForm, folder.Parts())
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        files, problem = _save_parts(form, formset, None)
        if problem:
            form.add_error(None, problem)
        else:
            try:
                draft = services.exercise_draft_create(
                    author=request.user, lesson=lesson, slug=form.cleaned_data["slug"], files=files
                )
            except AuthoringError as error:
                form.add_error("slug", error.message)
            else:
                return redirect(draft)
    context = {"lesson": lesson, "form": form, "formset": formset, "draft": None}
    return render(request, EXERCISE_PAGE, context, status=422 if request.method == "POST" else 200)


@instructor_required
def exercise_edit_published(request: HttpRequest, slug: str) -> HttpResponse:
    exercise = get_object_or_404(Exercise.objects.select_related("current_version"), slug=slug)
    return redirect(services.exercise_draft_from_published(author=request.user, exercise=exercise))


@instructor_required
def exercise_edit(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = _exercise_draft(request, draft_id)
    form, formset = _exercise_forms(request, ExerciseForm, folder.parts_from_files(draft.files))
    status = 200
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            files, problem = _save_parts(form, formset, draft)
            if not problem:
                services.exercise_draft_save(draft=draft, files=files)
                messages.success(request, "Saved. Validation runs in the sandbox now.")
                return redirect(draft)
            form.add_error(None, problem)
        status = 422
    context = {"lesson": draft.lesson, "form": form, "formset": formset, "draft": draft}
    return render(request, EXERCISE_PAGE, context, status=status)


@instructor_required
def exercise_validation(request: HttpRequest, draft_id: int) -> HttpResponse:
    """htmx: the validation table, polled while the sandbox runs it."""
    draft = _exercise_draft(request, draft_id)
    return render(request, f"{EXERCISE_PAGE}#validation", {"draft": draft})


@instructor_required
@require_POST
def exercise_publish(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = _exercise_draft(request, draft_id)
    try:
        exercise = services.exercise_draft_publish(draft=draft)
    except AuthoringError as error:
        messages.error(request, f"Not published: {error.message}")
        return redirect(draft)
    exercise.refresh_from_db()
    messages.success(
        request, f"Published {exercise.title} as version {exercise.current_version.number}."
    )
    return redirect(draft)


@instructor_required
@require_POST
def exercise_revalidate(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Run the validation again on the same files (after the sandbox had a problem)."""
    draft = _exercise_draft(request, draft_id)
    services.exercise_draft_save(draft=draft, files=draft.files)
    messages.success(request, "Validating again.")
    return redirect(draft)
