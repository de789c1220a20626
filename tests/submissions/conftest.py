from __future__ import annotations

import shutil
import subprocess
import time
from contextlib import contextmanager

import pytest

from lambdalab.celery import app
from tests import stack
from tests.ci import skip_or_fail

SLEEPY = {
    "lambda_function.py": (
        "import time\n\n"
        "def lambda_handler(event, context):\n"
        "    time.sleep(event.get('sleep', 0))\n"
        "    return {'echo': event.get('n')}\n"
    )
}


@contextmanager
def publishing_to(url: str):
    """Point this test process's Celery producer at another broker for the block."""
    saved = (app.conf.broker_url, dict(app.conf.broker_transport_options or {}))
    app.conf.broker_url = url
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    app._after_fork()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = saved
        app._after_fork()


@pytest.fixture
def redis_broker(redis_url):
    with publishing_to(redis_url):
        yield redis_url


class PrivateRedis:
    """A redis-server of the test's own, so the test may stop and restart it."""

    def __init__(self, tmp_path):
        self.port = stack.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp_path
        self.proc = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            skip_or_fail("redis-server is not installed")
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url)
        stack.wait_for(lambda: _pings(client), timeout=10, what="the private redis-server")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        time.sleep(0.2)


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()
