from __future__ import annotations

import pytest

from lambdalab.celery import app

pytestmark = pytest.mark.smoke


def test_healthz_reports_database_and_broker_up(anonymous, db):
    response = anonymous.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True


def test_healthz_answers_503_when_the_broker_is_unreachable(anonymous, db, monkeypatch):
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")

    response = anonymous.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"]["ok"] is False
    assert "Error" in body["broker"]["detail"] or "refused" in body["broker"]["detail"].lower()
    assert body["database"]["ok"] is True


def test_home_page_shows_the_product_and_lessons_section(anonymous, db):
    response = anonymous.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Learn AWS Lambda" in page
    assert 'id="lessons-heading"' in page
    assert "/static/dist/app.js" in page  # htmx served from our own origin
    assert "unpkg" not in page and "cdn" not in page.lower()
