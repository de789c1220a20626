"""A hand-assembled seccomp-bpf filter for the sandboxed runtime (x86_64).

A denylist of the syscalls that widen the kernel attack surface or could undo the sandbox,
following the design notes (section C.3). No libseccomp is needed: the program is built
here and installed with prctl(PR_SET_SECCOMP).
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

from lambdalab.runtime import linux

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000

RET_KILL_PROCESS = 0x80000000
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000

# Syscalls that fail with EPERM inside the sandbox (x86_64 numbers).
DENIED = {
    "ptrace": 101,
    "syslog": 103,
    "personality": 135,
    "uselib": 134,
    "vhangup": 153,
    "pivot_root": 155,
    "adjtimex": 159,
    "chroot": 161,
    "acct": 163,
    "settimeofday": 164,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "sethostname": 170,
    "setdomainname": 171,
    "iopl": 172,
    "ioperm": 173,
    "create_module": 174,
    "init_module": 175,
    "delete_module": 176,
    "get_kernel_syms": 177,
    "query_module": 178,
    "quotactl": 179,
    "nfsservctl": 180,
    "lookup_dcookie": 212,
    "clock_settime": 227,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "unshare": 272,
    "perf_event_open": 298,
    "fanotify_init": 300,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "clock_adjtime": 305,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "kcmp": 312,
    "finit_module": 313,
    "kexec_file_load": 320,
    "bpf": 321,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "pidfd_getfd": 438,
    "mount_setattr": 442,
    "quotactl_fd": 443,
}
SYS_IOCTL, SYS_SOCKET, SYS_CLONE, SYS_CLONE3 = 16, 41, 56, 435
CLONE_NAMESPACE_FLAGS = (
    linux.CLONE_NEWNS
    | linux.CLONE_NEWCGROUP
    | linux.CLONE_NEWUTS
    | linux.CLONE_NEWIPC
    | linux.CLONE_NEWUSER
    | linux.CLONE_NEWPID
    | linux.CLONE_NEWNET
    | 0x80  # CLONE_NEWTIME
)
ALLOWED_SOCKET_FAMILIES = (1, 2, 10)  # AF_UNIX, AF_INET, AF_INET6 (the netns is empty)
TIOCSTI, TIOCLINUX = 0x5412, 0x541C

# struct seccomp_data offsets
_NR, _ARCH, _ARG0, _ARG1 = 0, 4, 16, 24

_LD_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06


class _Assembler:
    """Collects BPF instructions whose jump targets are labels, then resolves offsets."""

    def __init__(self) -> None:
        self.code: list[tuple[int, str | int, str | int, int]] = []
        self.labels: dict[str, int] = {}

    def load(self, offset: int) -> None:
        self.code.append((_LD_ABS, 0, 0, offset))

    def jump(self, op: int, k: int, jt: str | int = 0, jf: str | int = 0) -> None:
        self.code.append((op, jt, jf, k))

    def ret(self, value: int, label: str | None = None) -> None:
        if label:
            self.labels[label] = len(self.code)
        self.code.append((_RET, 0, 0, value))

    def label(self, name: str) -> None:
        self.labels[name] = len(self.code)

    def assemble(self) -> bytes:
        out = bytearray()
        for index, (op, jt, jf, k) in enumerate(self.code):
            out += struct.pack("<HBBI", op, self._offset(index, jt), self._offset(index, jf), k)
        return bytes(out)

    def _offset(self, index: int, target: str | int) -> int:
        if isinstance(target, int):
            return target
        distance = self.labels[target] - index - 1
        if not 0 <= distance <= 255:
            raise ValueError(f"seccomp jump to {target} out of range")
        return distance


def build_program() -> bytes:
    """Return the filter as raw `struct sock_filter` bytes."""
    asm = _Assembler()
    asm.load(_ARCH)
    asm.jump(_JEQ, AUDIT_ARCH_X86_64, 0, "kill")
    asm.load(_NR)
    asm.jump(_JGE, X32_SYSCALL_BIT, "kill", 0)
    for number in sorted(DENIED.values()):
        asm.jump(_JEQ, number, "eperm", 0)
    asm.jump(_JEQ, SYS_CLONE3, "enosys", 0)
    asm.jump(_JEQ, SYS_CLONE, "clone", 0)
    asm.jump(_JEQ, SYS_SOCKET, "socket", 0)
    asm.jump(_JEQ, SYS_IOCTL, "ioctl", 0)
    asm.ret(RET_ALLOW)
    asm.label("clone")
    asm.load(_ARG0)
    asm.jump(_JSET, CLONE_NAMESPACE_FLAGS, "eperm", "allow")
    asm.label("socket")
    asm.load(_ARG0)
    for family in ALLOWED_SOCKET_FAMILIES:
        asm.jump(_JEQ, family, "allow", 0)
    asm.ret(RET_ERRNO | errno.EAFNOSUPPORT)
    asm.label("ioctl")
    asm.load(_ARG1)  # low 32 bits only: the kernel compares the command as an int
    asm.jump(_JEQ, TIOCSTI, "eperm", 0)
    asm.jump(_JEQ, TIOCLINUX, "eperm", "allow")
    asm.ret(RET_ALLOW, "allow")  # BPF only jumps forward, so the shared returns come last
    asm.ret(RET_ERRNO | errno.EPERM, "eperm")
    asm.ret(RET_ERRNO | errno.ENOSYS, "enosys")
    asm.ret(RET_KILL_PROCESS, "kill")
    return asm.assemble()


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


# Built once, when the zygote imports this module: every runtime process inherits the same
# program instead of assembling it again (and copying the pages that work would touch).
_MACHINE = platform.machine()
_PROGRAM = build_program()
_BUFFER = ctypes.create_string_buffer(_PROGRAM, len(_PROGRAM))
_FPROG = _SockFprog(len(_PROGRAM) // 8, ctypes.cast(_BUFFER, ctypes.c_void_p))


def supported() -> bool:
    return _MACHINE == "x86_64"


def install() -> None:
    """Set no_new_privs and install the filter on the calling (single-threaded) process."""
    if not supported():
        raise OSError(errno.ENOSYS, f"seccomp filter only built for x86_64, not {_MACHINE}")
    linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
    linux.prctl(linux.PR_SET_SECCOMP, linux.SECCOMP_MODE_FILTER, ctypes.addressof(_FPROG))
