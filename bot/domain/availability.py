"""Is an expert reachable now? Working hours in the expert's own time zone. Pure."""

from __future__ import annotations

from datetime import datetime
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
