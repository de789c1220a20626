"""Mock AWS speed, side by side: boto3 calls from a no-network sandbox over the channel vs moto's
in-process `mock_aws`, and the cost of starting a seeded account.

`python -m bench mockaws` (or `python bench/mockaws_bench.py`). Prints tables; asserts nothing.
Targets (issue 4): ≤ 5 ms median per simple call from the sandbox; typical fixture seeded in
≤ 100 ms.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WARMUP, ROUNDS, STARTS = 10, 50, 10

# The same calls in both columns. `setup` runs once; each `call` is timed ROUNDS times.
CALLS_SETUP = """
import boto3, time, json, statistics
s3 = boto3.client("s3"); ec2 = boto3.client("ec2"); ddb = boto3.client("dynamodb")
sts = boto3.client("sts")
iid = ec2.describe_instances()["Reservations"][0]["Instances"][0]["InstanceId"]
CALLS = {
    "s3.put_object (100 B)": lambda: s3.put_object(Bucket="bench", Key="k", Body=b"x" * 100),
    "s3.get_object (+read)": lambda: s3.get_object(Bucket="bench", Key="k")["Body"].read(),
    "ec2.describe_instances (1)": lambda: ec2.describe_instances(InstanceIds=[iid]),
    "ec2.stop_instances": lambda: ec2.stop_instances(InstanceIds=[iid]),
    "dynamodb.put_item": lambda: ddb.put_item(TableName="bench", Item={"id": {"S": "a"}}),
    "dynamodb.get_item": lambda: ddb.get_item(TableName="bench", Key={"id": {"S": "a"}}),
    "sts.get_caller_identity": lambda: sts.get_caller_identity(),
}
out = {}
timed_cpu = 0.0
for name, call in CALLS.items():
    for _ in range(WARMUP):
        call()
    times = []
    cpu = time.process_time()
    for _ in range(ROUNDS):
        t = time.perf_counter(); call(); times.append((time.perf_counter() - t) * 1000)
    timed_cpu += time.process_time() - cpu
    out[name] = [statistics.median(times), sorted(times)[int(len(times) * 0.9)]]
