"""What a timeline event says, made from its kind and data when it is shown — not stored as
Slack markup. Each surface names people its own way (`person`): Slack as a mention, an export
as `@handle`; the next issue's translations hook in here too.

Events recorded before their kind was converted (or without the data it needs) keep the text
they were stored with, which the audit chain covers (models/audit.py): it is never rewritten,
so `swarmbot audit verify` holds for old chains. New events of a converted kind store no text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from bot.domain.states import TimelineKind

Person = Callable[[str], str]


class Recorded(Protocol):
    """A timeline event as read (read-only: a stored kind may be a str subclass, an enum)."""

    @property
    def kind(self) -> str: ...
    @property
    def actor(self) -> str | None: ...
    @property
    def text(self) -> str: ...
    @property
    def data(self) -> Any: ...


def mention(user: str) -> str:
    """How Slack mrkdwn names a person."""
    return f"<@{user}>"


def channel_link(channel: str) -> str:
    """How Slack mrkdwn links a channel."""
    return f"<#{channel}>"


def group_mention(group: str) -> str:
    """How Slack mrkdwn names a user group."""
    return f"<!subteam^{group}>"


def step_words(done: Any, *, person: Person = mention, place: Person = channel_link,
               group: Person = group_mention) -> str:
    """What one step of a workflow run did (bot.domain.workflows.StepDone, or its data)."""
    did, data = (done.did, done.data) if hasattr(done, "did") else (done["did"], done)
    if did == "invited":
        return "invited " + " ".join([*(person(u) for u in data.get("users", ())),
                                      *(group(g) for g in data.get("groups", ()))])
    if did == "posted":
        return f"posted to {place(str(data['channel']))}"
    if did == "topic":
        return f"topic: {data['note']}"
    return {"no_channel": "no channel to post to (set `channel` or "
                          "SWARMBOT_STAKEHOLDER_CHANNEL)",
            "kept_private": "not posted outside the case (private case)",
            "call_link": "call link added", "reminded": "reminded the owner",
            "swarmed": "no escalation (the case is swarmed)",
            "at_top": f"no escalation (already at {data.get('level')})",
            "escalated": f"escalated {data.get('previous')} → {data.get('level')}"}[did]


_Render = Callable[[str | None, Mapping[str, Any], Person], str]


def _actor(words: str) -> _Render:
    """`{actor}` in `words` is who did it."""
    def render(actor: str | None, data: Mapping[str, Any], person: Person) -> str:
        if not actor:
            raise KeyError("actor")
        return words.format(actor=person(actor))
    return render


def _about(key: str, words: str) -> _Render:
    """`{who}` in `words` is the person the event is about (data[key]); `{actor}` who did it."""
    def render(actor: str | None, data: Mapping[str, Any], person: Person) -> str:
        if not data.get(key) or ("{actor}" in words and not actor):
            raise KeyError(key)
        return words.format(who=person(str(data[key])), actor=person(actor) if actor else "")
    return render


# Converted kinds: their events are recorded with data and no text (issue 17). Not listed
# yet (their text is still stored, and shown as stored): declared, owner_changed,
# severity_changed, invited, invite_held, invite_released, invites_withdrawn, the level
# moves, sla_*, approval_*, followup*, workflow_*, forecast, no_recommendation.
_KINDS: dict[str, _Render] = {  # keyed by TimelineKind (a str)
    TimelineKind.CLAIMED: _actor("Claimed by {actor}"),
    TimelineKind.REOPENED: _actor("Reopened by {actor}"),
    TimelineKind.RESOLUTION_CONFIRMED: _actor("{actor} confirmed"),
    TimelineKind.LEFT: _actor("{actor} left the swarm"),
    TimelineKind.INVITE_ACCEPTED: _actor("{actor} joined the swarm"),
    TimelineKind.INVITE_DECLINED: _actor("{actor} declined"),
    TimelineKind.INVITE_EXPIRED: _about("expert", "Invite to {who} expired"),
    TimelineKind.ADDED: _about("user", "{actor} added {who}"),
    TimelineKind.STATUS_REMINDER: _about("owner", "Reminded {who}"),
    TimelineKind.CONFIRMATION_REMINDED: _about("requester",
                                               "Reminded {who} to confirm the resolution"),
}


def describe(event: Recorded, person: Person = mention,
             stored: Callable[[str], str] = lambda text: text) -> str:
    """The event's sentence, people named by `person`. A stored text (an older event, or a
    kind not converted yet) goes through `stored` — e.g. mrkdwn.plain for a plain surface."""
    render = _KINDS.get(event.kind)
    if render is not None:
        try:
            return render(event.actor, event.data or {}, person)
        except KeyError:
            pass  # recorded before its data said who: its stored text says it
    return stored(event.text or "")


def converted(kind: str) -> bool:
    """True if events of `kind` are recorded without text."""
    return kind in _KINDS
