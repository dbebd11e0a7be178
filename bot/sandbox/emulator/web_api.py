"""The Web API methods the bot uses, by name: `WebApi(emulator).methods["chat.postMessage"]`.

Each group lives in its own module (api_conversations, api_chat, api_people, api_views,
api_bookmarks);
a method `conversations__setTopic` answers `conversations.setTopic`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.sandbox.emulator.api_bookmarks import BookmarksApi
from bot.sandbox.emulator.api_chat import ChatApi
from bot.sandbox.emulator.api_conversations import ConversationsApi
from bot.sandbox.emulator.api_people import PeopleApi
from bot.sandbox.emulator.api_views import ViewsApi

if TYPE_CHECKING:
    from bot.sandbox.emulator.emulator import SlackEmulator

# Read methods take form or query arguments only: their reference pages list
# application/x-www-form-urlencoded, not application/json, and slack_sdk calls them with
# GET. Arguments sent to them in a JSON body are not seen (a classic cause of a puzzling
# channel_not_found against real Slack), and the emulator does the same.
FORM_ONLY = frozenset({
    "conversations.info", "conversations.members", "conversations.list",
    "conversations.history", "conversations.replies", "chat.getPermalink", "reactions.get",
    "users.info", "users.list", "users.lookupByEmail", "users.getPresence",
    "users.profile.get", "team.info", "usergroups.list", "usergroups.users.list",
})


class WebApi(ConversationsApi, ChatApi, PeopleApi, ViewsApi, BookmarksApi):
    def __init__(self, emulator: SlackEmulator) -> None:
        super().__init__(emulator)
        self.methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            name.replace("__", "."): getattr(self, name)
            for name in dir(self) if "__" in name.strip("_") and not name.startswith("_")
        }
