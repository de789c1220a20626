"""Per-environment cgroups (memory + pids): v1 hierarchies or a delegated v2 subtree.

Only the trusted host touches these files. The sandbox sees none of them (it has its own
cgroup namespace and no cgroupfs mounted).
"""

from __future__ import annotations

import errno
import os
import time
import uuid
from dataclasses import dataclass

V1_ROOT = "/sys/fs/cgroup"
MiB = 1024 * 1024


class CgroupUnavailable(OSError):
    pass


def _own_path(controller: str) -> str:
    with open("/proc/self/cgroup") as handle:
        for line in handle:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if controller in controllers.split(","):
                return path
    raise CgroupUnavailable(f"no {controller} cgroup")


def _write(path: str, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)


def _read(path: str) -> str:
    with open(path) as handle:
        return handle.read()


@dataclass
class EnvCgroup:
    """The cgroups of one execution environment."""

    version: int
    paths: list[str]  # memory first
    name: str = ""
    limits: tuple[int, int] = (0, 0)  # (memory MiB, pids) last written; only the host writes

    @property
    def procs_files(self) -> list[str]:
        return [f"{p}/cgroup.procs" for p in self.paths]

    def reset_peak(self) -> None:
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            _write(f"{self.paths[0]}/{name}", "0")
        except OSError:
            pass  # v2 before Linux 6.12 cannot reset: the peak is then since creation

    def peak_bytes(self) -> int:
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            return int(_read(f"{self.paths[0]}/{name}"))
        except (OSError, ValueError):
            return int(_read(f"{self.paths[0]}/memory.current"))

    def oom_kills(self) -> int:
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        for line in _read(f"{self.paths[0]}/{name}").splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def pids(self) -> list[int]:
        found: set[int] = set()
        for path in self.paths:
            try:
                found.update(int(p) for p in _read(f"{path}/cgroup.procs").split())
            except FileNotFoundError:
                pass
        return sorted(found)

    def remove(self, *, wait_s: float = 2.0) -> None:
        deadline = time.monotonic() + wait_s
        for path in self.paths:
            while True:
                try:
                    os.rmdir(path)
                    break
                except FileNotFoundError:
                    break
                except OSError as exc:
                    if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                        raise
                    time.sleep(0.002)


class CgroupManager:
    """Slot cgroups under a parent private to this Runtime.

    Moving a process between cgroups waits for an RCU grace period (about 10 ms here), so
    each slot keeps a forker process that joined its cgroup once; environments are forked
    inside it and never migrate. Limits are rewritten for each new environment.
    """

    def __init__(self) -> None:
        self.version, self.parents = _discover()
        for parent in self.parents:
            remove_stale(parent)
        self.tag = f"lambdalab-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        for parent in self.parents:
            os.mkdir(f"{parent}/{self.tag}")
        if self.version == 2:
            _write(f"{self.parents[0]}/{self.tag}/cgroup.subtree_control", "+memory +pids")

        self.slots: dict[str, EnvCgroup] = {}
        self.retired: list[EnvCgroup] = []
        self._generations: dict[str, int] = {}

    def slot(self, *, name: str, memory_mb: int, max_pids: int) -> EnvCgroup:
        """The cgroup of a slot, with limits set for a new environment.

        Lowering the limit fails while the previous environment's memory is still charged
        (page cache, a large /tmp still being torn down): reclaim, and if that does not free
        enough, retire the cgroup and give the slot a fresh one."""
        cg = self.slots.get(name)
        if cg is not None:
            try:
                self._limit(cg, memory_mb, max_pids)
                return cg
            except OSError as exc:
                if exc.errno != errno.EBUSY:
                    raise
            if self._reclaim(cg, memory_mb, max_pids):
                return cg
            self.retired.append(cg)
        generation = self._generations[name] = self._generations.get(name, -1) + 1
        full = name if generation == 0 else f"{name}-g{generation}"
        paths = [f"{parent}/{self.tag}/{full}" for parent in self.parents]
        for path in paths:
            os.makedirs(path, exist_ok=True)
        cg = self.slots[name] = EnvCgroup(self.version, paths, full)
        self._limit(cg, memory_mb, max_pids)
        return cg

    def _reclaim(self, cg: EnvCgroup, memory_mb: int, max_pids: int) -> bool:
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            if self.version == 1:
                try:
                    _write(f"{cg.paths[0]}/memory.force_empty", "0")
                except OSError:
                    pass
            try:
                self._limit(cg, memory_mb, max_pids)
                return True
            except OSError as exc:
                if exc.errno != errno.EBUSY:
                    raise
            time.sleep(0.05)
        return False

    def _limit(self, cg: EnvCgroup, memory_mb: int, max_pids: int) -> None:
        if cg.limits == (memory_mb, max_pids):
            return  # already in force (a spare's slot, bound to a function of the same size)
        cg.limits = (0, 0)  # unknown until every write below has succeeded
        self._write_limits(cg, memory_mb, max_pids)
        cg.limits = (memory_mb, max_pids)

    def _write_limits(self, cg: EnvCgroup, memory_mb: int, max_pids: int) -> None:
        limit = str(memory_mb * MiB)
        if self.version == 1:
            mem, pids = cg.paths
            memsw = f"{mem}/memory.memsw.limit_in_bytes"
            if os.path.exists(memsw):  # memsw must stay >= the limit while both change
                _write(memsw, "-1")
            _write(f"{mem}/memory.limit_in_bytes", limit)
            if os.path.exists(memsw):
                _write(memsw, limit)  # no escape into swap
            _write(f"{mem}/memory.swappiness", "0")
            _write(f"{pids}/pids.max", str(max_pids))
        else:
            path = cg.paths[0]
            _write(f"{path}/memory.max", limit)
            if os.path.exists(f"{path}/memory.swap.max"):
                _write(f"{path}/memory.swap.max", "0")
            _write(f"{path}/pids.max", str(max_pids))

    def close(self) -> None:
        for cg in [*self.slots.values(), *self.retired]:
            try:
                cg.remove()
            except OSError:
                pass
        for parent in self.parents:
            try:
                os.rmdir(f"{parent}/{self.tag}")
            except OSError:
                pass


