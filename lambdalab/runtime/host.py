"""Trusted host side: the zygote process and the handles of live execution environments."""

from __future__ import annotations

import array
import fcntl
import json
import os
import select
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambdalab.runtime import channel, hostinfo

PROJECT_ROOT = str(Path(__file__).resolve().parents[2])
ZYGOTE_START_TIMEOUT_S = 120.0
SANDBOX_READY_TIMEOUT_S = 15.0


class IsolationUnavailable(RuntimeError):
    """Learner code cannot be isolated here, so it will not run. `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"Isolation unavailable: {reason}. LambdaLab refuses to run learner code without "
            "its sandbox; on macOS or without Linux namespaces use docker-compose "
            "(see the README)."
        )
        self.reason = reason


class Zygote:
    """A pre-initialised interpreter that forks execution environments on request."""

    def __init__(self, interpreter: hostinfo.Interpreter | None = None) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self.pid = 0
        self.interpreter = interpreter or hostinfo.this_interpreter()

    def _start(self) -> None:
        host, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # Another Python version imports the worker's SDK (pure Python) ahead of its own.
        path = [PROJECT_ROOT, *filter(None, [self.interpreter.sdk_path])]
        code = (
            f"import sys; sys.path[:0] = {path!r}; "
            f"from lambdalab.runtime.zygote import main; main({child.fileno()})"
        )
        # exec a fresh interpreter with an empty environment: nothing of the worker
        # (settings, credentials, open connections) is inherited.
        self._proc = subprocess.Popen(
            [self.interpreter.executable, "-I", "-B", "-c", code],
            env={},
            pass_fds=[child.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            cwd="/",
        )
        child.close()
        host.settimeout(ZYGOTE_START_TIMEOUT_S)
        try:
            hello = json.loads(host.recv(4096) or b"{}")
        except (OSError, ValueError) as exc:
            raise IsolationUnavailable(f"the zygote did not start ({exc})") from exc
        if not hello.get("ready"):
            self._proc.kill()
            raise IsolationUnavailable("the zygote exited during start-up")
        host.settimeout(10.0)
        self._sock, self.pid = host, hello["pid"]

    def spawn(self, spec: dict[str, Any], fds: list[int]) -> None:
        """Ask for one environment. There is no reply: the environment's own status pipe
        reports its pid or the reason it failed (EOF if anything died on the way)."""
        with self._lock:
            if self._sock is None or (self._proc and self._proc.poll() is not None):
                self._start()
            assert self._sock is not None
            try:
                self._sock.sendmsg(
                    [json.dumps(spec).encode()],
                    [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))],
                )
            except OSError as exc:
                self._sock = None  # the zygote died; the next spawn starts a new one
                raise IsolationUnavailable(f"the zygote is gone ({exc})") from exc

    def close(self) -> None:
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None
            if self._proc is not None:
                try:
                    self._proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
                self._proc = None


class SlotLeases:
    """Distinct sandbox uids, leased host-wide with lock files (several workers per host)."""

    def __init__(self, *, base_uid: int, count: int) -> None:
        self.base_uid, self.count = base_uid, count
        self.dir = os.path.join(tempfile.gettempdir(), f"lambdalab-uids-{os.geteuid()}")
        os.makedirs(self.dir, mode=0o700, exist_ok=True)

    def acquire(self, prefer: tuple[int, ...] = ()) -> tuple[int, int]:
        """Returns (uid, lock fd), trying the `prefer` uids first (slots that are already
        set up). Raises when every uid is leased."""
        candidates = range(self.base_uid, self.base_uid + self.count)
        for uid in (*(u for u in prefer if u in candidates), *candidates):
            fd = os.open(f"{self.dir}/{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return uid, fd
        raise RuntimeError("no free sandbox uid")

    @staticmethod
    def release(fd: int) -> None:
        os.close(fd)


class LogCollector:
    """Keeps the first `cap` bytes of function output, counts the rest."""

    def __init__(self, cap: int) -> None:
        self.cap, self.kept, self.dropped = cap, bytearray(), 0

    def add(self, data: bytes) -> None:
        room = self.cap - len(self.kept)
        self.kept += data[: max(room, 0)]
        self.dropped += max(len(data) - max(room, 0), 0)

    def text(self) -> str:
        out = self.kept.decode("utf-8", "replace")
        if self.dropped:
            if not out.endswith("\n"):
                out += "\n"
            out += (
                f"[LambdaLab] Log output truncated: {self.dropped} more bytes were not kept "
                f"(limit {self.cap // (1024 * 1024)} MB per invocation).\n"
            )
        return out

    def take(self) -> str:
        text = self.text()
        self.kept, self.dropped = bytearray(), 0
        return text


@dataclass
class Event:
    kind: str  # frame | exited | timeout | lost
    header: dict[str, Any] | None = None
    body: bytes = b""
    status: int = 0


class SandboxHandle:
    """The host's end of one execution environment: init process B and runtime process C."""

    def __init__(self, *, zygote: Zygote, spec: dict[str, Any]) -> None:
        """Start a sandbox. It isolates itself, then waits for a function (see load)."""
        self.bctl, sbx_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        payload_r, self._payload_w = os.pipe()
        self._status_r, status_w = os.pipe()
        # The first runtime process starts as soon as the sandbox is ready (no extra request).
        self.ctl, ctl_sbx = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.log_r, log_w = os.pipe2(os.O_CLOEXEC)
        os.set_blocking(self.log_r, False)
        self.parser: channel.FrameParser | None = channel.FrameParser(max_body=8 * 1024 * 1024)
        self.prestarted = True
        self.sandbox_pidfd = -1
        self._started = False
        self._events: list[Event] = []
        try:
            try:
                zygote.spawn(spec, [sbx_end.fileno(), payload_r, status_w, ctl_sbx.fileno(), log_w])
            finally:  # the sandbox's ends now live in the zygote's children only
                for fd in (payload_r, status_w, log_w):
                    os.close(fd)
                sbx_end.close()
                ctl_sbx.close()
        except BaseException:
            self.kill()
            raise

    def load(self, payload: dict[str, Any]) -> None:
        """Hand the sandbox its function (code, environment, limits) and wait until it is
        ready. Raises IsolationUnavailable, with the sandbox's reason, if set-up failed."""
        try:
            self._handshake(payload)
        except BaseException:
            self.kill()
            raise

    def _handshake(self, payload: dict[str, Any]) -> None:
        payload_w, self._payload_w = self._payload_w, -1
        try:  # the sandbox reads this itself, straight from the pipe
            with os.fdopen(payload_w, "wb") as pipe:
                pipe.write(json.dumps(payload).encode())
        except BrokenPipeError:
            pass  # the sandbox died during set-up; its reason follows
        self._await("ready")

    def wait_isolated(self) -> None:
        """Block until the sandbox has isolated itself (used to hold spares ready)."""
        self._await("isolated")

    def _await(self, wanted: str) -> None:
        if not self._started:
            line = self._read_status_line()
            if "error" in line:
                raise IsolationUnavailable(line["error"])
            self._started = True
            if int(line["pid"]):  # 0: a slot forker's environment, ended by closing bctl
                self.sandbox_pidfd = os.pidfd_open(int(line["pid"]))
        self.bctl.settimeout(SANDBOX_READY_TIMEOUT_S)
        try:
            while True:
                raw = self.bctl.recv(4096) or b'{"ev": "fatal", "error": "sandbox died"}'
                msg = json.loads(raw)
                if msg.get("ev") != "isolated" or wanted == "isolated":
                    break
        except (TimeoutError, ValueError) as exc:
            raise IsolationUnavailable(f"sandbox set-up did not finish ({exc})") from exc
        finally:
            self.bctl.settimeout(None)
        if msg.get("ev") != wanted:
            raise IsolationUnavailable(str(msg.get("error", "sandbox set-up failed")))

    def _read_status_line(self) -> dict[str, Any]:
        data = b""
        deadline = time.monotonic() + SANDBOX_READY_TIMEOUT_S
        while not data.endswith(b"\n"):
            ready, _, _ = select.select([self._status_r], [], [], deadline - time.monotonic())
            chunk = os.read(self._status_r, 4096) if ready else b""
            if not chunk:
                return {"error": "the keeper process died during set-up"}
            data += chunk
        return json.loads(data)

    # ------------------------------------------------------------ runtime process (C)

    def start_runtime(self) -> None:
        if self.prestarted:  # the first runtime process was started with the sandbox
            self.prestarted = False
            return
        ctl_host, ctl_sbx = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        log_r, log_w = os.pipe2(os.O_CLOEXEC)
        os.set_blocking(log_r, False)
        try:
            self.bctl.sendmsg(
                [b'{"cmd": "start"}'],
                [
                    (
                        socket.SOL_SOCKET,
                        socket.SCM_RIGHTS,
                        __import__("array").array("i", [ctl_sbx.fileno(), log_w]),
                    )
                ],
            )
        finally:
            ctl_sbx.close()
            os.close(log_w)
        self.ctl, self.log_r = ctl_host, log_r
        self.parser = channel.FrameParser(max_body=8 * 1024 * 1024)
        self._events.clear()

    def stop_runtime(self) -> bool:
        """Kill the runtime process and everything it started; /tmp survives. False if B is gone."""
        self._close_generation()
        try:
            self.bctl.send(b'{"cmd": "reset"}')
        except OSError:
            return False
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.bctl], [], [], deadline - time.monotonic())
            if not ready:
                break
            msg = self.bctl.recv(4096)
            if not msg:
                return False
            if json.loads(msg).get("ev") == "reset_done":
                return True
        return False

    def _close_generation(self) -> None:
        self.prestarted = False
        if self.ctl is not None:
            self.ctl.close()
            self.ctl = None
        if self.log_r >= 0:
            os.close(self.log_r)
            self.log_r = -1
        self._events.clear()

    def send(self, header: dict[str, Any], body: bytes, fds: list[int], timeout: float) -> bool:
        assert self.ctl is not None
        self.ctl.settimeout(max(timeout, 0.001))
        try:
            channel.send(self.ctl, header, body, fds)
            return True
        except OSError:
            return False
        finally:
            self.ctl.settimeout(None)

    def wait(self, deadline: float, logs: LogCollector) -> Event:
        """Next event from the runtime: a frame, its exit, the deadline, or loss of B."""
        while not self._events:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return Event("timeout")
            self._poll_once(remaining, logs)
        return self._events.pop(0)

    def _poll_once(self, remaining: float, logs: LogCollector) -> None:
        fds = [f for f in (self.log_r, self.ctl.fileno() if self.ctl else -1) if f >= 0]
        ready, _, _ = select.select([*fds, self.bctl], [], [], remaining)
        if self.log_r in ready:
            self.drain_logs(logs)
        if self.ctl is not None and self.ctl.fileno() in ready:
            self._read_ctl()
        if self.bctl in ready:
            self._read_bctl(logs)

    def drain_logs(self, logs: LogCollector) -> None:
        while self.log_r >= 0:
            try:
                data = os.read(self.log_r, 1 << 16)
            except BlockingIOError:
                return
            if not data:
                return
            logs.add(data)

    def _read_ctl(self) -> None:
        assert self.ctl is not None and self.parser is not None
        try:
            data = self.ctl.recv(1 << 20, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.ctl.close()
            self.ctl = None
            return
        try:
            frames = self.parser.feed(data)
        except channel.ProtocolError:
            self._events.append(Event("exited", status=-9))
            return
        self._events.extend(Event("frame", header=h, body=b) for h, b in frames)

    def _read_bctl(self, logs: LogCollector) -> None:
        msg = self.bctl.recv(4096)
        if not msg:
            self._events.append(Event("lost"))
            return
        doc = json.loads(msg)
        if doc.get("ev") == "exited":
            if self.ctl is not None:  # the runtime may have written a last frame first
                self._read_ctl()
            self.drain_logs(logs)
            self._events.append(Event("exited", status=int(doc.get("status", -9))))

    # ------------------------------------------------------------ teardown

    def kill(self) -> None:
        """Destroy the environment: every process, the mounts and /tmp go with the namespaces."""
        if self._payload_w >= 0:
            os.close(self._payload_w)
            self._payload_w = -1
        self._close_generation()
        self.bctl.close()
        if self.sandbox_pidfd >= 0:
            try:
                signal.pidfd_send_signal(self.sandbox_pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.close(self.sandbox_pidfd)
            self.sandbox_pidfd = -1
        self._wait_keeper_exit()

    def _wait_keeper_exit(self) -> None:
        if self._status_r < 0:
            return
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self._status_r], [], [], deadline - time.monotonic())
            if ready and not os.read(self._status_r, 4096):
                break
        os.close(self._status_r)
        self._status_r = -1
