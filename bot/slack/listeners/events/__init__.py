"""Events API: reactions answer invites; opening App Home shows your cases and invites; a
changed profile (user_change) updates the person's time zone and locale; subteam events keep the
members of responder user groups current.

Events come from Slack, but a field of the wrong type or a missing one is ignored (answered
200, nothing done) rather than failing the request, which Slack would only retry."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App

from bot.services import expertise, queries, swarm, user_groups
from bot.services.text import printable
from bot.slack.ids import ACCEPT_REACTIONS, DECLINE_REACTIONS

_SLACK_ID = re.compile(r"^[A-Z0-9]{2,32}$")


def _text(value: Any) -> str:
    return printable(value) if isinstance(value, str) else ""


def _slack_id(value: Any) -> str:
    return value if isinstance(value, str) and _SLACK_ID.match(value) else ""


def _ids(value: Any) -> list[str]:
    return [v for v in value if _slack_id(v)] if isinstance(value, list) else []


def register(app: App, services: Any) -> None:
    @app.event("reaction_added")
    def reaction_added(event: dict[str, Any], body: dict[str, Any]) -> None:
        reaction = _text(event.get("reaction")).split("::")[0]  # drop skin tone
        item = event.get("item")
        if not isinstance(item, dict) or item.get("type") != "message":
            return
        if reaction not in ACCEPT_REACTIONS and reaction not in DECLINE_REACTIONS:
            return
        user, channel, ts = _slack_id(event.get("user")), _slack_id(item.get("channel")), \
            _text(item.get("ts"))
        if not (user and channel and ts):
            return
        swarm.answer_invite(services, channel=channel, ts=ts[:32], user_id=user,
                            accepted=reaction in ACCEPT_REACTIONS,
                            event_id=_text(body.get("event_id"))[:64] or None)

    # Events the manifest does not subscribe to, which Slack still sends to an app whose
    # subscriptions were widened by hand (and the sandbox sends when people type in a
    # channel): answered 200 with nothing done, instead of bolt's "Unhandled request"
    # warning with a suggested listener for every one of them. A reaction taken back does
    # nothing either: an answer stands once given.
    def not_ours() -> None:
        return None

    app.event("message")(not_ours)
    app.event("reaction_removed")(not_ours)

    @app.event("app_home_opened")
    def app_home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home":
            queries.request_home(services, user_id=_slack_id(event.get("user")))

    @app.event("user_change")
    def user_change(event: dict[str, Any]) -> None:
        user = event.get("user")
        if not isinstance(user, dict) or not _slack_id(user.get("id")):
            return
        expertise.update_profile(services, user_id=_slack_id(user.get("id")),
                                 tz=_text(user.get("tz"))[:64] or None,
                                 handle=_text(user.get("name"))[:80] or None,
                                 display_name=_text(user.get("real_name"))[:120],
                                 locale=_text(user.get("locale"))[:16] or None)

    @app.event("subteam_members_changed")
    def subteam_members_changed(event: dict[str, Any]) -> None:
        group = _slack_id(event.get("subteam_id"))
        if group:
            user_groups.members_changed(services, group=group,
                                        added=_ids(event.get("added_users")),
                                        removed=_ids(event.get("removed_users")))

    @app.event("subteam_updated")
    def subteam_updated(event: dict[str, Any]) -> None:
        subteam = event.get("subteam")
        if not isinstance(subteam, dict) or not _slack_id(subteam.get("id")):
            return
        deleted = bool(subteam.get("date_delete"))  # a disabled group has no one left
        users = [] if deleted else _ids(subteam.get("users"))
        count = subteam.get("user_count")
        complete = deleted or not isinstance(count, int) or count <= len(users)
        user_groups.group_updated(services, group=_slack_id(subteam.get("id")), users=users,
                                  complete=complete)