def remove_stale(parent: str) -> None:
    """Remove the empty cgroups of Runtimes whose process is gone (killed before close())."""
    for name in os.listdir(parent):
        if not name.startswith("lambdalab-"):
            continue
        pid = name.split("-")[1]
        if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            remove_tree(f"{parent}/{name}")


def remove_tree(path: str) -> None:
    """rmdir a cgroup and its children, deepest first; cgroups that still hold tasks stay."""
    for root, dirs, _files in os.walk(path, topdown=False):
        for name in dirs:
            try:
                os.rmdir(os.path.join(root, name))
            except OSError:
                pass
    try:
        os.rmdir(path)
    except OSError:
        pass


def _discover() -> tuple[int, list[str]]:
    if (
        os.path.exists(f"{V1_ROOT}/memory/memory.limit_in_bytes")
        or os.path.isdir(f"{V1_ROOT}/memory")
        and os.path.isdir(f"{V1_ROOT}/pids")
    ):
        parents = [f"{V1_ROOT}/{c}{_own_path(c)}".rstrip("/") for c in ("memory", "pids")]
        for parent in parents:
            if not os.access(parent, os.W_OK):
                raise CgroupUnavailable(f"{parent} is not writable")
        return 1, parents
    if os.path.exists(f"{V1_ROOT}/cgroup.controllers"):
        return 2, [_v2_parent()]
    raise CgroupUnavailable("no cgroup v1 memory/pids hierarchy and no cgroup v2 mount")


def _v2_parent() -> str:
    """A cgroup v2 directory where memory and pids can be enabled for children.

    The "no internal processes" rule means a cgroup that holds processes cannot delegate
    controllers, so, like container runtimes, move this process into a leaf first.
    """
    own = f"{V1_ROOT}{_own_path('')}".rstrip("/")
    available = _read(f"{own}/cgroup.controllers").split()
    if "memory" not in available or "pids" not in available:
        raise CgroupUnavailable(f"memory/pids controllers not delegated to {own}")
    if not os.access(own, os.W_OK):
        raise CgroupUnavailable(f"{own} is not writable")
    try:
        _write(f"{own}/cgroup.subtree_control", "+memory +pids")
    except OSError as exc:
        if exc.errno != errno.EBUSY:
            raise CgroupUnavailable(f"cannot enable controllers in {own}: {exc}") from exc
        leaf = f"{own}/lambdalab-worker"
        os.makedirs(leaf, exist_ok=True)
        for pid in _read(f"{own}/cgroup.procs").split():
            try:
                _write(f"{leaf}/cgroup.procs", pid)
            except OSError:
                pass  # a process that exited meanwhile
        _write(f"{own}/cgroup.subtree_control", "+memory +pids")
    return own
