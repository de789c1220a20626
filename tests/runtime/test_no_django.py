"""The runtime is plain Python: importing it must not import Django."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

RUNTIME = Path(__file__).resolve().parents[2] / "lambdalab" / "runtime"


def test_runtime_modules_never_import_django():
    for path in RUNTIME.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(n.split(".")[0] == "django" for n in names), path


def test_importing_the_runtime_loads_no_django():
    code = (
        "import sys, lambdalab.runtime, lambdalab.runtime.cli, lambdalab.runtime.zygote; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=RUNTIME.parents[1],
        check=True,
        env={"PYTHONPATH": str(RUNTIME.parents[1])},
    )
    assert out.stdout.strip() == "[]"
