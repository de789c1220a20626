"""The sandbox's filesystem: a tmpfs root with read-only binds, /var/task and /tmp.

Runs inside the sandbox's own mount namespace (or a slot forker's), never on the host's.
"""

from __future__ import annotations

import os
from typing import Any

from lambdalab.runtime import linux

_NS_FLAGS = (
    linux.CLONE_NEWNS
    | linux.CLONE_NEWNET
    | linux.CLONE_NEWIPC
    | linux.CLONE_NEWUTS
    | linux.CLONE_NEWCGROUP
)
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


def prepare_slot(spec: dict[str, Any]) -> None:
    """In a slot forker, PID 1 of the slot's PID namespace: its own empty network namespace
    and a read-only template root, which becomes the forker's own root.

    Each environment of the slot then starts from a copy of this small mount namespace
    (enter_environment) instead of rebuilding some thirty mounts. Safe to share: a slot runs
    one environment at a time, the template is read-only, no socket outlives its processes,
    and the template never holds learner files (they live in each environment's own /tmp
    and /var/task mounts)."""
    linux.unshare(linux.CLONE_NEWNS | linux.CLONE_NEWNET)
    _check_netns(spec)
    linux.mount("none", "/", None, linux.MS_REC | linux.MS_PRIVATE)
    root = spec["root_dir"]
    _build_root(root, spec)
    _mount_proc(f"{root}/proc")  # this PID namespace's: only the slot's processes
    _remount_readonly(root, linux.MS_NOSUID | linux.MS_NODEV)
    _pivot(root)


def enter_environment(spec: dict[str, Any]) -> None:
    """In a slot forker that is back in its template mount namespace: fresh mount, IPC, UTS
    and cgroup namespaces for one environment (its /tmp and /var/task come later)."""
    linux.unshare(_NS_FLAGS & ~linux.CLONE_NEWNET)  # the slot's empty netns is inherited
    _check_netns(spec)
    if not os.path.isdir("/var/task"):
        raise OSError("the slot's template root is missing")


def _check_netns(spec: dict[str, Any]) -> None:
    if os.stat("/proc/self/ns/net").st_ino == spec["host_netns"]:
        raise OSError("the sandbox would share the host's network namespace")


def _pivot(root: str) -> None:
    os.chdir(root)
    linux.pivot_root(".", ".old")
    os.chdir("/")
    linux.umount2("/.old", linux.MNT_DETACH)


def _mount_proc(target: str) -> None:
    linux.mount(
        "proc", target, "proc", linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC, "hidepid=2"
    )


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


def isolate_filesystem(spec: dict[str, Any]) -> None:
    """New namespaces and the read-only root, before any learner data has arrived (so a
    spare sandbox can be prepared ahead of time). For sandboxes outside a slot forker."""
    linux.unshare(_NS_FLAGS)
    _check_netns(spec)
    root = spec["root_dir"]
    linux.mount("none", "/", None, linux.MS_REC | linux.MS_PRIVATE)
    _build_root(root, spec)
    _mount_proc(f"{root}/proc")
    _pivot(root)
    os.rmdir("/.old")
    _remount_readonly("/", linux.MS_NOSUID | linux.MS_NODEV)


def install_function(payload: dict[str, Any], *, read_only: list[str] = ()) -> None:
    """The function's own filesystem: /tmp of its ephemeral-storage size, its code in a
    read-only /var/task. `read_only` are the template's binds, to keep visible if they live
    under /tmp (a project checked out there)."""
    _mount_own_tmp(payload["tmp_size_mb"], [p for p in read_only if _under_tmp(p)])
    _mount_tmpfs("/var/task", 16, "755", inodes=8192)
    _write_code("/var/task", payload["code"])
    _remount_readonly("/var/task", linux.MS_NOSUID | linux.MS_NODEV)
    os.chdir("/var/task")


def _under_tmp(path: str) -> bool:
    return path == "/tmp" or path.startswith("/tmp/")  # noqa: S108 - the sandbox's own /tmp


def _mount_own_tmp(size_mb: int, hidden: list[str]) -> None:
    """Mount the function's /tmp; binds that the new tmpfs would cover are carried over
    through /opt (an empty mount point of the template) and put back read-only."""
    if hidden:
        linux.mount("/tmp", "/opt", None, linux.MS_BIND | linux.MS_REC)  # noqa: S108
    _mount_tmpfs("/tmp", size_mb, "1777", inodes=65536)  # noqa: S108 - the sandbox's own /tmp
    for path in hidden:
        source = "/opt" + path.removeprefix("/tmp")  # noqa: S108
        if os.path.isdir(source):
            os.makedirs(path, mode=0o755, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
            open(path, "w").close()  # noqa: SIM115 - an empty mount point for a module file
        linux.mount(source, path, None, linux.MS_BIND | linux.MS_REC)
        _remount_readonly(path, _locked_flags(source))
    if hidden:
        linux.umount2("/opt", linux.MNT_DETACH)


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
