"""The App Home tab, published per user."""

from __future__ import annotations

from typing import Any


from bot.services.queries import home_data
from bot.slack.blocks import home_view
from bot.slack.effects.support import Executor
from models.scheduling import OutboxMessage
from models.uow import UnitOfWork


def render_home(uow: UnitOfWork, user_id: str) -> dict[str, Any]:
    data = home_data(uow, user_id)
    return home_view(
        my_cases=[(c.reference, c.title, c.severity, c.channel_id) for c in data.my_cases],
        invites=[(i.case_reference, i.case_title, i.severity, i.reason) for i in data.invites],
        open_swarms=data.open_swarms, skills=data.skills, away=data.away)


class PublishHome(Executor):
    def prepare(self, message: OutboxMessage, uow: UnitOfWork) -> dict[str, Any] | None:
        user = message.payload["user"]
        return {"user": user, "view": render_home(uow, user)}

    def send(self, message: OutboxMessage, plan: dict[str, Any]) -> dict[str, Any]:
        self.client.views_publish(user_id=plan["user"], view=plan["view"])
        return {}

