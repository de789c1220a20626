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

# Each warmed model makes every fork a little slower (bigger page tables), so only the
# services the lessons use most are warmed; others load their model on first use.
WARM_SERVICES = ("s3", "dynamodb", "sqs", "sns")


def preload() -> None:
    """Import the SDK and warm its model cache so clients in handlers are cheap."""
    # Never read the host's ~/.aws files into memory that every sandbox inherits.
    os.environ.update(
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        AWS_EC2_METADATA_DISABLED="true",
    )
    import boto3
    import simplejson  # noqa: F401 - the runtime's serialiser

    from lambdalab.runtime import bootstrap, sandbox, slot  # noqa: F401 - the code children run

    try:  # the mock-AWS hook must be registered before any botocore Session exists
        from lambdalab.mockaws import client
    except ImportError:
        pass
    else:
        client.preload()
    boto3.setup_default_session()
    for service in WARM_SERVICES:
        boto3.client(
            service,
            region_name="us-east-1",
            aws_access_key_id="warm",
            aws_secret_access_key="warm",  # noqa: S106 - placeholders: no credential lookup
        )
    # The credential chain is costly to build (about 7 ms); build it once here. It resolves
    # nothing yet: each sandbox's runtime finds its own fake credentials in its environment.
    boto3.DEFAULT_SESSION._session.get_component("credential_provider")
    bootstrap.prepare_logging()
    os.environ.clear()
    # Each runtime process replaces sys.path; emptied here, the finders of the old path are
    # freed once instead of in every sandbox (freeing touches, so copies, their pages).
    sys.path_importer_cache.clear()
    gc.collect()
    gc.freeze()


def serve(sock: socket.socket) -> None:
    """Zygote loop: route each spawn request to its slot's forker (or fork directly)."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # keepers are reaped automatically
    forkers = _forkers
    while True:
        msg, fds = _receive(sock)
        spec = json.loads(msg)
        slot = spec.get("slot")
        _root_dirs.add(spec["root_dir"])
        # No reply: the environment reports on its own status pipe (EOF if anything died).
        if slot and spec["cgroup_procs"]:
            _slot_dirs.update(os.path.dirname(p) for p in spec["cgroup_procs"])
            _via_forker(forkers, slot, spec, msg, fds, sock)
        else:
            _fork_keeper(spec, fds, close=[sock, *forkers.values()])
        for fd in fds:
            os.close(fd)


_slot_dirs: set[str] = set()
_root_dirs: set[str] = set()
_forkers: dict[str, socket.socket] = {}


def _receive(sock: socket.socket) -> tuple[bytes, list[int]]:
    msg, ancdata, _flags, _addr = sock.recvmsg(65536, socket.CMSG_SPACE(8 * 4))
    if not msg:
        _exit_cleanly()
    return msg, _fds(ancdata)


def _exit_cleanly() -> None:
    """The host went away (closed or killed): once the slots empty, remove their cgroups."""
    import time

    from lambdalab.runtime.cgroups import remove_tree

    for forker in _forkers.values():
        forker.close()  # each forker exits on EOF
    deadline = time.monotonic() + 5.0
    parents = {os.path.dirname(d) for d in _slot_dirs}
    while _slot_dirs and time.monotonic() < deadline:
        for path in list(_slot_dirs):
            try:
                os.rmdir(path)
                _slot_dirs.discard(path)
            except FileNotFoundError:
                _slot_dirs.discard(path)
            except OSError:
                time.sleep(0.01)  # forkers and environments are still exiting
    for parent in parents:
        remove_tree(parent)
    for root_dir in _root_dirs:  # the (empty) mount point of the sandboxes' roots
        try:
            os.rmdir(root_dir)
        except OSError:
            pass
    os._exit(0)


def _fork_keeper(spec: dict, fds: list[int], close: list[socket.socket]) -> int:
    from lambdalab.runtime import sandbox

    if len(fds) != 5:
        return -1
    return sandbox.spawn(spec, fds, close=close)


def _via_forker(
    forkers: dict[str, socket.socket],
    slot: str,
    spec: dict,
    msg: bytes,
    fds: list[int],
    sock: socket.socket,
) -> None:
    for _attempt in range(2):
        forker = forkers.get(slot)
        if forker is None:
            forker = forkers[slot] = _start_forker(spec, [sock, *forkers.values()])
        try:
            forker.sendmsg([msg], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
            return
        except OSError:
            forkers.pop(slot).close()  # the forker died (e.g. killed by an OOM); start another


def _start_forker(spec: dict, close: list[socket.socket]) -> socket.socket:
    """A child, PID 1 of the slot's own PID namespace, that joins the slot's cgroups once,
    prepares the slot's namespaces, and then runs the slot's environments (see slot.py)."""
    from lambdalab.runtime import linux, slot

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    if linux.clone_newpid() != 0:
        theirs.close()
        return ours
    try:
        ours.close()
        for other in close:
            other.close()
        # Drop copies of the in-flight request's fds, or keepers' exits would go unnoticed.
        os.closerange(3, theirs.fileno())
        os.closerange(theirs.fileno() + 1, 65536)
        slot.serve(theirs, spec)
    finally:
        os._exit(0)


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
