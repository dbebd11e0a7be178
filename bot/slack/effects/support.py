"""Small helpers the executors share."""

from __future__ import annotations

import threading
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.outbox import NotReady, PermanentFailure
from models.case import Case
from models.scheduling import OutboxMessage
from models.uow import UnitOfWork


def slack_error(error: SlackApiError) -> str:
    return str(error.response.get("error", "")) if error.response is not None else ""


def case_for(uow: UnitOfWork, case_id: int | None) -> Case | None:
    return uow.cases.get(case_id) if case_id is not None else None


def case_channel(case: Case) -> str:
    if not case.channel_id:
        raise NotReady(f"case {case.reference} has no channel yet")
    return case.channel_id


def open_dm(client: WebClient, user: str) -> str:
    """The bot's direct-message channel with `user` (a user who cannot get DMs is final)."""
    try:
        return str(client.conversations_open(users=user)["channel"]["id"])
    except SlackApiError as error:
        if slack_error(error) in ("user_not_found", "user_disabled", "cannot_dm_bot"):
            raise PermanentFailure(f"cannot DM {user}: {slack_error(error)}") from None
        raise


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
