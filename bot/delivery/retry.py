"""The retry policy: how long a claim lasts, how long to wait before trying again.

A transient failure (5xx, timeout, refused connection, 429, `internal_error`…) is retried
until it succeeds, for hours if need be, at most MAX_BACKOFF apart; only a permanent answer
(`PermanentFailure`) ends an effect."""

from __future__ import annotations

from datetime import timedelta

LEASE = timedelta(seconds=60)
MAX_BACKOFF = timedelta(minutes=5)
# An effect waiting for what it needs (the case channel) is tried again after this, or at
# once when that appears (`OutboxRepository.wake_case`); it never uses up an attempt.
WAIT = timedelta(seconds=1)


def backoff(attempts: int) -> timedelta:
    """2, 4, 8 … seconds after the 1st, 2nd, 3rd … failed attempt, then MAX_BACKOFF."""
    return min(timedelta(seconds=2 ** min(attempts, 20)), MAX_BACKOFF)
