"""Hostile handlers. Each returns a dict describing what it managed to do.

The same sources run inside the sandbox (tests/security/test_attacks.py) and, for the
read-only ones, directly on the host (the negative control), which proves the probes detect
missing isolation rather than passing by construction.
"""

from __future__ import annotations

READ_SECRETS = """
import os
def lambda_handler(event, context):
    found = {}
    for path in ["/etc/shadow", "/root/.aws/credentials", "/var/run/docker.sock",
                 "/proc/1/root/etc/hostname", "/etc/hostname", "/root/.ssh", "/home",
                 "/var/lib/postgresql", *event["project_paths"]]:
        found[path] = os.path.exists(path)
    try:
        passwd = open("/etc/passwd").read()
    except OSError as exc:
        passwd = repr(exc)
    return {"exists": found, "passwd": passwd}
"""

ENVIRONMENT = """
import os
def lambda_handler(event, context):
    return sorted(os.environ)
"""

LOOPBACK_SERVICES = """
import errno, socket
def lambda_handler(event, context):
    out = {}
    for port in (6379, 5432):
        s = socket.socket()
        s.settimeout(1)
        try:
            s.connect(("127.0.0.1", port))
            out[str(port)] = "connected"
        except OSError as exc:
            out[str(port)] = errno.errorcode.get(exc.errno, str(exc))
        finally:
            s.close()
    return out
"""

ABSTRACT_SOCKET = """
import errno, socket
def lambda_handler(event, context):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(event["name"].encode("latin-1"))
        return "connected"
    except OSError as exc:
        return errno.errorcode.get(exc.errno, str(exc))
"""

PROCESSES = """
import os
def lambda_handler(event, context):
    pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    return {"pids": pids, "count": len(pids), "sys": os.path.exists("/sys/kernel"),
            "ppid": os.getppid()}
"""

SYSCALL = """
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def lambda_handler(event, context):
    args = [ctypes.c_long(a) for a in event["args"]]
    res = libc.syscall(ctypes.c_long(event["nr"]), *args)
    return {"result": res, "errno": errno.errorcode.get(ctypes.get_errno(), "0")}
"""

# x86_64 numbers, with arguments that would succeed for a privileged, unfiltered process.
SYSCALL_CASES = {
    "unshare_newuser": (272, [0x10000000]),
    "unshare_newns": (272, [0x00020000]),
    "mount": (165, [0, 0, 0, 0, 0]),
    "bpf": (321, [0, 0, 0]),
    "keyctl": (250, [0, 0, 0, 0, 0]),
    "userfaultfd": (323, [0]),
    "io_uring_setup": (425, [1, 0]),
    "clone_newuser": (56, [0x10000000 | 17, 0, 0, 0, 0]),
    "perf_event_open": (298, [0, 0, -1, -1, 0]),
    "setns": (308, [0, 0]),
    "chroot": (161, [0]),
    "ptrace_attach_parent": (101, [16, 1, 0, 0]),
    "process_vm_readv": (310, [1, 0, 0, 0, 0, 0]),
    "kexec_load": (246, [0, 0, 0, 0]),
    "init_module": (175, [0, 0, 0]),
    "open_tree": (428, [-100, 0, 0]),
    "fsopen": (430, [0, 0]),
    "pivot_root": (155, [0, 0]),
}
