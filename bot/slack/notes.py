"""Notes the services record as a kind and its data (`effects.ephemeral(note=…)`), worded
here when they are delivered. One function per kind; text a person typed is escaped."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.domain.mrkdwn import escape


def _invite_closed(data: Mapping[str, Any]) -> str:
    """What an expert reacting to an invite that is no longer open is told."""
    reference, state = data["reference"], data["state"]
    owner = f"<@{data['owner']}>" if data.get("owner") else "the case owner"
    again = f"If you can help after all, ask {owner} to add you (`/swarm invite`)."
    if state == "accepted" and data.get("left"):
        return (f"You accepted this invite and later left the swarm of case {reference}. "
                f"{again}")
    if state == "accepted":
        where = f" in <#{data['case_channel']}>" if data.get("case_channel") else ""
        return (f"You already accepted this invite: you are in the swarm of case "
                f"{reference}{where}.")
    if data.get("resolved"):
        return f"Case {reference} is resolved, so this invite is closed."
    if state == "declined":
        return (f"You declined this invite to case {reference}, so another expert was "
                f"asked. {again}")
    if state == "expired":
        return (f"This invite to case {reference} expired unanswered and went to another "
                f"expert. {again}")
    return f"This invite to case {reference} is {state}."


def _nobody_to_invite(data: Mapping[str, Any]) -> str:
    """The case channel, when nobody could be invited and nobody is coming."""
    service = f" on `{escape(data['service'])}`" if data.get("service") else ""
    found = ("the expert model suggests no one here who can come"
             if data.get("model") else "no expert model is trained yet")
    first = ("Nobody else is left to invite to this swarm" if data.get("asked_before")
             else "Nobody was invited to this swarm")
    owner = f"<@{data['owner']}>, next" if data.get("owner") else "Next"
    why = (f"the {data['found']} people who fit this case{service} are away or in too many "
           "swarms already" if data.get("found") else
           f"{found}, nobody declared a skill this case names, the policy lists no responder "
           f"for it, and swarmbot resolved no case like it{service}")
    return (f":warning: {first}: {why}.\n{owner} steps:\n"
            "• add people now with `/swarm invite @…`\n"
            "• ask people to declare what they know with `/swarm skills add …` "
            "(swarmbot looks for them when a case names it)\n"
            "• import your resolution history (`swarmbot history import FILE`, then "
            "`swarmbot model train --from-db`)")


NOTES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "invite_closed": _invite_closed,
    "nobody_to_invite": _nobody_to_invite,
}


def note_text(kind: str, data: Mapping[str, Any]) -> str:
    return NOTES[kind](data)
