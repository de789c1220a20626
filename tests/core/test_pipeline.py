"""A task posted through the site travels the broker to a real worker process and back."""

from __future__ import annotations

import pytest
from django.db import connection

from lambdalab.core.models import WorkerPing
from lambdalab.core.services import ping_create
from tests import stack
from tests.submissions.conftest import publishing_to

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _answered(ping_id: int):
    return WorkerPing.objects.filter(pk=ping_id, answered_at__isnull=False).first()


def test_ping_posted_on_the_status_page_reaches_a_worker_over_redis(
    instructor, redis_url, tmp_path
):
    env = stack.process_env(broker_url=redis_url, var_dir=tmp_path)
    port = stack.free_port()
    with (
        stack.running(stack.worker_command(), env, tmp_path / "worker.log"),
        stack.running(stack.web_command(port), env, tmp_path / "web.log"),
    ):
        browser = stack.Browser(f"http://127.0.0.1:{port}")
        stack.wait_for(
            lambda: _up(browser), timeout=30, what="the web server", log=tmp_path / "web.log"
        )
        browser.post(
            "/accounts/login/",
            {"username": instructor.username, "password": "correct-horse-battery-staple"},
            referer_path="/accounts/login/",
        )
        page = browser.post("/status/ping/", {}, referer_path="/status/")
        assert "is waiting for a worker" in page or "answered by" in page

        ping = stack.wait_for(
            lambda: WorkerPing.objects.filter(answered_at__isnull=False).first(),
            timeout=60,
            what="the worker to answer",
            log=tmp_path / "worker.log",
        )
        assert ping.worker
        answer = browser.get(f"/status/ping/{ping.pk}/")
        assert "answered by" in answer
        # ... and the "Recent pings" table below catches up in the same answer (out of band)
        assert '<div id="recent-pings" hx-swap-oob="true">' in answer
        assert f"<td>{ping.pk}</td>" in answer and "No pings yet" not in answer


@pytest.mark.smoke
def test_ping_reaches_a_worker_through_the_embedded_broker(db, tmp_path, settings):
    """The default set-up: no Redis, a broker folder under var/ shared by web and worker."""
    if settings.REDIS_URL:
        pytest.skip("this process is configured for Redis")
    env = stack.process_env(broker_url=None, var_dir=settings.VAR_DIR)
    with stack.running(stack.worker_command(name="embedded"), env, tmp_path / "worker.log"):
        ping = ping_create()  # committed at once: this test runs outside a transaction

        answered = stack.wait_for(
            lambda: _answered(ping.pk),
            timeout=60,
            what="the worker to answer",
            log=tmp_path / "worker.log",
        )
    assert answered.worker


KEEPER = "lambdalab-test-keeper-worker"  # the application_name of its connections


def test_a_worker_keeps_its_database_connection_and_survives_losing_it(redis_url, tmp_path):
    """One connection serves task after task; a dropped one (a database restart) costs no task."""
    if connection.vendor != "postgresql":
        pytest.skip("reads PostgreSQL's list of connections")
    # libpq labels the worker's connections, so only they are counted and cut (not, say, a
    # live server thread's connection left open in this test process).
    env = stack.process_env(broker_url=redis_url, var_dir=tmp_path, PGAPPNAME=KEEPER)
    log = tmp_path / "worker.log"
    with publishing_to(redis_url), stack.running(stack.worker_command(name="keeper"), env, log):
        _ping_answered(log)
        first = _worker_connections(log)
        _ping_answered(log)
        assert _worker_connections(log) == first

        with connection.cursor() as cursor:
            for pid in first:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        _ping_answered(log)
        assert _worker_connections(log).isdisjoint(first)


def _ping_answered(log) -> WorkerPing:
    ping = ping_create()  # committed at once: this test runs outside a transaction
    return stack.wait_for(lambda: _answered(ping.pk), timeout=60, what="the answer", log=log)


def _worker_connections(log) -> set[int]:
    def others() -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = %s",
                [KEEPER],
            )
            return {pid for (pid,) in cursor.fetchall()}

    return stack.wait_for(others, timeout=10, what="the worker's connection", log=log)


def _up(browser: stack.Browser) -> bool:
    try:
        browser.get("/healthz")
    except OSError:
        return False
    except Exception:  # 503 while the broker warms up still means the server is up
        return True
    return True
