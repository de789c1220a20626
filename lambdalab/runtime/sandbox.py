"""Process-side isolation: keeper (A), sandbox init (B) and the runtime process (C).

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

import json
import os
import resource
import signal
import socket
import sys
import time
import traceback
from typing import Any

from lambdalab.runtime import bootstrap, linux, seccomp

_NS_FLAGS = (
    linux.CLONE_NEWNS
    | linux.CLONE_NEWNET
    | linux.CLONE_NEWIPC
    | linux.CLONE_NEWUTS
    | linux.CLONE_NEWCGROUP
)
_MAX_PAYLOAD = 8 * 1024 * 1024
_ST_TO_MS = {
    1: linux.MS_RDONLY,
    2: linux.MS_NOSUID,
    4: linux.MS_NODEV,
    8: linux.MS_NOEXEC,
    1024: 1024,
    2048: 2048,
    4096: 1 << 21,
}  # noatime, nodiratime, relatime
_DEVICES = ("null", "zero", "random", "urandom")


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
    see the environment's end as EOF; `first` holds the first runtime process's fds."""
    bctl = socket.socket(fileno=bctl_fd)
    try:
        linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
        payload = _read_payload(payload_fd)
        _isolate_filesystem(spec, payload)
        linux.sethostname(payload["hostname"])
        _close_other_fds(keep={bctl_fd, status_fd, *first})
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
    _supervise(bctl, spec, payload, first)


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


def prepare_slot(spec: dict[str, Any]) -> None:
    """In a slot forker: its own empty network namespace and a read-only template root.

    Successive environments of the slot inherit both, so each one only adds its own /tmp,
    /var/task and /proc instead of rebuilding some thirty mounts. Safe to share: a slot runs
    one environment at a time, the template is read-only, and no socket outlives its
    processes."""
    linux.unshare(linux.CLONE_NEWNS | linux.CLONE_NEWNET)
    linux.mount("none", "/", None, linux.MS_REC | linux.MS_PRIVATE)
    root = spec["root_dir"]
    _build_root(root, spec)
    _remount_readonly(root, linux.MS_NOSUID | linux.MS_NODEV)


def _build_root(root: str, spec: dict[str, Any]) -> None:
    linux.mount(
        "tmpfs", root, "tmpfs", linux.MS_NOSUID | linux.MS_NODEV, "size=4m,nr_inodes=4096,mode=755"
    )
    _bind_system(root, spec["ro_binds"])
    _bind_packages(root, spec["packages"])
    _make_dev(root)
    _write_etc(root, spec["uid"])
    for path in ("opt", "var/runtime", "var/lang", "var/task", "tmp", "proc", ".old"):
        os.makedirs(f"{root}/{path}", mode=0o755, exist_ok=True)


def _templated(spec: dict[str, Any]) -> bool:
    return bool(spec.get("slot") and spec["cgroup_procs"] and not spec["userns"])


def _isolate_filesystem(spec: dict[str, Any], payload: dict[str, Any]) -> None:
    linux.unshare(_namespaces(spec))
    if os.stat("/proc/self/ns/net").st_ino == spec["host_netns"]:
        raise OSError("the sandbox would share the host's network namespace")
    root = spec["root_dir"]
    if _templated(spec):
        if not os.path.isdir(f"{root}/var/task"):
            raise OSError("the slot's template root is missing")
    else:
        linux.mount("none", "/", None, linux.MS_REC | linux.MS_PRIVATE)
        _build_root(root, spec)
    _mount_tmpfs(f"{root}/tmp", spec["tmp_size_mb"], "1777", inodes=65536)  # noqa: S108 - the sandbox's own /tmp
    _mount_tmpfs(f"{root}/var/task", 16, "755", inodes=8192)
    _write_code(f"{root}/var/task", payload["code"])
    _remount_readonly(f"{root}/var/task", linux.MS_NOSUID | linux.MS_NODEV)
    linux.mount(
        "proc",
        f"{root}/proc",
        "proc",
        linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC,
        "hidepid=2",
    )
    os.chdir(root)
    linux.pivot_root(".", ".old")
    os.chdir("/")
    linux.umount2("/.old", linux.MNT_DETACH)
    if not _templated(spec):
        os.rmdir("/.old")
        _remount_readonly("/", linux.MS_NOSUID | linux.MS_NODEV)
    os.chdir("/var/task")


