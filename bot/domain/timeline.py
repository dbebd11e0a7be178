"""What a timeline event says, made from its kind and data when it is shown — not stored as
Slack markup. Each surface names people its own way (`person`): Slack as a mention, an export
as `@handle`; the next issue's translations hook in here too.

`describe` returns Slack mrkdwn by default: what a person typed (a status update, a follow-up's
item, an approval's note, a case's title in a workflow's note) is escaped here (mrkdwn.escape),
while the mentions and channel links the bot writes are not — so a renderer puts the line in
mrkdwn as it is and does not escape it again. A plain surface (an export) passes `typed=str`.

Events recorded before their kind was converted (or without the data it needs) keep the text
they were stored with, which the audit chain covers (models/audit.py): it is never rewritten,
so `swarmbot audit verify` holds for old chains. New events of a converted kind store no text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from bot.domain.durations import sla_length
from bot.domain.mrkdwn import channel_link, escape, group_mention, mention
from bot.domain.states import CaseMode, TimelineKind
from bot.domain.workflows import facts_words, fill
from bot.i18n import N_

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


def topic_note(data: Mapping[str, Any], person: Person = mention) -> str:
    """A workflow's note for the channel topic: its text with the case's facts filled in."""
    return fill(str(data["words"]), facts_words(data["facts"], person, "this channel"))[:120]


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
        return f"topic: {topic_note(data, person)}"
    return {"no_channel": "no channel to post to (set `channel` or "
                          "SWARMBOT_STAKEHOLDER_CHANNEL)",
            "kept_private": "not posted outside the case (private case)",
            "call_link": "call link added", "reminded": "reminded the owner",
            "swarmed": "no escalation (the case is swarmed)",
            "at_top": f"no escalation (already at {data.get('level')})",
            "escalated": f"escalated {data.get('previous')} → {data.get('level')}"}[did]


Translate = Callable[[str], str]
_Render = Callable[[str | None, Mapping[str, Any], Person, Translate], str]


def _same(words: str) -> str:
    return words


def _actor(words: str) -> _Render:
    """`{actor}` in `words` is who did it."""
    def render(actor: str | None, data: Mapping[str, Any], person: Person,
               tr: Translate) -> str:
        if not actor:
            raise KeyError("actor")
        return tr(words).format(actor=person(actor))
    return render


def _about(key: str, words: str) -> _Render:
    """`{who}` in `words` is the person the event is about (data[key]); `{actor}` who did it."""
    def render(actor: str | None, data: Mapping[str, Any], person: Person,
               tr: Translate) -> str:
        if not data.get(key) or ("{actor}" in words and not actor):
            raise KeyError(key)
        return tr(words).format(who=person(str(data[key])),
                                actor=person(actor) if actor else "")
    return render


def _says(words: str, *, people: tuple[str, ...] = (), lists: tuple[str, ...] = ()
          ) -> _Render:
    """`words` filled from the event's data (and `{actor}`, who did it): the keys in `people`
    name a person, those in `lists` several (a list of user ids)."""
    def render(actor: str | None, data: Mapping[str, Any], person: Person,
               tr: Translate) -> str:
        values = {**data, "actor": actor}
        for key in people:
            if not values.get(key):
                raise KeyError(key)
            values[key] = person(str(values[key]))
        for key in lists:
            values[key] = tr(", ").join(person(str(u)) for u in values[key])
        return tr(words).format_map(_Strict(values))
    return render


class _Strict(dict[str, Any]):
    """A key the words need and the data lacks (an older event) is a KeyError."""

    def __missing__(self, key: str) -> Any:
        raise KeyError(key)


def _declared(actor: str | None, data: Mapping[str, Any], person: Person,
              tr: Translate) -> str:
    if data.get("source"):
        return tr(N_("Opened by {source} ({external_id})")).format(
            source=data["source"], external_id=data["external_id"])
    if not actor:
        raise KeyError("actor")
    return tr(N_("Declared by {actor} as {severity}")).format(
        actor=person(actor), severity=data["severity"])


def _owner_changed(actor: str | None, data: Mapping[str, Any], person: Person,
                   tr: Translate) -> str:
    previous, owner = data.get("previous"), data["owner"]
    if not actor:
        raise KeyError("actor")
    if actor == previous:
        return tr(N_("{actor} handed the case to {owner}")).format(
            actor=person(actor), owner=person(owner))
    if not previous:
        return tr(N_("{actor} (admin) handed the case to {owner}")).format(
            actor=person(actor), owner=person(owner))
    return tr(N_("{actor} (admin) handed the case from {previous} to {owner}")).format(
        actor=person(actor), previous=person(previous), owner=person(owner))


def _held(actor: str | None, data: Mapping[str, Any], person: Person, tr: Translate) -> str:
    release = datetime.fromisoformat(data["release"])
    return tr(N_("Invite to {expert} held until their working hours ({release} UTC)")).format(
        expert=person(data["expert"]), release=f"{release:%Y-%m-%d %H:%M}")


def _approval_requested(actor: str | None, data: Mapping[str, Any], person: Person,
                        tr: Translate) -> str:
    if not actor or "note" not in data:
        raise KeyError("note")
    asked = tr(N_("{actor} asked {level} to approve `{item}`")).format(
        actor=person(actor), level=data["level"], item=data["item"])
    return f"{asked}: {data['note']}" if data["note"] else asked


_MISSING = {"response": N_("acknowledgement"), "resolution": N_("resolution")}
_SLAS = {"response": N_("response"), "resolution": N_("resolution")}
_MOVES = {TimelineKind.LEVEL_SET: N_("Placed at {level} ({trigger}: {reason})"),
          TimelineKind.ESCALATED: N_("Escalated {previous} → {level} ({trigger}: {reason})"),
          TimelineKind.DEESCALATED: N_("Moved down {previous} → {level} ({trigger}: {reason})"),
          TimelineKind.LEVEL_RESTARTED: N_("Restarted at {level} ({trigger}: {reason})")}


def _moved(kind: TimelineKind) -> _Render:
    def render(actor: str | None, data: Mapping[str, Any], person: Person,
               tr: Translate) -> str:
        reason = data["reason"] or (
            tr(N_("asked by {actor}")).format(actor=person(actor)) if actor else "")
        skipped = data.get("bypassed") or []
        note = (tr(N_(" — bypassed {levels}")).format(levels=tr(", ").join(skipped))
                if skipped else "")
        return tr(_MOVES[kind]).format(previous=data.get("previous"), level=data["level"],
                                       trigger=data["trigger"], reason=reason) + note
    return render


def _sla(words: str) -> _Render:
    def render(actor: str | None, data: Mapping[str, Any], person: Person,
               tr: Translate) -> str:
        values = _Strict({**data, "missing": tr(_MISSING[data["sla"]]),
                          "sla": tr(_SLAS[data["sla"]])})
        if "limit" in data:
            values["limit"] = sla_length(data["limit"])
        return tr(words).format_map(values)
    return render


def _workflow_run(actor: str | None, data: Mapping[str, Any], person: Person,
                  place: Person) -> str:
    summary = "; ".join(step_words(step, person=person, place=place) for step in data["steps"])
    return f"Workflow {data['workflow']} ran ({data['trigger']}): {summary}"


# Kinds recorded with data and no text (issue 17), worded here. Not listed: STORED_AS_TEXT.
# Kinds whose text is what was typed or a fixed phrase, stored and shown as stored (every
# TimelineKind is in _KINDS, is WORKFLOW_RUN, or is here: tests/unit/test_kinds_worded.py).
STORED_AS_TEXT = frozenset({
    TimelineKind.STATUS_UPDATE, TimelineKind.RESOLVED, TimelineKind.LESSON,
    TimelineKind.CALL_LINK, TimelineKind.ARCHIVED, TimelineKind.NO_RECOMMENDATION,
    TimelineKind.CHANNEL_CREATED})

_KINDS: dict[str, _Render] = {  # keyed by TimelineKind (a str)
    TimelineKind.CLAIMED: _actor(N_("Claimed by {actor}")),
    TimelineKind.REOPENED: _actor(N_("Reopened by {actor}")),
    TimelineKind.RESOLUTION_CONFIRMED: _actor(N_("{actor} confirmed")),
    TimelineKind.LEFT: _actor(N_("{actor} left the swarm")),
    TimelineKind.INVITE_ACCEPTED: _actor(N_("{actor} joined the swarm")),
    TimelineKind.INVITE_DECLINED: _actor(N_("{actor} declined")),
    TimelineKind.INVITE_EXPIRED: _about("expert", N_("Invite to {who} expired")),
    TimelineKind.ADDED: _about("user", N_("{actor} added {who}")),
    TimelineKind.STATUS_REMINDER: _about("owner", N_("Reminded {who}")),
    TimelineKind.CONFIRMATION_REMINDED: _about("requester",
                                               N_("Reminded {who} to confirm the resolution")),
    TimelineKind.DECLARED: _declared,
    TimelineKind.OWNER_CHANGED: _owner_changed,
    TimelineKind.SEVERITY_CHANGED: _says(N_("{previous} → {severity}")),
    TimelineKind.MODE_CHANGED: lambda actor, data, person, tr: tr(
        N_("Now swarmed") if data["mode"] == CaseMode.SWARM
        else N_("Now on the escalation levels")),
    TimelineKind.INVITES_WITHDRAWN: _says(N_("Withdrew the invites to {experts} (no longer a "
                                          "swarm)"), lists=("experts",)),
    TimelineKind.INVITED: _says(N_("Invited {expert}: {reason}"), people=("expert",)),
    TimelineKind.INVITE_HELD: _held,
    TimelineKind.INVITE_RELEASED: _says(N_("Invited {expert} as their working day began"),
                                        people=("expert",)),
    TimelineKind.APPROVAL_REQUESTED: _approval_requested,
    TimelineKind.APPROVAL_APPROVED: _says(N_("`{item}` approved by {actor} ({level})"),
                                          people=("actor",)),
    TimelineKind.APPROVAL_REJECTED: _says(N_("`{item}` rejected by {actor} ({level})"),
                                          people=("actor",)),
    TimelineKind.ACKNOWLEDGED: _says(N_("Acknowledged at {level} by {actor} after {minutes} min"),
                                     people=("actor",)),
    TimelineKind.SLA_WARNING: _sla(N_("{level} {sla} SLA: {left} min left without {missing}")),
    TimelineKind.SLA_BREACHED: _sla(N_("{level} {sla} SLA ({limit}) passed without {missing}")),
    **{kind: _moved(kind) for kind in _MOVES},
    TimelineKind.FOLLOWUP: _says(N_("Follow-up F{followup} for {owner}: {item}"),
                                 people=("owner",)),
    TimelineKind.FOLLOWUP_DONE: _says(N_("Follow-up F{followup} done: {item}")),
    TimelineKind.WORKFLOW_OFFERED: _says(N_("Workflow {workflow} offered ({trigger})")),
    TimelineKind.TOPIC_NOTE: lambda actor, data, person, tr: topic_note(data, person),
    TimelineKind.FORECAST: _says(N_("{needs_help:.0%} likely to need more than one person")),
    TimelineKind.ALERT_FIRING: _says(N_("Alert from {source}: {title}")),
    TimelineKind.ALERT_RESOLVED: _says(N_("Alert resolved ({source}): {title}")),
}


def describe(event: Recorded, person: Person = mention, stored: Callable[[str], str] = escape,
             place: Person = channel_link, typed: Callable[[str], str] = escape,
             translate: Translate = _same) -> str:
    """The event's sentence, people named by `person` and channels by `place`; by default
    mrkdwn, safe to show as it is. Each text in the event's data (what was typed) goes
    through `typed`, a stored text (an older event, or a kind whose text is what was typed)
    through `stored` — e.g. `typed=str, stored=mrkdwn.plain` for a plain surface. The words
    are marked (`N_`) and `translate`d: a Slack surface passes `bot.i18n._`, the reader's
    language (an export or a feed keeps English)."""
    try:
        data = _texts(event.data or {}, typed)
        if event.kind == TimelineKind.WORKFLOW_RUN:
            return _workflow_run(event.actor, data, person, place)
        render = _KINDS.get(event.kind)
        if render is not None:
            return render(event.actor, data, person, translate)
    except (KeyError, TypeError, ValueError, AttributeError):
        pass  # recorded before its data said it all: its stored text says it
    return stored(event.text or "")


def _texts(value: Any, typed: Callable[[str], str]) -> Any:
    """`value` with every text in it through `typed`. Ids (people, channels, groups) have no
    `&`, `<` or `>`, so escaping leaves them as they are for `person` and `place`."""
    if isinstance(value, str):
        return typed(value)
    if isinstance(value, Mapping):
        return {key: _texts(item, typed) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_texts(item, typed) for item in value]
    return value


# Alerts grouped into a case: a storm records hundreds. Timelines people read (the review,
# the resolution message) show the first few (`thinned`); the case summary counts them all.
ALERT_KINDS = frozenset({TimelineKind.ALERT_FIRING, TimelineKind.ALERT_RESOLVED})
ALERTS_SHOWN = 3


_Event = TypeVar("_Event", bound=Recorded)


def thinned(events: Sequence[_Event]) -> list[_Event]:
    """`events` with at most ALERTS_SHOWN alert events (the first ones): a storm's alerts
    are counted in the case summary, not read one by one."""
    kept, seen = [], 0
    for event in events:
        if event.kind in ALERT_KINDS:
            seen += 1
            if seen > ALERTS_SHOWN:
                continue
        kept.append(event)
    return kept


def alerts_left_out(events: Sequence[_Event]) -> int:
    """How many alert events `thinned` leaves out of `events` (said as "…and N more")."""
    return max(0, sum(1 for e in events if e.kind in ALERT_KINDS) - ALERTS_SHOWN)


def converted(kind: str) -> bool:
    """True if events of `kind` are recorded without text."""
    return kind in _KINDS or kind == TimelineKind.WORKFLOW_RUN
