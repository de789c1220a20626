"""The moto host: a warm moto process that forks one child per mock account.

Why a process per account (measured in /work/shared/reference/mock-aws-notes.md): moto's
accounts do not isolate S3 (bucket names are process-global and readable across accounts),
there is no per-account reset, and a fork of a warm moto is ~20 ms against 1.3–2.7 s cold.
So the host warms moto once, freezes its heap, and forks; each child seeds its fixture, serves
its channels and exits with the run, taking all of its state with it.

The host never reads fixtures or requests: it only receives a control socket per account
(SCM_RIGHTS) and forks. It runs in an empty network namespace when it can, so nothing moto
does on a learner's behalf (SNS HTTP subscriptions, EventBridge HTTP targets…) can leave it.

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
    """Warm moto, report ready on `ctl_fd`, then fork an account child per received socket."""
    os.environ.update(_MOTO_ENV)
    isolated = _enter_empty_netns()
    ctl = socket.socket(fileno=ctl_fd)
    started = time.perf_counter()
    from lambdalab.mockaws import server  # imports moto and boto3

    server.start_moto()
    server.warm_up(WARM_ACCOUNT, DEFAULT_ACCOUNT)
    gc.collect()
    gc.freeze()  # keep the warm heap shared copy-on-write with every child
    warm_ms = (time.perf_counter() - started) * 1000
    from lambdalab.mockaws.client import send_frame

    send_frame(ctl, {"ready": True, "warm_ms": round(warm_ms, 1), "netns": isolated})
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    _serve_forks(ctl, server)


def _serve_forks(ctl: socket.socket, server: Any) -> None:
    while True:
        try:
            _msg, fds, _flags, _addr = socket.recv_fds(ctl, 1, 1)
        except OSError:
            break
        if not fds and not _msg:
            break  # the caller went away: no more accounts to start
        for fd in fds:
            if os.fork() == 0:
                ctl.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                try:
                    server.account_main(fd)
                finally:
                    os._exit(0)
            os.close(fd)
    sys.exit(0)
