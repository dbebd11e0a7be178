"""Opening a case from a message: the message shortcut "Open a swarm case" (a form
prefilled from the message) and, in the policy's intake channels, a reaction.

What the bot must ask Slack first — is it in the channel (it answers in the message's
thread), the message's link, the message itself for a reaction — is asked here, before the
use case; the use case (bot.services.intake) decides and records."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError

from bot.domain.case import CaseDraft, parse_declaration
from bot.domain.errors import InvalidInput, SwarmbotError, Unavailable
from bot.services import intake
from bot.services.intake import SourceMessage
from bot.services.text import printable
from bot.slack.blocks import declare_modal
from bot.slack.errors import error_words, user_message
from bot.slack.ids import Block, Shortcut, View

log = logging.getLogger(__name__)
MAX_METADATA_TEXT = 1500  # private_metadata holds 3000 characters at most


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return printable(value) if isinstance(value, str) else ""


def source_message(channel: str, message: dict[str, Any]) -> SourceMessage:
    """A message as Slack gives it (a shortcut's `message`, a conversations.history row)."""
    ts = _text(message.get("ts"))[:32]
    thread = _text(message.get("thread_ts"))[:32]
    return SourceMessage(
        channel_id=channel, ts=ts, author_id=_text(message.get("user"))[:32],
        text=_text(message.get("text")), thread_ts=thread if thread and thread != ts else None,
        from_bot=bool(message.get("bot_id") or message.get("subtype") == "bot_message"
                      or not message.get("user")))


def require_member(client: Any, channel: str) -> None:
    """The bot answers in the message's thread: it must be in the channel (a private one
    it is not in is "channel_not_found" to it)."""
    try:
        info = client.conversations_info(channel=channel)
    except SlackApiError as error:
        if error.response.get("error") in ("channel_not_found", "not_in_channel"):
            raise InvalidInput("swarmbot is not in this channel, so it cannot answer in the "
                               "thread: add it first (`/invite @swarmbot`). Nothing was "
                               "changed.") from None
        raise Unavailable("Slack did not answer just now; nothing was changed. Try "
                          "again.") from None
    except OSError:
        raise Unavailable("Slack did not answer just now; nothing was changed. Try "
                          "again.") from None
    if not _object(info.get("channel")).get("is_member"):
        raise InvalidInput("swarmbot is not in this channel, so it cannot answer in the "
                           "thread: add it first (`/invite @swarmbot`). Nothing was changed.")


def permalink(client: Any, channel: str, ts: str) -> str | None:
    """The message's link (https://api.slack.com/methods/chat.getPermalink); none when Slack
    does not say: the quote is still posted."""
    try:
        return str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except Exception:  # noqa: BLE001 — cosmetic
        log.warning("no permalink for %s %s", channel, ts, exc_info=True)
        return None


def prefill(text: str) -> tuple[str, str, str]:
    """(title, severity, service) from a message's first line: `sev1` and `service:x` in it
    are taken as they are in `/swarm new`, the rest is the title."""
    title = intake.first_line(text)
    try:
        draft = parse_declaration(title)
    except SwarmbotError:
        return title, "sev3", ""
    return draft.title or title, draft.severity, draft.service


def register(app: App, services: Any) -> None:
    @app.shortcut(Shortcut.OPEN_CASE)
    def open_case(ack: Ack, body: dict[str, Any], client: Any, respond: Any) -> None:
        ack()
        channel = _text(_object(body.get("channel")).get("id"))
        message = source_message(channel, _object(body.get("message")))
        try:
            intake.check_message(services, message)
            require_member(client, channel)
            title, severity, service = prefill(message.text)
            metadata = json.dumps({"c": channel, "ts": message.ts, "a": message.author_id,
                                   "th": message.thread_ts,
                                   "p": permalink(client, channel, message.ts),
                                   "x": message.text[:MAX_METADATA_TEXT]})
            client.views_open(trigger_id=body.get("trigger_id"), view=declare_modal(
                callback_id=View.DECLARE_FROM_MESSAGE, private_metadata=metadata[:3000],
                title=title, severity=severity, service=service,
                description=message.text[:2900], heading="Open a swarm case"))
        except (SlackApiError, OSError):
            respond(response_type="ephemeral", replace_original=False,
                    text=":warning: Slack did not open the form just now; nothing was opened. "
                         "Try the shortcut again.")
        except Exception as error:  # noqa: BLE001 — the one place errors become messages
            respond(response_type="ephemeral", replace_original=False,
                    text=user_message(error))

    @app.view(View.DECLARE_FROM_MESSAGE)
    def declare_from_message(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        from bot.slack.listeners.views import FIELD_BLOCKS, form_draft

        user = _text(_object(body.get("user")).get("id"))
        try:
            meta = _object(json.loads(_text(view.get("private_metadata")) or "{}"))
        except ValueError:
            meta = {}
        try:
            draft = form_draft(view)
        except SwarmbotError as error:
            block = FIELD_BLOCKS.get(getattr(error, "field", None) or "", Block.TITLE)
            ack(response_action="errors", errors={block: error_words(error)})
            return
        message = SourceMessage(
            channel_id=_text(meta.get("c"))[:32], ts=_text(meta.get("ts"))[:32],
            author_id=_text(meta.get("a"))[:32], text=_text(meta.get("x")),
            thread_ts=_text(meta.get("th"))[:32] or None,
            permalink=_text(meta.get("p"))[:500] or None)
        if not (user and message.channel_id and message.ts and message.author_id):
            ack(response_action="errors", errors={Block.TITLE: "This form lost its message; "
                                                  "use the shortcut again."})
            return
        try:
            intake.open_from_message(services, owner_id=user, message=message, draft=draft)
        except Exception as error:  # noqa: BLE001 — the one place errors become messages
            ack(response_action="errors", errors={Block.TITLE: user_message(error)})
            return
        ack()


def draft_of(text: str, *, severity: str, service: str) -> CaseDraft:
    """A case from a message with no form (a reaction): the first line, the channel's
    defaults unless the line names its own."""
    title, named_severity, named_service = prefill(text)
    return CaseDraft(title=title, severity=named_severity if named_severity != "sev3"
                     else severity, service=named_service or service, description=text[:2900])
