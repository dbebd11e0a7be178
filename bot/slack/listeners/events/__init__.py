"""Events API: reactions answer invites; opening App Home shows your cases and invites."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.services import queries, swarm
from bot.slack.ids import ACCEPT_REACTIONS, DECLINE_REACTIONS


def register(app: App, services: Any) -> None:
    @app.event("reaction_added")
    def reaction_added(event: dict[str, Any], body: dict[str, Any]) -> None:
        reaction = event.get("reaction", "").split("::")[0]  # drop skin tone
        item = event.get("item") or {}
        if item.get("type") != "message":
            return
        if reaction not in ACCEPT_REACTIONS and reaction not in DECLINE_REACTIONS:
            return
        swarm.answer_invite(services, channel=item.get("channel", ""), ts=item.get("ts", ""),
                            user_id=event.get("user", ""), accepted=reaction in ACCEPT_REACTIONS,
                            event_id=body.get("event_id"))

    @app.event("reaction_removed")
    def reaction_removed() -> None:
        return None  # an answer stands once given; nothing to do

    @app.event("app_home_opened")
    def app_home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home":
            queries.request_home(services, user_id=event.get("user", ""))
