"""Learners read lessons as safe HTML with highlighted code and slots for quizzes and widgets."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from lambdalab.catalog.content import load_catalog, parse_catalog
from lambdalab.catalog.render import render_lesson_html, render_markdown
from tests.catalog.builders import LESSON_MD, lesson_files

LESSONS = Path(__file__).resolve().parents[2] / "lessons"


def lesson_with(body_extra: str = ""):
    files = lesson_files()
    files["01-hello-lambda/lesson.md"] = LESSON_MD + body_extra
    return parse_catalog(files).lessons[0]


def test_blocks_become_placeholders_in_document_order():
    page = render_lesson_html(lesson_with())

    slots = re.findall(r'<div class="lesson-(\w+)"([^>]*)></div>', page)
    assert [kind for kind, _ in slots] == ["quiz", "exercise", "widget"]
    assert 'data-quiz-id="pay-per-use"' in slots[0][1]
    assert 'data-exercise-slug="greet"' in slots[1][1]
    settings = re.search(r'data-settings="([^"]*)"', slots[2][1])[1]
    assert json.loads(html.unescape(settings)) == {"requests_per_month": 1000000}
    assert "kind: single" not in page  # the quiz YAML never leaks into the prose


def test_code_is_highlighted_and_fences_inside_code_are_left_alone():
    page = render_lesson_html(lesson_with())

    assert '<div class="highlight"><pre>' in page
    assert '<span class="nb">print</span>' in page
    assert "```quiz inside code is ignored" in page


def test_raw_html_and_script_urls_are_sanitised_away():
    page = render_lesson_html(
        lesson_with(
            '\n<script>alert(1)</script>\n\n[click](javascript:alert(2)) <b onclick="x()">b</b>\n'
        )
    )

    assert "<script" not in page and "alert(1)" not in page.replace("&lt;", "")
    assert "javascript:" not in page
    assert "onclick" not in page


def test_images_can_be_pointed_at_the_lesson_asset_url():
    page = render_lesson_html(lesson_with(), asset_url=lambda path: f"/lessons/hello-lambda/{path}")

    assert (
        '<img alt="A request travels to a function" src="/lessons/hello-lambda/diagrams/flow.svg">'
        in page
    )


def test_prompts_and_hints_render_as_markdown():
    assert render_markdown("Use `event['name']` **now**") == (
        "<p>Use <code>event['name']</code> <strong>now</strong></p>"
    )


@pytest.mark.skipif(not LESSONS.is_dir(), reason="no lessons/ folder")
def test_every_real_lesson_renders_with_a_slot_for_each_block():
    for lesson in load_catalog(LESSONS).lessons:
        page = render_lesson_html(lesson)

        slots = re.findall(r'<div class="lesson-(quiz|exercise|widget)"', page)
        assert slots == [block.kind for block in lesson.blocks], lesson.slug
        assert "<script" not in page
        assert "```" not in re.sub(r"<code>.*?</code>", "", page, flags=re.S), lesson.slug
