"""A task posted through the site travels the broker to a real worker process and back."""

from __future__ import annotations

import pytest

from lambdalab.core.models import WorkerPing
from lambdalab.core.services import ping_create
from tests import stack

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
        assert "answered by" in browser.get(f"/status/ping/{ping.pk}/")


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


def _up(browser: stack.Browser) -> bool:
    try:
        browser.get("/healthz")
    except OSError:
        return False
    except Exception:  # 503 while the broker warms up still means the server is up
        return True
    return True
