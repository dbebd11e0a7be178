"""Durations, dates and shares as the current reader says them (`2 h 15 min` / `2時間15分`,
`Mar 2024` / `2024年3月`). Dates through Babel's CLDR data (bundled, nothing downloaded)."""

from __future__ import annotations

from datetime import datetime, timedelta

from babel.dates import format_skeleton

from bot.i18n import _, current, ngettext


def duration(delta: timedelta) -> str:
    """`7 min`, `3 h 5 min`, `4 days 2 h` — `7分`, `3時間5分`, `4日2時間`."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return _("{minutes} min").format(minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        if not minutes:
            return _("{hours} h").format(hours=hours)
        return _("{hours} h {minutes} min").format(hours=hours, minutes=minutes)
    return ngettext("{days} day {hours} h", "{days} days {hours} h", hours // 24).format(
        days=hours // 24, hours=hours % 24)


def sla_length(seconds: float) -> str:
    """An SLA's length as the policy says it: `15 min`, `4 h`, `2 days` — `15分`, `4時間`,
    `2日`."""
    minutes = int(seconds // 60)
    if minutes < 60 or minutes % 60:
        return _("{minutes} min").format(minutes=minutes)
    hours = minutes // 60
    if hours < 48 or hours % 24:
        return _("{hours} h").format(hours=hours)
    return ngettext("{days} day", "{days} days", hours // 24).format(days=hours // 24)


def month_year(when: datetime) -> str:
    """`Mar 2024` / `2024年3月`."""
    return format_skeleton("yMMM", when, locale=current())


def date_time(when: datetime) -> str:
    """`Mar 4, 2024, 9:30 AM` / `2024/03/04 9:30`, in the time the datetime carries."""
    from babel.dates import format_datetime

    return format_datetime(when, "short", locale=current())


def share(probability: float) -> str:
    """A probability as a share of cases: `40%`, `almost all`, `almost none`."""
    if probability >= 0.995:
        return _("almost all")
    if probability < 0.005:
        return _("almost none")
    return f"{probability:.0%}"
