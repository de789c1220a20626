"""Runtime speed, side by side: LambdaLab's zygote sandbox vs a fresh `python3` per invocation
(what python-lambda-local does) vs bubblewrap + a fresh `python3` per invocation.

`python -m bench runtime` (or `python bench/runtime_bench.py`). Prints one table; asserts
nothing. Targets (issue 3, 2-core machine): cold isolated trivial handler <= 12 ms median,
warm <= 2 ms median, >= 120 cold isolated invocations/s with 2 callers, a handler creating a
boto3 client <= 30 ms.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lambdalab.runtime import FunctionConfig, Runtime  # noqa: E402

TRIVIAL = "def lambda_handler(event, context):\n    return {'statusCode': 200}\n"
BOTO3 = (
    "import boto3\n"
    "def lambda_handler(event, context):\n"
    "    boto3.client('s3')\n"
    "    return {'statusCode': 200}\n"
)
COLD_N, WARM_N, BOTO_N, PROC_N, THROUGHPUT_S = 60, 300, 30, 15, 5.0

RUNNER = """
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
handler = getattr(importlib.import_module("lambda_function"), "lambda_handler")
print(json.dumps(handler(json.loads(sys.argv[2]), None)))
"""


def _stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.9) - 1]


def _timed(call: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _throughput(call: Callable[[], object], callers: int = 2) -> float:
    stop = time.monotonic() + THROUGHPUT_S
    counts = [0] * callers

    def loop(index: int) -> None:
        while time.monotonic() < stop:
            call()
            counts[index] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(callers)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - started)


def bench_lambdalab() -> dict[str, object]:
    trivial = FunctionConfig(code={"lambda_function.py": TRIVIAL})
    boto = FunctionConfig(code={"lambda_function.py": BOTO3})
    with Runtime(max_environments=4) as rt:
        rt.invoke(trivial, owner="warmup")  # start the zygote

        def cold() -> None:
            assert rt.invoke(trivial, owner="bench", cold=True).status == "success"

        def boto_cold() -> None:
            assert rt.invoke(boto, owner="bench-boto", cold=True).status == "success"

        def warm() -> None:
            rt.invoke(trivial, owner="bench-warm")

        warm()
        results = {
            "cold": _stats(_timed(cold, COLD_N)),
            "warm": _stats(_timed(warm, WARM_N)),
            "boto3": _stats(_timed(boto_cold, BOTO_N)),
        }
        inv = rt.invoke(trivial, owner="bench", cold=True)
        results["report"] = (inv.init_duration_ms, inv.duration_ms, inv.max_memory_used_mb)
        results["throughput"] = _throughput(cold)
    with Runtime(max_environments=4, spares=0) as bare:  # every sandbox built on demand
        bare.invoke(trivial, owner="warmup")

        def cold_no_spare() -> None:
            assert bare.invoke(trivial, owner="bench", cold=True).status == "success"

        results["cold_no_spare"] = _stats(_timed(cold_no_spare, COLD_N))
    return results


def _subprocess_column(prefix: list[str], code_dir: str) -> dict[str, object]:
    def call(source_dir: str) -> Callable[[], object]:
        def run() -> None:
            proc = subprocess.run(
                [*prefix, sys.executable, "-c", RUNNER, source_dir, "{}"],
                capture_output=True,
                env={},
            )
            if proc.returncode:
                raise RuntimeError(f"{prefix[:1] or 'python'} failed: {proc.stderr[-500:]!r}")

        return run

    trivial_dir, boto_dir = f"{code_dir}/trivial", f"{code_dir}/boto"
    return {
        "cold": _stats(_timed(call(trivial_dir), PROC_N)),
        "warm": None,  # a fresh process per invocation has no warm start
        "boto3": _stats(_timed(call(boto_dir), PROC_N)),
        "throughput": _throughput(call(trivial_dir)),
    }


def _bwrap_prefix(code_dir: str) -> list[str]:
    binds = ["--ro-bind", "/usr", "/usr"]
    for link in ("/lib", "/lib64", "/bin"):
        if os.path.islink(link):
            binds += ["--symlink", os.readlink(link), link]
        elif os.path.exists(link):
            binds += ["--ro-bind", link, link]
    for path in sorted({sys.base_prefix, sys.prefix}):
        binds += ["--ro-bind", path, path]
    return [
        "bwrap",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        *binds,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
        "--ro-bind",
        code_dir,
        code_dir,
    ]


def _fmt(value: tuple[float, float] | None) -> str:
    return "-" if value is None else f"{value[0]:.1f} (p90 {value[1]:.1f})"


def main(argv: list[str]) -> int:
    print(
        f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs "
        "(other work on the machine inflates every column alike)"
    )
    code_dir = tempfile.mkdtemp(prefix="lambdalab-bench-")
    os.chmod(code_dir, 0o755)
    for name, source in (("trivial", TRIVIAL), ("boto", BOTO3)):
        os.makedirs(f"{code_dir}/{name}")
        Path(f"{code_dir}/{name}/lambda_function.py").write_text(source)
    try:
        ours = bench_lambdalab()
        plain = _subprocess_column([], code_dir)
        bwrap = (
            _subprocess_column(_bwrap_prefix(code_dir), code_dir) if shutil.which("bwrap") else None
        )
    finally:
        shutil.rmtree(code_dir)
    _print_table(ours, plain, bwrap)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


def _print_table(ours: dict, plain: dict, bwrap: dict | None) -> None:
    rows = [
        ("cold start, trivial handler, ms median", "cold", "<= 12"),
        ("  same, no spare sandbox ready (full set-up), ms", "cold_no_spare", ""),
        ("warm invoke, trivial handler, ms median", "warm", "<= 2"),
        ("cold start, handler creates boto3 s3 client, ms", "boto3", "<= 30"),
    ]
    headers = [
        "",
        "LambdaLab (zygote, isolated)",
        "fresh python3 (no isolation)",
        "bubblewrap + python3",
        "target",
    ]
    table = []
    for label, key, target in rows:
        table.append(
            [
                label,
                _fmt(ours[key]),
                _fmt(plain.get(key)),
                _fmt(bwrap.get(key)) if bwrap else "not installed",
                target,
            ]
        )
    table.append(
        [
            "throughput, 2 callers, cold invocations/s",
            f"{ours['throughput']:.0f}",
            f"{plain['throughput']:.0f}",
            f"{bwrap['throughput']:.0f}" if bwrap else "not installed",
            ">= 120",
        ]
    )
    widths = [max(len(str(r[i])) for r in [headers, *table]) for i in range(len(headers))]
    for row in [headers, ["-" * w for w in widths], *table]:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths)) + " |")
    init, duration, memory = ours["report"]
    print(
        f"\nA cold LambdaLab REPORT: Init Duration {init:.2f} ms, Duration {duration:.2f} ms, "
        f"Max Memory Used {memory} MB (measured from the environment's cgroup)."
    )
    verdict = {
        "cold <= 12 ms": ours["cold"][0] <= 12,
        "warm <= 2 ms": ours["warm"][0] <= 2,
        "boto3 client <= 30 ms": ours["boto3"][0] <= 30,
        ">= 120 cold/s": ours["throughput"] >= 120,
    }
    print("targets: " + ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in verdict.items()))
    print(json.dumps({"lambdalab": {k: v for k, v in ours.items() if k != "report"}}))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
