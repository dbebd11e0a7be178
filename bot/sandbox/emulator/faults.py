"""Fault injection and Slack-like rate limits."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

from bot.sandbox.emulator.state import SlackError


@dataclass
class Fault:
    method: str
    kind: str  # error | http_500 | timeout | rate_limited
    times: int
    error: str = "internal_error"
    retry_after: int = 1
    seconds: float = 15.0


class Faults:
    """`faults.add("chat.postMessage", kind="rate_limited", retry_after=1, times=2)`; a
    method of "*" matches every method."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plans: list[Fault] = []

    def add(self, method: str, *, kind: str = "error", times: int = 1,
            error: str = "internal_error", retry_after: int = 1, seconds: float = 15.0) -> None:
        if kind not in ("error", "http_500", "timeout", "rate_limited"):
            raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            self._plans.append(Fault(method, kind, times, error, retry_after, seconds))

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()

    def take(self, method: str) -> Fault | None:
        with self._lock:
            for fault in self._plans:
                if fault.method in (method, "*") and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


# Per-minute limits by Slack's tiers (https://api.slack.com/apis/rate-limits); methods not
# named here are treated as Tier 3. chat.postMessage is "special": ~1 per second per channel.
TIERS = {"conversations.create": 20, "conversations.invite": 50, "conversations.archive": 20,
         "conversations.setTopic": 20, "conversations.list": 20, "views.publish": 100,
         "chat.update": 50 * 2, "reactions.add": 50, "users.info": 100, "auth.test": 100}


class Limits:
    """Off unless `strict`; then bursts beyond Slack's limits get 429 + Retry-After."""

    def __init__(self) -> None:
        self.strict = False
        self._lock = threading.Lock()
        self._calls: dict[str, deque[float]] = defaultdict(deque)

    def _hit(self, key: str, limit: int, window: float) -> None:
        now = time.monotonic()
        with self._lock:
            calls = self._calls[key]
            while calls and now - calls[0] > window:
                calls.popleft()
            if len(calls) >= limit:
                raise RateLimited(max(1, int(window - (now - calls[0])) + 1))
            calls.append(now)

    def check_method(self, method: str) -> None:
        if self.strict and method != "chat.postMessage":
            self._hit(method, TIERS.get(method, 50), 60.0)

    def check_message(self, channel: str) -> None:
        # A short burst is allowed: 3 messages in any 3 seconds per channel.
        if self.strict:
            self._hit(f"post:{channel}", 3, 3.0)


__all__ = ["Fault", "Faults", "Limits", "RateLimited", "SlackError"]
