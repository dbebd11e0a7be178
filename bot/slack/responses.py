"""Answering a click through Slack's `response_url`, after the change was committed: only to
Slack's own host (or the host of the configured Slack API, e.g. the built-in emulator), and
a failed answer is one log line, never an HTTP 500 for work that was done."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import Respond

log = logging.getLogger(__name__)
SLACK_HOOKS = "https://hooks.slack.com/"


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.netloc or "").lower()


def allowed_response_url(url: Any, slack_api_url: str) -> bool:
    """True when `url` is on Slack's host or on the configured Slack API's host."""
    if not isinstance(url, str) or not url:
        return False
    try:
        origin = _origin(url)
        return origin in (_origin(SLACK_HOOKS), _origin(slack_api_url))
    except ValueError:
        return False


def answer(respond: Respond, body: dict[str, Any], slack_api_url: str, **message: Any) -> None:
    """Send `message` to the payload's response URL if it is Slack's; log any failure."""
    url = body.get("response_url")
    if url is None:
        url = next((u.get("response_url") for u in body.get("response_urls") or []
                    if isinstance(u, dict)), None)
    if not allowed_response_url(url, slack_api_url):
        log.warning("not answering a Slack click: its response_url is missing or not Slack's")
        return
    try:
        respond(**message)
    except Exception as error:  # noqa: BLE001 — the change is committed; the answer is extra
        log.warning("answering a Slack click failed (%s: %.200s)", type(error).__name__, error)
