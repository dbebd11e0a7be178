"""Is an expert reachable now? Working hours in the expert's own time zone. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def within_working_hours(now: datetime, tz: str | None, start_hour: int, end_hour: int) -> bool:
    """True when `now` (aware) falls in [start_hour, end_hour) on a weekday in zone `tz`.

    Unknown or missing zones count as always reachable: we would rather ask than miss."""
    if not tz:
        return True
    try:
        local = now.astimezone(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        return True
    if local.weekday() >= 5:
        return False
    if start_hour <= end_hour:
        return start_hour <= local.hour < end_hour
    return local.hour >= start_hour or local.hour < end_hour  # a night shift


def next_working_start(now: datetime, tz: str | None, start_hour: int, end_hour: int
                       ) -> datetime:
    """When the person's working hours next begin (now, if they are working already). The
    wall-clock start hour is kept across daylight-saving changes; the result is in UTC."""
    if within_working_hours(now, tz, start_hour, end_hour) or not tz:
        return now
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return now
    local = now.astimezone(zone)
    day = local.date()
    for _ in range(8):  # at most a weekend and a night away
        start = datetime.combine(day, time(start_hour), tzinfo=zone)
        if start > local and start.weekday() < 5:
            return start.astimezone(UTC)
        day += timedelta(days=1)
    return now
