"""Slack's documented rate limits, and a Web API client that spends them as a shared budget
(`bot.delivery.budget.Budget`) before calling — the outbox delivery's client.

Slack applies its limits "per API method per workspace/team per app", by tier: Tier 1 1+ a
minute, Tier 2 20+, Tier 3 50+, Tier 4 100+; chat.postMessage is special, "generally one
message per second per channel" with short bursts allowed
(https://docs.slack.dev/apis/web-api/rate-limits). Each method's tier is on its reference
page (https://docs.slack.dev/reference/methods/<method>). The budget allows the documented
number in any 61 seconds (one chat.postMessage to a channel a 1.1 s on average, in bursts):
a margin so that network jitter does not put one call too many in Slack's window. Slack's
429s teach it lower."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from bot.delivery.budget import Budget, Limit
from bot.delivery.protocol import Later
from bot.services.effects import Effect
from bot.slack.gateway import MeteredWebClient, retry_after

TIER_2, TIER_3, TIER_4 = 20, 50, 100
PER_MINUTE = {
    "auth.test": TIER_4,
    "conversations.create": TIER_2, "conversations.setTopic": TIER_2,
    "conversations.archive": TIER_2, "conversations.unarchive": TIER_2,
    "conversations.list": TIER_2,
    "conversations.invite": TIER_3, "conversations.kick": TIER_3,
    "conversations.open": TIER_3, "conversations.history": TIER_3,
    "chat.update": TIER_3, "reactions.add": TIER_3,
    "chat.postEphemeral": TIER_4, "views.publish": TIER_4, "users.info": TIER_4,
    "usergroups.users.list": TIER_2,
    # https://docs.slack.dev/reference/methods/bookmarks.list: Tier 3; bookmarks.add: Tier 2
    "bookmarks.add": TIER_2, "bookmarks.list": TIER_3, "chat.getPermalink": TIER_4,
}
UNKNOWN = TIER_2  # "most methods allow at least 20 requests per minute"
MINUTE = 61.0  # a second's margin on Slack's minute
POST_EVERY = 1.1  # chat.postMessage: one a second per channel, with a margin
# … and "short bursts of more than 1 allowed", how long not said: a channel's posts start
# hoping for this many at once (a new case channel gets four in its first moment: the
# history, the experts, the call, the summary), and the first refused burst teaches every
# channel the burst Slack took (the emulator's strict mode: 3 in any 3 s), at one a
# POST_EVERY on average either way.
POST_HOPE = 10
POST = "chat.postMessage"

# The budget each effect's first Slack call spends (the outbox holds back a new effect whose
# budget is spent before trying it). Posts are left out: their budget is their channel's,
# known once rendered (an effect held for one records it).
FIRST_CALL = {
    Effect.CREATE_CHANNEL: "conversations.create", Effect.SYNC_MEMBERS: "conversations.invite",
    Effect.REMOVE_MEMBER: "conversations.kick", Effect.SET_TOPIC: "conversations.setTopic",
    Effect.UPDATE_INVITE: "chat.update", Effect.UPDATE_RESOLUTION: "chat.update",
    Effect.UPDATE_APPROVAL: "chat.update", Effect.INVITE_HINTS: "reactions.add",
    Effect.ARCHIVE_CHANNEL: "conversations.archive",
    Effect.UNARCHIVE_CHANNEL: "conversations.unarchive",
    Effect.PUBLISH_HOME: "views.publish", Effect.SYNC_PROFILE: "users.info",
    Effect.SYNC_USER_GROUP: "usergroups.users.list", Effect.EPHEMERAL: "chat.postEphemeral",
    Effect.ADD_BOOKMARK: "bookmarks.add",
}


# An effect that spent a call of a limit makes its other calls of that limit (a second
# reaction, another copy of a message) waiting this long at most for their turn: giving up on
# the next one, it would try again and again, spending its first call each time. A call of
# another limit is held at once (the effect goes again when that one has room).
FINISH_WITHIN = 2.0
_effect = threading.local()


@contextmanager
def one_effect() -> Iterator[None]:
    """The calls of one effect's delivery, on this thread (see FINISH_WITHIN)."""
    _effect.spent = set()
    try:
        yield
    finally:
        _effect.spent = set()


def limit_of(method: str, args: dict[str, Any]) -> Limit:
    """The limit a call of `method` with `args` spends."""
    if method == POST:  # "1 message per second to a specific channel, with short bursts
        # of more than 1 allowed" (docs.slack.dev/apis/web-api/rate-limits): a burst of
        # POST_HOPE (learned down for every channel, `Limit.family`), one a POST_EVERY
        return Limit(f"{POST}:{args.get('channel') or ''}", POST_HOPE, POST_HOPE * POST_EVERY,
                     family=POST)
    return Limit(method, PER_MINUTE.get(method, UNKNOWN), MINUTE)


class BudgetedClient(MeteredWebClient):
    """A WebClient whose every call first spends its limit's budget: a call whose budget is
    spent is not made (`Later` naming the budget: the effect is held until it has room) —
    unless the same effect already spent a call of that limit (`one_effect`): that one waits
    its turn — and a 429 holds the budget for its Retry-After and learns its rate down.
    Metered like the client it wraps: its calls count in GET /metrics."""

    def __init__(self, client: WebClient, budget: Budget) -> None:
        super().__init__(token=client.token, base_url=client.base_url, timeout=client.timeout,
                         retry_handlers=list(client.retry_handlers))
        self.budget = budget

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        args = {**(kwargs.get("params") or {}), **(kwargs.get("data") or {}),
                **(kwargs.get("json") or {})}
        limit = limit_of(api_method, args)
        spent: set[str] = getattr(_effect, "spent", set())
        give_up_at = time.monotonic() + (FINISH_WITHIN if limit.key in spent else 0.0)
        while (wait := self.budget.take(limit)) > 0:
            if time.monotonic() + wait > give_up_at:
                raise Later(wait, waits_for=limit.key)
            time.sleep(wait)
        spent.add(limit.key)
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            seconds = retry_after(error)
            if seconds is None:
                raise
            self.budget.refused(limit, seconds)
            raise Later(seconds, waits_for=limit.key) from None
