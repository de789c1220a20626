"""A slot's forker: PID 1 of the slot's PID namespace, and the init of each of its
environments in turn.

    zygote --clone(NEWPID)--> forker: joins the slot's cgroups once; an empty netns and a
                              read-only template root (rootfs.prepare_slot) become its own.
        per environment:      fresh mount/IPC/UTS/cgroup namespaces copied from the template;
                              forks the runtime process (C), which installs the function and
                              drops every privilege (sandbox.runtime_main); at the end SIGKILLs
                              every other process of the PID namespace, reaps them and goes
                              back to the template, so the environment's namespaces, mounts,
                              /tmp and IPC objects go with it.

One fork of the preloaded interpreter per cold start, instead of two (a per-environment init
and its runtime process): forking copies the page tables of the whole preloaded heap, and
every new process copies-on-write the pages its Python code touches.

The forker never reads the payload (code, environment, events): the first runtime process
reads it, as root, before dropping its privileges. Every failure is reported to the host
(fail closed); a failure to leave an environment kills the forker, and with it the slot.
"""

from __future__ import annotations

import gc
import json
import os
import select
import socket
import traceback
from dataclasses import dataclass
from typing import Any

from lambdalab.runtime import linux, rootfs, sandbox


@dataclass
class _Env:
    """The slot's current environment, as the forker sees it."""

    spec: dict[str, Any]
    bctl: socket.socket
    status_fd: int
    runtime: int = 0  # pid of the runtime process (C), 0 between resets
    setup_r: int = -1  # the first runtime process's set-up report, until it arrives
    lost: bool = False  # the host closed its end: the environment ends

    def send(self, doc: dict[str, Any]) -> None:
        try:
            sandbox._send(self.bctl, doc)
        except OSError:
            self.lost = True


def serve(sock: socket.socket, spec: dict[str, Any]) -> None:
    """The forker's life. Never returns: exits when the zygote goes away."""
    try:
        gc.disable()  # the forker makes little garbage; scans would only copy pages
        linux.set_process_name("lambdalab-slot")
        for procs_file in spec["cgroup_procs"]:
            linux.write_file(procs_file, str(os.getpid()))
        rootfs.prepare_slot(spec)
        # The template's mount namespace, and the IPC and UTS namespaces to return to.
        home = [os.open(f"/proc/self/ns/{ns}", os.O_RDONLY | os.O_CLOEXEC) for ns in _HOME]
        wake = sandbox._watch_children()
        _Forker(sock, home, wake).run()
    finally:
        os._exit(0)


_HOME = {"mnt": linux.CLONE_NEWNS, "ipc": linux.CLONE_NEWIPC, "uts": linux.CLONE_NEWUTS}


