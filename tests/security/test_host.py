"""Host-side checks (nothing survives an environment; the zygote never holds learner code)
and the negative control (the probes do detect missing isolation)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from lambdalab.runtime import Runtime
from lambdalab.runtime.runtime import DEFAULT_RUNTIME
from tests.runtime.support import function, require_root
from tests.security import probes
from tests.security.test_attacks import PROJECT_PATHS, _processes_of

pytestmark = pytest.mark.root


def _mounts() -> list[str]:
    return Path("/proc/self/mountinfo").read_text().splitlines()


def _process_memory_contains(pid: int, needle: bytes) -> bool:
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            fields = line.split()
            if "r" not in fields[1] or (len(fields) > 5 and fields[5].startswith("[v")):
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            try:
                mem.seek(start)
                if needle in mem.read(end - start):
                    return True
            except (OSError, ValueError, OverflowError):
                continue
    return False


def _zygote_family(zygote_pid: int) -> list[int]:
    """The zygote and its slot forkers (children that run as root, named lambdalab-slot,
    and are the init of their slot's environments)."""
    family = [zygote_pid]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        forker = "(lambdalab-slot)" in stat or "NSpid:\t" + pid + "\n" in status
        if ppid == zygote_pid and "\nUid:\t0\t" in status and forker:
            family.append(int(pid))
    return family


def test_h1_h4_h5_nothing_survives_an_environment():
    require_root()
    mounts_before = _mounts()
    rt = Runtime(max_environments=2)
    cfg = function("""
        import os, threading, time
        def lambda_handler(event, context):
            threading.Thread(target=time.sleep, args=(120,), daemon=True).start()
            if os.fork() == 0:
                time.sleep(120)
            open("/tmp/leftover", "w").write("x")
            return os.getuid()
    """)
    uid = rt.invoke(cfg, owner="h1").payload
    slot = rt._cgroups.slots[f"uid-{uid}"]
    assert len(slot.pids()) >= 3  # the environment is alive and inside its cgroup
    sandbox = set(_processes_of(uid))
    root_dir = rt._root_dir
    rt.close()
    assert not sandbox & set(_processes_of(uid))
    assert not os.path.exists(slot.paths[0])  # slot cgroups are removed with the Runtime
    assert _mounts() == mounts_before  # all sandbox mounts lived in private namespaces
    assert not os.path.exists(root_dir)


def _zygote_pid(rt: Runtime) -> int:
    """The pid of the zygote that forks the default runtime's environments."""
    return rt._zygotes[DEFAULT_RUNTIME].pid


def test_h2_zygote_survives_oom_segfault_and_kill_all():
    require_root()
    with Runtime(max_environments=2) as rt:
        for source in (
            "def lambda_handler(e, c):\n    x = bytearray(1 << 30)\n",
            "import ctypes\ndef lambda_handler(e, c):\n    ctypes.string_at(0)\n",
            "import os\ndef lambda_handler(e, c):\n    os.kill(-1, 9)\n",
        ):
            rt.invoke(function(source), owner="h2", cold=True)
        zygote = _zygote_pid(rt)
        os.kill(zygote, 0)
        ok = rt.invoke(function("def lambda_handler(e, c):\n    return 'ok'\n"), owner="h2")
        assert ok.payload == "ok" and _zygote_pid(rt) == zygote


def test_h3_the_zygote_never_holds_learner_code_or_events():
    require_root()
    code_marker = f"LEARNER-CODE-{uuid.uuid4().hex}"
    event_marker = f"LEARNER-EVENT-{uuid.uuid4().hex}"
    with Runtime(max_environments=2) as rt:
        cfg = function(
            f"SECRET = {code_marker!r}\ndef lambda_handler(e, c):\n    return SECRET\n",
            environment={"MARK": code_marker},
        )
        inv = rt.invoke(cfg, {"m": event_marker}, owner="h3")
        assert inv.payload == code_marker
        family = _zygote_family(_zygote_pid(rt))
        assert len(family) >= 2  # the zygote and at least one slot forker were scanned
        for pid in family:
            assert not _process_memory_contains(pid, code_marker.encode()), pid
            assert not _process_memory_contains(pid, event_marker.encode()), pid
        # and the scan can find what is there: the sandbox's own runtime holds it
        slot = next(iter(rt._cgroups.slots.values()))
        runtime_pids = [p for p in slot.pids() if p not in family]
        assert any(_process_memory_contains(p, code_marker.encode()) for p in runtime_pids)


def test_h6_the_zygote_starts_with_an_empty_environment():
    require_root()
    with Runtime(max_environments=1) as rt:
        rt.invoke(function("def lambda_handler(e, c):\n    return 1\n"), owner="h6")
        environ = Path(f"/proc/{_zygote_pid(rt)}/environ").read_bytes()
    assert environ == b""


# ---------------------------------------------------------------- negative control


def _run_unisolated(source: str, event: dict) -> object:
    """Run a probe the way an unsandboxed runner (python-lambda-local) would: on the host."""
    driver = textwrap.dedent(source) + textwrap.dedent(f"""
        import json
        print(json.dumps(lambda_handler(json.loads({json.dumps(json.dumps(event))}), None)))
    """)
    out = subprocess.run(
        [sys.executable, "-c", driver], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(out.stdout.splitlines()[-1])


def test_negative_control_probes_detect_missing_isolation():
    """The same probes that pass in the sandbox fail when isolation is absent."""
    secrets = _run_unisolated(probes.READ_SECRETS, {"project_paths": PROJECT_PATHS})
    assert any(secrets["exists"].values())  # host files visible
    assert "sbx_user1051" not in secrets["passwd"]

    network = _run_unisolated(probes.LOOPBACK_SERVICES, {})
    assert "ENETUNREACH" not in network.values()  # the host's loopback is reachable

    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(b"\0lambdalab-negative-control")
    server.listen(1)
    try:
        assert (
            _run_unisolated(probes.ABSTRACT_SOCKET, {"name": "\0lambdalab-negative-control"})
            == "connected"
        )
    finally:
        server.close()

    procs = _run_unisolated(probes.PROCESSES, {})
    assert procs["count"] > 2 and procs["sys"]

    os.environ["LAMBDALAB_CANARY_SECRET"] = "visible"
    try:
        assert "LAMBDALAB_CANARY_SECRET" in _run_unisolated(probes.ENVIRONMENT, {})
    finally:
        os.environ.pop("LAMBDALAB_CANARY_SECRET")

    if os.geteuid() == 0:  # unfiltered root may unshare: the syscall probe reports success
        unshared = _run_unisolated(probes.SYSCALL, {"nr": 272, "args": [0x00020000]})
        assert unshared == {"result": 0, "errno": "0"}


def test_h7_a_killed_worker_leaves_no_environments_or_cgroups_behind():
    require_root()
    script = textwrap.dedent("""
        import os, sys, time
        from lambdalab.runtime import FunctionConfig, Runtime
        rt = Runtime(max_environments=2)
        cfg = FunctionConfig(code={"lambda_function.py":
            "import os\\ndef lambda_handler(e, c):\\n    return os.getuid()\\n"})
        uid = rt.invoke(cfg, owner="killed").payload
        print(uid, rt._cgroups.slots[f"uid-{uid}"].paths[0], rt._root_dir, flush=True)
        time.sleep(60)
    """)
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    uid_text, slot_path, root_dir = proc.stdout.readline().split()
    # The pids, not the uid: once freed, another worker on this host may lease the same uid.
    sandbox = set(_processes_of(int(uid_text)))
    assert os.path.isdir(slot_path) and sandbox
    proc.kill()  # no close(): the worker dies abruptly
    proc.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (
        os.path.exists(os.path.dirname(slot_path))
        or os.path.exists(root_dir)
        or sandbox & set(_processes_of(int(uid_text)))
    ):
        time.sleep(0.05)
    assert not sandbox & set(_processes_of(int(uid_text)))
    assert not os.path.exists(os.path.dirname(slot_path))
    assert not os.path.exists(root_dir)
