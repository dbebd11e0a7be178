"""The App Home tab, published per user."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.metrics import measure, summarize, summarize_by
from bot.services.expertise import apply_profile
from bot.services.metrics import case_records
from bot.services.queries import home_data
from bot.slack.blocks import home_view, stats_blocks
from bot.slack.effects.support import Executor, slack_error
from models.scheduling import OutboxMessage
from models.uow import UnitOfWork


def render_home(uow: UnitOfWork, user_id: str, *, manager: bool = False) -> dict[str, Any]:
    data = home_data(uow, user_id)
    view = home_view(
        my_cases=[(c.reference, c.title, c.severity, c.channel_id) for c in data.my_cases],
        invites=[(i.case_reference, i.case_title, i.severity, i.reason) for i in data.invites],
        open_swarms=data.open_swarms, skills=data.skills, away=data.away)
    if manager:  # swarmbot admins see how cases went over the last 30 days
        found = [measure(r) for r in case_records(uow, since=uow.now() - timedelta(days=30))]
        _, blocks = stats_blocks(label="the last 30 days", overall=summarize(found),
                                 by_mode=summarize_by(found, "mode"),
                                 by_severity=summarize_by(found, "severity"))
        view["blocks"] += [{"type": "divider"}, *blocks]
    return view


class PublishHome(Executor):
    def __init__(self, client: WebClient, *, managers: frozenset[str] = frozenset()) -> None:
        super().__init__(client)
        self.managers = managers

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        user = message.payload["user"]
        return {"user": user, "view": render_home(uow, user, manager=user in self.managers)}

    def send(self, message: OutboxMessage, plan: dict[str, Any]) -> dict[str, Any]:
        self.client.views_publish(user_id=plan["user"], view=plan["view"])
        return {}



class SyncProfile(Executor):
    """users.info → the person's time zone, locale, handle and name. `include_locale`: Slack
    adds the user's `locale` (`ja-JP`) only when asked
    (https://api.slack.com/methods/users.info)."""

    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        return {"user": message.payload["user"]}

    def send(self, message: OutboxMessage, plan: dict[str, Any]) -> dict[str, Any]:
        try:
            user = self.client.users_info(user=plan["user"], include_locale=True)["user"]
        except SlackApiError as error:
            if slack_error(error) in ("user_not_found", "user_not_visible"):
                return {}
            raise
        return {"tz": user.get("tz"), "name": user.get("name"), "locale": user.get("locale"),
                "real_name": user.get("real_name") or ""}

    def apply(self, message: OutboxMessage, result: dict[str, Any], uow: UnitOfWork) -> None:
        if result:
            apply_profile(uow, user_id=message.payload["user"], tz=result.get("tz"),
                          handle=result.get("name"), display_name=result.get("real_name", ""),
                          locale=_locale(result.get("locale")))


def _locale(value: Any) -> str | None:
    """A locale as Slack writes it (`en-US`, `ja-JP`), else None."""
    if isinstance(value, str) and 2 <= len(value) <= 16 and value.replace("-", "").isalnum():
        return value
    return None
