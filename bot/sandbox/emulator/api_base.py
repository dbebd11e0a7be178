"""What every group of Web API methods shares: argument parsing like Slack's, message
content checks, and the workspace they act on."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from bot.sandbox.emulator.blocks import check_blocks
from bot.sandbox.emulator.state import BOT_ID, Channel, SlackError, Workspace

if TYPE_CHECKING:
    from bot.sandbox.emulator.emulator import SlackEmulator

Params = dict[str, Any]
Result = dict[str, Any]

# reactions.add: an emoji name without colons, optionally with a skin tone
# (https://api.slack.com/methods/reactions.add: `invalid_name`).
REACTION_NAME = re.compile(r"^[a-z0-9_+\-']+(::skin-tone-[2-6])?$")
MAX_TEXT = 40_000  # chat.postMessage: text over 40,000 characters → msg_too_long


def json_arg(value: Any, error: str = "invalid_arguments") -> Any:
    """slack_sdk sends blocks/view/metadata as JSON values in a JSON body, or as JSON strings
    in a form body; both mean the same."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise SlackError(error) from None
    return value


def bool_arg(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true", "yes")


def int_arg(value: Any, default: int, low: int, high: int) -> int:
    try:
        number = int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        raise SlackError("invalid_arguments") from None
    return max(low, min(number, high))


def id_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [u.strip() for u in str(value or "").split(",") if u.strip()]


def page(items: list[Any], p: Params, *, default: int = 100, high: int = 1000
         ) -> tuple[list[Any], str]:
    """Cursor pagination (https://api.slack.com/docs/pagination): a page and next_cursor."""
    limit = int_arg(p.get("limit"), default, 1, high) or default
    try:
        start = int(str(p.get("cursor") or "0").removeprefix("dXNlcjo"))
    except ValueError:
        raise SlackError("invalid_cursor") from None
    chunk = items[start:start + limit]
    more = start + limit < len(items)
    return chunk, (f"dXNlcjo{start + limit}" if more else "")


class ApiBase:
    def __init__(self, emulator: SlackEmulator) -> None:
        self.emu = emulator
        self.ws: Workspace = emulator.workspace

    @property
    def bot(self) -> str:
        return self.emu.bot_user_id

    def emit(self, event: dict[str, Any]) -> None:
        """An event Slack would send because of this call, if the app subscribes to it."""
        self.emu.queue_event(event)

    def visible(self, ref: Any) -> Channel:
        """A conversation the bot can see: private channels it is not in are invisible, as
        Slack answers channel_not_found for them."""
        channel = self.ws.channel_by_id(ref)
        if channel.is_private and not channel.is_im and self.bot not in channel.members:
            raise SlackError("channel_not_found")
        return channel

    def writable(self, ref: Any) -> Channel:
        """A conversation the bot may post into: not archived, and a member if private."""
        channel = self.ws.channel_by_id(ref)
        if channel.is_archived:
            raise SlackError("is_archived")
        if channel.is_private and not channel.is_im and self.bot not in channel.members:
            raise SlackError("not_in_channel")
        return channel

    def content(self, p: Params, *, required: bool = True) -> dict[str, Any]:
        """text/blocks/attachments of a message, checked as chat.postMessage checks them."""
        text = p.get("text")
        blocks = json_arg(p.get("blocks"), "invalid_blocks_format") if "blocks" in p else None
        attachments = json_arg(p.get("attachments")) if p.get("attachments") else None
        if required and not text and not blocks and not attachments:
            raise SlackError("no_text")
        if text is not None and len(str(text)) > MAX_TEXT:
            raise SlackError("msg_too_long")
        if blocks is not None:
            errors = check_blocks(blocks)
            if errors:
                raise SlackError("invalid_blocks", errors=errors, response_metadata={
                    "messages": [f"[ERROR] {e}" for e in errors]})
        found: dict[str, Any] = {}
        if text is not None:
            found["text"] = str(text)
        if blocks is not None:
            found["blocks"] = blocks
        if attachments is not None:
            found["attachments"] = attachments
        return found

    def bot_message(self, content: dict[str, Any]) -> dict[str, Any]:
        return {"type": "message", "user": self.bot, "bot_id": BOT_ID,
                "app_id": self.emu.api_app_id, "team": self.ws.team_id, "text": "",
                **content, "ts": self.ws.new_ts()}
