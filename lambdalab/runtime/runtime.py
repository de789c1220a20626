"""The Runtime: a pool of execution environments per (owner, function config), like Lambda's.

One Runtime per worker process. Thread-safe: an environment serves one invocation at a time,
concurrent invocations get their own environments, and the number of live environments is
capped by `max_environments` (callers wait for a slot, as the CLI's --concurrency does).
"""

from __future__ import annotations

import _thread
import contextlib
import os
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from lambdalab.runtime import hostinfo
from lambdalab.runtime.cgroups import CgroupManager, CgroupUnavailable, EnvCgroup
from lambdalab.runtime.config import RUNTIMES, FunctionConfig
from lambdalab.runtime.environment import Environment
from lambdalab.runtime.host import IsolationUnavailable, SandboxHandle, SlotLeases, Zygote
from lambdalab.runtime.invocation import Invocation
from lambdalab.runtime.requests import check_aws, encode_event, throttled_invocation

DEFAULT_IDLE_EXPIRY_S = 300.0
DEFAULT_UID_BASE = 2_000_000_000
# Lambda allows 1,024 processes/threads; 256 keeps a fork bomb cheap on a shared 2-core worker
# while leaving plenty for thread pools.
MAX_PROCESSES = 256
DEFAULT_RUNTIME = "python3.12"  # spares are kept ready for this one
UIDS_PER_RUNTIME = 4096  # each runtime label has its own slots: its interpreter's forkers


@dataclass
class _Sandbox:
    """An isolated sandbox in its slot, with or without a function yet."""

    handle: SandboxHandle
    uid_lease: tuple[int, int]
    cgroup: EnvCgroup | None
    runtime: str = DEFAULT_RUNTIME


