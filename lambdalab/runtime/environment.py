"""One Lambda execution environment: INIT, then invokes, with Lambda's log and error semantics.

The host measures every number here (durations, memory); the sandbox only reports what the
handler returned or raised, and nothing it says is trusted beyond that.
"""

from __future__ import annotations

import math
import os
import secrets
import string
import time
import uuid
from dataclasses import dataclass
from typing import Any

from lambdalab.runtime import formats
from lambdalab.runtime.cgroups import EnvCgroup
from lambdalab.runtime.config import FunctionConfig
from lambdalab.runtime.host import Event, LogCollector, SandboxHandle
from lambdalab.runtime.invocation import Invocation

INIT_LIMIT_S = 10.0
LOG_CAP_BYTES = 1024 * 1024
MiB = 1024 * 1024


@dataclass
class _Outcome:
    """What happened to one INIT attempt or one invoke."""

    kind: str  # ok | error | timeout | exited
    elapsed_ms: float
    header: dict[str, Any] | None = None
    body: bytes = b""
    status: int = 0


class Environment:
    """A reusable execution environment for one function config and one owner."""

    def __init__(
        self,
        *,
        config: FunctionConfig,
        owner: str,
        handle: SandboxHandle,
        cgroup: EnvCgroup | None,
        uid_lease: tuple[int, int],
    ) -> None:
        self.config, self.owner = config, owner
        self.created = time.time()
        self.last_used = time.monotonic()
        self.log_stream_name = formats.log_stream_name(
            created=self.created, version=config.version, token=uuid.uuid4().hex
        )
        self.cgroup, self.uid_lease = cgroup, uid_lease
        # The slot's cgroup outlives environments: count only this environment's OOM kills.
        self._seen_oom = cgroup.oom_kills() if cgroup is not None else 0
        self.initialised = False
        self.dead = False
        self._env = self._lambda_env()  # fixed per environment, like its credentials
        self.handle = handle
        handle.load(self._payload())  # the sandbox (perhaps a spare) receives its function

    def _payload(self) -> dict[str, Any]:
        cfg = self.config
        return {
            "code": dict(cfg.code),
            "hostname": f"169.254.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}",
            "tmp_size_mb": cfg.ephemeral_storage,
        }

    def _init_message(self) -> dict[str, Any]:
        """What each new runtime process of this environment needs (sent over its socket)."""
        cfg = self.config
        return {
            "type": "init",
            "handler": cfg.handler,
            "env": self._env,
            "tmp_size_mb": cfg.ephemeral_storage,
            "rlimit_memory_mb": cfg.memory_size if self.cgroup is None else 0,
        }

    def _lambda_env(self) -> dict[str, str]:
        cfg = self.config
        env = {
            "AWS_LAMBDA_FUNCTION_VERSION": cfg.version,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{cfg.runtime}",
            "AWS_DEFAULT_REGION": cfg.region,
            "AWS_REGION": cfg.region,
            "AWS_LAMBDA_FUNCTION_NAME": cfg.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(cfg.memory_size),
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": cfg.log_group_name,
            "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream_name,
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
            "_HANDLER": cfg.handler,
            "LAMBDA_TASK_ROOT": "/var/task",
            "LAMBDA_RUNTIME_DIR": "/var/runtime",
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "AWS_XRAY_DAEMON_ADDRESS": "169.254.100.1:2000",
            "_AWS_XRAY_DAEMON_ADDRESS": "169.254.100.1",
            "_AWS_XRAY_DAEMON_PORT": "2000",
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PYTHONPATH": "/var/runtime",
            "PWD": "/var/task",
            "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
            "SHLVL": "0",
            "LD_LIBRARY_PATH": "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:"
            "/var/task:/var/task/lib:/opt/lib",
        }
        env.update(_fake_credentials())
        env.update(cfg.environment)
        return env

    # ------------------------------------------------------------------ invoke

    def invoke(self, *, event: bytes, request_id: str, aws: Any = None) -> Invocation:
        """Run one invocation (INIT first when the environment is new or was reset)."""
        self.last_used = time.monotonic()
        cfg = self.config
        cold = not self.initialised
        logs: list[str] = []
        init_ms: float | None = None
        if cold:
            if self.cgroup:
                self.cgroup.reset_peak()
            logs.append(formats.init_start_line(cfg.runtime, cfg.region))
            first = self._run_init(INIT_LIMIT_S, logs, aws)
            init_ms = first.elapsed_ms
            if first.kind != "ok":
                logs.append(_init_report(first, "init"))
                return self._reinit_in_invoke(event, request_id, aws, logs, init_ms)
        elif self.cgroup:
            self.cgroup.reset_peak()
        logs.append(formats.start_line(request_id, cfg.version))
        outcome = self._run_invoke(event, request_id, aws, logs)
        return self._finish(outcome, request_id, logs, init_ms=init_ms, cold=cold)

    def _reinit_in_invoke(
        self, event: bytes, request_id: str, aws: Any, logs: list[str], init_ms: float
    ) -> Invocation:
        """Lambda retries a failed INIT inside the first invoke, under the function timeout."""
        logs.append(formats.start_line(request_id, self.config.version))
        started = time.monotonic()
        retry = self._run_init(float(self.config.timeout), logs, aws)
        if retry.kind == "ok":
            outcome = self._run_invoke(event, request_id, aws, logs)
            outcome.elapsed_ms += retry.elapsed_ms
            return self._finish(
                outcome, request_id, logs, init_ms=init_ms, cold=True, report_init=False
            )
        logs.append(_init_report(retry, "invoke"))
        retry.elapsed_ms = (time.monotonic() - started) * 1000
        return self._finish(
            retry, request_id, logs, init_ms=init_ms, cold=True, report_init=False, init_failed=True
        )

    def _run_init(self, limit_s: float, logs: list[str], aws: Any) -> _Outcome:
        # The invoke is only sent after init_done, so INIT's output and the handler's never mix.
        # INIT code may call AWS (module-level calls are common): it gets the first
        # invocation's channel, as a Lambda cold start talks to the invoking account.
        collector = LogCollector(LOG_CAP_BYTES)
        self.handle.start_runtime()
        started = time.monotonic()
        if self._send_with_aws(self._init_message(), b"", aws, limit_s):
            event = self.handle.wait(started + limit_s, collector)
        else:
            event = Event("exited", status=-9)
        elapsed = (time.monotonic() - started) * 1000
        self.handle.drain_logs(collector)
        outcome = _classify(event, elapsed, expect="init_done", error="init_error")
        logs.append(collector.take())
        if outcome.kind == "ok":
            self.initialised = True
        else:
            self._reset()
        return outcome

    def _send_invoke(self, event: bytes, request_id: str, aws: Any) -> bool:
        cfg = self.config
        header = {
            "type": "invoke",
            "id": request_id,
            "arn": cfg.function_arn,
            "timeout_ms": cfg.timeout * 1000,  # the deadline starts when the invoke does
            "trace": _trace_id(),
        }
        return self._send_with_aws(header, event, aws, float(cfg.timeout))

    def _send_with_aws(self, header: dict[str, Any], body: bytes, aws: Any, limit_s: float) -> bool:
        """Send one message, with a fresh connection to the run's mock AWS when there is one."""
        aws_sock = aws.connect() if aws is not None else None
        try:
            fds = [aws_sock.fileno()] if aws_sock is not None else []
            return self.handle.send(header, body, fds, limit_s)
        finally:
            if aws_sock is not None:
                aws_sock.close()  # the sandbox has its own copy now

    def _run_invoke(self, event: bytes, request_id: str, aws: Any, logs: list[str]) -> _Outcome:
        cfg = self.config
        collector = LogCollector(LOG_CAP_BYTES)
        started = time.monotonic()
        deadline = started + cfg.timeout
        sent = self._send_invoke(event, request_id, aws)
        result = self.handle.wait(deadline, collector) if sent else Event("exited", status=-9)
        elapsed = (time.monotonic() - started) * 1000
        self.handle.drain_logs(collector)
        outcome = _classify(result, elapsed, expect="result", error="result")
        logs.append(collector.take())
        if outcome.kind == "timeout":
            logs.append(
                formats.timeout_log_line(
                    when=time.time(), request_id=request_id, elapsed_s=elapsed / 1000
                )
            )
        elif outcome.kind == "exited":
            logs.append(formats.exit_log_lines(request_id=request_id, status=outcome.status))
        if outcome.kind in ("timeout", "exited"):
            self._reset()
        return outcome

    def _reset(self) -> None:
        """Crash or timeout: kill the runtime process tree; the next invoke re-runs INIT."""
        self.initialised = False
        if not self.handle.stop_runtime():
            self.dead = True

    # ------------------------------------------------------------------ results

    def _finish(
        self,
        outcome: _Outcome,
        request_id: str,
        logs: list[str],
        *,
        init_ms: float | None,
        cold: bool,
        report_init: bool = True,
        init_failed: bool = False,
    ) -> Invocation:
        cfg = self.config
        status, payload, error_type = self._result(outcome, request_id, init_failed)
        duration = outcome.elapsed_ms
        memory = self._max_memory_mb(outcome)
        oom = outcome.kind == "exited" and self._oom_killed()
        report_error = "Runtime.OutOfMemory" if oom else error_type
        shown_init = init_ms if report_init else None
        billed = formats.billed_duration_ms(duration, shown_init)
        logs.append(formats.end_line(request_id))
        logs.append(
            formats.report_line(
                request_id=request_id,
                duration_ms=duration,
                billed_ms=billed,
                memory_size=cfg.memory_size,
                max_memory_mb=memory,
                init_ms=shown_init,
                status=status,
                error_type=report_error if status == "error" else None,
            )
        )
        return Invocation(
            request_id=request_id,
            status=status,
            payload_bytes=payload,
            function_error="Unhandled" if status != "success" else None,
            logs="".join(logs),
            duration_ms=duration,
            billed_duration_ms=billed,
            init_duration_ms=init_ms if cold else None,
            max_memory_used_mb=memory,
            memory_size_mb=cfg.memory_size,
            cold_start=cold,
            log_stream_name=self.log_stream_name,
            architecture=cfg.architecture,
            error_type=error_type,
        )

    def _result(
        self, outcome: _Outcome, request_id: str, init_failed: bool
    ) -> tuple[str, bytes, str | None]:
        if outcome.kind == "timeout":
            return (
                "timeout",
                formats.timeout_document(request_id=request_id, timeout_s=self.config.timeout),
                None,
            )
        if outcome.kind == "exited":
            return (
                "error",
                formats.exit_error_document(request_id=request_id, status=outcome.status),
                "Runtime.ExitError",
            )
        header = outcome.header or {}
        if header.get("too_large"):
            return "error", formats.response_too_large_document(), "Function.ResponseSizeTooLarge"
        if outcome.kind == "ok":
            return "success", outcome.body, None
        error_type = str(header.get("error_type", "Runtime.Unknown"))[:256]
        return "error", outcome.body, error_type

    def _max_memory_mb(self, outcome: _Outcome) -> int:
        if self.cgroup is not None:
            peak = self.cgroup.peak_bytes()
        else:
            peak = int((outcome.header or {}).get("maxrss_kb", 0)) * 1024
        return min(max(math.ceil(peak / MiB), 1), self.config.memory_size)

    def _oom_killed(self) -> bool:
        if self.cgroup is None:
            return False
        kills = self.cgroup.oom_kills()
        new = kills > self._seen_oom
        self._seen_oom = kills
        return new

    def close(self) -> None:
        self.dead = True
        self.handle.kill()


