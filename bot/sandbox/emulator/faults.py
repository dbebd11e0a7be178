"""Fault injection and Slack-like rate limits."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

KINDS = ("error", "http_500", "timeout", "rate_limited")


@dataclass
class Fault:
    method: str
    kind: str
    times: int
    error: str = "internal_error"
    retry_after: int = 1
    seconds: float = 15.0
    applied: bool = False   # timeout/http_500: Slack did the work, only the answer was lost
    when: Callable[[dict[str, Any]], bool] | None = None
    hits: int = 0


class Faults:
    """Planned failures, taken in the order added:

        emu.faults.add("chat.postMessage", kind="rate_limited", retry_after=1, times=2)
        emu.faults.add("conversations.create", kind="timeout", seconds=5, applied=True)
        emu.faults.add("*", kind="http_500", when=lambda params: params.get("channel") == cid)

    kinds: "error" (HTTP 200, ok:false with `error`), "http_500", "timeout" (sleeps
    `seconds` before answering, longer than the client waits), "rate_limited" (HTTP 429 with
    `Retry-After: retry_after`, as https://api.slack.com/apis/rate-limits describes).
    `times=-1` never runs out. A method of "*" matches every method."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plans: list[Fault] = []

    def add(self, method: str, *, kind: str = "error", times: int = 1,
            error: str = "internal_error", retry_after: int = 1, seconds: float = 15.0,
            applied: bool = False,
            when: Callable[[dict[str, Any]], bool] | None = None) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(KINDS)}")
        fault = Fault(method, kind, times, error, retry_after, seconds, applied, when)
        with self._lock:
            self._plans.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._plans if f.times != 0]

    def take(self, method: str, params: dict[str, Any] | None = None) -> Fault | None:
        with self._lock:
            for fault in self._plans:
                if fault.method not in (method, "*") or fault.times == 0:
                    continue
                if fault.when is not None and not fault.when(params or {}):
                    continue
                if fault.times > 0:
                    fault.times -= 1
                fault.hits += 1
                return fault
        return None


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


# Calls per minute by Slack's tiers (https://api.slack.com/apis/rate-limits: Tier 1 1+,
# Tier 2 20+, Tier 3 50+, Tier 4 100+), with each method's tier from its reference page.
# Methods not named here are treated as Tier 3. chat.postMessage is "special": about one
# message per second per channel, short bursts allowed.
TIER_1, TIER_2, TIER_3, TIER_4 = 1, 20, 50, 100
TIERS = {
    "auth.test": TIER_4, "team.info": TIER_3,
    "conversations.create": TIER_2, "conversations.invite": TIER_3,
    "conversations.kick": TIER_3, "conversations.join": TIER_3,
    "conversations.setTopic": TIER_2, "conversations.setPurpose": TIER_2,
    "conversations.archive": TIER_2, "conversations.unarchive": TIER_2,
    "conversations.info": TIER_3, "conversations.members": TIER_4,
    "conversations.list": TIER_2, "conversations.history": TIER_3,
    "conversations.replies": TIER_3, "conversations.open": TIER_3,
    "chat.update": TIER_3, "chat.postEphemeral": TIER_4, "chat.getPermalink": TIER_4,
    "reactions.add": TIER_3, "reactions.remove": TIER_2, "reactions.get": TIER_3,
    "users.info": TIER_4, "users.list": TIER_2, "users.lookupByEmail": TIER_3,
    "users.getPresence": TIER_3, "users.profile.get": TIER_4,
    "views.open": TIER_4, "views.push": TIER_4, "views.update": TIER_4,
    "views.publish": TIER_4, "usergroups.list": TIER_2, "usergroups.users.list": TIER_2,
}
POST_BURST = 3          # chat.postMessage: this many in any POST_WINDOW seconds per channel
POST_WINDOW = 3.0


class Limits:
    """Off unless `strict`; then calls beyond Slack's limits get 429 + Retry-After."""

    def __init__(self) -> None:
        self.strict = False
        self._lock = threading.Lock()
        self._calls: dict[str, deque[float]] = defaultdict(deque)

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()

    def _hit(self, key: str, limit: int, window: float) -> None:
        now = time.monotonic()
        with self._lock:
            calls = self._calls[key]
            while calls and now - calls[0] >= window:
                calls.popleft()
            if len(calls) >= limit:
                raise RateLimited(max(1, int(window - (now - calls[0]) + 0.999)))
            calls.append(now)

    def check_method(self, method: str) -> None:
        if self.strict and method != "chat.postMessage":
            self._hit(method, TIERS.get(method, TIER_3), 60.0)

    def check_message(self, channel: str) -> None:
        if self.strict:
            self._hit(f"post:{channel}", POST_BURST, POST_WINDOW)
