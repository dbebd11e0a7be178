"""Posts, direct messages and ephemeral notes the services record as a kind and its data
(`effects.post(note=…)`, `effects.ephemeral(note=…)`), worded here when they are delivered.
One function per kind; text a person typed is escaped. An outbox row recorded before notes
carries its `text` instead, delivered as it is (`text_of`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.domain.durations import human_duration, sla_length
from bot.domain.mrkdwn import escape, group_mention, slack_time
from bot.domain.privacy import PRIVATE_TITLE
from bot.domain.states import InviteState, TimelineKind
from bot.domain.workflows import facts_words, fill
from bot.services.effects import NoteKind

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
    if state == InviteState.ACCEPTED and data.get("left"):
        return (f"You accepted this invite and later left the swarm of case {reference}. "
                f"{again}")
    if state == InviteState.ACCEPTED:
        where = f" in <#{data['case_channel']}>" if data.get("case_channel") else ""
        return (f"You already accepted this invite: you are in the swarm of case "
                f"{reference}{where}.")
    if data.get("resolved"):
        return f"Case {reference} is resolved, so this invite is closed."
    if state == InviteState.DECLINED:
        return (f"You declined this invite to case {reference}, so another expert was "
                f"asked. {again}")
    if state == InviteState.EXPIRED:
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

# -- posts in the case channel, and direct messages (effects.post(note=…)) -------------------
def _people(users: Any, sep: str = ", ") -> str:
    return sep.join(_person(u) for u in users)


def _approval_decided(data: Mapping[str, Any]) -> str:
    icon, verb = ((":white_check_mark:", "approved") if data["approved"]
                  else (":no_entry:", "rejected"))
    return (f"{icon} `{data['item']}` {verb} by {_person(data['actor'])} ({data['level']}) — "
            f"asked by {_person(data['requested_by'])}.")


def _handed_over(data: Mapping[str, Any]) -> str:
    actor, previous = data["actor"], data.get("previous")
    by = _person(previous) if actor == previous else f"{_person(actor)} (admin)"
    away = "" if actor == previous else f" from {_person(previous) if previous else ''}"
    return (f":handshake: {by} handed case {data['reference']}{away} to "
            f"{_person(data['owner'])}, who owns it now.")


_ARROWS = {TimelineKind.ESCALATED: "up", TimelineKind.DEESCALATED: "down"}
_VERBS = {TimelineKind.LEVEL_SET: "Placed at", TimelineKind.ESCALATED: "Escalated {previous} →",
          TimelineKind.DEESCALATED: "Moved down {previous} →",
          TimelineKind.LEVEL_RESTARTED: "Restarted at"}


def moved_reason(data: Mapping[str, Any]) -> str:
    """Why a case moved: the reason given, else who asked."""
    return escape(str(data.get("reason") or "")) or f"asked by {_person(data['actor'])}"


def _level_moved(data: Mapping[str, Any]) -> str:
    kind = TimelineKind(data["direction"])
    verb = _VERBS[kind].format(previous=data.get("previous"))
    skipped = data.get("bypassed") or []
    note = f" — bypassed {', '.join(skipped)}" if skipped else ""
    people = _people(data.get("responders") or [], " ")
    groups = " ".join(group_mention(g) for g in data.get("groups") or [])
    who = f" {people} {groups}".rstrip() if people or groups else ""
    if data.get("acknowledged_by"):
        sla = (f"Acknowledged by {_person(data['acknowledged_by'])}; resolve within "
               f"{sla_length(data['resolution'])}.")
    else:
        sla = (f"Acknowledge within {sla_length(data['response'])} (`/swarm ack`), resolve within "
               f"{sla_length(data['resolution'])}.")
    return (f":arrow_{_ARROWS.get(kind, 'right')}: *{verb} {data['level']}* "
            f"({data['trigger']}: {moved_reason(data)}){note}.{who} {sla}")


def _sla_warning(data: Mapping[str, Any]) -> str:
    who = _people(data.get("responders") or [], " ")
    action = ("`/swarm ack` to take it" if data["sla"] == "response"
              else "resolve it or escalate")
    return (f":hourglass_flowing_sand: {who + ' ' if who else ''}{data['level']}'s "
            f"{data['sla']} SLA ({sla_length(data['limit'])}) runs out in {data['left']} min — "
            f"{action}.")


def _sla_at_top(data: Mapping[str, Any]) -> str:
    missing = "acknowledgement" if data["sla"] == "response" else "resolution"
    said = (f":rotating_light: {data['level']} {data['sla']} SLA of {sla_length(data['limit'])} "
            f"passed without {missing}, and {data['level']} is the top of this case's path.")
    return f"{said} {_person(data['owner'])} please follow up." if data.get("owner") else said


def _about(data: Mapping[str, Any]) -> str:
    """The case and the action item as the follow-up's owner may see them (`private`: from
    outside a private case they see neither its title nor the item's text)."""
    if data.get("private"):
        return f"{PRIVATE_TITLE}: the item is in its channel"
    return f"{escape(data['title'])}: *{escape(data['text'])}*"


