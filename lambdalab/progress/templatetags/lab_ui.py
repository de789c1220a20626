"""Small template filters for the learner's pages."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def pretty_json(value: Any) -> str:
    """Indented JSON, as the Lambda console shows a response."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, indent=2, sort_keys=False, default=str, ensure_ascii=False)


@register.filter
def usd(value: Any, digits: int = 10) -> str:
    """Dollars with enough places to show a single invocation's cost ($0.0000002100)."""
    if value is None:
        return "—"
    number = float(value)
    if number >= 1 or number == 0:
        return f"${number:,.2f}"
    return f"${number:.{int(digits)}f}".rstrip("0").rstrip(".")


@register.filter
def ms(value: Any) -> str:
    if value is None:
        return "—"
    number = float(value)
    return f"{number:,.0f} ms" if number == int(number) else f"{number:,.2f} ms"


@register.filter
def intcomma_plain(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def get_item(mapping: dict, key: Any) -> Any:
    return (mapping or {}).get(key)


@register.simple_tag(takes_context=True)
def lesson_summaries(context, lessons):
    """Progress marks for a list of lessons (the home page gets lessons from the core app)."""
    from lambdalab.progress.selectors import lesson_summaries as summarise

    return summarise(user=context.get("user"), lessons=list(lessons or []))


@lru_cache(maxsize=4096)
def _rendered(text: str) -> str:
    # Content changes only with a sync, and a Markdown instance costs ~3 ms to build: a quiz's
    # question and options would otherwise dominate a lesson page.
    from lambdalab.catalog.render import render_markdown

    return render_markdown(text)


@register.filter
def markdown(text: str) -> str:
    """Author Markdown (a prompt, a hint) as sanitised HTML; the catalog's renderer sanitises."""
    return mark_safe(_rendered(text or ""))  # noqa: S308 - sanitised by nh3


@register.filter
def markdown_inline(text: str) -> str:
    """The same, without the wrapping paragraph, for a question inside a legend or label."""
    html = str(markdown(text)).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return mark_safe(html)  # noqa: S308 - sanitised by nh3


@register.filter
def highlight_code(source: str, path: str = "") -> str:
    """Learner code as highlighted, escaped HTML (Pygments escapes every character it emits)."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer, get_lexer_for_filename
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_for_filename(path) if path else PythonLexer()
    except ClassNotFound:
        lexer = PythonLexer()
    html = highlight(source or "", lexer, HtmlFormatter(cssclass="highlight code-view"))
    return mark_safe(html.replace("<pre>", '<pre tabindex="0">', 1))  # noqa: S308 - escaped
