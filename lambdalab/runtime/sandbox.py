"""Process-side isolation: keeper (A), sandbox init (B) and the runtime process (C).

As root, each slot's forker is the init of its environments (slot.py) and only the runtime
process (C) below is forked per environment. Outside a slot (unprivileged mode):

    zygote --fork--> A keeper: host namespaces; joins the env's cgroups; unshare(PID); forks B
                      B init:   PID 1 of the env; new mount/net/ipc/uts/cgroup namespaces; builds
                                a tmpfs root with read-only binds, /var/task and /tmp; pivot_root.
                                Holds /tmp across resets; never runs learner code.
                      C runtime: forked by B per INIT; drops to the slot uid, rlimits, no_new_privs,
                                seccomp; imports the handler and serves invokes.

Every step raises on failure and B reports the reason to the host instead of continuing
(fail closed). B reads the learner's code and environment straight from a pipe the host
writes: the zygote never holds them.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import signal
import socket
import sys
import time
import traceback
from typing import Any

from lambdalab.runtime import bootstrap, linux, rootfs, seccomp

_MAX_PAYLOAD = 8 * 1024 * 1024


# ---------------------------------------------------------------- keeper (A)


def spawn(spec: dict[str, Any], fds: list[int], close: list[Any]) -> int:
    """In the zygote or a slot forker: start one environment; returns the child's pid.

    fds: the control socket, the payload pipe, the status pipe, and the first runtime
    process's control socket and log pipe. As root, the sandbox init is cloned straight into
    its new PID namespace; unprivileged, a keeper first enters a user namespace."""
    bctl_fd, payload_fd, status_fd, *first = fds
    if spec["userns"] or (spec["cgroup_procs"] and not spec.get("slot")):
        pid = os.fork()
        if pid == 0:
            _close_sockets(close)
            keeper_main(spec, bctl_fd, payload_fd, status_fd, first)
        return pid
    try:
        pid = linux.clone_newpid()
    except OSError as exc:
        _report(status_fd, {"error": f"cannot create a PID namespace: {exc}"})
        return -1
    if pid == 0:
        try:
            _close_sockets(close)
            os.setsid()
            _null_stdio()
            sandbox_init(spec, bctl_fd, payload_fd, status_fd, first)
        finally:
            os._exit(1)
    _report(status_fd, {"pid": pid})
    return pid


def _close_sockets(socks: list[Any]) -> None:
    for sock in socks:
        sock.close()


def keeper_main(
    spec: dict[str, Any], bctl_fd: int, payload_fd: int, status_fd: int, first: list[int]
) -> None:
    """The intermediate keeper (unprivileged mode). Never returns."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        _null_stdio()
        if spec["cgroup_procs"] and not spec.get("slot"):
            for procs_file in spec["cgroup_procs"]:
                linux.write_file(procs_file, str(os.getpid()))
        if spec["userns"]:
            _enter_user_namespace(spec)
        else:
            linux.unshare(linux.CLONE_NEWPID)
        pid = os.fork()
    except BaseException as exc:  # noqa: BLE001 - report any setup failure, then die
        _report(status_fd, {"error": f"keeper setup failed: {exc}"})
        os._exit(1)
    if pid == 0:
        os.close(status_fd)
        sandbox_init(spec, bctl_fd, payload_fd, -1, first)
    for fd in (bctl_fd, *first):
        os.close(fd)
    os.close(payload_fd)
    _report(status_fd, {"pid": pid})
    _, status = os.waitpid(pid, 0)
    os._exit(0)


def _report(fd: int, doc: dict[str, Any]) -> None:
    os.write(fd, (json.dumps(doc) + "\n").encode())


def _null_stdio() -> None:
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def _enter_user_namespace(spec: dict[str, Any]) -> None:
    """Unprivileged mode: a user namespace mapping only our own uid (as 0 inside)."""
    uid, gid = os.geteuid(), os.getegid()
    linux.unshare(linux.CLONE_NEWUSER | linux.CLONE_NEWPID)
    linux.write_file("/proc/self/setgroups", "deny")
    linux.write_file("/proc/self/uid_map", f"0 {uid} 1")
    linux.write_file("/proc/self/gid_map", f"0 {gid} 1")


