"""Signed requests to the bot's request URL.

Signature as https://api.slack.com/authentication/verifying-requests-from-slack describes:
`X-Slack-Signature: v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` keyed with the
signing secret, and `X-Slack-Request-Timestamp: {timestamp}` (Unix seconds)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

import requests


def sign(secret: str, body: bytes, timestamp: int | str) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class BotReply:
    """What came back from one request to the bot. `status` is None when no answer came in
    time (`failure` "http_timeout") or the bot could not be reached ("connection_failed")."""
    status: int | None
    body: Any
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    elapsed: float = 0.0
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(url: str, body: bytes, headers: dict[str, str], *, secret: str | None,
         timestamp: int | None, deadline: float) -> BotReply:
    """POST `body`, signed with `secret` unless it is None, and wait at most `deadline`
    seconds for the answer, as Slack waits 3 seconds."""
    sent = dict(headers)
    if secret is not None:
        stamp = int(time.time()) if timestamp is None else timestamp
        sent["X-Slack-Request-Timestamp"] = str(stamp)
        sent["X-Slack-Signature"] = sign(secret, body, stamp)
    started = time.monotonic()
    try:
        response = requests.post(url, data=body, headers=sent,
                                 timeout=(min(deadline, 3.0), deadline), allow_redirects=False)
    except requests.Timeout:
        return BotReply(None, None, elapsed=time.monotonic() - started, failure="http_timeout")
    except requests.ConnectionError:
        return BotReply(None, None, elapsed=time.monotonic() - started,
                        failure="connection_failed")
    elapsed = time.monotonic() - started
    if elapsed > deadline:
        return BotReply(None, None, elapsed=elapsed, failure="http_timeout")
    parsed: Any = None
    if response.content:
        try:
            parsed = json.loads(response.content)
        except ValueError:
            parsed = response.text
    return BotReply(response.status_code, parsed,
                    {k.lower(): v for k, v in response.headers.items()}, elapsed,
                    None if 200 <= response.status_code < 300 else "http_error")
