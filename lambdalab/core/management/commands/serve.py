"""Run the whole app for development: the web server and a Celery worker, stopped together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

QUEUES = "interactive,graded,batch,deploy"


class Command(BaseCommand):
    help = "Start the web server on 127.0.0.1:8000 and a Celery worker; Ctrl-C stops both."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--concurrency", type=int, default=2)

    def handle(self, *args, addr: str, concurrency: int, **options) -> None:
        broker = "Redis" if settings.REDIS_URL else f"embedded file broker in {settings.BROKER_DIR}"
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write(f"LambdaLab on http://{addr}/  (database: {database}; broker: {broker})")
        self._report_sandbox()
        children = [
            self._start([sys.executable, "manage.py", "runserver", addr, "--noreload"]),
            self._start(self._worker_command(concurrency)),
        ]
        signal.signal(signal.SIGTERM, lambda *_: self._stop(children))
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            self.stderr.write("A process stopped; stopping the others.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            self._stop(children)

    def _worker_command(self, concurrency: int) -> list[str]:
        celery = os.path.join(os.path.dirname(sys.executable), "celery")
        return [
            celery,
            "-A",
            "lambdalab",
            "worker",
            "-B",
            "-Q",
            QUEUES,
            "-c",
            str(concurrency),
            "-l",
            "INFO",
            "-n",
            "worker@%h",
        ]

    def _report_sandbox(self) -> None:
        """Say plainly, before anyone clicks Test, if this machine cannot isolate learner code."""
        from lambdalab.runtime import FunctionConfig, IsolationUnavailable, Runtime, hostinfo

        probe = FunctionConfig(
            code={"lambda_function.py": "def lambda_handler(e, c):\n    return 1\n"}
        )
        runtime = Runtime()
        try:
            runtime.invoke(probe, {}, owner="startup-probe")
        except IsolationUnavailable as exc:
            self.stderr.write(
                f"Learner code cannot be isolated on this machine: {exc}\n"
                "Test runs and submissions will be refused. Run LambdaLab with docker-compose "
                "instead (see README: 'Running with docker-compose')."
            )
        else:
            self.stdout.write("Sandbox ready: learner code runs isolated.")
            self.stdout.write(f"Runtimes: {hostinfo.runtimes_summary()}")
        finally:
            runtime.close()

    def _start(self, command: list[str]) -> subprocess.Popen:
        return subprocess.Popen(command, start_new_session=False)

    def _stop(self, children: list[subprocess.Popen]) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
