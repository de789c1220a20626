"""The numbers behind the cost calculator and the concurrency lab (pure Python, no database)."""

from __future__ import annotations

import pytest

from lambdalab.progress.labs import (
    CostInputs,
    LabInputs,
    concurrency_simulate,
    cost_report,
    timeline_svg_geometry,
)


def test_a_million_requests_cost_what_the_lesson_says():
    report = cost_report(
        CostInputs(
            requests_per_month=1_000_000, avg_duration_ms=100, memory_mb=512, ec2_hourly_usd=0.0208
        )
    )
    # $0.20 for requests + 50,000 GB-s × $0.0000166667 = $1.0333
    assert report.lambda_monthly_usd == pytest.approx(1.0333, abs=1e-4)
    assert report.ec2_monthly_usd == pytest.approx(15.184)
    assert report.cheaper == "Lambda"


def test_break_even_is_where_lambda_costs_what_ec2_does():
    report = cost_report(CostInputs())
    assert report.break_even_requests == 14_694_170
    above = cost_report(CostInputs(requests_per_month=report.break_even_requests + 1000))
    assert above.cheaper == "EC2"


def test_arm64_is_cheaper_per_gb_second_and_duration_rounds_up_to_the_millisecond():
    x86 = cost_report(CostInputs(avg_duration_ms=99.2))
    arm = cost_report(CostInputs(avg_duration_ms=99.2, architecture="arm64"))
    assert arm.per_request_usd < x86.per_request_usd
    assert x86.per_request_usd == cost_report(CostInputs(avg_duration_ms=100)).per_request_usd


def test_free_tier_makes_small_workloads_free():
    report = cost_report(CostInputs(requests_per_month=500_000, free_tier=True))
    assert report.lambda_monthly_usd == 0
    assert report.break_even_requests > cost_report(CostInputs()).break_even_requests


def test_nonsense_form_values_fall_back_or_are_clamped():
    inputs = CostInputs.from_params(
        {
            "requests_per_month": "lots",
            "memory_mb": "99999",
            "architecture": "sparc",
            "avg_duration_ms": "nan",
        }
    )
    assert inputs.requests_per_month == 1_000_000
    assert inputs.memory_mb == 10_240
    assert inputs.architecture == "x86_64"
    assert inputs.avg_duration_ms == 100


def test_a_burst_over_the_limit_is_throttled_and_the_next_wave_runs_warm():
    lab = concurrency_simulate(
        LabInputs(burst=10, waves=2, gap_ms=1000, duration_ms=400, init_ms=250, limit=5)
    )
    assert len(lab.environments) == 5
    assert lab.cold_starts == 5 and lab.warm_starts == 5
    assert len(lab.throttles) == 10


def test_a_wave_that_arrives_while_environments_are_busy_needs_new_ones():
    lab = concurrency_simulate(
        LabInputs(burst=3, waves=2, gap_ms=100, duration_ms=400, init_ms=0, limit=10)
    )
    assert len(lab.environments) == 6 and lab.warm_starts == 0


def test_timeline_draws_one_row_per_environment_and_groups_throttles():
    lab = concurrency_simulate(LabInputs(burst=8, waves=1, limit=3))
    geometry = timeline_svg_geometry(lab)
    assert len(geometry["rows"]) == 3 and len(geometry["bars"]) == 3
    assert geometry["marks"] == [{"x": 110.0, "count": 5, "requests": "#4, #5, #6, #7, #8"}]
