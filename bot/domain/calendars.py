"""Business-hours calendars: count SLA time only inside working hours.

Pure domain code (no I/O). A calendar has a time zone, weekly opening hours
(one window per weekday, or none) and holiday dates. `add_business` finds the
wall-clock instant at which a business-time budget runs out; local times are
resolved in the calendar's zone, so DST changes are handled by zoneinfo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_UTC = ZoneInfo("UTC")

_MAX_DAYS = 3660  # a calendar without any open day would loop forever


@dataclass(frozen=True)
class Window:
    opens: time
    closes: time


@dataclass(frozen=True)
class BusinessCalendar:
    zone: str
    # weekday (0 = Monday) -> opening window; missing weekday = closed
    hours: dict[int, Window]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def _window_on(self, day: date) -> tuple[datetime, datetime] | None:
        window = self.hours.get(day.weekday())
        if window is None or day in self.holidays:
            return None
        tz = ZoneInfo(self.zone)
        opens = datetime.combine(day, window.opens, tzinfo=tz)
        closes = datetime.combine(day, window.closes, tzinfo=tz)
        return opens, closes

    def add_business(self, start: datetime, budget: timedelta) -> datetime:
        """The instant (UTC) at which `budget` of business time after `start` is used up."""
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        remaining = budget
        cursor = start.astimezone(ZoneInfo(self.zone))
        day = cursor.date()
        for _ in range(_MAX_DAYS):
            window = self._window_on(day)
            if window is not None:
                opens, closes = window
                begin = max(cursor, opens)
                if begin < closes:
                    # compare in UTC: real elapsed time, DST-correct
                    available = closes.astimezone(_UTC) - begin.astimezone(_UTC)
                    if remaining <= available:
                        return begin.astimezone(_UTC) + remaining
                    remaining -= available
            day += timedelta(days=1)
        raise ValueError(f"calendar {self.zone} has no business hours")
