"""POST /hooks/cases — cases from alerting and ticketing tools. Token-authenticated
(compared in constant time); a repeated delivery of the same external id opens nothing new."""

from __future__ import annotations

import hmac
import json
from typing import Any

from flask import Blueprint, Response, jsonify, request

from bot.domain.errors import InvalidInput, SwarmbotError
from bot.services import cases
from bot.services.context import ServiceContext
from bot.web.body import read_body

MAX_BODY = 64 * 1024


def _presented_token() -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("X-Swarmbot-Token", "")


def hooks_blueprint(services: ServiceContext) -> Blueprint:
    hooks = Blueprint("hooks", __name__)

    @hooks.post("/hooks/cases")
    def create_case() -> tuple[Response, int]:
        expected = services.settings.hooks_token
        if expected is None:
            return jsonify(ok=False,
                           error="The case webhook is off: set SWARMBOT_HOOKS_TOKEN."), 503
        if not hmac.compare_digest(_presented_token().encode(),
                                   expected.get_secret_value().encode()):
            return jsonify(ok=False, error="Missing or wrong token."), 401
        try:
            source, external_id, draft = cases.hook_draft(_json_body())
            opened = cases.open_case_from_hook(services, source=source, external_id=external_id,
                                               draft=draft)
        except SwarmbotError as error:
            return jsonify(ok=False, error=str(error)), 400
        return jsonify(ok=True, case=opened.case_id, reference=opened.reference,
                       created=opened.created), (201 if opened.created else 200)

    return hooks


def _json_body() -> Any:
    """The body as JSON; a body that is not JSON (bad UTF-8, bad syntax, nested so deep the
    parser gives up) is refused with a reason."""
    try:
        return json.loads(read_body(request, MAX_BODY))
    except (ValueError, RecursionError):
        raise InvalidInput("The body must be a JSON object (UTF-8, nested at most a few "
                           "levels).") from None
