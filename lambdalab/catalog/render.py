"""Lesson Markdown to safe HTML: Markdown + Pygments highlighting, sanitised with nh3.

Quiz, exercise and widget blocks become empty placeholders that the lesson template fills:

    <div class="lesson-quiz" data-quiz-id="pay-per-use"></div>
    <div class="lesson-exercise" data-exercise-slug="first-handler"></div>
    <div class="lesson-widget" data-widget="cost-calculator" data-settings="{&quot;a&quot;: 1}">
    </div>

(`data-settings` is the widget's other keys as HTML-escaped JSON: `json.loads(html.unescape(v))`.)
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable

import markdown
import nh3

from lambdalab.catalog.content import Block, Lesson

MARKER = "LLBLOCK{}TOKEN"
_MARKER_PARAGRAPH = re.compile(r"<p>LLBLOCK(\d+)TOKEN</p>")
_IMG_SRC = re.compile(r'(<img\b[^>]*\bsrc=")([^"]+)(")')

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "span": {"class"},
    "div": {"class"},
    "code": {"class"},
    "pre": {"class"},
    "th": {"align"},
    "td": {"align"},
    **{f"h{n}": {"id"} for n in range(1, 7)},
}


def _markdown() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["fenced_code", "tables", "sane_lists", "codehilite", "toc"],
        extension_configs={
            "codehilite": {"css_class": "highlight", "guess_lang": False},
            "toc": {"permalink": False},
        },
        output_format="html",
    )


def render_markdown(text: str) -> str:
    """Render author Markdown (a prompt, a hint, a quiz option) to sanitised HTML."""
    return _clean(_markdown().convert(text))


def _clean(raw: str) -> str:
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def render_lesson_html(lesson: Lesson, *, asset_url: Callable[[str], str] | None = None) -> str:
    """The lesson body as safe HTML with placeholders for its quiz/exercise/widget blocks.

    `asset_url(path)` maps a lesson-relative image path (`diagrams/flow.svg`) to its URL; by
    default images stay relative to the lesson page.
    """
    body = _rendered(lesson)
    return body if asset_url is None else with_asset_urls(body, asset_url)


def with_asset_urls(body: str, asset_url: Callable[[str], str]) -> str:
    """`body` with each lesson-relative image path (`diagrams/flow.svg`) mapped to its URL."""

    def swap(m: re.Match) -> str:
        path = html.unescape(m[2])
        if "://" in path or path.startswith(("/", "data:")):
            return m[0]
        return m[1] + html.escape(asset_url(path)) + m[3]

    return _IMG_SRC.sub(swap, body)


def _rendered(lesson: Lesson) -> str:
    # Lesson.content() hands out one cached parsed lesson per stored version; render it once.
    cached = getattr(lesson, "_rendered_html", None)
    if cached is None or cached[0] != lesson.body:
        source = _with_markers(lesson.body, lesson.blocks)
        body = _clean(_markdown().convert(source))
        body = _MARKER_PARAGRAPH.sub(lambda m: _placeholder(lesson.blocks[int(m[1])]), body)
        cached = (lesson.body, body)
        lesson._rendered_html = cached  # type: ignore[attr-defined]
    return cached[1]


def _with_markers(body: str, blocks: list[Block]) -> str:
    lines = body.splitlines(keepends=True)
    for index in reversed(range(len(blocks))):
        block = blocks[index]
        lines[block.start : block.end] = [f"\n{MARKER.format(index)}\n\n"]
    return "".join(lines)


def _placeholder(block: Block) -> str:
    if block.kind == "quiz":
        return f'<div class="lesson-quiz" data-quiz-id="{html.escape(block.data["id"])}"></div>'
    if block.kind == "exercise":
        slug = html.escape(block.data["slug"])
        return f'<div class="lesson-exercise" data-exercise-slug="{slug}"></div>'
    settings = {k: v for k, v in block.data.items() if k != "name"}
    return (
        f'<div class="lesson-widget" data-widget="{html.escape(block.data["name"])}" '
        f'data-settings="{html.escape(json.dumps(settings, sort_keys=True))}"></div>'
    )
