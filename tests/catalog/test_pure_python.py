"""Workers and CLIs can load, check and grade content without Django."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PURE = [
    "lambdalab.catalog.content",
    "lambdalab.catalog.checks",
    "lambdalab.catalog.grading",
    "lambdalab.catalog.validate",
    "lambdalab.catalog.render",
    "lambdalab.catalog.triggers",
]


def test_the_loader_checks_and_grader_import_no_django():
    program = (
        "import importlib, sys\n"
        f"for name in {PURE!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
