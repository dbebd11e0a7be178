"""Events API delivery with Slack's retries
(https://api.slack.com/apis/connections/events-api#retries): when the app answers non-2xx,
takes longer than 3 seconds, or cannot be reached, Slack sends the same event (same
event_id) again up to 3 times, with `X-Slack-Retry-Num` (1, 2, 3) and
`X-Slack-Retry-Reason` (http_timeout, http_error, connection_failed …); an app answering
non-2xx with `X-Slack-No-Retry: 1` gets no retries. Slack waits about 1 and 5 minutes
between later retries; the emulator uses `retry_delays` (short by default) instead."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.emulator.transport import BotReply


@dataclass(frozen=True)
class Attempt:
    status: int | None      # None: no answer within the deadline, or no connection
    elapsed: float
    retry_num: int          # 0 for the first delivery
    retry_reason: str | None  # the X-Slack-Retry-Reason sent with this attempt
    failure: str | None = None  # why this attempt counts as failed (http_timeout …)
    no_retry: bool = False  # the bot answered X-Slack-No-Retry: 1

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class DeliveryResult:
    event_id: str
    attempts: list[Attempt] = field(default_factory=list)
    envelope: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Delivered: some attempt got a 2xx in time."""
        return any(a.ok for a in self.attempts)

    @property
    def event(self) -> dict[str, Any]:
        return self.envelope.get("event", {})


def deliver(post: Any, envelope: dict[str, Any], retry_delays: tuple[float, ...],
            sleep: Any) -> DeliveryResult:
    """Send `envelope` through `post(body, headers) -> BotReply`, retrying like Slack."""
    body = json.dumps(envelope).encode()
    result = DeliveryResult(envelope["event_id"], envelope=envelope)
    reason: str | None = None
    for retry_num in range(len(retry_delays) + 1):
        headers = {"Content-Type": "application/json"}
        if retry_num:
            sleep(retry_delays[retry_num - 1])
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = reason or "unknown_error"
        reply: BotReply = post(body, headers)
        no_retry = not reply.ok and reply.headers.get("x-slack-no-retry") == "1"
        result.attempts.append(Attempt(reply.status, reply.elapsed, retry_num,
                                       reason if retry_num else None, reply.failure, no_retry))
        if reply.ok or no_retry:
            break
        reason = reply.failure or "unknown_error"
    return result