def _namespaces(spec: dict[str, Any]) -> int:
    if _templated(spec):
        return _NS_FLAGS & ~linux.CLONE_NEWNET  # the slot forker's empty netns is inherited
    return _NS_FLAGS


def _bind_system(root: str, binds: list[str]) -> None:
    for path in binds:
        target = root + path
        if os.path.islink(path):
            os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
            os.symlink(os.readlink(path), target)
            continue
        os.makedirs(target, mode=0o755, exist_ok=True)
        linux.mount(path, target, None, linux.MS_BIND | linux.MS_REC)
        _remount_readonly(target, _locked_flags(path))


def _bind_packages(root: str, packages: list[str]) -> None:
    """Only the runtime's own packages, at their real paths (the preloaded SDK finds its data
    files there); the rest of the worker's site-packages stays invisible."""
    for path in packages:
        target = root + path
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        if os.path.isdir(path):
            os.makedirs(target, mode=0o755)
        else:
            open(target, "w").close()  # noqa: SIM115 - an empty mount point for a module file
        linux.mount(path, target, None, linux.MS_BIND | linux.MS_REC)
        _remount_readonly(target, _locked_flags(path))


def _locked_flags(path: str) -> int:
    """Flags of the source mount that an unprivileged remount must keep."""
    flags = os.statvfs(path).f_flag
    return linux.MS_NOSUID | linux.MS_NODEV | sum(ms for st, ms in _ST_TO_MS.items() if flags & st)


def _remount_readonly(target: str, flags: int) -> None:
    linux.mount("none", target, None, linux.MS_REMOUNT | linux.MS_BIND | linux.MS_RDONLY | flags)


def _mount_tmpfs(target: str, size_mb: int, mode: str, *, inodes: int) -> None:
    os.makedirs(target, mode=0o755, exist_ok=True)
    linux.mount(
        "tmpfs",
        target,
        "tmpfs",
        linux.MS_NOSUID | linux.MS_NODEV,
        f"size={size_mb}m,nr_inodes={inodes},mode={mode}",
    )


def _make_dev(root: str) -> None:
    dev = f"{root}/dev"
    os.makedirs(dev, mode=0o755)
    linux.mount(
        "tmpfs", dev, "tmpfs", linux.MS_NOSUID | linux.MS_NOEXEC, "size=64k,nr_inodes=64,mode=755"
    )
    for name in _DEVICES:
        open(f"{dev}/{name}", "w").close()  # noqa: SIM115 - an empty mount point
        linux.mount(f"/dev/{name}", f"{dev}/{name}", None, linux.MS_BIND)
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        os.symlink(target, f"{dev}/{name}")
    _remount_readonly(dev, linux.MS_NOSUID | linux.MS_NOEXEC)


def _write_code(task_root: str, files: dict[str, str]) -> None:
    for rel_path, source in files.items():
        parts = rel_path.split("/")
        if any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"bad code path {rel_path!r}")
        target = os.path.join(task_root, *parts)
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(source)


def _write_etc(root: str, uid: int) -> None:
    etc = f"{root}/etc"
    os.makedirs(etc, mode=0o755)
    files = {
        "passwd": f"root:x:0:0:root:/root:/sbin/nologin\n"
        f"sbx_user1051:x:{uid}:{uid}::/home/sbx_user1051:/sbin/nologin\n",
        "group": f"root:x:0:\nsbx_user1051:x:{uid}:\n",
        "hosts": "127.0.0.1\tlocalhost\n",
    }
    for name, text in files.items():
        with open(f"{etc}/{name}", "w", encoding="utf-8") as handle:
            handle.write(text)


