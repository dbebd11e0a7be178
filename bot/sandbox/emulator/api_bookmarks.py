"""bookmarks.add and bookmarks.list: links in a channel's header, near its pinned messages
(https://docs.slack.dev/reference/methods/bookmarks.add,
https://docs.slack.dev/reference/methods/bookmarks.list). bookmarks.add takes `channel_id`,
`title`, `type` (only `link` is accepted) and the `link`, with an optional `emoji`, and answers
the bookmark object (`id`, `channel_id`, `title`, `link`, `emoji`, `type`, `date_created`,
`rank`…); bookmarks.list answers `bookmarks`, the channel's, in the order added. A private
channel the bot is not in is channel_not_found, an archived one cannot be changed."""

from __future__ import annotations

import time

from bot.sandbox.emulator.api_base import ApiBase, Params, Result
from bot.sandbox.emulator.state import SlackError


class BookmarksApi(ApiBase):
    def bookmarks__add(self, p: Params) -> Result:
        channel = self.visible(p.get("channel_id"))
        if channel.is_archived:
            raise SlackError("is_archived")
        title, kind, link = p.get("title"), p.get("type"), p.get("link")
        if not title or not kind:
            raise SlackError("invalid_arguments")
        if kind != "link" or not isinstance(link, str) or \
                not link.startswith(("http://", "https://")):
            raise SlackError("invalid_arguments")
        bookmark = {"id": f"Bk{self.ws.new_id('K')[1:]}", "channel_id": channel.id,
                    "title": str(title), "link": link, "emoji": str(p.get("emoji") or ""),
                    "icon_url": None, "type": "link", "entity_id": None,
                    "date_created": int(time.time()), "date_updated": 0,
                    "rank": chr(ord("a") + len(channel.bookmarks) % 26),
                    "last_updated_by_user_id": self.bot, "last_updated_by_team_id":
                    self.ws.team_id, "shortcut_id": None, "app_id": self.emu.api_app_id}
        channel.bookmarks.append(bookmark)
        return {"bookmark": dict(bookmark)}

    def bookmarks__list(self, p: Params) -> Result:
        channel = self.visible(p.get("channel_id"))
        return {"bookmarks": [dict(b) for b in channel.bookmarks]}
