"""The declare-a-case modal: field errors shown in the form, otherwise the case is opened."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.domain.case import CaseDraft
from bot.domain.errors import SwarmbotError
from bot.services import cases
from bot.services.text import printable
from bot.slack.errors import error_words, user_message
from bot.slack.ids import Block, View

FIELD_BLOCKS = {"title": Block.TITLE, "severity": Block.SEVERITY, "service": Block.SERVICE,
                 "description": Block.DESCRIPTION}  # a draft's field → the form's input


def _value(values: Any, block: str) -> str:
    """The text of one input of the submitted form ("" when missing or not text: the web
    layer lets only objects through here, and the values inside are checked now)."""
    field = _object(_object(values).get(block)).get("value")
    field = _object(field)
    if field.get("type") == "static_select":
        field = _object(field.get("selected_option"))
    value = field.get("value")
    return printable(value).strip() if isinstance(value, str) else ""


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _channel(value: Any) -> str | None:
    """The channel the form was opened from (our own private_metadata), if it is one."""
    if isinstance(value, str) and value.isascii() and value.isalnum() and len(value) <= 32:
        return value
    return None


def form_draft(view: dict[str, Any]) -> CaseDraft:
    """The case the submitted form describes (InvalidInput names the field it is about)."""
    values = _object(_object(view.get("state")).get("values"))
    return CaseDraft(title=_value(values, Block.TITLE),
                     severity=_value(values, Block.SEVERITY) or "sev3",
                     service=_value(values, Block.SERVICE).lower(),
                     description=_value(values, Block.DESCRIPTION))


def register(app: App, services: Any) -> None:
    @app.view(View.DECLARE_CASE)
    def declare(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = _object(_object(view.get("state")).get("values"))
        user = _object(body.get("user")).get("id")
        if not isinstance(user, str) or not user:
            ack(response_action="errors", errors={Block.TITLE: "Slack did not say who you are; "
                                                  "please try again."})
            return
        try:
            draft = CaseDraft(title=_value(values, Block.TITLE),
                              severity=_value(values, Block.SEVERITY) or "sev3",
                              service=_value(values, Block.SERVICE).lower(),
                              description=_value(values, Block.DESCRIPTION))
        except SwarmbotError as error:
            block = FIELD_BLOCKS.get(getattr(error, "field", None) or "", Block.TITLE)
            ack(response_action="errors", errors={block: error_words(error)})
            return
        try:
            cases.declare_case(services, owner_id=user, draft=draft,
                               origin_channel=_channel(view.get("private_metadata")))
        except Exception as error:  # noqa: BLE001 — the one place errors become messages
            ack(response_action="errors", errors={Block.TITLE: user_message(error)})
            return
        ack()
