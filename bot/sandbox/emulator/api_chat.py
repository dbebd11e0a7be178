"""chat.* and reactions.* (https://api.slack.com/methods/chat.postMessage, chat.update,
chat.postEphemeral, chat.getPermalink, reactions.add, reactions.remove, reactions.get)."""

from __future__ import annotations

import copy
import time

from bot.sandbox.emulator.api_base import (
    REACTION_NAME,
    ApiBase,
    Params,
    Result,
    bool_arg,
    json_arg,
)
from bot.sandbox.emulator.state import SlackError


class ChatApi(ApiBase):
    def chat__postMessage(self, p: Params) -> Result:
        channel = self.writable(p.get("channel"))
        content = self.content(p)
        self.emu.limits.check_message(channel.id)
        message = self.bot_message(content)
        if p.get("thread_ts"):
            parent = self.ws.message(channel, str(p["thread_ts"]))
            message["thread_ts"] = parent.get("thread_ts") or parent["ts"]
            if bool_arg(p.get("reply_broadcast")):
                message["subtype"] = "thread_broadcast"
        if p.get("metadata"):
            message["metadata"] = json_arg(p["metadata"])
        self.ws.append_message(channel, message)
        self.emit({**copy.deepcopy(message), "channel": channel.id,
                   "channel_type": channel.channel_type, "event_ts": message["ts"]})
        return {"channel": channel.id, "ts": message["ts"], "message": copy.deepcopy(message)}

    def chat__update(self, p: Params) -> Result:
        channel = self.ws.channel_by_id(p.get("channel"))
        message = self.ws.message(channel, str(p.get("ts") or ""))
        if message.get("user") != self.bot:
            raise SlackError("cant_update_message")
        if channel.is_archived:
            raise SlackError("is_archived")
        # Blocks left out are kept; an empty list removes them (chat.update's `blocks`).
        content = self.content(p, required=not message.get("blocks") and "blocks" not in p)
        message.update(content)
        if content.get("blocks") == []:
            message.pop("blocks")
        message["edited"] = {"user": self.bot, "ts": self.ws.new_ts()}
        return {"channel": channel.id, "ts": message["ts"], "text": message.get("text", ""),
                "message": copy.deepcopy(message)}

    def chat__postEphemeral(self, p: Params) -> Result:
        channel = self.writable(p.get("channel"))
        user = self.ws.user(p.get("user"))
        if user.id not in channel.members:
            raise SlackError("user_not_in_channel")
        content = self.content(p)
        if p.get("thread_ts"):
            content["thread_ts"] = str(p["thread_ts"])
        shown = self.ws.show_ephemeral(user.id, channel.id, content, source="chat.postEphemeral")
        return {"message_ts": shown["ts"]}

    def chat__getPermalink(self, p: Params) -> Result:
        channel = self.visible(p.get("channel"))
        ts = str(p.get("message_ts") or "")
        self.ws.message(channel, ts)
        url = (f"https://{self.ws.team_domain}.slack.com/archives/{channel.id}/"
               f"p{ts.replace('.', '')}")
        return {"channel": channel.id, "permalink": url}

    # -- reactions -------------------------------------------------------------------------
    def _item(self, p: Params) -> tuple[object, dict]:
        if not p.get("channel") or not p.get("timestamp"):
            raise SlackError("no_item_specified")
        channel = self.visible(p.get("channel"))
        return channel, self.ws.message(channel, str(p["timestamp"]))

    def _reaction_event(self, kind: str, channel: object, message: dict, name: str) -> None:
        self.emit({"type": kind, "user": self.bot, "reaction": name,
                   "item_user": message.get("user"),
                   "item": {"type": "message", "channel": channel.id, "ts": message["ts"]},
                   "event_ts": f"{time.time():.6f}"})

    def reactions__add(self, p: Params) -> Result:
        name = str(p.get("name") or "")
        if not REACTION_NAME.match(name):
            raise SlackError("invalid_name")
        channel, message = self._item(p)
        if channel.is_archived:
            raise SlackError("is_archived")
        self.ws.add_reaction(message, self.bot, name)
        self._reaction_event("reaction_added", channel, message, name)
        return {}

    def reactions__remove(self, p: Params) -> Result:
        channel, message = self._item(p)
        name = str(p.get("name") or "")
        self.ws.remove_reaction(message, self.bot, name)
        self._reaction_event("reaction_removed", channel, message, name)
        return {}

    def reactions__get(self, p: Params) -> Result:
        channel, message = self._item(p)
        return {"type": "message", "channel": channel.id, "message": copy.deepcopy(message)}
