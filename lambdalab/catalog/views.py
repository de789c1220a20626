"""Lesson pages (rendered Markdown with quizzes, exercises and widgets filled in) and quiz answers.

Full page first; htmx requests get the named partial of the same template.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lambdalab.catalog import selectors
from lambdalab.catalog.models import Lesson, LessonFile, Quiz
from lambdalab.progress import labs, services
from lambdalab.progress import selectors as progress
from lambdalab.progress.models import QuizAnswer

# The renderer leaves one empty placeholder per quiz, exercise or widget block, in order.
# Code blocks can scroll sideways; keyboard users need to be able to focus them to scroll.
PRE = re.compile(r"<pre(?=[\s>])")
PLACEHOLDER = re.compile(r'<div class="lesson-(quiz|exercise|widget)"([^>]*)>.*?</div>', re.S)
ATTRIBUTE = re.compile(r'data-([a-z-]+)="([^"]*)"')
ASSET_TYPES = {".svg": "image/svg+xml"}  # lesson files are text: diagrams are hand-written SVG


@dataclass(frozen=True)
class Segment:
    kind: str  # html | quiz | exercise | widget
    html: str = ""
    item: Any = None
    data: dict[str, str] | None = None


def lesson_detail(request: HttpRequest, slug: str) -> HttpResponse:
    lesson = selectors.lesson_get(slug=slug)
    if request.user.is_authenticated:
        services.lesson_open(user=request.user, lesson=lesson)
    lessons = list(selectors.lesson_list())
    summaries = {
        s.lesson.pk: s for s in progress.lesson_summaries(user=request.user, lessons=lessons)
    }
    position = next(i for i, item in enumerate(lessons) if item.pk == lesson.pk)
    segments = _segments(lesson, request)
    context = {
        "lesson": lesson,
        "segments": segments,
        "has_chart": any(
            s.kind == "widget" and s.item.get("name") == "cost-calculator" for s in segments
        ),
        "summary": summaries[lesson.pk],
        "previous": lessons[position - 1] if position > 0 else None,
        "next": lessons[position + 1] if position + 1 < len(lessons) else None,
        "position": position + 1,
        "count": len(lessons),
    }
    return render(request, "catalog/lesson_detail.html", context)


def lesson_html(lesson: Lesson) -> str:
    """The lesson's sanitised HTML, cached by its text: it changes only when lessons are synced."""
    from lambdalab.catalog.render import render_lesson_html

    digest = hashlib.sha256(f"{lesson.slug}\0{lesson.body}".encode()).hexdigest()
    key = f"lesson-html:{lesson.pk}:{digest}"
    html = cache.get(key)
    if html is None:
        html = render_lesson_html(
            lesson.content(),
            asset_url=lambda path: reverse("lesson_asset", args=[lesson.slug, path]),
        )
        html = PRE.sub('<pre tabindex="0"', html)
        cache.set(key, html, timeout=3600)
    return html


def _segments(lesson: Lesson, request: HttpRequest) -> list[Segment]:
    html = lesson_html(lesson)
    quizzes = {q.quiz_id: q for q in selectors.lesson_quizzes(lesson=lesson)}
    answers = progress.quiz_answers(user=request.user, lesson=lesson)
    exercises = {e.slug: e for e in lesson.exercises.filter(archived=False)}
    segments, cursor = [], 0
    for match in PLACEHOLDER.finditer(html):
        segments.append(Segment("html", html=html[cursor : match.start()]))
        cursor = match.end()
        data = dict(ATTRIBUTE.findall(match.group(2)))
        segments.append(_placeholder(match.group(1), data, quizzes, answers, exercises))
    segments.append(Segment("html", html=html[cursor:]))
    return [s for s in segments if s.kind != "html" or s.html.strip()]


def _placeholder(kind, data, quizzes, answers, exercises) -> Segment:
    if kind == "quiz":
        quiz = quizzes.get(data.get("quiz-id", ""))
        return Segment("quiz", item=_quiz_view(quiz, answers.get(quiz.pk) if quiz else None))
    if kind == "exercise":
        return Segment("exercise", item=exercises.get(data.get("exercise-slug", "")))
    return Segment("widget", data=data, item=_widget(data))


