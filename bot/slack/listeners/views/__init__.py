"""The declare-a-case modal: field errors shown in the form, otherwise the case is opened."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.domain.case import CaseDraft
from bot.domain.errors import SwarmbotError
from bot.services import cases
from bot.services.text import printable
from bot.slack.errors import user_message
from bot.slack.ids import Block, View


def _value(values: dict[str, Any], block: str) -> str:
    field = (values.get(block) or {}).get("value") or {}
    if field.get("type") == "static_select":
        return ((field.get("selected_option") or {}).get("value")) or ""
    return printable(str(field.get("value") or "")).strip()


def register(app: App, services: Any) -> None:
    @app.view(View.DECLARE_CASE)
    def declare(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view.get("state", {}).get("values", {})
        user = body["user"]["id"]
        try:
            draft = CaseDraft(title=_value(values, Block.TITLE),
                              severity=_value(values, Block.SEVERITY) or "sev3",
                              service=_value(values, Block.SERVICE).lower(),
                              description=_value(values, Block.DESCRIPTION))
        except SwarmbotError as error:
            ack(response_action="errors", errors={Block.TITLE: str(error)})
            return
        try:
            cases.declare_case(services, owner_id=user, draft=draft,
                               origin_channel=view.get("private_metadata") or None)
        except Exception as error:  # noqa: BLE001 — the one place errors become messages
            ack(response_action="errors", errors={Block.TITLE: user_message(error)})
            return
        ack()
