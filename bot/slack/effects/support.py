"""Small helpers the executors share."""

from __future__ import annotations

import threading
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery.protocol import NotReady, PermanentFailure
from models.case import Case
from models.scheduling import OutboxMessage
from models.uow import UnitOfWork


def slack_error(error: SlackApiError) -> str:
    return str(error.response.get("error", "")) if error.response is not None else ""


def case_for(uow: UnitOfWork, case_id: int | None) -> Case | None:
    return uow.cases.get(case_id) if case_id is not None else None


def case_channel(case: Case) -> str:
    if not case.channel_id:
        raise NotReady(f"case {case.reference} has no channel yet",
                       needs=f"create_channel:{case.id}")
    return case.channel_id


EFFECT_EVENT = "swarmbot_effect"  # message metadata: which outbox record posted it
HISTORY_LOOKBACK = 200  # how many recent messages a retry searches for its earlier post


def post_once(client: WebClient, message: OutboxMessage, *, channel: str, text: str,
              blocks: list[dict[str, Any]] | None = None,
              thread_ts: str | None = None) -> dict[str, str]:
    """chat.postMessage for one outbox record, once: the message carries the record in its
    metadata, and when an earlier attempt may have reached Slack (it failed without a clear
    answer, or the process died mid-way) the channel's recent history is searched for it
    before posting again. Returns the message's channel and ts."""
    key = message.dedupe_key or message.kind  # a coalescing refresh has no dedupe_key
    marker = {"effect": message.id, "key": key.split("#", 1)[0][:100]}
    if message.attempts:
        found = _posted_before(client, channel, marker, thread_ts=thread_ts)
        if found is not None:
            return {"channel": channel, "ts": found}
    extra = {"thread_ts": thread_ts} if thread_ts else {}
    posted = client.chat_postMessage(channel=channel, text=text, blocks=blocks, **extra,
                                     metadata={"event_type": EFFECT_EVENT,
                                               "event_payload": marker})
    return {"channel": str(posted["channel"]), "ts": str(posted["ts"])}


def _posted_before(client: WebClient, channel: str, marker: dict[str, Any], *,
                   thread_ts: str | None = None) -> str | None:
    cursor, seen = None, 0
    while seen < HISTORY_LOOKBACK:
        try:
            page = (client.conversations_replies(channel=channel, ts=thread_ts, limit=100,
                                                 cursor=cursor, include_all_metadata=True)
                    if thread_ts else
                    client.conversations_history(channel=channel, limit=100, cursor=cursor,
                                                 include_all_metadata=True))
        except SlackApiError as error:
            if slack_error(error) in ("missing_scope", "not_in_channel", "channel_not_found"):
                return None  # cannot look: posting again beats not posting at all
            raise
        for posted in page.get("messages") or []:
            metadata = posted.get("metadata") or {}
            if metadata.get("event_type") == EFFECT_EVENT and \
                    metadata.get("event_payload") == marker:
                return str(posted["ts"])
        seen += len(page.get("messages") or [])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None


def unanswered(error: SlackApiError) -> bool:
    """A 5xx: Slack may or may not have done the call."""
    return error.response is not None and error.response.status_code >= 500


def open_dm(client: WebClient, user: str, known: dict[str, str] | None = None) -> str:
    """The bot's direct-message channel with `user` (a user who cannot get DMs is final).
    `known`: channels opened before, by user — a DM's id never changes, and asking again
    spends conversations.open's rate limit (50 a minute) on every invite."""
    if known is not None and user in known:
        return known[user]
    try:
        channel = str(client.conversations_open(users=user)["channel"]["id"])
    except SlackApiError as error:
        if slack_error(error) in ("user_not_found", "user_disabled", "cannot_dm_bot"):
            raise PermanentFailure(f"cannot DM {user}: {slack_error(error)}") from None
        raise
    if known is not None:
        known[user] = channel
    return channel


class SlackIdentity:
    """Who the bot is in this workspace (auth.test), asked once and remembered."""

    def __init__(self, client: WebClient) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._user_id: str | None = None

    @property
    def bot_user_id(self) -> str:
        with self._lock:
            if self._user_id is None:
                self._user_id = str(self._client.auth_test()["user_id"])
            return self._user_id


class Executor:
    """Base of the effect executors: a Slack client, and nothing to record by default."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def apply(self, message: OutboxMessage, result: dict[str, Any], uow: UnitOfWork) -> None:
        return None
