"""The retry policy: how long a claim lasts, how long to wait before trying again."""

from __future__ import annotations

from datetime import timedelta

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8
# An effect waiting for what it needs (the case channel) is tried again after this, or at
# once when that appears (`OutboxRepository.wake_case`); it never uses up an attempt.
WAIT = timedelta(seconds=1)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** attempts, 300))
