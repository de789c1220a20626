"""Trusted-side handle on one isolated mock AWS account (the caller never imports moto).

moto lives in a separate host process (see host.py) started on first use, once per caller
process: moto patches process-wide state (`boto3.DEFAULT_SESSION`, env credentials, a global
botocore stubber) that must never reach the worker's own AWS calls.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from lambdalab.mockaws.client import attach_to_client, recv_frame, send_frame
from lambdalab.mockaws.fixtures import FixtureError, validate_fixtures

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
_ROOT = Path(__file__).resolve().parents[2]


class MockAwsError(RuntimeError):
    """The mock account process failed or went away."""


class _Host:
    """The moto host process serving this caller process (respawned after a fork or crash)."""

    _current: _Host | None = None
    _guard = threading.Lock()

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        code = (
            f"import sys; sys.path.insert(0, {str(_ROOT)!r}); "
            f"from lambdalab.mockaws.host import main; main({theirs.fileno()})"
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", code],
            pass_fds=(theirs.fileno(),),
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.sock, self.pid = ours, os.getpid()
        self.sock.settimeout(120)
        self.info, _ = recv_frame(self.sock)  # waits for the warm-up (~1–2 s, once)
        self.sock.settimeout(None)

    def alive(self) -> bool:
        return self.pid == os.getpid() and self.proc.poll() is None

    @classmethod
    def get(cls) -> _Host:
        with cls._guard:
            if cls._current is None or not cls._current.alive():
                cls._current = cls()
            return cls._current

    def fork_account(self, key: bytes) -> socket.socket:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with self._guard:
                socket.send_fds(self.sock, [b"S" + key], [theirs.fileno()])
        finally:
            theirs.close()
        return ours

    def stop(self) -> None:
        self.sock.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def shutdown_host() -> None:
    """Stop this process's moto host (tests and CLI exit; accounts already started end too)."""
    with _Host._guard:
        host, _Host._current = _Host._current, None
    if host is not None and host.pid == os.getpid():
        host.stop()


def warm_host() -> dict[str, Any]:
    """Start the moto host now rather than on the first run; returns its start-up info."""
    return dict(_Host.get().info)


