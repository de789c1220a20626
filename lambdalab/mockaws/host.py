"""The moto host: a warm moto process that forks one child per mock account.

Why a process per account (measured in /work/shared/reference/mock-aws-notes.md): moto's
accounts do not isolate S3 (bucket names are process-global and readable across accounts),
there is no per-account reset, and a fork of a warm moto is ~20 ms against 1.3–2.7 s cold.
So the host warms moto once, freezes its heap, and forks; each account child serves its run
and exits with it, taking all of its state with it.

Fixture templates: a request carries a key (a hash of fixture, account id and region). The
first request for a key forks a *template* that seeds the fixture and then forks a ready
account per later request with that key, so a run of a known exercise costs a fork, not a
seeding. Templates expire (time-relative data such as metric timestamps must stay fresh) and
are capped in number. The all-zero key means "no template": seed a one-off account.

The host never parses fixtures or requests; it only routes control sockets (SCM_RIGHTS) and
forks. It runs in an empty network namespace when it can, so nothing moto does on a learner's
behalf (SNS HTTP subscriptions, EventBridge HTTP targets…) can leave it.

Started by `account._Host` as `python -I -c "...host.main(FD)"` with an empty environment.
"""

from __future__ import annotations

import ctypes
import gc
import os
import signal
import socket
import sys
import time
from typing import Any

CLONE_NEWNET = 0x40000000
WARM_ACCOUNT = "000000000000"
DEFAULT_ACCOUNT = "123456789012"
KEY_BYTES = 64  # hex sha256
NO_TEMPLATE = b"0" * KEY_BYTES
TEMPLATE_TTL_S = 600
MAX_TEMPLATES = 8

_MOTO_ENV = {
    # Default AMIs add ~2,350 images/snapshots/volumes per region backend: slow to seed,
    # and they would flood a learner's describe_snapshots() with strangers' snapshots.
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    "MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS": "false",
    "MOTO_EVENTS_INVOKE_HTTP": "false",
    "AWS_ACCESS_KEY_ID": "mock",
    "AWS_SECRET_ACCESS_KEY": "mock",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def _enter_empty_netns() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.unshare(CLONE_NEWNET) == 0


def main(ctl_fd: int) -> None:
    """Warm moto, report ready on `ctl_fd`, then route account requests until it closes."""
    os.environ.update(_MOTO_ENV)
    isolated = _enter_empty_netns()
    ctl = socket.socket(fileno=ctl_fd)
    started = time.perf_counter()
    from lambdalab.mockaws import server  # imports moto and boto3

    server.start_moto()
    server.warm_up(WARM_ACCOUNT, DEFAULT_ACCOUNT)
    gc.collect()
    gc.freeze()  # keep the warm heap shared copy-on-write with every child
    from lambdalab.mockaws.client import send_frame

    send_frame(
        ctl,
        {
            "ready": True,
            "netns": isolated,
            "warm_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    _Router(ctl, server).serve()
    sys.exit(0)


def _recv_request(ctl: socket.socket) -> tuple[bytes, list[int]]:
    """One request: b"S" + key, with the account's control fd attached to the first byte."""
    data, fds, _flags, _addr = socket.recv_fds(ctl, 1 + KEY_BYTES, 1)
    while data and len(data) < 1 + KEY_BYTES:
        more = ctl.recv(1 + KEY_BYTES - len(data))
        if not more:
            break
        data += more
    return data, fds


class _Router:
    def __init__(self, ctl: socket.socket, server: Any) -> None:
        self.ctl, self.server = ctl, server
        self.templates: dict[bytes, tuple[socket.socket, float]] = {}

    def serve(self) -> None:
        while True:
            try:
                data, fds = _recv_request(self.ctl)
            except OSError:
                return
            if not data:
                return  # the caller went away: no more accounts to start
            for fd in fds:
                self.route(data[1:], fd)

    def route(self, key: bytes, fd: int) -> None:
        if key == NO_TEMPLATE:
            self._fork(lambda: self.server.account_main(fd))
        elif not self._reuse(key, fd):
            self._new_template(key, fd)
        os.close(fd)

    def _reuse(self, key: bytes, fd: int) -> bool:
        entry = self.templates.get(key)
        if entry is None:
            return False
        sock, born = entry
        if time.monotonic() - born > TEMPLATE_TTL_S:
            self._drop(key)
            return False
        try:
            socket.send_fds(sock, [b"F"], [fd])
            return True
        except OSError:  # the template died (its fixture failed, or it was killed)
            self._drop(key)
            return False

    def _new_template(self, key: bytes, fd: int) -> None:
        while len(self.templates) >= MAX_TEMPLATES:
            self._drop(min(self.templates, key=lambda k: self.templates[k][1]))
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._fork(lambda: (ours.close(), self.server.template_main(fd, theirs)))
        theirs.close()
        self.templates[key] = (ours, time.monotonic())

    def _drop(self, key: bytes) -> None:
        sock, _born = self.templates.pop(key)
        sock.close()  # the template sees EOF and exits; its accounts live on

    def _fork(self, body: Any) -> None:
        if os.fork() == 0:
            try:
                self.ctl.close()
                for sock, _born in self.templates.values():
                    sock.close()
                signal.signal(signal.SIGCHLD, signal.SIG_IGN)
                body()
            finally:
                os._exit(0)
