"""What the host offers the sandbox: user namespaces, system paths, the SDK's packages."""

from __future__ import annotations

import os
import sys


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
    """Read-only paths the sandbox needs: the OS libraries and this Python's stdlib."""
    wanted = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", sys.base_prefix]
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
