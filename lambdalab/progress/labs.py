"""The interactive lessons' models: the EC2-vs-Lambda cost calculator and the concurrency lab.

Both are computed here, on the server, so the widgets work without JavaScript (a form and a table
or an SVG timeline); the browser redraws the same numbers live with a chart.
Prices are the runtime's own, so the calculator and every invocation's bill agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from lambdalab.runtime.formats import GB_SECOND_PRICE_USD, REQUEST_PRICE_USD

HOURS_PER_MONTH = 730  # AWS's convention for monthly EC2 prices
FREE_REQUESTS = 1_000_000
FREE_GB_SECONDS = 400_000


def _number(raw: Any, default: float, low: float, high: float) -> float:
    """A form number, or the default when it is missing or not a number; clamped to a range."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return default
    if math.isnan(value):
        return default
    return min(max(value, low), high)


@dataclass(frozen=True)
class CostInputs:
    requests_per_month: int = 1_000_000
    avg_duration_ms: float = 100
    memory_mb: int = 512
    architecture: str = "x86_64"
    ec2_hourly_usd: float = 0.0208
    free_tier: bool = False

    @classmethod
    def from_params(cls, params: Any, defaults: dict[str, Any] | None = None) -> CostInputs:
        """Read a form (or a widget's settings), clamping each number to a sensible range."""
        base = cls(**{k: v for k, v in (defaults or {}).items() if k in cls.__dataclass_fields__})
        get = params.get
        architecture = get("architecture", base.architecture)
        return cls(
            requests_per_month=int(
                _number(get("requests_per_month"), base.requests_per_month, 0, 1e11)
            ),
            avg_duration_ms=_number(get("avg_duration_ms"), base.avg_duration_ms, 1, 900_000),
            memory_mb=int(_number(get("memory_mb"), base.memory_mb, 128, 10_240)),
            architecture=architecture if architecture in GB_SECOND_PRICE_USD else "x86_64",
            ec2_hourly_usd=_number(get("ec2_hourly_usd"), base.ec2_hourly_usd, 0, 1000),
            free_tier=str(get("free_tier", base.free_tier)).lower() in {"1", "true", "on"},
        )


@dataclass(frozen=True)
class CostPoint:
    requests: int
    lambda_usd: float
    ec2_usd: float


@dataclass(frozen=True)
class CostReport:
    inputs: CostInputs
    per_request_usd: float
    per_million_usd: float
    gb_seconds: float
    lambda_monthly_usd: float
    ec2_monthly_usd: float
    break_even_requests: int | None
    cheaper: str
    curve: list[CostPoint] = field(default_factory=list)


def lambda_monthly_cost(inputs: CostInputs, requests: float) -> tuple[float, float]:
    """(USD, GB-seconds) for a month of `requests` invocations, billed per ms rounded up."""
    billed_seconds = math.ceil(inputs.avg_duration_ms) / 1000
    gb_seconds = requests * billed_seconds * inputs.memory_mb / 1024
    billable_requests, billable_gbs = requests, gb_seconds
    if inputs.free_tier:
        billable_requests = max(0.0, requests - FREE_REQUESTS)
        billable_gbs = max(0.0, gb_seconds - FREE_GB_SECONDS)
    usd = (
        billable_requests * REQUEST_PRICE_USD
        + billable_gbs * GB_SECOND_PRICE_USD[inputs.architecture]
    )
    return usd, gb_seconds


def cost_report(inputs: CostInputs) -> CostReport:
    """Lambda against an always-on EC2 instance for one month, with the break-even traffic."""
    per_request = lambda_monthly_cost(CostInputs(**{**inputs.__dict__, "free_tier": False}), 1)[0]
    lambda_usd, gb_seconds = lambda_monthly_cost(inputs, inputs.requests_per_month)
    ec2_usd = inputs.ec2_hourly_usd * HOURS_PER_MONTH
    break_even = _break_even(inputs, ec2_usd, per_request)
    return CostReport(
        inputs=inputs,
        per_request_usd=per_request,
        per_million_usd=per_request * 1_000_000,
        gb_seconds=gb_seconds,
        lambda_monthly_usd=lambda_usd,
        ec2_monthly_usd=ec2_usd,
        break_even_requests=break_even,
        cheaper="Lambda"
        if lambda_usd < ec2_usd
        else ("EC2" if ec2_usd < lambda_usd else "neither"),
        curve=_curve(inputs, ec2_usd, break_even),
    )


def _break_even(inputs: CostInputs, ec2_usd: float, per_request: float) -> int | None:
    if per_request <= 0:
        return None
    if inputs.free_tier:
        # The free allowances bend the curve: search for the month that costs what EC2 does.
        low, high = 0.0, 1e13
        for _ in range(200):
            mid = (low + high) / 2
            if lambda_monthly_cost(inputs, mid)[0] < ec2_usd:
                low = mid
            else:
                high = mid
        return math.ceil(high)
    return math.ceil(ec2_usd / per_request)