out["__cpu_ms_per_call"] = timed_cpu * 1000 / (ROUNDS * len(CALLS))
out["__calls"] = 1 + (WARMUP + ROUNDS) * len(CALLS)
print("RESULT " + json.dumps(out))
"""

BENCH_FIXTURE = {
    "s3": {"buckets": [{"name": "bench", "objects": [{"key": "k", "body": "x"}]}]},
    "ec2": {"instances": [{"name": "bench-1"}]},
    "dynamodb": {"tables": [{"name": "bench", "partition_key": {"name": "id", "type": "S"}}]},
}

SANDBOX = """
import sys
sys.path.insert(0, {root!r})
from lambdalab.mockaws import client
client.preload()
client.use_channel({fd})
WARMUP, ROUNDS = {warmup}, {rounds}
"""

IN_PROCESS = """
import os, sys, time
os.environ.update(MOTO_EC2_LOAD_DEFAULT_AMIS="false", AWS_ACCESS_KEY_ID="x",
                  AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")
sys.path.insert(0, {root!r})
from moto import mock_aws
import boto3
WARMUP, ROUNDS = {warmup}, {rounds}
PER_USE = []
for _ in range(12):
    t = time.perf_counter()
    with mock_aws():
        boto3.client("s3").list_buckets()
    PER_USE.append((time.perf_counter() - t) * 1000)
mock = mock_aws(); mock.start()
from lambdalab.mockaws import seed
os.environ["MOTO_ACCOUNT_ID"] = "123456789012"; os.environ["LAMBDALAB_MOCK_REGION"] = "us-east-1"
seed.fixture_seed(clients=lambda s, r: boto3.client(s, region_name=r),
                  fixtures={fixture}, region="us-east-1")
"""


def _result(proc: subprocess.CompletedProcess) -> dict:
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"benchmark child failed:\n{proc.stderr[-2000:]}")


def channel_calls(account) -> dict:
    sock = account.connect()
    before = account.usage()["cpu_ms"]
    script = SANDBOX.format(root=str(ROOT), fd=sock.fileno(), warmup=WARMUP, rounds=ROUNDS)
    env = {"PATH": "/usr/bin:/bin"} | account.sandbox_env()
    proc = subprocess.run(
        ["unshare", "-n", sys.executable, "-I", "-c", script + CALLS_SETUP],
        pass_fds=(sock.fileno(),),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    sock.close()
    out = _result(proc)
    # The account's CPU for every call of the run, spread evenly: a load-independent cost.
    out["__account_cpu_ms_per_call"] = (account.usage()["cpu_ms"] - before) / out["__calls"]
    return out


def in_process_calls() -> tuple[dict, list[float]]:
    script = IN_PROCESS.format(
        root=str(ROOT), warmup=WARMUP, rounds=ROUNDS, fixture=repr(BENCH_FIXTURE)
    )
    script += CALLS_SETUP.replace(
        'print("RESULT " + json.dumps(out))',
        'out["__per_use"] = PER_USE\nprint("RESULT " + json.dumps(out))',
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-c", script],
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin"},
    )
    out = _result(proc)
    return out, out.pop("__per_use")


def account_starts() -> dict[str, list[float]]:
    from lambdalab.mockaws import MockAccount
    from tests.mockaws.data import typical_fixture

    fixture = typical_fixture()
    out: dict[str, list[float]] = {
        "seed": [],
        "seed_cpu": [],
        "fresh": [],
        "template": [],
        "state": [],
    }
    for reuse in (False, True):
        for _ in range(STARTS + (1 if reuse else 0)):
            t = time.perf_counter()
            acct = MockAccount.start(fixtures=fixture, reuse_template=reuse)
            wall = (time.perf_counter() - t) * 1000
            if not reuse:
                out["seed"].append(acct.seed_ms)
                out["seed_cpu"].append(acct.seed_cpu_ms)
                out["fresh"].append(wall)
            elif acct.from_template:  # the first start builds the template
                out["template"].append(wall)
                t = time.perf_counter()
                acct.state()
                out["state"].append((time.perf_counter() - t) * 1000)
            acct.close()
    return out


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(
        c.ljust(w) if i == 0 else c.rjust(w)
        for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    )


def main(argv: list[str]) -> int:
    from lambdalab.mockaws import MockAccount
    from lambdalab.mockaws.account import shutdown_host, warm_host

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average before: {load} on {os.cpu_count()} CPUs (wall times scale with load)")
    started = time.perf_counter()
    info = warm_host()
    print(
        f"moto host ready in {(time.perf_counter() - started) * 1000:.0f} ms "
        f"(warm-up {info['warm_ms']:.0f} ms; empty netns: {info['netns']})"
    )
    try:
        with MockAccount.start(fixtures=BENCH_FIXTURE) as acct:
            channel = channel_calls(acct)
        in_proc, per_use = in_process_calls()
        widths = [31, 18, 18, 18]
        print(
            f"\nPer call, ms (median / p90 of {ROUNDS} after {WARMUP} warm-up; target ≤ 5 median)"
        )
        print(_row(["call", "sandbox→channel", "in-process moto", "overhead"], widths))
        for name, (med, p90) in ((k, v) for k, v in channel.items() if not k.startswith("__")):
            base = in_proc[name]
            print(
                _row(
                    [
                        name,
                        f"{med:.2f} / {p90:.2f}",
                        f"{base[0]:.2f} / {base[1]:.2f}",
                        f"{med - base[0]:+.2f}",
                    ],
                    widths,
                )
            )
        sandbox_cpu = channel.pop("__cpu_ms_per_call")
        account_cpu = channel.pop("__account_cpu_ms_per_call")
        channel.pop("__calls")
        in_proc.pop("__calls")
        print(
            f"CPU per call, all calls averaged (load-independent): sandbox {sandbox_cpu:.2f} + "
            f"account {account_cpu:.2f} = {sandbox_cpu + account_cpu:.2f} ms via the channel; "
            f"{in_proc.pop('__cpu_ms_per_call'):.2f} ms in-process"
        )
        print(
            f"\nmoto `with mock_aws(): boto3.client('s3').list_buckets()` per use: "
            f"median {statistics.median(per_use):.0f} ms (what a channel call replaces)"
        )
        starts = account_starts()
        print(
            f"\nTypical fixture (3 buckets, 20 objects, 10 instances, 1 table × 50 items), "
            f"{STARTS} accounts; target seed ≤ 100 ms"
        )
        print(_row(["step", "median ms", "min ms", "max ms"], widths))
        for label, key in (
            ("seeding, inside the account", "seed"),
            ("  of which CPU time", "seed_cpu"),
            ("start: fork + seed", "fresh"),
            ("start: fork of seeded template", "template"),
            ("state() of the typical account", "state"),
        ):
            vals = starts[key]
            print(
                _row(
                    [
                        label,
                        f"{statistics.median(vals):.1f}",
                        f"{min(vals):.1f}",
                        f"{max(vals):.1f}",
                    ],
                    widths,
                )
            )
    finally:
        shutdown_host()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
