"""Slack's request URL, before bolt sees a request: its size is capped, its signature checked
(a bad or missing timestamp or signature is a 401, logged as one short line — never the body),
a replay of a request already handled is answered 200 and dropped, and a body that does not
have the shape of a Slack payload is a 400 naming what is wrong. Then bolt dispatches it,
with the request's key marked so the use case records it in its own transaction
(bot/services/replays.py)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

from flask import Request, Response, jsonify
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.flask.handler import to_flask_response

from bot.services import replays
from bot.services.context import ServiceContext
from bot.slack.payloads import malformed
from bot.web import metrics
from bot.web.body import read_body

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Slack's payloads are a few KB; a full modal well under this
SKEW_SECONDS = 5 * 60  # Slack: refuse a timestamp more than five minutes from now


def handle_slack_request(request: Request, bolt_app: App, services: ServiceContext
                         ) -> Response | tuple[Response, int]:
    """The answer, counted by surface with the time it took (GET /metrics)."""
    started = time.perf_counter()
    seen: dict[str, str] = {}
    answer = _handle(request, bolt_app, services, seen)
    status = answer[1] if isinstance(answer, tuple) else answer.status_code
    metrics.observe_request(seen.get("surface", "refused"), status, started)
    return answer


def _handle(request: Request, bolt_app: App, services: ServiceContext, seen: dict[str, str]
            ) -> Response | tuple[Response, int]:
    body = read_body(request, MAX_BODY)  # chunked bodies too: 413 past it
    timestamp, refusal = _verify(request, body, services)
    if refusal is not None:
        log.warning("refused a Slack request: %s (%d bytes from %s)", refusal, len(body),
                    request.remote_addr)
        return jsonify(ok=False, error="invalid request"), 401
    key = replays.request_key(request.headers.get("X-Slack-Signature", ""))
    if replays.seen(services, key):
        log.warning("dropped a replayed Slack request (signed at %s)", timestamp)
        seen["surface"] = "replay"
        return Response(status=200)
    try:
        bolt_request = BoltRequest(body=body.decode("utf-8"),
                                   query=request.query_string.decode("utf-8", "replace"),
                                   headers=dict(request.headers))
        problem = malformed(bolt_request.body)
        seen["surface"] = metrics.surface(bolt_request.body)
    except Exception:  # noqa: BLE001 — a body bolt cannot read (bad UTF-8, bad JSON, a list…)
        problem = "the body is not a Slack payload"
    if problem is not None:
        log.warning("refused a signed Slack request: %s", problem)
        return jsonify(ok=False, error=f"malformed request: {problem}"), 400
    with replays.handling(key, replays.seen_until(timestamp)):
        return to_flask_response(bolt_app.dispatch(bolt_request))


def _verify(request: Request, body: bytes, services: ServiceContext) -> tuple[int, str | None]:
    """(timestamp, None) for a request signed by Slack, else (0, why not)."""
    stamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        return 0, "no valid X-Slack-Request-Timestamp"
    if abs(time.time() - int(stamp)) > SKEW_SECONDS:
        return 0, "a timestamp more than 5 minutes away"
    secret = services.settings.slack_signing_secret
    if secret is None or not signature.isascii() or not signature.startswith("v0="):
        return 0, "no valid X-Slack-Signature"
    expected = "v0=" + hmac.new(secret.get_secret_value().encode(),
                                b"v0:" + stamp.encode() + b":" + body,
                                hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return 0, "a wrong signature"
    return int(stamp), None

