"""What the host offers the sandbox: user namespaces, system paths, the SDK's packages."""

from __future__ import annotations

import glob
import logging
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass

logger = logging.getLogger(__name__)


def userns_possible() -> bool:
    for path, bad in (
        ("/proc/sys/kernel/unprivileged_userns_clone", "0"),
        ("/proc/sys/user/max_user_namespaces", "0"),
    ):
        try:
            with open(path) as handle:
                if handle.read().strip() == bad:
                    return False
        except OSError:
            continue
    return True


RUNTIME_PACKAGES = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "dateutil",
    "urllib3",
    "six",
    "simplejson",
)


def runtime_packages() -> list[str]:
    """What Lambda's Python runtime ships besides the stdlib (the SDK and its dependencies).

    Only these are visible in /var/runtime: the worker's other packages (Django, moto, ...)
    would not exist on Lambda, and each readable package widens the attack surface."""
    import importlib.util

    paths = []
    for name in RUNTIME_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        paths.append(
            os.path.dirname(spec.origin) if spec.submodule_search_locations else spec.origin
        )
    return paths


def system_binds() -> list[str]:
    """Read-only OS paths every sandbox needs (each runtime adds its Python's prefix)."""
    return _outermost(["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin"])


def with_bind(binds: list[str], path: str) -> list[str]:
    """`binds` plus `path` (another interpreter's prefix), nested paths folded away."""
    return _outermost([*binds, path])


def _outermost(wanted: list[str]) -> list[str]:
    binds: list[str] = []
    for path in sorted({os.path.normpath(p) for p in wanted if os.path.lexists(p)}):
        if any(path == b or path.startswith(b + "/") for b in binds if not os.path.islink(b)):
            continue
        binds.append(path)
    return binds


def remove_stale_root_dirs(parent: str) -> None:
    """Remove the (empty) sandbox mount points of Runtimes whose process is gone."""
    for name in os.listdir(parent):
        if not name.startswith("lambdalab-root-"):
            continue
        pid = name.split("-")[2]
        if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            try:
                os.rmdir(os.path.join(parent, name))
            except OSError:
                pass


@dataclass(frozen=True)
class Interpreter:
    """The CPython that runs one Lambda runtime label ("python3.12") in the sandbox."""

    executable: str
    base_prefix: str
    version: str  # "3.12.1"
    sdk_path: str = ""  # the worker's site-packages, for an interpreter without its own SDK


def interpreter_for(runtime: str) -> Interpreter:
    """The interpreter of `runtime`'s Python version, so learners see its syntax, error
    messages and stdlib; the worker's own when the host has no such version installed.

    Looked up in order: LAMBDALAB_PYTHON3_12 (and so on) naming an executable, the worker's
    own interpreter when its version matches, `python3.12` on PATH, and pyenv's versions."""
    wanted = runtime.removeprefix("python")
    if wanted == f"{sys.version_info.major}.{sys.version_info.minor}":
        return this_interpreter()
    candidates = [os.environ.get(_variable(wanted), "")]
    candidates.append(shutil.which(f"python{wanted}") or "")
    pyenv = os.path.expanduser(os.environ.get("PYENV_ROOT", "~/.pyenv"))
    candidates += sorted(
        glob.glob(f"{pyenv}/versions/{wanted}.*/bin/python{wanted}"), key=_version_key, reverse=True
    )
    for executable in filter(None, candidates):
        found = _probe(executable, wanted)
        if found is not None:
            return found
    logger.warning(
        "Python %s is not installed: the %s runtime runs on Python %s (set %s to a python%s)",
        wanted,
        runtime,
        platform.python_version(),
        _variable(wanted),
        wanted,
    )
    return this_interpreter()


def runtimes_summary() -> str:
    """Which Python runs each runtime label ("python3.12 on Python 3.12.1, ...")."""
    from lambdalab.runtime.config import RUNTIMES

    return ", ".join(f"{r} on Python {interpreter_for(r).version}" for r in RUNTIMES)


def _variable(wanted: str) -> str:
    return f"LAMBDALAB_PYTHON{wanted.replace('.', '_')}"


def this_interpreter() -> Interpreter:
    return Interpreter(sys.executable, sys.base_prefix, platform.python_version())


def _version_key(path: str) -> tuple[int, ...]:
    version = path.split("/versions/")[1].split("/")[0]
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))


def _probe(executable: str, wanted: str) -> Interpreter | None:
    """Ask the interpreter for its version and prefix (a broken one is skipped)."""
    code = "import platform, sys; print(platform.python_version()); print(sys.base_prefix)"
    try:
        out = subprocess.run(
            [executable, "-I", "-S", "-c", code],
            capture_output=True,
            text=True,
            timeout=10,
            env={},
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    version, prefix = out[0].strip(), out[1].strip()
    if not version.startswith(wanted + "."):
        return None
    sdk = sysconfig.get_paths()["purelib"]  # boto3 and friends are pure Python
    return Interpreter(executable, prefix, version, sdk_path=sdk)