# ---------------------------------------------------------------- sandbox init (B)


def sandbox_init(
    spec: dict[str, Any], bctl_fd: int, payload_fd: int, status_fd: int, first: list[int]
) -> None:
    """PID 1 of the environment. Never returns. Holding `status_fd` until exit lets the host
    see the environment's end as EOF; `first` holds the first runtime process's fds.

    The sandbox isolates itself and starts its first (unprivileged, filtered) runtime process
    before any learner data arrives, so a spare sandbox is ready ahead of time."""
    bctl = socket.socket(fileno=bctl_fd)
    try:
        linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
        rootfs.isolate_filesystem(spec)
        wake = _watch_children()
        child = _start_runtime(bctl, spec, first, wake) if first else 0
        _send(bctl, {"ev": "isolated"})
        payload = _read_payload(payload_fd)  # a spare sandbox waits here for its function
        rootfs.install_function(payload, read_only=[*spec["packages"], *spec["ro_binds"]])
        linux.sethostname(payload["hostname"])
        _close_other_fds(keep={bctl_fd, status_fd, *wake})
    except BaseException as exc:  # noqa: BLE001 - fail closed with the reason
        where = traceback.extract_tb(exc.__traceback__)[-1]
        _send(
            bctl,
            {
                "ev": "fatal",
                "error": f"{type(exc).__name__}: {exc} "
                f"(sandbox set-up, {where.name}:{where.lineno})",
            },
        )
        os._exit(1)
    _send(bctl, {"ev": "ready"})
    _supervise(bctl, spec, child, wake)


def _watch_children() -> tuple[int, int]:
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    return wake_r, wake_w


def _read_payload(fd: int) -> dict[str, Any]:
    chunks, size = [], 0
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        size += len(chunk)
        if size > _MAX_PAYLOAD:
            raise ValueError("payload too large")
        chunks.append(chunk)
    os.close(fd)
    return json.loads(b"".join(chunks))


def _send(sock: socket.socket, doc: dict[str, Any]) -> None:
    sock.send(json.dumps(doc).encode())


def _close_other_fds(keep: set[int]) -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _supervise(
    bctl: socket.socket, spec: dict[str, Any], child: int, wake: tuple[int, int]
) -> None:
    """B's loop: start a runtime process on request, reap everything, report exits."""
    while True:
        readable = _wait_readable([bctl.fileno(), wake[0]])
        if wake[0] in readable:
            _drain(wake[0])
            child = _reap(bctl, child)
        if bctl.fileno() in readable:
            child = _command(bctl, child, spec, wake)


def _wait_readable(fds: list[int]) -> list[int]:
    import select

    while True:
        try:
            ready, _, _ = select.select(fds, [], [])
            return ready
        except InterruptedError:
            continue


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 256):
            pass
    except BlockingIOError:
        pass


def _reap(bctl: socket.socket, child: int) -> int:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return child
        if pid == 0:
            return child
        if pid == child:
            _kill_everyone()
            _send(bctl, {"ev": "exited", "status": os.waitstatus_to_exitcode(status)})
            child = 0


def _kill_everyone() -> None:
    """As PID 1: SIGKILL every other process of the environment and reap until none is left."""
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            while os.waitpid(-1, 0):
                pass
        except ChildProcessError:
            return


def _command(bctl: socket.socket, child: int, spec: dict[str, Any], wake: tuple[int, int]) -> int:
    msg, ancdata, _flags, _addr = bctl.recvmsg(4096, socket.CMSG_SPACE(8 * 4))
    fds = _fds_from(ancdata)
    if not msg:
        os._exit(0)
    cmd = json.loads(msg).get("cmd")
    if cmd == "start" and len(fds) == 2 and not child:
        return _start_runtime(bctl, spec, fds, wake)
    if cmd == "reset":
        _kill_everyone()
        child = 0
        _send(bctl, {"ev": "reset_done"})
    for fd in fds:
        os.close(fd)
    return child


