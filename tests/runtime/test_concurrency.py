"""Concurrent invocations get their own environments; reserved concurrency throttles."""

from __future__ import annotations

import sys

import pytest

from lambdalab.runtime import RequestError, Runtime
from tests.runtime.support import function

pytestmark = pytest.mark.root

WHO_AM_I = """
import os, time
def lambda_handler(event, context):
    time.sleep(0.2)
    return {"uid": os.getuid(), "stream": context.log_stream_name}
"""


def test_concurrent_invocations_run_in_separate_environments(rt):
    invs = rt.invoke_concurrent(function(WHO_AM_I), {}, 3, owner="class-demo")
    assert [i.status for i in invs] == ["success"] * 3
    assert len({i.log_stream_name for i in invs}) == 3
    assert len({i.payload["uid"] for i in invs}) == 3  # a distinct uid per concurrent slot
    assert all(i.cold_start for i in invs)


def test_reserved_concurrency_throttles_the_excess_with_429(rt):
    invs = rt.invoke_concurrent(
        function(WHO_AM_I), {}, 5, owner="throttle-demo", reserved_concurrency=2
    )
    throttled = [i for i in invs if i.status == "throttled"]
    assert len(throttled) == 3 and len([i for i in invs if i.status == "success"]) == 2
    assert throttled[0].payload == {
        "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
        "Type": "User",
        "message": "Rate Exceeded.",
    }
    assert throttled[0].logs == "" and throttled[0].to_dict()["status"] == "throttled"


def test_reserved_concurrency_of_zero_throttles_everything(rt):
    invs = rt.invoke_concurrent(function(WHO_AM_I), {}, 2, owner="zero", reserved_concurrency=0)
    assert [i.status for i in invs] == ["throttled", "throttled"]


def test_a_code_change_retires_the_old_environments(rt):
    v1 = function("def lambda_handler(e, c):\n    return 'v1'\n")
    v2 = function("def lambda_handler(e, c):\n    return 'v2'\n")
    assert rt.invoke(v1, owner="editor").cold_start
    assert not rt.invoke(v1, owner="editor").cold_start
    after_edit = rt.invoke(v2, owner="editor")
    assert after_edit.cold_start and after_edit.payload == "v2"
    assert rt.invoke(v1, owner="editor").cold_start  # the v1 environment is gone


def test_a_memory_change_is_a_configuration_change(rt):
    src = "def lambda_handler(e, c):\n    return c.memory_limit_in_mb\n"
    assert rt.invoke(function(src), owner="tuner").payload == "128"
    bigger = rt.invoke(function(src, memory_size=256), owner="tuner")
    assert bigger.cold_start and bigger.payload == "256"


def test_invalid_events_are_rejected_before_anything_runs(rt):
    cfg = function("def lambda_handler(e, c):\n    return e\n")
    assert rt.invoke(cfg, "{not json", owner="x").payload == "{not json"  # a string event
    with pytest.raises(RequestError) as bad_json:
        rt.invoke(cfg, b"{not json", owner="x")
    assert bad_json.value.code == "InvalidRequestContentException" and bad_json.value.status == 400
    with pytest.raises(RequestError) as too_big:
        rt.invoke(cfg, {"blob": "x" * (6 * 1024 * 1024)}, owner="x")
    assert too_big.value.status == 413


def test_events_near_the_6_mb_limit_reach_the_handler(rt):
    cfg = function("def lambda_handler(e, c):\n    return len(e['blob'])\n", memory_size=512)
    assert rt.invoke(cfg, {"blob": "x" * (5 * 1024 * 1024)}, owner="x").payload == 5 * 1024 * 1024


def test_idle_environments_expire():
    with Runtime(max_environments=2, idle_expiry_s=0.0) as short_lived:
        cfg = function("def lambda_handler(e, c):\n    return 1\n")
        assert short_lived.invoke(cfg, owner="sleepy").cold_start
        assert short_lived.invoke(cfg, owner="sleepy").cold_start


def test_excess_invocations_wait_for_a_free_slot():
    with Runtime(max_environments=1) as one_slot:
        invs = one_slot.invoke_concurrent(function(WHO_AM_I), {}, 3, owner="queue")
        assert [i.status for i in invs] == ["success"] * 3


def test_a_full_pool_makes_room_by_retiring_old_versions():
    with Runtime(max_environments=2) as full:
        old = function("def lambda_handler(e, c):\n    return 'old'\n")
        full.invoke_concurrent(old, {}, 2, owner="editor")  # both slots hold idle v1 envs
        new = function("def lambda_handler(e, c):\n    return 'new'\n")
        assert full.invoke(new, owner="editor").payload == "new"


def learner_entries(listing: list[str]) -> list[str]:
    """/tmp without the runtime's packages, carried there when the project lives under /tmp."""
    carried = {p.split("/")[2] for p in (*sys.path, sys.prefix) if p.startswith("/tmp/")}
    return [name for name in listing if name not in carried]


def test_a_spare_sandbox_takes_the_next_cold_start_and_is_used_once():
    import time

    cfg = function("import os\ndef lambda_handler(e, c):\n    return sorted(os.listdir('/tmp'))\n")
    with Runtime(max_environments=3, spares=1) as rt:
        rt.invoke(function("def lambda_handler(e, c):\n    open('/tmp/a', 'w')\n"), owner="a")
        deadline = time.monotonic() + 10
        while not rt._spares and time.monotonic() < deadline:
            time.sleep(0.01)
        spare = rt._spares[0].handle
        inv = rt.invoke(cfg, owner="b")
        assert inv.cold_start and learner_entries(inv.payload) == []  # nothing of learner a
        (env,) = rt._idle[("b", cfg.fingerprint())]
        assert env.handle is spare and spare not in [s.handle for s in rt._spares]