def _widget(data: dict[str, str]) -> dict[str, Any]:
    name = data.get("widget", "")
    try:
        settings = json.loads(html.unescape(data.get("settings", "{}")))
    except ValueError:
        settings = {}
    if name == "cost-calculator":
        report = labs.cost_report(labs.CostInputs.from_params({}, settings))
        return {"name": name, "report": report}
    if name == "concurrency-lab":
        report = labs.concurrency_simulate(labs.LabInputs.from_params(settings))
        return {"name": name, "report": report, "geometry": labs.timeline_svg_geometry(report)}
    return {"name": name}


@dataclass(frozen=True)
class QuizView:
    quiz: Quiz
    selected: list[int]
    answered: bool
    correct: bool
    saved: bool

    def options(self) -> list[dict[str, Any]]:
        return [
            {
                "index": i,
                "text": o.get("text", ""),
                "explanation": o.get("explanation", ""),
                "correct": bool(o.get("correct")),
                "chosen": i in self.selected,
            }
            for i, o in enumerate(self.quiz.options)
        ]


def _quiz_view(quiz: Quiz | None, answer: QuizAnswer | None, saved: bool = True) -> QuizView | None:
    if quiz is None:
        return None
    if answer is None:
        return QuizView(quiz, [], False, False, saved)
    return QuizView(quiz, list(answer.selected), True, answer.correct, saved)


@require_POST
def quiz_answer(request: HttpRequest, slug: str, quiz_id: str) -> HttpResponse:
    """Check an answer in place: a learner's answer is kept; a visitor just gets feedback."""
    lesson = selectors.lesson_get(slug=slug)
    quiz = selectors.quiz_get(lesson=lesson, quiz_id=quiz_id)
    selected = _selected(request.POST.getlist("option"))
    if request.user.is_authenticated:
        view = _quiz_view(
            quiz, services.quiz_answer(user=request.user, quiz=quiz, selected=selected)
        )
    else:
        chosen = sorted(set(selected))
        view = QuizView(quiz, chosen, True, bool(chosen) and chosen == quiz.correct_indexes, False)
    if not request.htmx:
        return redirect(f"{lesson.get_absolute_url()}#quiz-{quiz.quiz_id}")
    context = {"quiz": view, "lesson": lesson, "focus": True}
    if request.user.is_authenticated:  # the lesson's progress bar catches up (out of band)
        summary = progress.lesson_summaries(user=request.user, lessons=[lesson])[0]
        context.update(summary=summary, summary_oob=True)
    return render(request, "catalog/lesson_detail.html#quiz", context)


def _selected(raw: list[str]) -> list[int]:
    return [int(value) for value in raw if value.isdigit()]


@login_required
@require_POST
def lesson_complete(request: HttpRequest, slug: str) -> HttpResponse:
    lesson = selectors.lesson_get(slug=slug)
    done = request.POST.get("done", "true") == "true"
    services.lesson_complete(user=request.user, lesson=lesson, done=done)
    if not request.htmx:
        return redirect(lesson.get_absolute_url())
    summary = progress.lesson_summaries(user=request.user, lessons=[lesson])[0]
    return render(
        request, "catalog/lesson_detail.html#complete", {"lesson": lesson, "summary": summary}
    )


def lesson_asset(request: HttpRequest, slug: str, path: str) -> HttpResponse:
    """A lesson's diagram, served from the database with scripts disabled (SVG can carry them)."""
    lesson = selectors.lesson_get(slug=slug)
    suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix not in ASSET_TYPES:
        raise Http404("Not a lesson image.")
    asset = get_object_or_404(LessonFile, lesson=lesson, path=path)
    response = HttpResponse(asset.text, content_type=ASSET_TYPES[suffix])
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "public, max-age=300"
    return response