class Runtime:
    """Runs Lambda functions in isolated, reusable execution environments.

    `spares` isolated sandboxes are kept ready (counted in max_environments), so a cold
    start only installs the function: its set-up is the environment's own, never shared.

    rt = Runtime(); inv = rt.invoke(config, {"k": 1}, owner="learner-42"); rt.close()
    """

    def __init__(
        self,
        *,
        max_environments: int = 8,
        idle_expiry_s: float = DEFAULT_IDLE_EXPIRY_S,
        uid_base: int | None = None,
        spares: int = 1,
    ) -> None:
        self.max_environments = max_environments
        self.idle_expiry_s = idle_expiry_s
        self._uid_base = uid_base or int(
            os.environ.get("LAMBDALAB_SANDBOX_UID_BASE", DEFAULT_UID_BASE)
        )
        self._lock = threading.Condition()
        self._idle: dict[tuple[str, str], list[Environment]] = {}
        self._live = 0
        self._busy: dict[str, int] = {}  # function key -> running invocations
        self._zygotes: dict[str, Zygote] = {}  # one per runtime label, started on first use
        self._cgroups: CgroupManager | None = None
        self._leases: dict[str, SlotLeases] = {}
        self._ready = False
        self._setup_error: str | None = None
        self._root_dir = ""
        self._closed = False
        self._background = 0  # teardowns and spares in flight
        self.spares = spares
        self._spares: list[_Sandbox] = []
        self._pending_spares = 0
        self._binds: list[str] = []
        self._packages: list[str] = []

    # ------------------------------------------------------------------ public API

    def invoke(
        self,
        config: FunctionConfig,
        event: Any = None,
        *,
        owner: str = "anonymous",
        cold: bool = False,
        aws: Any = None,
    ) -> Invocation:
        """One invocation; reuses a warm environment of this owner unless `cold`."""
        return self.invoke_sequence(config, [event], owner=owner, cold=cold, aws=aws)[0]

    def invoke_sequence(
        self,
        config: FunctionConfig,
        events: Sequence[Any],
        *,
        owner: str = "anonymous",
        cold: bool = False,
        aws: Any = None,
    ) -> list[Invocation]:
        """Invoke each event in order in one environment (first cold unless a warm one exists)."""
        bodies = [encode_event(e) for e in events]
        check_aws(aws)
        env = self._checkout(config, owner, fresh=cold)
        try:
            return [env.invoke(event=b, request_id=str(uuid.uuid4()), aws=aws) for b in bodies]
        finally:
            self._checkin(env)

    def invoke_concurrent(
        self,
        config: FunctionConfig,
        event: Any,
        n: int,
        *,
        owner: str = "anonymous",
        reserved_concurrency: int | None = None,
        aws: Any = None,
        cold: bool = False,
    ) -> list[Invocation]:
        """Send `event` n times at once: n environments, or 429 throttles past the reserved cap."""
        body = encode_event(event)
        check_aws(aws)
        admitted, throttled = self._admit(config, owner, n, reserved_concurrency)
        try:
            with ThreadPoolExecutor(max_workers=max(admitted, 1)) as pool:
                futures = [
                    pool.submit(self._invoke_one, config, body, owner, aws, cold)
                    for _ in range(admitted)
                ]
                results = [f.result() for f in futures]
        finally:
            self._release(config, owner, admitted)
        return results + [throttled_invocation(config) for _ in range(throttled)]

    def reap_idle(self) -> int:
        """Destroy environments idle for longer than the expiry; returns how many."""
        now = time.monotonic()
        with self._lock:
            expired = [
                e
                for envs in self._idle.values()
                for e in envs
                if now - e.last_used > self.idle_expiry_s
            ]
            for env in expired:
                self._idle[(env.owner, env.config.fingerprint())].remove(env)
        for env in expired:
            self._destroy(env)
        return len(expired)

    def close(self) -> None:
        """Destroy every environment and stop the zygote."""
        with self._lock:
            self._closed = True
            envs = [e for group in self._idle.values() for e in group]
            self._idle.clear()
        for env in envs:
            self._destroy(env)
        with self._lock:
            while self._background:
                self._lock.wait()
        with self._lock:
            spares, self._spares = self._spares, []
        for sandbox in spares:
            sandbox.handle.kill()
            SlotLeases.release(sandbox.uid_lease[1])
            with self._lock:
                self._live -= 1
        for zygote in self._zygotes.values():
            zygote.close()
        if self._cgroups is not None:
            self._cgroups.close()
        if self._root_dir:
            try:
                os.rmdir(self._root_dir)
            except OSError:
                pass

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ concurrency

    def _invoke_one(
        self, config: FunctionConfig, body: bytes, owner: str, aws: Any, cold: bool
    ) -> Invocation:
        env = self._checkout(config, owner, fresh=cold)
        try:
            return env.invoke(event=body, request_id=str(uuid.uuid4()), aws=aws)
        finally:
            self._checkin(env)

    def _admit(
        self, config: FunctionConfig, owner: str, n: int, reserved: int | None
    ) -> tuple[int, int]:
        key = f"{owner}/{config.function_name}"
        with self._lock:
            running = self._busy.get(key, 0)
            admitted = n if reserved is None else max(0, min(n, reserved - running))
            self._busy[key] = running + admitted
        return admitted, n - admitted

    def _release(self, config: FunctionConfig, owner: str, count: int) -> None:
        key = f"{owner}/{config.function_name}"
        with self._lock:
            self._busy[key] -= count

    # ------------------------------------------------------------------ pool

    def _checkout(self, config: FunctionConfig, owner: str, *, fresh: bool) -> Environment:
        self.reap_idle()
        key = (owner, config.fingerprint())
        with self._lock:
            if self._closed:
                raise RuntimeError("Runtime is closed")
            stale = self._forget_other_versions(owner, config)
            env, spare = self._reserve(key, fresh, stale, config.runtime)
        for old in stale:
            self._destroy_later(old)  # teardown is off the invocation's critical path
        if env is not None:
            return env
        try:
            return self._create(config, owner, spare)
        except BaseException:
            with self._lock:
                self._live -= 1
                self._lock.notify_all()
            raise
        finally:
            self._replenish()

    def _reserve(
        self, key: tuple[str, str], fresh: bool, stale: list[Environment], runtime: str
    ) -> tuple[Environment | None, _Sandbox | None]:
        """Under the lock: a warm environment, a spare sandbox, or room for a new one
        (waiting if needed)."""
        while True:
            warm = self._idle.get(key)
            if warm and not fresh:
                return warm.pop(), None  # most recently used first, as Lambda tends to
            spare = next((s for s in reversed(self._spares) if s.runtime == runtime), None)
            if spare is not None:
                self._spares.remove(spare)
                return None, spare
            if self._live - len(stale) < self.max_environments:  # stale ones are going away
                self._live += 1
                return None, None
            victim = self._oldest_idle()
            if victim is not None:
                stale.append(victim)
                self._live += 1
                return None, None
            self._lock.wait()

    def _forget_other_versions(self, owner: str, config: FunctionConfig) -> list[Environment]:
        """A code or configuration change retires the function's old environments."""
        fingerprint = config.fingerprint()
        stale = []
        for (env_owner, fp), envs in list(self._idle.items()):
            if (
                env_owner == owner
                and fp != fingerprint
                and envs
                and envs[0].config.function_name == config.function_name
            ):
                stale.extend(envs)
                del self._idle[(env_owner, fp)]
        return stale

    def _destroy_later(self, env: Environment) -> None:
        self._in_background(self._destroy, env)

    def _in_background(self, task: Any, *args: Any) -> None:
        """Run a teardown or a spare's set-up in a thread of its own. A bare thread: the
        caller, often on a cold start's path, does not wait for it to start running (as
        Thread.start() would); close() waits until every one has finished."""
        with self._lock:
            self._background += 1

        def run() -> None:
            try:
                task(*args)
            finally:
                with self._lock:
                    self._background -= 1
                    self._lock.notify_all()

        _thread.start_new_thread(run, ())

    def _oldest_idle(self) -> Environment | None:
        candidates = [e for envs in self._idle.values() for e in envs]
        if not candidates:
            return None
        victim = min(candidates, key=lambda e: e.last_used)
        self._idle[(victim.owner, victim.config.fingerprint())].remove(victim)
        return victim

    def _checkin(self, env: Environment) -> None:
        if env.dead:
            self._destroy(env)
            return
        env.last_used = time.monotonic()
        with self._lock:
            if self._closed:
                closed = True
            else:
                closed = False
                self._idle.setdefault((env.owner, env.config.fingerprint()), []).append(env)
                self._lock.notify_all()
        if closed:
            self._destroy(env)

    def _destroy(self, env: Environment) -> None:
        try:
            env.close()
        finally:
            SlotLeases.release(env.uid_lease[1])
            with self._lock:
                self._live -= 1
                self._lock.notify_all()

    def _create(self, config: FunctionConfig, owner: str, spare: _Sandbox | None) -> Environment:
        if spare is not None:
            try:
                return self._bind(spare, config, owner)
            except (IsolationUnavailable, OSError):
                pass  # the spare died or its slot changed: start a fresh sandbox instead
        return self._bind(self._start_sandbox(config.memory_size, config.runtime), config, owner)

    def _bind(self, sandbox: _Sandbox, config: FunctionConfig, owner: str) -> Environment:
        """Give a sandbox its function: limits for this config, then code and environment."""
        uid, lock_fd = sandbox.uid_lease
        try:
            if sandbox.cgroup is not None:
                with self._lock:  # slot cgroups are shared state of this Runtime
                    cgroup = self._cgroups.slot(  # type: ignore[union-attr]
                        name=f"uid-{uid}", memory_mb=config.memory_size, max_pids=MAX_PROCESSES
                    )
                if cgroup is not sandbox.cgroup:
                    raise OSError("the slot's cgroup was replaced")
            return Environment(
                config=config,
                owner=owner,
                cgroup=sandbox.cgroup,
                uid_lease=sandbox.uid_lease,
                handle=sandbox.handle,
            )
        except BaseException:
            sandbox.handle.kill()
            SlotLeases.release(lock_fd)
            raise

    def _start_sandbox(self, memory_mb: int, runtime: str) -> _Sandbox:
        """A new, isolated sandbox in a free slot, waiting for its function."""
        self._ensure_setup()
        zygote, leases = self._pool(runtime)
        # A uid this Runtime already has a slot for reuses its forker and template root;
        # another one (freed meanwhile by another worker on the host) would build new ones.
        with self._lock:
            known = tuple(int(name[4:]) for name in self._cgroups.slots) if self._cgroups else ()
        uid, lock_fd = leases.acquire(prefer=known)
        try:
            cgroup = None
            if self._cgroups is not None:
                with self._lock:
                    cgroup = self._cgroups.slot(
                        name=f"uid-{uid}", memory_mb=memory_mb, max_pids=MAX_PROCESSES
                    )
            spec = self._spec(uid, cgroup, zygote.interpreter)
            handle = SandboxHandle(zygote=zygote, spec=spec)
            return _Sandbox(handle, (uid, lock_fd), cgroup, runtime)
        except BaseException:
            SlotLeases.release(lock_fd)
            raise

    def _replenish(self) -> None:
        """Keep `spares` isolated sandboxes ready, so a cold start skips their set-up."""
        with self._lock:
            wanted = self.spares - len(self._spares) - self._pending_spares
            if self._closed or not self._ready or wanted <= 0:
                return
            victim = None
            if self._live >= self.max_environments:
                victim = self._oldest_idle()  # spares keep their slots: a cold start is likelier
                if victim is None:  # than a return to the least recently used environment
                    return
            self._live += 1
            self._pending_spares += 1
        if victim is not None:
            self._destroy_later(victim)
        self._in_background(self._make_spare)

    def _make_spare(self) -> None:
        sandbox = None
        with contextlib.suppress(Exception):  # a failed spare only costs the next cold start
            sandbox = self._start_sandbox(128, DEFAULT_RUNTIME)
            try:
                sandbox.handle.wait_isolated()  # only a fully isolated sandbox is a spare
            except BaseException:
                sandbox.handle.kill()
                SlotLeases.release(sandbox.uid_lease[1])
                sandbox = None
                raise
        with self._lock:
            self._pending_spares -= 1
            keep = sandbox is not None and not self._closed
            if keep:
                self._spares.append(sandbox)  # type: ignore[arg-type]
            else:
                self._live -= 1
            self._lock.notify_all()
        if sandbox is not None and not keep:
            sandbox.handle.kill()
            SlotLeases.release(sandbox.uid_lease[1])

    def _spec(self, uid: int, cgroup: Any, interpreter: hostinfo.Interpreter) -> dict[str, Any]:
        """The trusted, learner-free part of a sandbox's set-up (the zygote sees this)."""
        rootless = os.geteuid() != 0
        return {
            "uid": 0 if rootless else uid,
            "userns": rootless,
            "root_dir": self._root_dir,
            "slot": cgroup.name if cgroup is not None else "",
            "host_netns": os.stat("/proc/self/ns/net").st_ino,
            "cgroup_procs": cgroup.procs_files if cgroup is not None else [],
            "max_processes": MAX_PROCESSES,
            "cpu_seconds": 910,
            "ro_binds": hostinfo.with_bind(self._binds, interpreter.base_prefix),
            "packages": self._packages,
        }

    def _ensure_setup(self) -> None:
        with self._lock:
            if self._setup_error:
                raise IsolationUnavailable(self._setup_error)
            if self._ready:
                return
            try:
                self._setup()
            except IsolationUnavailable as exc:
                self._setup_error = exc.reason
                raise

    def _setup(self) -> None:
        if not sys.platform.startswith("linux"):
            raise IsolationUnavailable(f"Linux namespaces are not available on {sys.platform}")
        rootless = os.geteuid() != 0
        try:
            self._cgroups = CgroupManager()
        except (CgroupUnavailable, OSError) as exc:
            if not rootless:
                raise IsolationUnavailable(f"no usable memory/pids cgroup as root ({exc})") from exc
            self._cgroups = None  # rootless: rlimits and a measured peak instead
        if rootless and not hostinfo.userns_possible():
            raise IsolationUnavailable("unprivileged user namespaces are disabled on this host")
        import tempfile

        hostinfo.remove_stale_root_dirs(tempfile.gettempdir())
        self._root_dir = tempfile.mkdtemp(prefix=f"lambdalab-root-{os.getpid()}-")
        self._binds, self._packages = hostinfo.system_binds(), hostinfo.runtime_packages()
        self._ready = True

    def _pool(self, runtime: str) -> tuple[Zygote, SlotLeases]:
        """The zygote of `runtime`'s Python version and the slot uids that go with it."""
        with self._lock:
            if runtime in self._zygotes:
                return self._zygotes[runtime], self._leases[runtime]
        # Finding the interpreter runs it (once per label): not under the lock every invoke takes.
        interpreter = hostinfo.interpreter_for(runtime)
        with self._lock:
            if runtime not in self._zygotes:
                base = self._uid_base + RUNTIMES.index(runtime) * UIDS_PER_RUNTIME
                self._leases[runtime] = SlotLeases(base_uid=base, count=UIDS_PER_RUNTIME)
                self._zygotes[runtime] = Zygote(interpreter)
            return self._zygotes[runtime], self._leases[runtime]
