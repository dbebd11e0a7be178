"""Durations and times as people read them."""

from __future__ import annotations

from datetime import timedelta


def human_duration(delta: timedelta) -> str:
    """`7 min`, `3 h 5 min`, `4 days 2 h`."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min"
    return f"{hours // 24} days {hours % 24} h"


def sla_length(seconds: float) -> str:
    """An SLA's length as the policy says it: `15 min`, `4 h`, `2 days`."""
    minutes = int(seconds // 60)
    if minutes < 60 or minutes % 60:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 or hours % 24 else f"{hours // 24} days"
