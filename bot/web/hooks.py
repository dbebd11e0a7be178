"""Cases and alerts from other tools, token-authenticated (compared in constant time):

- POST /hooks/cases — swarmbot's own JSON; a repeated delivery of the same external id opens
  nothing new; with a `group_key` it is an alert of that group.
- POST /hooks/alertmanager, /hooks/grafana — Prometheus Alertmanager's and Grafana
  alerting's webhook bodies, as those tools send them (bearer token as above).
- POST /hooks/pagerduty — PagerDuty V3 webhooks, signed: `X-PagerDuty-Signature` holds one
  or more `v1=` HMAC-SHA256 hex digests of the raw body under the subscription's secret
  (several while a secret rotates; any one matching is enough,
  https://developer.pagerduty.com/docs/webhooks/webhook-signatures/, "Verifying the
  Signature"; github.com/PagerDuty/developer-docs docs/webhooks/04-Signatures.md).

Alerts of one group attach to the group's open case (bot/services/alerts.py). Every body is
read and checked whole before anything is recorded: a bad one changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify, request

from bot.domain.errors import InvalidInput, SwarmbotError
from bot.services import alert_payloads, alerts, cases
from bot.services.alert_payloads import AlertIn
from bot.services.context import ServiceContext
from bot.web.body import read_body

MAX_BODY = 64 * 1024
MAX_ALERTS_BODY = 1024 * 1024  # an Alertmanager group of many alerts is one notification
Reply = tuple[Response, int]


def _presented_token() -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("X-Swarmbot-Token", "")


def hooks_blueprint(services: ServiceContext) -> Blueprint:
    hooks = Blueprint("hooks", __name__)

    def refused() -> Reply | None:
        """The bearer token's answer: None when it is right."""
        expected = services.settings.hooks_token
        if expected is None:
            return jsonify(ok=False,
                           error="The webhooks are off: set SWARMBOT_HOOKS_TOKEN."), 503
        if not hmac.compare_digest(_presented_token().encode(),
                                   expected.get_secret_value().encode()):
            return jsonify(ok=False, error="Missing or wrong token."), 401
        return None

    @hooks.post("/hooks/cases")
    def create_case() -> Reply:
        if (answer := refused()) is not None:
            return answer
        try:
            body = _json_body(read_body(request, MAX_BODY))
            source, external_id, draft = cases.hook_draft(body)
            alert = alert_payloads.hook_alert(
                body, source=source, external_id=external_id, title=draft.title,
                severity=draft.severity, service=draft.service, description=draft.description)
            if alert is not None:
                received = alerts.receive(services, [alert], draft=draft)
                return _alerts_reply(received, single=True)
            opened = cases.open_case_from_hook(services, source=source, external_id=external_id,
                                               draft=draft,
                                               source_url=alert_payloads.hook_link(body))
        except SwarmbotError as error:
            return jsonify(ok=False, error=str(error)), 400
        return jsonify(ok=True, case=opened.case_id, reference=opened.reference,
                       created=opened.created), (201 if opened.created else 200)

    def tool_hook(read: Callable[[Any], list[AlertIn]]) -> Reply:
        if (answer := refused()) is not None:
            return answer
        return _receive(services, read, read_body(request, MAX_ALERTS_BODY))

    @hooks.post("/hooks/alertmanager")
    def alertmanager() -> Reply:
        return tool_hook(alert_payloads.alertmanager)

    @hooks.post("/hooks/grafana")
    def grafana() -> Reply:
        return tool_hook(alert_payloads.grafana)

    @hooks.post("/hooks/pagerduty")
    def pagerduty() -> Reply:
        secret = services.settings.pagerduty_secret
        if secret is None:
            return jsonify(ok=False, error="The PagerDuty webhook is off: set "
                                           "SWARMBOT_PAGERDUTY_SECRET.",), 503
        raw = read_body(request, MAX_ALERTS_BODY)
        if not signed_by_pagerduty(raw, request.headers.get("X-PagerDuty-Signature", ""),
                                   secret.get_secret_value()):
            return jsonify(ok=False, error="Missing or wrong X-PagerDuty-Signature (v1, "
                                           "HMAC-SHA256 of the body with the webhook's "
                                           "secret)."), 401
        return _receive(services, alert_payloads.pagerduty, raw)

    return hooks


def signed_by_pagerduty(raw: bytes, header: str, secret: str) -> bool:
    expected = "v1=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected.encode(), part.strip().encode())
               for part in header.split(",") if part.strip())


def _receive(services: ServiceContext, read: Callable[[Any], list[AlertIn]],
             raw: bytes) -> Reply:
    try:
        found = read(_json_body(raw))
        if not found:  # an event that does not change whether anything fires
            return jsonify(ok=True, ignored=True, cases=[]), 200
        received = alerts.receive(services, found)
    except SwarmbotError as error:
        return jsonify(ok=False, error=str(error)), 400
    return _alerts_reply(received)


def _alerts_reply(received: alerts.AlertsReceived, *, single: bool = False) -> Reply:
    extra: dict[str, Any] = {}
    if single and received.case_ids:  # POST /hooks/cases answers as for a case
        extra = {"case": received.case_ids[0], "reference": received.cases[0],
                 "created": bool(received.opened)}
    return jsonify(ok=True, cases=list(received.cases), opened=received.opened,
                   attached=received.attached, resolved=received.resolved,
                   repeated=received.repeated, unmatched=received.unmatched,
                   **extra), (201 if received.opened else 200)


def _json_body(raw: bytes) -> Any:
    """The body as JSON; a body that is not JSON (bad UTF-8, bad syntax, nested so deep the
    parser gives up) is refused with a reason."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidInput("The body must be a JSON object (UTF-8, nested at most a few "
                           "levels).") from None
