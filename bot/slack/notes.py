"""Notes the services record as a kind and its data (`effects.ephemeral(note=…)`), worded
here when they are delivered. One function per kind; text a person typed is escaped."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.domain.durations import human_duration
from bot.domain.mrkdwn import escape
from bot.domain.timeline import group_mention
from bot.domain.workflows import facts_words, fill

# In a post's text: the case channel's link, filled in when it is delivered (the channel of a
# case just declared does not exist yet when the post is recorded).
CASE_CHANNEL = "<#case-channel>"


def _person(user: str) -> str:
    return f"<@{user}>"


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


def _history(data: Mapping[str, Any]) -> str:
    """What the history knows of cases like this one (bot.services.knowledge.History)."""
    lines = [":books: *From the history*"]
    if data.get("needs_help") is not None:
        lines.append(f"Forecast: {_share(data['needs_help'])} of past cases like this needed "
                     "more than one person.")
    similar = data.get("similar") or []
    if similar:
        lines.append("Similar resolved cases:" if len(similar) > 1
                     else "A similar resolved case:")
        for past in similar:
            took = (f" in {human_duration(timedelta(seconds=past['took_seconds']))}"
                    if past.get("took_seconds") is not None else "")
            who = ", ".join(_person(slack) if slack else f"`{ref}`"
                            for ref, slack in past["resolvers"])
            created = datetime.fromisoformat(past["created_at"])
            line = (f"• {past['id']} *{_clean(past['title'])}* — {created:%b %Y}, resolved "
                    f"by {who}{took}")
            if past.get("summary"):
                line += f": {_clean(past['summary'])}"
            lines.append(line)
    else:
        lines.append("No resolved case in the history is close to this one.")
    return "\n".join(lines)


def _share(probability: float) -> str:
    if probability >= 0.995:
        return "almost all"
    return f"{probability:.0%}" if probability >= 0.005 else "almost none"


def _clean(text: str) -> str:
    """History text into mrkdwn without mentions or markup breaking out."""
    return escape(" ".join(text.split())[:200]).replace("*", "")


def _filled(data: Mapping[str, Any]) -> str:
    """A workflow step's own text (the policy's mrkdwn) with the case's facts filled in."""
    return fill(str(data.get("words", "")), facts_words(data.get("facts") or {}, _person,
                                                        CASE_CHANNEL))


def _workflow_invited(data: Mapping[str, Any]) -> str:
    mentions = " ".join([*(_person(u) for u in data.get("users", ())),
                         *(group_mention(g) for g in data.get("groups", ()))])
    return f":busts_in_silhouette: Pulled in by workflow: {mentions}"


def _workflow_remind(data: Mapping[str, Any]) -> str:
    return f":bell: {facts_words(data.get('facts') or {}, _person, CASE_CHANNEL)['owner']} " \
           f"{_filled(data)}"


NOTES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "invite_closed": _invite_closed,
    "history": _history,
    "workflow_invited": _workflow_invited,
    "workflow_post": _filled,
    "workflow_remind": _workflow_remind,
    "call_link": lambda data: f":telephone_receiver: Call for this case: {data['url']}",
}


def note_text(kind: str, data: Mapping[str, Any]) -> str:
    return NOTES[kind](data)


def text_of(payload: Mapping[str, Any]) -> str:
    """The words of a post or ephemeral note as recorded in the outbox: its note worded now,
    or the text a row queued before notes still carries."""
    if payload.get("note"):
        return note_text(str(payload["note"]), payload.get("data") or {})
    return str(payload.get("text") or "")
