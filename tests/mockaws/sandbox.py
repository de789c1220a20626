"""A sandbox-like learner process for tests: empty network namespace, the hook, one channel fd.

It is what the runtime does, minus seccomp and mounts: `unshare -n` gives an empty netns, the
process imports only `lambdalab.mockaws.client` before the learner's code, and the channel
arrives as an inherited fd.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PRELUDE = """
import json, sys, time
sys.path.insert(0, {root!r})
from lambdalab.mockaws import client
client.preload()
{bind}
# botocore sleeps between retries: counting sleeps shows whether a call was retried,
# without asserting on wall-clock time.
_sleeps = []
_real_sleep = time.sleep
def _counting_sleep(seconds):
    _sleeps.append(seconds)
    _real_sleep(seconds)
time.sleep = _counting_sleep
def _run():
{body}
try:
    _result = {{"ok": True, "value": _run()}}
except Exception as exc:
    _result = {{"ok": False, "type": type(exc).__name__, "error": str(exc)}}
_result["retry_sleeps"] = len(_sleeps)
print("RESULT " + json.dumps(_result, default=str))
"""


def run_in_sandbox(code: str, *, account=None, env: dict | None = None, timeout: float = 60):
    """Run `code` (the body of a function; `return` a JSON-able value) as learner code."""
    sock = account.connect() if account is not None else None
    bind = f"client.use_channel({sock.fileno()})" if sock is not None else ""
    script = _PRELUDE.format(
        root=str(ROOT), bind=bind, body=textwrap.indent(textwrap.dedent(code), "    ")
    )
    base_env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    base_env |= (
        account.sandbox_env()
        if account is not None
        else {
            "AWS_ACCESS_KEY_ID": "ASIAXXXXXXXXXXXXXXXX",
            "AWS_SECRET_ACCESS_KEY": "x",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_RETRY_MODE": "standard",
        }
    )
    proc = subprocess.run(
        ["unshare", "-n", sys.executable, "-I", "-c", script],
        pass_fds=(sock.fileno(),) if sock is not None else (),
        env=base_env | (env or {}),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if sock is not None:
        sock.close()
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise AssertionError(f"sandbox produced no result (rc={proc.returncode}):\n{proc.stderr}")