def _curve(inputs: CostInputs, ec2_usd: float, break_even: int | None) -> list[CostPoint]:
    """Eleven points from zero to twice the larger of the chosen traffic and the break-even."""
    top = max(inputs.requests_per_month, break_even or 0, 1) * 2
    points = []
    for step in range(11):
        requests = round(top * step / 10)
        points.append(
            CostPoint(
                requests, round(lambda_monthly_cost(inputs, requests)[0], 4), round(ec2_usd, 4)
            )
        )
    return points


# --- the concurrency lab ------------------------------------------------------------------------


@dataclass(frozen=True)
class LabInputs:
    burst: int = 10  # invocations arriving together in each wave
    waves: int = 2
    gap_ms: int = 1000  # between waves
    duration_ms: int = 400
    init_ms: int = 250
    limit: int = 5  # the function's reserved concurrency

    @classmethod
    def from_params(cls, params: Any) -> LabInputs:
        base = cls()
        get = params.get
        return cls(
            burst=int(_number(get("burst"), base.burst, 1, 50)),
            waves=int(_number(get("waves"), base.waves, 1, 5)),
            gap_ms=int(_number(get("gap_ms"), base.gap_ms, 0, 10_000)),
            duration_ms=int(_number(get("duration_ms"), base.duration_ms, 1, 10_000)),
            init_ms=int(_number(get("init_ms"), base.init_ms, 0, 10_000)),
            limit=int(_number(get("limit"), base.limit, 1, 50)),
        )


@dataclass(frozen=True)
class Span:
    request: int
    start_ms: int
    init_end_ms: int  # equal to start_ms when warm
    end_ms: int
    cold: bool  # a new environment (even with an instant INIT, it is still a cold start)


@dataclass(frozen=True)
class LabReport:
    inputs: LabInputs
    environments: list[list[Span]]
    throttles: list[tuple[int, int]]  # (request, at_ms)
    end_ms: int

    @property
    def cold_starts(self) -> int:
        return sum(span.cold for env in self.environments for span in env)

    @property
    def warm_starts(self) -> int:
        return sum(not span.cold for env in self.environments for span in env)


def concurrency_simulate(inputs: LabInputs) -> LabReport:
    """Lambda's scaling rule: reuse a free warm environment, else start one, else throttle (429).

    Each environment handles one request at a time; a new one pays the INIT time first.
    """
    environments: list[list[Span]] = []
    throttles: list[tuple[int, int]] = []
    request = 0
    for wave in range(inputs.waves):
        at = wave * inputs.gap_ms
        for _ in range(inputs.burst):
            request += 1
            free = [env for env in environments if env[-1].end_ms <= at]
            if free:
                free[0].append(Span(request, at, at, at + inputs.duration_ms, cold=False))
            elif len(environments) < inputs.limit:
                init_end = at + inputs.init_ms
                environments.append(
                    [Span(request, at, init_end, init_end + inputs.duration_ms, cold=True)]
                )
            else:
                throttles.append((request, at))
    end = max([env[-1].end_ms for env in environments] + [t for _, t in throttles] + [1])
    return LabReport(inputs=inputs, environments=environments, throttles=throttles, end_ms=end)


def timeline_svg_geometry(report: LabReport, *, width: int = 720, row: int = 28) -> dict[str, Any]:
    """Rectangles for the SVG timeline: one row per environment, time left to right."""
    scale = (width - 120) / report.end_ms
    bars = []
    for index, env in enumerate(report.environments):
        y = 10 + index * row
        for span in env:
            x = 110 + span.start_ms * scale
            bars.append(
                {
                    "y": y,
                    "x": round(x, 1),
                    "h": row - 8,
                    "request": span.request,
                    "cold": span.cold,
                    "init_w": round((span.init_end_ms - span.start_ms) * scale, 1),
                    "run_x": round(110 + span.init_end_ms * scale, 1),
                    "run_w": round(max(2.0, (span.end_ms - span.init_end_ms) * scale), 1),
                    "label": f"request {span.request}: {'cold' if span.cold else 'warm'}, "
                    f"{span.start_ms}–{span.end_ms} ms",
                }
            )
    throttle_y = 10 + len(report.environments) * row
    by_time: dict[int, list[int]] = {}
    for request, at in report.throttles:
        by_time.setdefault(at, []).append(request)
    marks = [
        {
            "x": round(110 + at * scale, 1),
            "count": len(requests),
            "requests": ", ".join(f"#{r}" for r in requests),
        }
        for at, requests in sorted(by_time.items())
    ]
    ticks = [
        {"x": round(110 + t * scale, 1), "label": f"{t} ms"}
        for t in range(0, report.end_ms + 1, max(1, _tick(report.end_ms)))
    ]
    height = throttle_y + (row if report.throttles else 0) + 30
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "throttle_y": throttle_y,
        "marks": marks,
        "ticks": ticks,
        "rows": [
            {"y": 10 + i * row + 15, "label": f"Env {i + 1}"}
            for i in range(len(report.environments))
        ],
    }


def _tick(end_ms: int) -> int:
    raw = end_ms / 6
    magnitude = 10 ** int(math.log10(max(raw, 1)))
    for step in (1, 2, 5, 10):
        if step * magnitude >= raw:
            return step * magnitude
    return 10 * magnitude
