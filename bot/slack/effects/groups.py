"""Reading a responder user group's members from Slack (usergroups.users.list)."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.slack.effects.support import Executor, slack_error
from models.scheduling import OutboxMessage
from models.uow import UnitOfWork

log = logging.getLogger(__name__)


class SyncUserGroup(Executor):
    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        return {"group": message.payload["group"]}

    def send(self, message: OutboxMessage, plan: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = self.client.usergroups_users_list(usergroup=plan["group"])
        except SlackApiError as error:
            reason = slack_error(error)
            if reason == "no_such_subteam":
                log.warning("user group %s named in the policy does not exist", plan["group"])
                return {"users": []}
            if reason in ("missing_scope", "not_allowed_token_type", "access_denied"):
                log.warning("cannot read user group %s (%s): anyone may act for it; add the "
                            "usergroups:read scope", plan["group"], reason)
                return {}
            raise
        return {"users": [u for u in answer.get("users", []) if isinstance(u, str)]}

    def apply(self, message: OutboxMessage, result: dict[str, Any], uow: UnitOfWork) -> None:
        if "users" in result:
            uow.groups.replace(message.payload["group"], result["users"], uow.now())