class _Forker:
    def __init__(self, sock: socket.socket, home: list[int], wake: tuple[int, int]) -> None:
        self.sock, self.home, self.wake = sock, home, wake
        self.env: _Env | None = None

    def run(self) -> None:
        while True:
            env = self.env
            watched = [self.sock.fileno(), self.wake[0]]
            if env is not None:
                watched += [env.bctl.fileno()] + ([env.setup_r] if env.setup_r >= 0 else [])
            ready = sandbox._wait_readable(watched)
            if env is not None and env.setup_r in ready:
                self._setup_reported(env)
            if self.wake[0] in ready:
                sandbox._drain(self.wake[0])
                self._reap()
            if self.env is not None and (self.env.lost or self.env.bctl.fileno() in ready):
                self._command(self.env)
            if self.sock.fileno() in ready:
                self._request()

    # ------------------------------------------------------------ environments

    def _request(self) -> None:
        msg, ancdata, _flags, _addr = self.sock.recvmsg(65536, socket.CMSG_SPACE(8 * 4))
        fds = sandbox._fds_from(ancdata)
        if self.env is not None:
            self._end()  # the host has moved on: this slot's previous environment goes first
        if not msg:
            os._exit(0)
        if len(fds) != 5:
            for fd in fds:
                os.close(fd)
            return
        self.env = self._start(json.loads(msg), fds)

    def _start(self, spec: dict[str, Any], fds: list[int]) -> _Env | None:
        bctl_fd, payload_fd, status_fd, ctl_fd, log_fd = fds
        env = _Env(spec, socket.socket(fileno=bctl_fd), status_fd)
        try:
            self._go_home()
            rootfs.enter_environment(spec)
            env.setup_r, setup_w = os.pipe2(os.O_CLOEXEC)
            env.runtime = os.fork()
            if env.runtime == 0:
                try:
                    self._close_own_fds(env, {payload_fd, setup_w, ctl_fd, log_fd})
                    _first_runtime(spec, payload_fd, setup_w, ctl_fd, log_fd)
                finally:  # never back into the forker's loop
                    os._exit(1)
            os.close(setup_w)
        except BaseException as exc:  # noqa: BLE001 - fail closed with the reason
            sandbox._report(status_fd, {"error": f"cannot start an environment: {exc}"})
            for fd in (payload_fd, ctl_fd, log_fd):
                os.close(fd)
            self._finish(env)
            return None
        for fd in (payload_fd, ctl_fd, log_fd):
            os.close(fd)  # they belong to the runtime process now
        sandbox._report(status_fd, {"pid": 0})  # no pid: the host ends it through bctl
        env.send({"ev": "isolated"})
        return env

    def _close_own_fds(self, env: _Env, keep: set[int]) -> None:
        own = (self.sock.fileno(), *self.home, env.bctl.fileno(), env.status_fd, env.setup_r)
        for fd in (*own, *self.wake):
            if fd >= 0 and fd not in keep:
                os.close(fd)

    def _end(self) -> None:
        """Kill everything of the environment and let its namespaces go."""
        env, self.env = self.env, None
        sandbox._kill_everyone()
        if env is not None:
            self._finish(env)

    def _finish(self, env: _Env) -> None:
        try:  # the environment's mounts, /tmp and IPC objects are dropped with its namespaces
            self._go_home()
        except BaseException:  # noqa: BLE001 - never keep an environment's namespaces alive
            os._exit(1)
        if env.setup_r >= 0:
            os.close(env.setup_r)
        env.bctl.close()
        os.close(env.status_fd)  # EOF tells the host the environment is gone
        gc.collect()

    def _go_home(self) -> None:
        """Back to the template mount namespace and the slot's own IPC and UTS ones."""
        for fd, nstype in zip(self.home, _HOME.values(), strict=True):
            linux.setns(fd, nstype)

    # ------------------------------------------------------------ events and commands

    def _setup_reported(self, env: _Env) -> None:
        report = _read_all(env.setup_r)
        os.close(env.setup_r)
        env.setup_r = -1
        if report == b"ok":
            env.send({"ev": "ready"})
        else:
            error = report.decode(errors="replace") or "the runtime process died during set-up"
            env.send({"ev": "fatal", "error": error})

    def _reap(self) -> None:
        env = self.env
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if env is not None and pid == env.runtime:
                sandbox._kill_everyone()
                env.runtime = 0
                if env.setup_r >= 0:
                    self._setup_reported(env)
                else:
                    code = os.waitstatus_to_exitcode(status)
                    env.send({"ev": "exited", "status": code})

    def _command(self, env: _Env) -> None:
        if env.lost:
            self._end()
            return
        try:
            msg, ancdata, _flags, _addr = env.bctl.recvmsg(4096, socket.CMSG_SPACE(8 * 4))
        except OSError:
            msg, ancdata = b"", []
        fds = sandbox._fds_from(ancdata)
        if not msg:
            for fd in fds:
                os.close(fd)
            self._end()
            return
        cmd = json.loads(msg).get("cmd")
        if cmd == "start" and len(fds) == 2 and not env.runtime and env.setup_r < 0:
            env.runtime = os.fork()
            if env.runtime == 0:
                try:
                    self._close_own_fds(env, keep=set(fds))
                    sandbox.runtime_main(env.spec, ctl_fd=fds[0], log_fd=fds[1], close=())
                finally:  # never back into the forker's loop
                    os._exit(1)
        elif cmd == "reset":
            sandbox._kill_everyone()
            env.runtime = 0
            env.send({"ev": "reset_done"})
        for fd in fds:
            os.close(fd)


def _first_runtime(
    spec: dict[str, Any], payload_fd: int, setup_w: int, ctl_fd: int, log_fd: int
) -> None:
    """The environment's first runtime process: as root, install the function that arrives
    on the payload pipe (a spare waits here), report, then become the runtime. Never returns."""
    try:
        payload = sandbox._read_payload(payload_fd)
        rootfs.install_function(payload, read_only=[*spec["packages"], *spec["ro_binds"]])
        linux.sethostname(payload["hostname"])
    except BaseException as exc:  # noqa: BLE001 - fail closed with the reason
        where = traceback.extract_tb(exc.__traceback__)[-1]
        reason = f"{type(exc).__name__}: {exc} (sandbox set-up, {where.name}:{where.lineno})"
        os.write(setup_w, reason.encode()[:4000])
        os._exit(1)
    os.write(setup_w, b"ok")
    os.close(setup_w)
    sandbox.runtime_main(spec, ctl_fd=ctl_fd, log_fd=log_fd, close=())


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        ready, _, _ = select.select([fd], [], [], 5.0)
        chunk = os.read(fd, 4096) if ready else b""
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
