"""Start real LambdaLab processes (web server, Celery worker) against the test database."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def database_url() -> str:
    """A URL for the database this test process is using (the test database)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def process_env(*, broker_url: str | None, var_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        REDIS_URL=broker_url or "",
        LAMBDALAB_VAR_DIR=str(var_dir),
        DEBUG="true",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(command: list[str], env: dict[str, str], log: Path):
    """Run a process group for the duration of a block; kill the whole group afterwards."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield proc
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # the test already killed it
            proc.wait(timeout=10)


def worker_command(
    *,
    queues: str = "interactive,graded,batch,deploy",
    concurrency: int = 1,
    name: str = "test-worker",
) -> list[str]:
    return [
        str(BIN / "celery"),
        "-A",
        "lambdalab",
        "worker",
        "-Q",
        queues,
        "-c",
        str(concurrency),
        "-l",
        "INFO",
        "-n",
        f"{name}@%h",
        "--without-gossip",
        "--without-mingle",
    ]


def web_command(port: int) -> list[str]:
    return [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{port}", "-w", "1", "lambdalab.wsgi"]


def wait_for(predicate, *, timeout: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    detail = log.read_text()[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{detail}")


class Browser:
    """A tiny cookie-keeping HTTP client for talking to a real server like a browser form does."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.read().decode()

    def post(self, path: str, data: dict[str, str], *, referer_path: str) -> str:
        page = self.get(referer_path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + referer_path}
        )
        with self.opener.open(request, timeout=10) as response:
            return response.read().decode()
