"""Sending case feed events (bot/services/case_feed.py) over HTTP, signed the way Slack signs
its own requests: `X-Swarmbot-Signature: v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}")`
with `X-Swarmbot-Request-Timestamp`. A 2xx is delivered; a 408, 429 or 5xx or no answer is
retried with backoff; another 4xx means the receiver refuses it and retrying will not help.
The events of one case go out in order: one waits while an earlier one is being retried."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any

from sqlalchemy import select

from bot.delivery.protocol import NotReady, PermanentFailure
from bot.services.case_feed import feed_item
from models.case import TimelineEvent
from models.scheduling import OutboxMessage
from models.uow import UnitOfWork

TIMEOUT_SECONDS = 10


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class CaseFeedSender:
    def __init__(self, url: str | None, secret: str | None) -> None:
        self.url, self.secret = url, secret

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        if not self.url:
            return None  # the feed was switched off since: nothing to send
        if uow.outbox.waits_behind(message):
            raise NotReady("an earlier event of this case is not delivered yet")
        case = uow.cases.get(int(message.payload["case_id"]))
        event = uow.session.scalars(select(TimelineEvent).where(
            TimelineEvent.case_id == message.payload["case_id"],
            TimelineEvent.seq == message.payload["seq"])).first()
        if case is None or event is None:
            return None
        return feed_item(case, event)

    def send(self, message: OutboxMessage, item: dict[str, Any]) -> dict[str, Any]:
        assert self.url is not None and self.secret is not None
        body = json.dumps(item, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "swarmbot-case-feed",
            "X-Swarmbot-Request-Timestamp": timestamp,
            "X-Swarmbot-Signature": signature(self.secret, timestamp, body)})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
                return {"status": answer.status}
        except urllib.error.HTTPError as error:
            if error.code in (408, 429) or error.code >= 500:
                raise  # retried
            raise PermanentFailure(f"the case feed refused {item['event_id']} with HTTP "
                                   f"{error.code}") from None

    def apply(self, message: OutboxMessage, result: dict[str, Any], uow: UnitOfWork) -> None:
        return None