def _followup_assigned(data: Mapping[str, Any]) -> str:
    return (f":pushpin: {_person(data['actor'])} gave you a follow-up on case "
            f"{data['reference']} ({_about(data)}) — `/swarm followup done {data['number']}` in "
            f"<#{data['case_channel']}> when it's done.")


def _followup_reminder(data: Mapping[str, Any]) -> str:
    return (f":alarm_clock: Still open since {data['age']} day(s): follow-up F{data['number']} "
            f"on case {data['reference']} ({_about(data)}). Mark it done with "
            f"`/swarm followup done {data['number']}`.")


def _invited(data: Mapping[str, Any]) -> str:
    lines = "\n".join(f"• {_person(expert)} — {reason}" for expert, reason in data["invites"])
    return f":mag: Recommended experts, invited now:\n{lines}"


def _held(data: Mapping[str, Any]) -> str:
    lines = "\n".join(f"• {_person(expert)} — {reason}; invited when their working day "
                      f"starts, {slack_time(datetime.fromisoformat(release))}"
                      for expert, reason, release in data["held"])
    return f":crescent_moon: Outside their working hours, so held (not sev1):\n{lines}"


POSTS: dict[NoteKind, Callable[[Mapping[str, Any]], str]] = {
    NoteKind.APPROVAL_DECIDED: _approval_decided,
    NoteKind.CLAIMED: lambda d: (f":raising_hand: {_person(d['user'])} claimed this case and "
                                 "owns it now."),
    NoteKind.HANDED_OVER: _handed_over,
    NoteKind.SEVERITY_CHANGED: lambda d: (f":rotating_light: Severity changed {d['previous']} "
                                          f"→ *{d['severity']}* by {_person(d['actor'])}."),
    NoteKind.LEVEL_MOVED: _level_moved,
    NoteKind.ACKNOWLEDGED: lambda d: (f":eyes: {_person(d['actor'])} acknowledged the case at "
                                      f"{d['level']} ({d['minutes']} min after it got there)."),
    NoteKind.SLA_WARNING: _sla_warning,
    NoteKind.SLA_AT_TOP: _sla_at_top,
    NoteKind.FOLLOWUP_ASSIGNED: _followup_assigned,
    NoteKind.FOLLOWUP_DONE: lambda d: (f":white_check_mark: {_person(d['actor'])} finished "
                                       f"F{d['number']}: {escape(d['item'])}"),
    NoteKind.FOLLOWUP_REMINDER: _followup_reminder,
    NoteKind.LEFT: lambda d: f":door: {_person(d['actor'])} left the swarm.",
    NoteKind.REOPENED: lambda d: (f":leftwards_arrow_with_hook: {_person(d['actor'])} reopened "
                                  f"case {d['reference']}."),
    NoteKind.CONFIRM_REMINDER: lambda d: (
        f":bell: {_person(d['requester'])}, is case {d['reference']} resolved for you? Answer "
        f"on the resolution message above — the channel is archived in "
        f"{sla_length(d['grace'])} either way."),
    NoteKind.ARCHIVED_UNCONFIRMED: lambda d: (
        f":file_cabinet: Archiving without a confirmation from {_person(d['requester'])} "
        "(reminded once). `/swarm reopen` brings the case back."),
    NoteKind.STATUS_UPDATE: lambda d: (f":memo: *Status update* on {d['reference']} from "
                                       f"{_person(d['actor'])}:\n{escape(d['said'])}"),
    NoteKind.STAKEHOLDER_STATUS: lambda d: (f":memo: *{d['reference']} {escape(d['title'])}* "
                                            f"({d['severity']}) — {escape(d['said'])}"),
    NoteKind.STATUS_REMINDER: lambda d: (
        f":alarm_clock: {_person(d['owner'])}, time for a status update on {d['reference']} "
        + (f"(none yet; opened {human_duration(timedelta(minutes=d['minutes']))} ago)"
           if d.get("first") else
           f"(last one {human_duration(timedelta(minutes=d['minutes']))} ago)")
        + ": `/swarm status <what changed, what's next>`."),
    NoteKind.EXPERTS_INVITED: _invited,
    NoteKind.INVITES_HELD: _held,
    NoteKind.INVITE_ACCEPTED: lambda d: (f":wave: {_person(d['user'])} accepted the invite and "
                                         "joined the swarm."),
    NoteKind.PEOPLE_ADDED: lambda d: (f":heavy_plus_sign: {_person(d['actor'])} added "
                                      f"{_people(d['users'])}."),
}


