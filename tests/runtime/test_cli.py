"""`manage.py invoke`: the contract instructors and acceptance checks rely on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lambdalab.runtime import cli

pytestmark = pytest.mark.root
KEYS = [
    "request_id",
    "status",
    "payload",
    "function_error",
    "logs",
    "duration_ms",
    "billed_duration_ms",
    "init_duration_ms",
    "max_memory_used_mb",
    "memory_size_mb",
    "cold_start",
    "log_stream_name",
    "cost_usd",
]


@pytest.fixture
def code(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(
        "import os\nseen = []\n"
        "def handler(event, context):\n"
        "    seen.append(event.get('n'))\n"
        "    print('seen', seen)\n"
        "    return {'seen': seen, 'greeting': os.environ.get('GREETING')}\n"
    )
    (tmp_path / "e1.json").write_text('{"n": 1}')
    (tmp_path / "e2.json").write_text('{"n": 2}')
    return tmp_path


def invoke_json(capsys, *argv: str) -> list[dict]:
    assert cli.main(list(argv) + ["--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_events_run_in_order_in_one_environment(code, capsys):
    first, second = invoke_json(
        capsys,
        "--code",
        str(code / "app.py"),
        "--handler",
        "app.handler",
        "--event",
        str(code / "e1.json"),
        "--event",
        str(code / "e2.json"),
        "--env",
        "GREETING=hi",
    )
    assert list(first) == KEYS
    assert (first["cold_start"], second["cold_start"]) == (True, False)
    assert second["payload"] == {"seen": [1, 2], "greeting": "hi"}
    assert second["init_duration_ms"] is None and first["init_duration_ms"] > 0
    assert first["log_stream_name"] == second["log_stream_name"]


def test_cold_gives_every_event_a_fresh_environment(code, capsys):
    records = invoke_json(
        capsys,
        "--code",
        str(code),
        "--handler",
        "app.handler",
        "--cold",
        "--event",
        str(code / "e1.json"),
        "--event",
        str(code / "e2.json"),
    )
    assert [r["cold_start"] for r in records] == [True, True]
    assert records[1]["payload"]["seen"] == [2]


def test_concurrency_sends_each_event_n_times(code, capsys):
    records = invoke_json(
        capsys,
        "--code",
        str(code),
        "--handler",
        "app.handler",
        "--concurrency",
        "3",
        "--reserved-concurrency",
        "2",
    )
    assert sorted(r["status"] for r in records) == ["success", "success", "throttled"]


def test_without_json_it_prints_logs_then_the_response(code, capsys):
    assert cli.main(["--code", str(code), "--handler", "app.handler", "--memory", "256"]) == 0
    out = capsys.readouterr().out
    assert out.index("START RequestId:") < out.index("REPORT RequestId:") < out.index('{"seen"')
    assert "Memory Size: 256 MB" in out


def test_a_failing_function_still_exits_zero(tmp_path, capsys):
    (tmp_path / "bad.py").write_text("def handler(e, c):\n    raise ValueError('nope')\n")
    (record,) = invoke_json(capsys, "--code", str(tmp_path / "bad.py"), "--handler", "bad.handler")
    assert record["status"] == "error" and record["function_error"] == "Unhandled"
    assert record["payload"]["errorType"] == "ValueError"


@pytest.mark.parametrize(
    "argv",
    [
        ["--code", "/nonexistent.py", "--handler", "a.b"],
        ["--code", "{code}", "--handler", "app.handler", "--memory", "64"],
        ["--code", "{code}", "--handler", "app.handler", "--env", "NOEQUALS"],
        ["--code", "{code}", "--handler", "app.handler", "--event", "/nonexistent.json"],
        ["--code", "{code}"],
    ],
)
def test_bad_arguments_exit_2_with_a_message(code, capsys, argv):
    assert cli.main([a.format(code=code) for a in argv]) == 2
    assert capsys.readouterr().err.strip()


def test_stdin_event(code, monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"n": 7}')))
    (record,) = invoke_json(capsys, "--code", str(code), "--handler", "app.handler", "--event", "-")
    assert record["payload"]["seen"] == [7]


def test_manage_py_invoke_is_the_same_command(code):
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "invoke",
            "--code",
            str(code),
            "--handler",
            "app.handler",
            "--json",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert list(json.loads(proc.stdout)[0]) == KEYS
    bad = subprocess.run(
        [sys.executable, "manage.py", "invoke", "--code", str(code)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2
