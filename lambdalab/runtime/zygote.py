"""The zygote: a fresh interpreter, started with an empty environment, that preloads boto3
and botocore's models once and then forks one keeper per execution environment.

It only ever receives a small trusted spec and file descriptors; it never reads learner code,
events or environment variables (those travel from the host straight to the sandbox).
Run as: python -I -B -c "..." (see host.Zygote), with the control socket fd in argv.
"""

from __future__ import annotations

import array
import gc
import json
import os
import signal
import socket
import sys

WARM_SERVICES = ("s3", "dynamodb", "sqs", "sns", "lambda", "events", "logs", "sts", "ssm",
                 "secretsmanager", "stepfunctions", "kinesis")


def preload() -> None:
    """Import the SDK and warm its model cache so clients in handlers are cheap."""
    # Never read the host's ~/.aws files into memory that every sandbox inherits.
    os.environ.update(AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                      AWS_EC2_METADATA_DISABLED="true")
    import boto3
    import simplejson  # noqa: F401 - the runtime's serialiser

    from lambdalab.runtime import bootstrap, sandbox  # noqa: F401 - the code children run

    boto3.setup_default_session()
    for service in WARM_SERVICES:
        boto3.client(service, region_name="us-east-1", aws_access_key_id="warm",
                     aws_secret_access_key="warm")
    try:
        from lambdalab.mockaws import client
    except ImportError:
        pass
    else:
        client.preload()
    os.environ.clear()
    gc.collect()
    gc.freeze()


def serve(sock: socket.socket) -> None:
    from lambdalab.runtime import sandbox

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # keepers are reaped automatically
    while True:
        msg, ancdata, _flags, _addr = sock.recvmsg(65536, socket.CMSG_SPACE(8 * 4))
        if not msg:
            os._exit(0)
        fds = _fds(ancdata)
        spec = json.loads(msg)
        pid = os.fork()
        if pid == 0:
            sock.close()
            try:
                sandbox.keeper_main(spec, *fds)
            finally:
                os._exit(1)
        for fd in fds:
            os.close(fd)
        sock.send(json.dumps({"pid": pid}).encode())


def _fds(ancdata: list[tuple[int, int, bytes]]) -> list[int]:
    fds: list[int] = []
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.extend(array.array("i", data[: len(data) - len(data) % 4]))
    return fds


def main(control_fd: int) -> None:
    sock = socket.socket(fileno=control_fd)
    preload()
    sock.send(json.dumps({"ready": True, "pid": os.getpid()}).encode())
    serve(sock)


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
