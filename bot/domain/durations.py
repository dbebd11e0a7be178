"""Durations and times as people read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def human_duration(delta: timedelta) -> str:
    """`7 min`, `3 h 5 min`, `4 days 2 h`."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min"
    return f"{hours // 24} days {hours % 24} h"


def slack_time(moment: datetime) -> str:
    """A time Slack shows in each reader's own zone (`<!date^…>`), with a UTC fallback."""
    fallback = f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"
