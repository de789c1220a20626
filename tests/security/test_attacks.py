"""The attack suite: hostile learner code, each case asserting the defended outcome.

Cases follow the checklist in the sandbox design notes (A1-A25) plus our own; the host-side
checks and the negative control live in test_host.py.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambdalab.runtime import RequestError, Runtime
from tests.runtime.support import function, require_root, run
from tests.security import probes

pytestmark = pytest.mark.root
PROJECT = Path(__file__).resolve().parents[2]
# The project's source, settings and dependencies (only the SDK's packages are bound inside).
PROJECT_PATHS = [
    str(PROJECT / "lambdalab" / "settings.py"),
    str(PROJECT / ".git"),
    str(PROJECT / "lambdalab"),
    str(next((PROJECT / ".venv").glob("lib/python*/site-packages/django"))),
]


@pytest.fixture(scope="module")
def rt() -> Iterator[Runtime]:
    require_root()
    os.environ["LAMBDALAB_CANARY_SECRET"] = "do-not-leak"  # planted in the worker's environment
    runtime = Runtime(max_environments=6)
    yield runtime
    runtime.close()
    os.environ.pop("LAMBDALAB_CANARY_SECRET")


def test_a01_fork_bomb_hits_the_process_limit(rt):
    inv = run(
        rt,
        """
        import os
        def lambda_handler(event, context):
            children = 0
            try:
                while True:
                    if os.fork() == 0:
                        import time; time.sleep(60); os._exit(0)
                    children += 1
            except OSError as exc:
                return {"children": children, "errno": exc.errno}
    """,
        timeout=30,
        memory_size=1024,
    )
    assert inv.status == "success", inv.logs
    assert inv.payload["errno"] == 11 and inv.payload["children"] < 256  # EAGAIN


def test_a02_memory_bomb_is_killed_by_the_cgroup_only(rt):
    inv = run(
        rt,
        """
        def lambda_handler(event, context):
            hog = [bytearray(64 * 1024 * 1024) for _ in range(16)]
            return len(hog)
    """,
        timeout=10,
    )
    assert inv.payload["errorMessage"].endswith("signal: killed")
    assert "Error Type: Runtime.OutOfMemory" in inv.logs


def test_a03_infinite_loop_is_stopped_by_the_wall_clock(rt):
    inv = run(rt, "def lambda_handler(e, c):\n    while True:\n        pass\n", timeout=1)
    assert inv.status == "timeout" and inv.duration_ms < 2000


def test_a04_a_lingering_thread_does_not_delay_the_result(rt):
    inv = run(
        rt,
        """
        import threading, time
        def lambda_handler(event, context):
            threading.Thread(target=time.sleep, args=(60,)).start()
            return "done"
    """,
        timeout=3,
    )
    assert inv.status == "success" and inv.payload == "done"


def test_a05_sleeping_past_the_timeout_is_a_timeout(rt):
    inv = run(rt, "import time\ndef lambda_handler(e, c):\n    time.sleep(30)\n", timeout=1)
    assert inv.status == "timeout"


def test_a06_a07_host_files_and_secrets_are_invisible(rt):
    inv = run(rt, probes.READ_SECRETS, {"project_paths": PROJECT_PATHS})
    assert not any(inv.payload["exists"].values()), inv.payload["exists"]
    assert inv.payload["passwd"].splitlines()[1].startswith("sbx_user1051:x:")
    assert len(inv.payload["passwd"].splitlines()) == 2


def test_a08_the_workers_environment_does_not_leak(rt):
    inv = run(rt, probes.ENVIRONMENT)
    assert "LAMBDALAB_CANARY_SECRET" not in inv.payload
    assert not any(k.startswith(("DJANGO", "DATABASE", "REDIS", "CELERY")) for k in inv.payload)


def test_a09_no_network_to_host_services(rt):
    inv = run(rt, probes.LOOPBACK_SERVICES)
    assert inv.payload == {"6379": "ENETUNREACH", "5432": "ENETUNREACH"}


def test_a09b_no_dns_and_no_metadata_service(rt):
    inv = run(
        rt,
        """
        import socket
        def lambda_handler(event, context):
            out = []
            try:
                socket.getaddrinfo("example.com", 443)
                out.append("resolved")
            except OSError as exc:
                out.append(type(exc).__name__)
            s = socket.socket()
            s.settimeout(1)
            try:
                s.connect(("169.254.169.254", 80))
                out.append("imds")
            except OSError as exc:
                out.append(exc.errno)
            return out
    """,
    )
    assert inv.payload == ["gaierror", 101]  # ENETUNREACH


def test_a09c_raw_and_netlink_sockets_are_refused(rt):
    inv = run(
        rt,
        """
        import socket
        def lambda_handler(event, context):
            out = []
            for family in (socket.AF_NETLINK, socket.AF_PACKET):
                kind = socket.SOCK_RAW
                try:
                    socket.socket(family, kind)
                    out.append("opened")
                except OSError as exc:
                    out.append(exc.errno)
            return out
    """,
    )
    assert inv.payload == [97, 97]  # EAFNOSUPPORT


def test_a09d_boto3_fails_fast_without_a_network(rt):
    inv = run(
        rt,
        """
        import boto3, time
        def lambda_handler(event, context):
            started = time.monotonic()
            try:
                boto3.client("s3").list_buckets()
                return "reached AWS"
            except Exception as exc:
                return [type(exc).__name__, time.monotonic() - started < 2]
    """,
        timeout=10,
    )
    assert inv.payload[0] == "EndpointConnectionError" and inv.payload[1] is True


def test_a10_host_abstract_unix_socket_is_unreachable(rt):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(b"\0lambdalab-canary")
    server.listen(1)
    try:
        inv = run(rt, probes.ABSTRACT_SOCKET, {"name": "\0lambdalab-canary"})
    finally:
        server.close()
    assert inv.payload == "ECONNREFUSED"


def test_a11_the_parent_is_invisible_and_ptrace_is_denied(rt):
    inv = run(rt, probes.SYSCALL, {"nr": 101, "args": [16, 1, 0, 0]})  # PTRACE_ATTACH pid 1
    assert inv.payload["errno"] == "EPERM"
    assert run(rt, probes.PROCESSES).payload["ppid"] == 1  # the sandbox's own init


def test_a12_proc_shows_only_the_sandbox_and_there_is_no_sys(rt):
    inv = run(rt, probes.PROCESSES)
    assert inv.payload["count"] <= 2 and not inv.payload["sys"]  # itself (+ hidden init)


def test_a12b_dev_holds_only_harmless_devices(rt):
    inv = run(rt, "import os\ndef lambda_handler(e, c):\n    return sorted(os.listdir('/dev'))\n")
    assert inv.payload == ["fd", "null", "random", "stderr", "stdin", "stdout", "urandom", "zero"]


def test_a13_kill_everything_only_kills_the_sandbox(rt):
    inv = run(
        rt,
        "import os, signal\ndef lambda_handler(e, c):\n    os.kill(-1, signal.SIGKILL)\n"
        "    return 'survived'\n",
    )
    assert inv.status in ("success", "error")
    assert run(rt, "def lambda_handler(e, c):\n    return 'next'\n").payload == "next"


def test_a14_tmp_is_capped_at_the_ephemeral_storage_size(rt):
    inv = run(
        rt,
        """
        import errno
        def lambda_handler(event, context):
            chunk = b"x" * (1024 * 1024)
            written = 0
            try:
                with open("/tmp/fill", "wb") as f:
                    while True:
                        f.write(chunk)
                        f.flush()
                        written += 1
            except OSError as exc:
                return {"mb": written, "errno": errno.errorcode[exc.errno]}
    """,
        memory_size=2048,
        timeout=30,
    )
    assert inv.payload["errno"] in ("ENOSPC", "EFBIG") and 500 <= inv.payload["mb"] <= 512


def test_a15_nothing_outside_tmp_is_writable(rt):
    inv = run(
        rt,
        """
        def lambda_handler(event, context):
            out = {}
            for path in ["/var/task/x.py", "/x", "/usr/lib/x", "/etc/passwd", "/lambda_function.py",
                         "/var/task/lambda_function.py", "/proc/sys/kernel/hostname"]:
                try:
                    open(path, "w").write("pwned")
                    out[path] = "written"
                except OSError as exc:
                    out[path] = exc.errno
            return out
    """,
    )
    assert "written" not in inv.payload.values(), inv.payload


def test_a16_log_flood_is_capped_with_a_visible_marker(rt):
    inv = run(
        rt,
        """
        import sys
        def lambda_handler(event, context):
            line = "y" * 1023 + "\\n"
            for _ in range(10 * 1024):
                sys.stdout.write(line)
            return "flooded"
    """,
        timeout=20,
    )
    assert inv.payload == "flooded"
    assert len(inv.logs.encode()) < 1024 * 1024 + 2048
    assert "[LambdaLab] Log output truncated:" in inv.logs and inv.logs.endswith("\t\n")


def test_a17_oversized_result_is_rejected(rt):
    inv = run(rt, "def lambda_handler(e, c):\n    return ['z' * 1024] * 7000\n")
    assert inv.payload["errorType"] == "Function.ResponseSizeTooLarge"


def test_a17b_oversized_event_is_rejected_before_running(rt):
    with pytest.raises(RequestError):
        run(rt, "def lambda_handler(e, c):\n    return 1\n", {"x": "a" * (7 * 1024 * 1024)})


def test_a18_daemons_die_with_the_environment():
    cfg = function("""
        import os, time
        def lambda_handler(event, context):
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    time.sleep(300)
                os._exit(0)
            return os.getuid()
    """)
    with Runtime(max_environments=1) as own:
        uid = own.invoke(cfg, owner="daemon", cold=True).payload
        daemons = set(_processes_of(uid))
        assert daemons  # the daemon outlives the invocation, as on Lambda
    assert not daemons & set(_processes_of(uid))  # but not its environment


def test_a19_privileges_cannot_be_regained(rt):
    inv = run(
        rt,
        """
        import os, resource, socket
        def lambda_handler(event, context):
            out = {}
            for name, attempt in [
                ("setuid0", lambda: os.setuid(0)),
                ("raise_nproc", lambda: resource.setrlimit(resource.RLIMIT_NPROC, (10**6, 10**6))),
                ("sethostname", lambda: socket.sethostname("pwned")),
                ("mknod", lambda: os.mknod("/tmp/sda", 0o600 | 0o060000, os.makedev(8, 0))),
                ("chown", lambda: os.chown("/tmp", 0, 0)),
            ]:
                try:
                    attempt()
                    out[name] = "allowed"
                except (OSError, ValueError) as exc:
                    out[name] = type(exc).__name__
            status = open("/proc/self/status").read()
            fields = dict(line.split(":", 1) for line in status.splitlines())
            out["caps"] = fields["CapEff"].strip()
            out["nnp"] = fields["NoNewPrivs"].strip()
            out["seccomp"] = fields["Seccomp"].strip()
            return out
    """,
    )
    p = inv.payload
    assert "allowed" not in p.values(), p
    assert (p["caps"], p["nnp"], p["seccomp"]) == ("0000000000000000", "1", "2")


@pytest.mark.parametrize("name", sorted(probes.SYSCALL_CASES))
def test_a20_dangerous_syscalls_are_denied(rt, name):
    nr, args = probes.SYSCALL_CASES[name]
    inv = run(rt, probes.SYSCALL, {"nr": nr, "args": args})
    assert inv.payload == {"result": -1, "errno": "EPERM"}, inv.logs


def test_a20b_clone3_is_unavailable_so_the_filterable_clone_is_used(rt):
    inv = run(rt, probes.SYSCALL, {"nr": 435, "args": [0, 0]})
    assert inv.payload == {"result": -1, "errno": "ENOSYS"}


def test_a21_x32_syscalls_kill_the_process(rt):
    inv = run(rt, probes.SYSCALL, {"nr": 0x40000000 | 39, "args": []})  # x32 getpid
    assert inv.payload["errorMessage"].endswith("signal: bad system call")


def test_a22_terminal_injection_is_denied(rt):
    inv = run(
        rt,
        """
        import ctypes, errno
        libc = ctypes.CDLL(None, use_errno=True)
        def lambda_handler(event, context):
            char = ctypes.c_char(b"x")
            res = libc.ioctl(0, 0x5412, ctypes.byref(char))
            return errno.errorcode.get(ctypes.get_errno())
    """,
    )
    assert inv.payload == "EPERM"


def test_a23_no_inherited_file_descriptors(rt):
    inv = run(
        rt,
        "import os\ndef lambda_handler(e, c):\n"
        "    return sorted(map(int, os.listdir('/proc/self/fd')))\n",
    )
    assert inv.payload[:4] == [0, 1, 2, 3] and len(inv.payload) <= 6  # + listdir, urandom


def test_a24_segfault_kills_only_the_runtime(rt):
    inv = run(rt, "import ctypes\ndef lambda_handler(e, c):\n    ctypes.string_at(0)\n")
    assert inv.payload["errorMessage"].endswith("signal: segmentation fault")
    assert run(rt, "def lambda_handler(e, c):\n    return 'alive'\n").payload == "alive"


def learner_entries(listing: list[str]) -> list[str]:
    """/tmp as a learner left it. When the project itself is checked out under /tmp, the
    runtime's read-only packages are carried into every sandbox's /tmp at their real path."""
    carried = {p.split("/")[2] for p in (*sys.path, sys.prefix) if p.startswith("/tmp/")}
    return [name for name in listing if name not in carried]


def test_a25_another_learners_tmp_is_not_visible(rt):
    writer = function("def lambda_handler(e, c):\n    open('/tmp/answers.txt', 'w').write('42')\n")
    reader = function("import os\ndef lambda_handler(e, c):\n    return os.listdir('/tmp')\n")
    rt.invoke(writer, owner="alice")
    assert learner_entries(rt.invoke(reader, owner="mallory").payload) == []


def test_a26_concurrent_environments_cannot_see_each_other(rt):
    src = """
        import os, time
        def lambda_handler(event, context):
            time.sleep(0.3)
            return sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    """
    invs = rt.invoke_concurrent(function(src), {}, 2, owner="pair")
    assert all(len(i.payload) <= 2 for i in invs)


def test_a27_runs_as_an_unprivileged_per_slot_user(rt):
    inv = run(
        rt,
        "import os\ndef lambda_handler(e, c):\n"
        "    return [os.getuid(), os.getgid(), os.getgroups()]\n",
    )
    uid, gid, groups = inv.payload
    assert uid >= 2_000_000_000 and gid == uid and groups == []


def test_a28_cgroups_are_not_reachable(rt):
    inv = run(
        rt,
        """
        import os
        def lambda_handler(event, context):
            return [os.path.exists("/sys/fs/cgroup"), open("/proc/self/cgroup").read()]
    """,
    )
    exists, cgroup = inv.payload
    assert not exists and all(line.endswith(":/") for line in cgroup.splitlines())


def test_a29_the_hostname_is_not_the_hosts(rt):
    inv = run(rt, "import socket\ndef lambda_handler(e, c):\n    return socket.gethostname()\n")
    assert inv.payload != socket.gethostname() and inv.payload.startswith("169.254.")


def test_a30_learner_code_cannot_import_the_workers_packages(rt):
    inv = run(
        rt,
        """
        def lambda_handler(event, context):
            out = {}
            for name in ("django", "moto", "celery", "redis", "psycopg", "lambdalab.settings"):
                try:
                    __import__(name)
                    out[name] = "imported"
                except ImportError:
                    out[name] = "missing"
            return out
    """,
    )
    assert set(inv.payload.values()) == {"missing"}, inv.payload


def test_a31_symlinks_in_tmp_cannot_make_the_host_act(rt):
    inv = run(
        rt,
        """
        import os
        def lambda_handler(event, context):
            os.symlink("/etc/shadow", "/tmp/result")
            os.symlink("/etc", "/tmp/out")
            return "planted"
    """,
    )
    assert inv.status == "success"
    assert not os.path.exists("/tmp/result") or not os.path.islink("/tmp/result")


def _processes_of(uid: int) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        uids = [line.split()[1] for line in status.splitlines() if line.startswith("Uid:")]
        if uids and int(uids[0]) == uid:
            found.append(int(pid))
    return found


def test_a32_payload_is_never_parsed_by_the_host_as_code(rt):
    # A result that looks like a platform frame stays data: the Invoke response is what it returned.
    src = "def lambda_handler(e, c):\n    return {'type': 'init_done', 'ok': False}\n"
    inv = run(rt, src)
    assert inv.status == "success" and json.loads(inv.payload_bytes) == {
        "type": "init_done",
        "ok": False,
    }
