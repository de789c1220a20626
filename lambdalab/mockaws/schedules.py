"""EventBridge schedule expressions: when does `cron(...)` or `rate(...)` fire?

AWS cron has six fields (minutes hours day-of-month month day-of-week year), `?` for "any",
and numbers its weekdays 1–7 from SUNDAY; croniter (five fields) counts 0–6 from Sunday.
All times are UTC, as for EventBridge rules.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}


class ScheduleError(ValueError):
    """The expression is not a valid EventBridge schedule."""


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _weekday(field: str) -> str:
    # AWS 1=SUN..7=SAT → croniter 0=SUN..6=SAT; names and L/# suffixes carry over.
    return re.sub(r"(?<![#\w])([1-7])", lambda m: str(int(m.group(1)) - 1), field)


def _cron_parts(body: str) -> tuple[str, str]:
    fields = body.split()
    if len(fields) != 6:
        raise ScheduleError(f"cron() needs 6 fields (min hour day month weekday year): {body!r}")
    minute, hour, dom, month, dow, year = fields
    if "?" not in (dom, dow):
        raise ScheduleError("cron(): one of day-of-month or day-of-week must be '?'")
    dom, dow = ("*" if dom == "?" else dom), ("*" if dow == "?" else _weekday(dow))
    return f"{minute} {hour} {dom} {month} {dow}", year


def _year_ok(year_field: str, year: int) -> bool:
    if year_field in ("*", "?"):
        return True
    for part in year_field.split(","):
        lo, _, hi = part.partition("-")
        if int(lo) <= year <= int(hi or lo):
            return True
    return False


def fire_times(
    expression: str,
    *,
    after: datetime,
    until: datetime,
    anchor: datetime | None = None,
    limit: int = 1000,
) -> list[datetime]:
    """Times in (after, until] at which the rule fires; `anchor` starts a rate() schedule."""
    after, until = _utc(after), _utc(until)
    if match := _RATE.match(expression.strip()):
        every = timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2).rstrip("s")])
        if every.total_seconds() <= 0:
            raise ScheduleError("rate() needs a positive value")
        start = _utc(anchor) if anchor else after
        steps = max(0, (after - start) // every + 1)
        out, at = [], start + steps * every
        while at <= until and len(out) < limit:
            out.append(at)
            at += every
        return out
    if match := _CRON.match(expression.strip()):
        from croniter import croniter  # only cron() needs it

        cron, year = _cron_parts(match.group(1))
        try:
            it = croniter(cron, after)
        except (ValueError, KeyError) as exc:
            raise ScheduleError(f"invalid cron expression {expression!r}: {exc}") from exc
        out = []
        while len(out) < limit and (at := _utc(it.get_next(datetime))) <= until:
            if _year_ok(year, at.year):
                out.append(at)
        return out
    raise ScheduleError(f"not a schedule expression: {expression!r} (use cron(...) or rate(...))")


def next_fire_time(expression: str, *, after: datetime) -> datetime | None:
    """The first firing strictly after `after` (within ten years), or None."""
    times = fire_times(expression, after=after, until=_utc(after) + timedelta(days=3660), limit=1)
    return times[0] if times else None