def _template_key(fixtures: dict, account_id: str, region: str) -> bytes:
    blob = json.dumps([fixtures, account_id, region], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest().encode()


class MockAccount:
    """One isolated AWS account for one run or workspace. Close it (or use `with`) when done."""

    def __init__(
        self,
        ctl: socket.socket,
        *,
        account_id: str,
        region: str,
        fixtures: dict,
        info: dict[str, Any],
    ) -> None:
        self._ctl = ctl
        self._lock = threading.Lock()
        self.account_id = account_id
        self.region = region
        self.fixtures = fixtures
        self.seed_ms: float = info.get("seed_ms", 0.0)  # building the fixture (once per template)
        self.seed_cpu_ms: float = info.get("seed_cpu_ms", 0.0)
        self.from_template: bool = bool(info.get("cached"))
        self.closed = False
        self._session: Any = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._clients_lock = threading.Lock()

    @classmethod
    def start(
        cls,
        *,
        fixtures: dict | None = None,
        account_id: str = DEFAULT_ACCOUNT_ID,
        region: str = DEFAULT_REGION,
        source_name: str = "fixtures",
        reuse_template: bool = True,
        max_upload_bytes: int = 512 << 20,
    ) -> MockAccount:
        """Fork a fresh account from the warm moto host, seeded with `fixtures`.

        With `reuse_template` (the default), runs with the same fixture, account and region
        fork a process that already holds the seeded fixture (seeded once, kept ≤ 10 min).
        `max_upload_bytes` bounds what the run's requests may upload in total (it all stays
        in memory until the account closes); past it, requests get a 400 QuotaExceeded.
        Raises FixtureError if the fixture is invalid or moto refuses part of it.
        """
        if not (account_id.isdigit() and len(account_id) == 12):
            raise ValueError(f"account_id must be 12 digits, got {account_id!r}")
        data = validate_fixtures(fixtures or {}, source_name=source_name)
        key = _template_key(data, account_id, region) if reuse_template else b"0" * 64
        ctl = _Host.get().fork_account(key)
        ctl.settimeout(60)
        try:
            params = {
                "fixtures": data,
                "account_id": account_id,
                "region": region,
                "max_upload_bytes": max_upload_bytes,
            }
            send_frame(ctl, params)
            info, _ = recv_frame(ctl)
        except OSError as exc:
            ctl.close()
            raise MockAwsError(f"mock account did not start: {exc}") from exc
        if not info.get("ok"):
            ctl.close()
            raise FixtureError(f"{source_name}: AWS refused the fixture: {info.get('error')}")
        ctl.settimeout(None)
        return cls(ctl, account_id=account_id, region=region, fixtures=data, info=info)

    # ------------------------------------------------------------------------- control

    def _call(self, request: dict[str, Any], fd: int | None = None) -> bytes:
        if self.closed:
            raise MockAwsError("this mock account is closed")
        with self._lock:
            try:
                send_frame(self._ctl, request)
                if fd is not None:
                    socket.send_fds(self._ctl, [b"F"], [fd])
                reply, body = recv_frame(self._ctl)
            except OSError as exc:
                raise MockAwsError(f"mock account process is gone: {exc}") from exc
        if not reply.get("ok"):
            if reply.get("code") in ("NoSuchKey", "NoSuchBucket", "404"):
                raise KeyError(f"{request.get('bucket')}/{request.get('key')}")
            raise MockAwsError(reply.get("error", "mock account error"))
        return body

    def connect(self) -> socket.socket:
        """A fresh connected stream socket onto this account, for `client.use_channel(fd)`."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._call({"op": "channel"}, fd=theirs.fileno())
        finally:
            theirs.close()
        return ours

    def state(self) -> dict[str, Any]:
        """The account's resources as a JSON-able dict (format in FIXTURES.md)."""
        return json.loads(self._call({"op": "state"}))

    def usage(self) -> dict[str, float]:
        """The account process's CPU time so far and what requests uploaded (for benchmarks)."""
        return json.loads(self._call({"op": "usage"}))

    def read_object(self, bucket: str, key: str) -> bytes:
        """The bytes of one S3 object; KeyError if it does not exist."""
        return self._call({"op": "read_object", "bucket": bucket, "key": key})

    def boto3_client(self, service: str, *, region: str | None = None) -> Any:
        """A trusted-side boto3 client onto this account (for graders and triggers).

        Clients are cached per (service, region): a new botocore session costs ~80 ms.
        """
        key = (service, region or self.region)
        with self._clients_lock:
            if key not in self._clients:
                if self._session is None:
                    import boto3

                    self._session = boto3.session.Session(
                        aws_access_key_id="ASIAMOCKTRUSTEDSIDE0",
                        aws_secret_access_key="mock",  # noqa: S106 - moto ignores signatures
                        aws_session_token="mock",  # noqa: S106
                        region_name=self.region,
                    )
                client = self._session.client(service, region_name=key[1])
                self._clients[key] = attach_to_client(client, self.connect())
            return self._clients[key]

    def sandbox_env(self) -> dict[str, str]:
        """Lambda-like AWS variables for the sandbox (temporary ASIA… credentials, region)."""
        return {
            "AWS_ACCESS_KEY_ID": "ASIA" + secrets.token_hex(8).upper(),
            "AWS_SECRET_ACCESS_KEY": secrets.token_urlsafe(30),
            "AWS_SESSION_TOKEN": secrets.token_urlsafe(120),
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            # Retries sleep inside the learner's time limit; standard mode keeps them short.
            "AWS_RETRY_MODE": "standard",
            "AWS_MAX_ATTEMPTS": "3",
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def close(self) -> None:
        """End the account process; all of its state is freed with it."""
        if self.closed:
            return
        try:
            self._call({"op": "close"})
        except MockAwsError:
            pass
        self.closed = True
        self._ctl.close()
        for client in self._clients.values():
            client._lambdalab_channel.close()
        self._clients.clear()

    def __enter__(self) -> MockAccount:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if not getattr(self, "closed", True):
            self._ctl.close()