def _classify(event: Event, elapsed: float, *, expect: str, error: str) -> _Outcome:
    if event.kind == "timeout":
        return _Outcome("timeout", elapsed)
    if event.kind in ("exited", "lost"):
        return _Outcome("exited", elapsed, status=event.status if event.kind == "exited" else -9)
    header = event.header or {}
    kind = header.get("type")
    if (
        kind == expect
        and (header.get("ok", True) if kind == "result" else True)
        and kind != "init_error"
    ):
        return _Outcome("ok", elapsed, header, event.body)
    if kind in (expect, error):
        return _Outcome("error", elapsed, header, event.body)
    return _Outcome("exited", elapsed, status=-9)  # the sandbox broke the protocol


def _init_report(outcome: _Outcome, phase: str) -> str:
    if outcome.kind == "timeout":
        return formats.init_report_line(
            init_ms=outcome.elapsed_ms, phase=phase, status="timeout", error_type=None
        )
    error_type = (
        "Runtime.ExitError"
        if outcome.kind == "exited"
        else str((outcome.header or {}).get("error_type", "Runtime.Unknown"))[:256]
    )
    return formats.init_report_line(
        init_ms=outcome.elapsed_ms, phase=phase, status="error", error_type=error_type
    )


def _fake_credentials() -> dict[str, str]:
    """Lambda-shaped temporary credentials. Never real ones: they only reach the mock AWS."""
    upper = string.ascii_uppercase + string.digits
    key_id = "".join(upper[b % len(upper)] for b in secrets.token_bytes(16))  # one syscall
    return {
        "AWS_ACCESS_KEY_ID": "ASIA" + key_id,
        "AWS_SECRET_ACCESS_KEY": secrets.token_urlsafe(30)[:40],
        "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjE" + secrets.token_urlsafe(300),
    }


def _trace_id() -> str:
    epoch = f"{int(time.time()):08x}"
    return f"Root=1-{epoch}-{os.urandom(12).hex()};Parent={os.urandom(8).hex()};Sampled=0;Lineage=1"