def _start_runtime(
    bctl: socket.socket, spec: dict[str, Any], fds: list[int], wake: tuple[int, int]
) -> int:
    child = os.fork()
    if child == 0:
        runtime_main(spec, ctl_fd=fds[0], log_fd=fds[1], close=(bctl.fileno(), *wake))
    for fd in fds:
        os.close(fd)
    return child


def _fds_from(ancdata: list[tuple[int, int, bytes]]) -> list[int]:
    import array

    fds: list[int] = []
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.extend(array.array("i", data[: len(data) - len(data) % 4]))
    return fds


# ---------------------------------------------------------------- runtime process (C)


def runtime_main(spec: dict[str, Any], *, ctl_fd: int, log_fd: int, close: tuple[int, ...]) -> None:
    """Drop every privilege, then run the Lambda runtime, which receives its function's
    environment from the host. Never returns."""
    try:
        gc.freeze()  # inherited objects stay shared: the collector never touches them
        gc.enable()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in close:
            os.close(fd)
        _setup_fds(ctl_fd, log_fd)
        os.setsid()
        linux.write_file("/proc/self/oom_score_adj", "1000")  # the OOM killer picks C, not B
        _drop_privileges(spec)
        _set_rlimits(spec)
        seccomp.install()
    except BaseException as exc:  # noqa: BLE001 - never run learner code half-isolated
        os.write(2, f"LambdaLab sandbox: isolation failed: {exc}\n".encode())
        os._exit(120)
    try:
        bootstrap.run(3, configure=lambda init: _configure(spec, init))
    except BaseException:  # noqa: BLE001 - the runtime itself died
        import traceback

        traceback.print_exc()
        os._exit(1)
    os._exit(0)


def _configure(spec: dict[str, Any], init: dict[str, Any]) -> None:
    """Per function, once its init message arrives: tighter limits and Lambda's environment."""
    mib = 1024 * 1024
    limits = {resource.RLIMIT_FSIZE: int(init["tmp_size_mb"]) * mib}
    if init.get("rlimit_memory_mb"):
        limits[resource.RLIMIT_AS] = _current_vm_bytes() + int(init["rlimit_memory_mb"]) * mib
    for which, value in limits.items():
        resource.setrlimit(which, (value, value))  # only ever lowered: no privilege needed
    _set_environment(init["env"], spec["packages"])
    os.chdir("/var/task")


def _setup_fds(ctl_fd: int, log_fd: int) -> None:
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.dup2(ctl_fd, 3)
    _close_other_fds(keep={3})


def _drop_privileges(spec: dict[str, Any]) -> None:
    if spec["userns"]:
        linux.drop_all_capabilities()
        return
    uid = spec["uid"]
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getuid() == 0 or os.geteuid() == 0:
        raise OSError("privilege drop did not take effect")


def _set_rlimits(spec: dict[str, Any]) -> None:
    limits = {
        resource.RLIMIT_NOFILE: 1024,
        resource.RLIMIT_FSIZE: 10240 * 1024 * 1024,  # Lambda's largest /tmp; lowered per function
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_CPU: spec["cpu_seconds"],
        resource.RLIMIT_MEMLOCK: 0,
        resource.RLIMIT_MSGQUEUE: 0,
    }
    if not spec["userns"]:
        limits[resource.RLIMIT_NPROC] = spec["max_processes"]
    for which, value in limits.items():
        resource.setrlimit(which, (value, value))


def _current_vm_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _set_environment(env: dict[str, str], spec_packages: list[str]) -> None:
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in env.items()})
    time.tzset()
    stdlib = [p for p in sys.path if p.startswith(sys.base_prefix) and "site-packages" not in p]
    packages = sorted({os.path.dirname(p) for p in spec_packages})
    runtime = env.get("AWS_EXECUTION_ENV", "AWS_Lambda_python3.12").removeprefix("AWS_Lambda_")
    sys.path[:] = [
        "/var/task",
        f"/opt/python/lib/{runtime}/site-packages",
        "/opt/python",
        "/var/runtime",
        *stdlib,
        *packages,
    ]
    sys.path_importer_cache.clear()
    import importlib

    importlib.invalidate_caches()
