"""Bookmarks in the case channel's header (bookmarks.add,
https://docs.slack.dev/reference/methods/bookmarks.add): the dashboard, the source ticket,
the review draft (its permalink, chat.getPermalink). Each is recorded once; a retry after an
unclear failure first reads the channel's bookmarks (bookmarks.list) so it adds none twice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.services.bookmarks import BookmarkKind
from bot.slack.effects.support import Executor, case_channel, case_for, slack_error
from models.scheduling import OutboxMessage
from models.uow import UnitOfWork

TITLES = {BookmarkKind.DASHBOARD: ("Dashboard", ":bar_chart:"),
          BookmarkKind.REVIEW: ("Post-case review", ":memo:")}
GONE = ("is_archived", "channel_not_found", "message_not_found")


@dataclass(frozen=True)
class BookmarkPlan:
    channel: str
    title: str
    emoji: str
    link: str | None  # None: the review message's permalink, asked when sent
    message_ts: str | None = None


class AddBookmark(Executor):
    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> BookmarkPlan | None:
        case = case_for(uow, message.case_id)
        if case is None:
            return None
        kind = message.payload.get("kind")
        if kind == BookmarkKind.SOURCE:
            title, emoji = f"Source ticket ({case.source})", ":link:"
        else:
            title, emoji = TITLES[BookmarkKind(kind)]
        if kind == BookmarkKind.REVIEW:
            if case.review_ts is None:
                return None
            return BookmarkPlan(case_channel(case), title, emoji, None, case.review_ts)
        return BookmarkPlan(case_channel(case), title, emoji, message.payload["link"])

    def send(self, message: OutboxMessage, plan: BookmarkPlan) -> dict[str, Any]:
        try:
            link = plan.link or str(self.client.chat_getPermalink(
                channel=plan.channel, message_ts=plan.message_ts)["permalink"])
            if message.attempts and self._there(plan.channel, link):
                return {}
            added = self.client.bookmarks_add(channel_id=plan.channel, title=plan.title,
                                              type="link", link=link, emoji=plan.emoji)
        except SlackApiError as error:
            if slack_error(error) in GONE:  # the channel was archived meanwhile: fine
                return {}
            raise
        return {"bookmark": str((added.get("bookmark") or {}).get("id", ""))}

    def _there(self, channel: str, link: str) -> bool:
        listed = self.client.bookmarks_list(channel_id=channel)
        return any(b.get("link") == link for b in listed.get("bookmarks") or [])