def _nobody_to_invite(data: Mapping[str, Any]) -> str:
    """The case channel, when nobody could be invited and nobody is coming."""
    service = f" on `{escape(data['service'])}`" if data.get("service") else ""
    found = ("the expert model suggests no one here who can come"
             if data.get("model") else "no expert model is trained yet")
    first = ("Nobody else is left to invite to this swarm" if data.get("asked_before")
             else "Nobody was invited to this swarm")
    owner = f"{_person(data['owner'])}, next" if data.get("owner") else "Next"
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


def _source_quoted(data: Mapping[str, Any]) -> str:
    """The case channel's first word on a case opened from a message: who asked, the
    message quoted (typed text, escaped) and linked."""
    quoted = "\n".join(f"> {line}" for line in escape(data["text"][:2000]).splitlines() or [""])
    link = f" (<{data['permalink']}|original message>)" if data.get("permalink") else ""
    how = "a reaction" if data.get("via") == "reaction" else "a message"
    return (f":speech_balloon: Opened from {how} by {_person(data['requester'])} in "
            f"<#{data['message_channel']}>{link}:\n{quoted}")


def _intake_opened(data: Mapping[str, Any]) -> str:
    return (f":sos: {_person(data['owner'])} opened case {data['reference']} for this: "
            f"{CASE_CHANNEL}. {_person(data['requester'])}, the answer will come here too.")


def _intake_resolved(data: Mapping[str, Any]) -> str:
    summary = f": {escape(data['summary'])}" if data.get("summary") else "."
    return f":white_check_mark: Case {data['reference']} is resolved{summary}"


NOTES: dict[NoteKind, Callable[[Mapping[str, Any]], str]] = {
    NoteKind.SOURCE_QUOTED: _source_quoted,
    NoteKind.INTAKE_OPENED: _intake_opened,
    NoteKind.INTAKE_RESOLVED: _intake_resolved,
    NoteKind.INVITE_CLOSED: _invite_closed,
    NoteKind.HISTORY: _history,
    NoteKind.WORKFLOW_INVITED: _workflow_invited,
    NoteKind.WORKFLOW_POST: _filled,
    NoteKind.WORKFLOW_REMIND: _workflow_remind,
    NoteKind.CALL_LINK: lambda data: f":telephone_receiver: Call for this case: {data['url']}",
    **POSTS,
    NoteKind.NOBODY_TO_INVITE: _nobody_to_invite,
}


def note_text(kind: str, data: Mapping[str, Any]) -> str:
    """The words of a note; a kind nobody words is a LookupError (a bug: its effect fails
    for good and its owner is told, bot/delivery/deliver.py)."""
    words = NOTES.get(kind)  # type: ignore[call-overload]  # NoteKind equals its string
    if words is None:
        raise LookupError(f"no words for the note kind {kind!r}")
    return words(data)


def text_of(payload: Mapping[str, Any]) -> str:
    """The words of a post or ephemeral note as recorded in the outbox: its note worded now,
    or the text a row queued before notes still carries."""
    if payload.get("note"):
        return note_text(str(payload["note"]), payload.get("data") or {})
    return str(payload.get("text") or "")
