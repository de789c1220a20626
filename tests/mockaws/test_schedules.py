"""EventBridge schedule expressions fire when AWS would fire them (UTC, AWS cron dialect)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lambdalab.mockaws.schedules import ScheduleError, fire_times, next_fire_time

MONDAY = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


def _days(expression: str, days: int = 7) -> list[str]:
    until = datetime(2026, 12, 7 + days, 0, 0, tzinfo=UTC)
    return [t.strftime("%a %H:%M") for t in fire_times(expression, after=MONDAY, until=until)]


def test_aws_weekday_numbers_count_from_sunday():
    # AWS: 1 = SUN … 7 = SAT, so 2-6 is Monday to Friday, like MON-FRI.
    assert (
        _days("cron(0 19 ? * 2-6 *)")
        == _days("cron(0 19 ? * MON-FRI *)")
        == ["Mon 19:00", "Tue 19:00", "Wed 19:00", "Thu 19:00", "Fri 19:00"]
    )
    assert _days("cron(30 8 ? * 1 *)") == ["Sun 08:30"]


def test_year_field_limits_firings():
    after = datetime(2026, 12, 31, 0, 0, tzinfo=UTC)
    assert next_fire_time("cron(0 12 1 1 ? 2028)", after=after) == datetime(
        2028, 1, 1, 12, 0, tzinfo=UTC
    )


def test_rate_fires_from_its_anchor():
    anchor = datetime(2026, 12, 7, 0, 2, tzinfo=UTC)
    times = fire_times(
        "rate(1 hour)",
        after=datetime(2026, 12, 7, 1, 0, tzinfo=UTC),
        until=datetime(2026, 12, 7, 4, 0, tzinfo=UTC),
        anchor=anchor,
    )
    assert [t.strftime("%H:%M") for t in times] == ["01:02", "02:02", "03:02"]


@pytest.mark.parametrize(
    "expression, message",
    [
        ("cron(0 19 * * MON-FRI *)", "must be '?'"),
        ("cron(0 19 * *)", "needs 6 fields"),
        ("rate(0 minutes)", "positive"),
        ("every day", "not a schedule expression"),
    ],
)
def test_invalid_expressions_say_why(expression, message):
    with pytest.raises(ScheduleError, match=message):
        fire_times(expression, after=MONDAY, until=MONDAY)