def _close_other_fds(keep: set[int]) -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _supervise(
    bctl: socket.socket, spec: dict[str, Any], payload: dict[str, Any], first: list[int]
) -> None:
    """B's loop: start a runtime process on request, reap everything, report exits."""
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    child = _start_runtime(bctl, spec, payload, first, (wake_r, wake_w)) if first else 0
    while True:
        readable = _wait_readable([bctl.fileno(), wake_r])
        if wake_r in readable:
            _drain(wake_r)
            child = _reap(bctl, child)
        if bctl.fileno() in readable:
            child = _command(bctl, child, spec, payload, (wake_r, wake_w))


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


def _command(
    bctl: socket.socket,
    child: int,
    spec: dict[str, Any],
    payload: dict[str, Any],
    wake: tuple[int, int],
) -> int:
    msg, ancdata, _flags, _addr = bctl.recvmsg(4096, socket.CMSG_SPACE(8 * 4))
    fds = _fds_from(ancdata)
    if not msg:
        os._exit(0)
    cmd = json.loads(msg).get("cmd")
    if cmd == "start" and len(fds) == 2 and not child:
        return _start_runtime(bctl, spec, payload, fds, wake)
    if cmd == "reset":
        _kill_everyone()
        child = 0
        _send(bctl, {"ev": "reset_done"})
    for fd in fds:
        os.close(fd)
    return child


def _start_runtime(
    bctl: socket.socket,
    spec: dict[str, Any],
    payload: dict[str, Any],
    fds: list[int],
    wake: tuple[int, int],
) -> int:
    child = os.fork()
    if child == 0:
        runtime_main(spec, payload, ctl_fd=fds[0], log_fd=fds[1], close=(bctl.fileno(), *wake))
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


def runtime_main(
    spec: dict[str, Any],
    payload: dict[str, Any],
    *,
    ctl_fd: int,
    log_fd: int,
    close: tuple[int, ...],
) -> None:
    """Drop every privilege, then run the Lambda runtime. Never returns."""
    try:
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
        _set_environment(payload["env"], spec["packages"])
    except BaseException as exc:  # noqa: BLE001 - never run learner code half-isolated
        os.write(2, f"LambdaLab sandbox: isolation failed: {exc}\n".encode())
        os._exit(120)
    try:
        bootstrap.run(3, payload["handler"])
    except BaseException:  # noqa: BLE001 - the runtime itself died
        import traceback

        traceback.print_exc()
        os._exit(1)
    os._exit(0)


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
        resource.RLIMIT_FSIZE: spec["tmp_size_mb"] * 1024 * 1024,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_CPU: spec["cpu_seconds"],
        resource.RLIMIT_MEMLOCK: 0,
        resource.RLIMIT_MSGQUEUE: 0,
    }
    if not spec["userns"]:
        limits[resource.RLIMIT_NPROC] = spec["max_processes"]
    if spec["rlimit_memory_mb"]:
        limits[resource.RLIMIT_AS] = _current_vm_bytes() + spec["rlimit_memory_mb"] * 1024 * 1024
    for which, value in limits.items():
        resource.setrlimit(which, (value, value))


def _current_vm_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _set_environment(env: dict[str, str], spec_packages: list[str]) -> None:
    os.environ.clear()
    os.environ.update(env)
    time.tzset()
    stdlib = [p for p in sys.path if p.startswith(sys.base_prefix) and "site-packages" not in p]
    packages = sorted({os.path.dirname(p) for p in spec_packages})
    sys.path[:] = [
        "/var/task",
        "/opt/python/lib/python3.12/site-packages",
        "/opt/python",
        "/var/runtime",
        *stdlib,
        *packages,
    ]
    sys.path_importer_cache.clear()
    import importlib

    importlib.invalidate_caches()
