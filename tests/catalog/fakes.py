"""Test doubles at the edge: an in-process stand-in for the runtime and a dict-backed mock account.

Only for tests of the grading *orchestration* (which events go to which environment, which
account a check sees). End-to-end grading tests use the real runtime.
"""

from __future__ import annotations

import contextlib
import io
import json
import threading
import types
import uuid


class InProcessRuntime:
    """Runs handler code with exec() in this process and returns runtime-shaped records."""

    def __init__(self):
        self.calls: list[dict] = []
        self.environments: dict[str, dict] = {}
        self.lock = threading.Lock()  # exec + redirect_stdout are process-wide: one at a time

    def invoke_sequence(self, config, events, *, owner, cold=False, aws=None):
        with self.lock:
            return self._sequence(config, events, owner=owner, cold=cold, aws=aws)

    def _sequence(self, config, events, *, owner, cold, aws):
        key = f"{owner}:{config.fingerprint()}"
        self.calls.append({"owner": owner, "cold": cold, "events": list(events), "aws": aws})
        records = []
        for event in events:
            fresh = cold or key not in self.environments
            if fresh:
                self.environments[key] = self._init(config, aws)
            cold = False
            records.append(self._invoke(self.environments[key], event, fresh, aws))
        return records

    def _init(self, config, aws):
        module_name, function = config.handler.rsplit(".", 1)
        module = types.ModuleType(module_name)
        module.__dict__["AWS"] = aws
        logs = io.StringIO()
        with _env(config.environment), contextlib.redirect_stdout(logs):
            exec(config.code[module_name.replace(".", "/") + ".py"], module.__dict__)
        return {
            "handler": getattr(module, function),
            "init_logs": logs.getvalue(),
            "config": config,
        }

    def _invoke(self, environment, event, fresh, aws):
        logs = io.StringIO()
        payload, error = None, None
        with _env(environment["config"].environment), contextlib.redirect_stdout(logs):
            try:
                payload = json.loads(json.dumps(environment["handler"](event, None)))
            except Exception as exc:
                error = "Unhandled"
                payload = {"errorMessage": str(exc), "errorType": type(exc).__name__}
        init = environment["init_logs"] if fresh else ""
        return {
            "request_id": str(uuid.uuid4()),
            "status": "error" if error else "ok",
            "payload": payload,
            "function_error": error,
            "logs": init + logs.getvalue(),
            "duration_ms": 1.0,
            "billed_duration_ms": 1,
            "init_duration_ms": 5.0 if fresh else None,
            "max_memory_used_mb": 30,
            "memory_size_mb": environment["config"].memory_size,
            "cold_start": fresh,
            "log_stream_name": "fake",
            "cost_usd": 2.1e-7,
        }


@contextlib.contextmanager
def _env(values):
    import os

    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class DictAccount:
    """A mock account whose state is a plain dict the fake handlers mutate."""

    started: list[DictAccount] = []

    def __init__(self, fixtures):
        self.data = {"dynamodb": {"Payments": {"items": list(fixtures.get("items", []))}}}
        self.closed = False
        DictAccount.started.append(self)

    def state(self):
        return json.loads(json.dumps(self.data))

    def read_object(self, bucket, key):
        raise KeyError(key)

    def close(self):
        self.closed = True
