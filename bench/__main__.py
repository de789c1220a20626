"""`make bench`: run every benchmark and print its table side by side with its baseline.

`python -m bench` runs them all; `python -m bench runtime pipeline` runs some.
"""

from __future__ import annotations

import importlib
import sys
import time

SUITES = {
    "runtime": "bench.runtime_bench",
    "mockaws": "bench.mockaws_bench",
    "pipeline": "bench.pipeline_bench",
}


def main(argv: list[str]) -> int:
    chosen = argv or list(SUITES)
    unknown = [name for name in chosen if name not in SUITES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(SUITES)}")
        return 2
    failed = []
    for name in chosen:
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(SUITES[name])
        except ModuleNotFoundError as exc:
            print(f"(not available: {exc})")
            continue
        code = module.main([]) or 0
        if code:
            failed.append(name)
        print(f"({name} took {time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
