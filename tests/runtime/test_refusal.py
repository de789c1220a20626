"""Where learner code cannot be isolated, nothing runs and the reason is plain."""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lambdalab.runtime import IsolationUnavailable, Runtime, cli, hostinfo
from tests.ci import skip_or_fail
from tests.runtime.support import function

ROOT = Path(__file__).resolve().parents[2]


def test_without_linux_namespaces_the_runtime_refuses(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    with Runtime() as rt, pytest.raises(IsolationUnavailable) as err:
        rt.invoke(function("def lambda_handler(e, c):\n    return 1\n"))
    assert "Linux namespaces are not available on darwin" in str(err.value)
    assert "docker-compose" in str(err.value)


def test_the_cli_exits_2_and_explains_when_isolation_is_unavailable(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sys, "platform", "darwin")
    (tmp_path / "app.py").write_text("def handler(e, c):\n    return 1\n")
    assert cli.main(["--code", str(tmp_path / "app.py"), "--handler", "app.handler"]) == 2
    assert "Isolation unavailable" in capsys.readouterr().err


def _reachable_by_everyone(paths: list[str], spare_dir: Path) -> list[str]:
    """A command prefix under which every path is reachable by any user ([] if they already are).

    Here the interpreter lives in /root/.pyenv and /root is 0700 (and a checkout may sit in a
    0700 temporary folder). A private mount namespace lays an 0755 tmpfs over each closed
    directory and binds the trees we need back into it; the host's permissions never change.
    """
    closed: dict[Path, set[Path]] = {}
    for path in (Path(p).resolve() for p in paths):
        parents = reversed(path.parents)
        shut = next((p for p in parents if not os.stat(p).st_mode & stat.S_IXOTH), None)
        if shut is not None:
            closed.setdefault(shut, set()).add(shut / path.relative_to(shut).parts[0])
    if not closed:
        return []

    def bind(source: Path, target: Path) -> str:
        src, dst = shlex.quote(str(source)), shlex.quote(str(target))
        return f"mkdir -p {dst} && mount --bind {src} {dst}"

    steps = []
    for n, (shut, kept) in enumerate(closed.items()):
        saved = [(k, spare_dir / f"{n}-{i}") for i, k in enumerate(sorted(kept))]
        steps += [bind(k, s) for k, s in saved]
        steps.append(f"mount -t tmpfs -o mode=0755 tmpfs {shlex.quote(str(shut))}")
        steps += [bind(s, k) for k, s in saved]
    script = " && ".join([*steps, 'exec "$@"'])
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"]


@pytest.mark.root
def test_an_ordinary_user_gets_the_same_isolation_through_user_namespaces(tmp_path):
    """As an unprivileged user (a learner's laptop): user namespaces, rlimits, measured peak."""
    for tool in ("setpriv", "unshare"):
        if not shutil.which(tool):
            skip_or_fail(f"needs {tool} (util-linux)")
    python = hostinfo.interpreter_for("python3.12")  # the laptop's own, found by its path
    prefix = _reachable_by_everyone([sys.base_prefix, python.base_prefix, str(ROOT)], tmp_path)
    script = textwrap.dedent("""
        import json, os
        from lambdalab.runtime import FunctionConfig, Runtime
        src = ("import os, platform\\ndef lambda_handler(e, c):\\n"
               "    return [os.path.exists('/etc/shadow'), open('/proc/self/status').read(),\\n"
               "            platform.python_version()]\\n")
        with Runtime(max_environments=1) as rt:
            inv = rt.invoke(FunctionConfig(code={"lambda_function.py": src}))
        print(json.dumps([os.geteuid(), inv.status, inv.payload, inv.max_memory_used_mb]))
    """)
    proc = subprocess.run(
        [
            *prefix,
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            sys.executable,
            "-c",
            script,
        ],
        capture_output=True,
        text=True,
        cwd="/",
        env={
            "PYTHONPATH": str(ROOT),
            "HOME": str(tmp_path),
            "LAMBDALAB_PYTHON3_12": python.executable,
        },
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    euid, status, (shadow, proc_status, version), memory = __import__("json").loads(proc.stdout)
    assert euid == 65534 and status == "success" and shadow is False
    assert version == python.version
    assert "NoNewPrivs:\t1" in proc_status and "Seccomp:\t2" in proc_status
    assert "CapEff:\t0000000000000000" in proc_status and memory > 0
