"""Posts, direct messages and ephemeral notes the services record as a kind and its data
(`effects.post(note=…)`, `effects.ephemeral(note=…)`), worded here when they are delivered.
One function per kind, in the reader's language (bot.i18n: set by the executor, the
channel's or the one person's); text a person typed is escaped. An outbox row recorded before notes
carries its `text` instead, delivered as it is (`text_of`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.domain.mrkdwn import escape, group_mention, slack_time
from bot.domain.privacy import PRIVATE_TITLE
from bot.domain.states import InviteState, TimelineKind
from bot.domain.workflows import facts_words, fill
from bot.i18n import N_, _, ngettext
from bot.i18n.formats import duration as human_duration
from bot.i18n.formats import month_year, share, sla_length
from bot.services.effects import NoteKind

# In a post's text: the case channel's link, filled in when it is delivered (the channel of a
# case just declared does not exist yet when the post is recorded).
CASE_CHANNEL = "<#case-channel>"


def _person(user: str) -> str:
    return f"<@{user}>"


def _invite_closed(data: Mapping[str, Any]) -> str:
    """What an expert reacting to an invite that is no longer open is told."""
    reference, state = data["reference"], data["state"]
    owner = f"<@{data['owner']}>" if data.get("owner") else _("the case owner")
    again = _("If you can help after all, ask {owner} to add you (`/swarm invite`).").format(
        owner=owner)
    if state == InviteState.ACCEPTED and data.get("left"):
        return _("You accepted this invite and later left the swarm of case {reference}."
                 ).format(reference=reference) + " " + again
    if state == InviteState.ACCEPTED:
        if data.get("case_channel"):
            return _("You already accepted this invite: you are in the swarm of case "
                     "{reference} in {channel}.").format(
                reference=reference, channel=f"<#{data['case_channel']}>")
        return _("You already accepted this invite: you are in the swarm of case "
                 "{reference}.").format(reference=reference)
    if data.get("resolved"):
        return _("Case {reference} is resolved, so this invite is closed.").format(
            reference=reference)
    if state == InviteState.DECLINED:
        return _("You declined this invite to case {reference}, so another expert was asked."
                 ).format(reference=reference) + " " + again
    if state == InviteState.EXPIRED:
        return _("This invite to case {reference} expired unanswered and went to another "
                 "expert.").format(reference=reference) + " " + again
    return _("This invite to case {reference} is {state}.").format(reference=reference,
                                                                   state=state)


def _history(data: Mapping[str, Any]) -> str:
    """What the history knows of cases like this one (bot.services.knowledge.History)."""
    lines = [_(":books: *From the history*")]
    if data.get("needs_help") is not None:
        lines.append(_("Forecast: {share} of past cases like this needed more than one "
                       "person.").format(share=share(data["needs_help"])))
    similar = data.get("similar") or []
    if similar:
        lines.append(_("Similar resolved cases:") if len(similar) > 1
                     else _("A similar resolved case:"))
        for past in similar:
            who = _(", ").join(_person(slack) if slack else f"`{ref}`"
                               for ref, slack in past["resolvers"])
            created = month_year(datetime.fromisoformat(past["created_at"]))
            case = f"{past['id']} *{_clean(past['title'])}*"
            if past.get("took_seconds") is not None:
                line = _("{case} — {when}, resolved by {who} in {took}").format(
                    case=case, when=created, who=who,
                    took=human_duration(timedelta(seconds=past["took_seconds"])))
            else:
                line = _("{case} — {when}, resolved by {who}").format(case=case, when=created,
                                                                      who=who)
            line = f"• {line}"
            if past.get("summary"):
                line += f": {_clean(past['summary'])}"
            lines.append(line)
    else:
        lines.append(_("No resolved case in the history is close to this one."))
    return "\n".join(lines)


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
    return _(":busts_in_silhouette: Pulled in by workflow: {people}").format(people=mentions)


def _workflow_remind(data: Mapping[str, Any]) -> str:
    return f":bell: {facts_words(data.get('facts') or {}, _person, CASE_CHANNEL)['owner']} " \
           f"{_filled(data)}"

# -- posts in the case channel, and direct messages (effects.post(note=…)) -------------------
def _people(users: Any, sep: str | None = None) -> str:
    return (_(", ") if sep is None else sep).join(_person(u) for u in users)


def _approval_decided(data: Mapping[str, Any]) -> str:
    words = (_(":white_check_mark: `{item}` approved by {actor} ({level}) — asked by "
               "{requester}.") if data["approved"] else
             _(":no_entry: `{item}` rejected by {actor} ({level}) — asked by {requester}."))
    return words.format(item=data["item"], actor=_person(data["actor"]), level=data["level"],
                        requester=_person(data["requested_by"]))


def _handed_over(data: Mapping[str, Any]) -> str:
    actor, previous = data["actor"], data.get("previous")
    if actor == previous:
        return _(":handshake: {by} handed case {reference} to {owner}, who owns it now."
                 ).format(by=_person(actor), reference=data["reference"],
                          owner=_person(data["owner"]))
    return _(":handshake: {by} (admin) handed case {reference} from {previous} to {owner}, who "
             "owns it now.").format(by=_person(actor), reference=data["reference"],
                                    previous=_person(previous) if previous else "",
                                    owner=_person(data["owner"]))


_ARROWS = {TimelineKind.ESCALATED: "up", TimelineKind.DEESCALATED: "down"}
_VERBS = {TimelineKind.LEVEL_SET: N_("Placed at {level}"),
          TimelineKind.ESCALATED: N_("Escalated {previous} → {level}"),
          TimelineKind.DEESCALATED: N_("Moved down {previous} → {level}"),
          TimelineKind.LEVEL_RESTARTED: N_("Restarted at {level}")}


def moved_reason(data: Mapping[str, Any]) -> str:
    """Why a case moved: the reason given, else who asked."""
    return escape(str(data.get("reason") or "")) or _("asked by {person}").format(
        person=_person(data["actor"]))


def _level_moved(data: Mapping[str, Any]) -> str:
    kind = TimelineKind(data["direction"])
    verb = _(_VERBS[kind]).format(previous=data.get("previous"), level=data["level"])
    skipped = data.get("bypassed") or []
    note = " — " + _("bypassed {levels}").format(levels=_(", ").join(skipped)) if skipped else ""
    people = _people(data.get("responders") or [], " ")
    groups = " ".join(group_mention(g) for g in data.get("groups") or [])
    who = f" {people} {groups}".rstrip() if people or groups else ""
    if data.get("acknowledged_by"):
        sla = _("Acknowledged by {person}; resolve within {resolution}.").format(
            person=_person(data["acknowledged_by"]), resolution=sla_length(data["resolution"]))
    else:
        sla = _("Acknowledge within {response} (`/swarm ack`), resolve within {resolution}."
                ).format(response=sla_length(data["response"]),
                         resolution=sla_length(data["resolution"]))
    return (f":arrow_{_ARROWS.get(kind, 'right')}: *{verb}* "
            f"({data['trigger']}: {moved_reason(data)}){note}.{who} {sla}")


def _sla_warning(data: Mapping[str, Any]) -> str:
    who = _people(data.get("responders") or [], " ")
    words = (_("{level}'s response SLA ({limit}) runs out in {left} min — `/swarm ack` to take "
               "it.") if data["sla"] == "response" else
             _("{level}'s resolution SLA ({limit}) runs out in {left} min — resolve it or "
               "escalate."))
    return f":hourglass_flowing_sand: {who + ' ' if who else ''}" + words.format(
        level=data["level"], limit=sla_length(data["limit"]), left=data["left"])


def _sla_at_top(data: Mapping[str, Any]) -> str:
    words = (_(":rotating_light: {level} response SLA of {limit} passed without "
               "acknowledgement, and {level} is the top of this case's path.")
             if data["sla"] == "response" else
             _(":rotating_light: {level} resolution SLA of {limit} passed without resolution, "
               "and {level} is the top of this case's path."))
    said = words.format(level=data["level"], limit=sla_length(data["limit"]))
    if not data.get("owner"):
        return said
    return said + " " + _("{person} please follow up.").format(person=_person(data["owner"]))


def _about(data: Mapping[str, Any]) -> str:
    """The case and the action item as the follow-up's owner may see them (`private`: from
    outside a private case they see neither its title nor the item's text)."""
    if data.get("private"):
        return _("{title}: the item is in its channel").format(title=_(PRIVATE_TITLE))
    return f"{escape(data['title'])}: *{escape(data['text'])}*"


def _followup_assigned(data: Mapping[str, Any]) -> str:
    return _(":pushpin: {actor} gave you a follow-up on case {reference} ({about}) — `/swarm "
             "followup done {number}` in {channel} when it's done.").format(
        actor=_person(data["actor"]), reference=data["reference"], about=_about(data),
        number=data["number"], channel=f"<#{data['case_channel']}>")


def _followup_reminder(data: Mapping[str, Any]) -> str:
    return _(":alarm_clock: Still open since {age} day(s): follow-up F{number} on case "
             "{reference} ({about}). Mark it done with `/swarm followup done {number}`.").format(
        age=data["age"], number=data["number"], reference=data["reference"],
        about=_about(data))


def _invited(data: Mapping[str, Any]) -> str:
    lines = "\n".join(f"• {_person(expert)} — {reason}" for expert, reason in data["invites"])
    return _(":mag: Recommended experts, invited now:") + f"\n{lines}"


def _held(data: Mapping[str, Any]) -> str:
    lines = "\n".join(f"• {_person(expert)} — {reason}; " + _(
        "invited when their working day starts, {when}").format(
            when=slack_time(datetime.fromisoformat(release)))
        for expert, reason, release in data["held"])
    return _(":crescent_moon: Outside their working hours, so held (not sev1):") + f"\n{lines}"


POSTS: dict[NoteKind, Callable[[Mapping[str, Any]], str]] = {
    NoteKind.APPROVAL_DECIDED: _approval_decided,
    NoteKind.CLAIMED: lambda d: _(":raising_hand: {person} claimed this case and owns it now."
                                  ).format(person=_person(d["user"])),
    NoteKind.HANDED_OVER: _handed_over,
    NoteKind.SEVERITY_CHANGED: lambda d: _(
        ":rotating_light: Severity changed {previous} → *{severity}* by {person}.").format(
            previous=d["previous"], severity=d["severity"], person=_person(d["actor"])),
    NoteKind.LEVEL_MOVED: _level_moved,
    NoteKind.ACKNOWLEDGED: lambda d: _(
        ":eyes: {person} acknowledged the case at {level} ({minutes} min after it got there)."
        ).format(person=_person(d["actor"]), level=d["level"], minutes=d["minutes"]),
    NoteKind.SLA_WARNING: _sla_warning,
    NoteKind.SLA_AT_TOP: _sla_at_top,
    NoteKind.FOLLOWUP_ASSIGNED: _followup_assigned,
    NoteKind.FOLLOWUP_DONE: lambda d: _(":white_check_mark: {person} finished F{number}: "
                                        "{item}").format(person=_person(d["actor"]),
                                                         number=d["number"],
                                                         item=escape(d["item"])),
    NoteKind.FOLLOWUP_REMINDER: _followup_reminder,
    NoteKind.LEFT: lambda d: _(":door: {person} left the swarm.").format(
        person=_person(d["actor"])),
    NoteKind.REOPENED: lambda d: _(":leftwards_arrow_with_hook: {person} reopened case "
                                   "{reference}.").format(person=_person(d["actor"]),
                                                          reference=d["reference"]),
    NoteKind.CONFIRM_REMINDER: lambda d: _(
        ":bell: {person}, is case {reference} resolved for you? Answer on the resolution "
        "message above — the channel is archived in {grace} either way.").format(
            person=_person(d["requester"]), reference=d["reference"],
            grace=sla_length(d["grace"])),
    NoteKind.ARCHIVED_UNCONFIRMED: lambda d: _(
        ":file_cabinet: Archiving without a confirmation from {person} (reminded once). "
        "`/swarm reopen` brings the case back.").format(person=_person(d["requester"])),
    NoteKind.STATUS_UPDATE: lambda d: _(":memo: *Status update* on {reference} from {person}:"
                                        ).format(reference=d["reference"],
                                                 person=_person(d["actor"]))
    + f"\n{escape(d['said'])}",
    NoteKind.STAKEHOLDER_STATUS: lambda d: (f":memo: *{d['reference']} {escape(d['title'])}* "
                                            f"({d['severity']}) — {escape(d['said'])}"),
    NoteKind.STATUS_REMINDER: lambda d: (
        _(":alarm_clock: {person}, time for a status update on {reference} (none yet; opened "
          "{ago} ago): `/swarm status <what changed, what's next>`.") if d.get("first") else
        _(":alarm_clock: {person}, time for a status update on {reference} (last one {ago} "
          "ago): `/swarm status <what changed, what's next>`.")).format(
            person=_person(d["owner"]), reference=d["reference"],
            ago=human_duration(timedelta(minutes=d["minutes"]))),
    NoteKind.EXPERTS_INVITED: _invited,
    NoteKind.INVITES_HELD: _held,
    NoteKind.INVITE_ACCEPTED: lambda d: _(":wave: {person} accepted the invite and joined the "
                                          "swarm.").format(person=_person(d["user"])),
    NoteKind.PEOPLE_ADDED: lambda d: _(":heavy_plus_sign: {actor} added {people}.").format(
        actor=_person(d["actor"]), people=_people(d["users"])),
}


def _alerts_resolved(data: Mapping[str, Any]) -> str:
    titles = ", ".join(f"*{escape(t)}*" for t in data["titles"])
    more = (_(" and {n} more").format(n=data["more"]) if data.get("more") else "")
    still = (ngettext("{firing} of {total} alert still firing",
                      "{firing} of {total} alerts still firing", data["total"]
                      ).format(firing=data["firing"], total=data["total"]) if data["firing"]
             else ngettext("its one alert fires no more",
                           "none of its {total} alerts fires any more", data["total"]
                           ).format(total=data["total"]))
    return _(":large_green_circle: Resolved in its tool: {titles}{more} — {still}.").format(
        titles=titles, more=more, still=still)


def _alerts_firing_again(data: Mapping[str, Any]) -> str:
    titles = ", ".join(f"*{escape(t)}*" for t in data["titles"])
    more = (_(" and {n} more").format(n=data["more"]) if data.get("more") else "")
    return _(":red_circle: Firing again in its tool after it resolved: {titles}{more} — "
             "{firing} of {total} alerts firing.").format(
        titles=titles, more=more, firing=data["firing"], total=data["total"])


def _all_alerts_resolved(data: Mapping[str, Any]) -> str:
    values = {"reference": data["reference"], "total": data["total"]}
    if data.get("owner"):
        return _(":white_check_mark: {person}, every alert of case {reference} has resolved "
                 "({total} in all). The case stays open until someone resolves it: "
                 "`/swarm resolve <what fixed it>` once it is fixed.").format(
                     person=_person(data["owner"]), **values)
    return _(":white_check_mark: Nobody owns this case yet (*Claim this case* above); every "
             "alert of case {reference} has resolved ({total} in all). The case stays open "
             "until someone resolves it: `/swarm resolve <what fixed it>` once it is fixed."
             ).format(**values)


def _chosen(data: Mapping[str, Any]) -> str:
    """The declarer of a swarm, a moment after their answer: who was invited."""
    if not data.get("invited") and not data.get("held"):
        return _(":warning: Case {reference}: *Nobody could be invited* (the case channel says "
                 "why). Next: add people with `/swarm invite @…`; have people declare what they "
                 "know with `/swarm skills add …`; import resolution history with `swarmbot "
                 "history import FILE`.").format(reference=data["reference"])
    invited = (_("recommended experts invited: {people}.").format(
                   people=_people(data["invited"]))
               if data.get("invited") else _("nobody is invited right now."))
    held = (" " + _("Invited when their working day starts: {people}.").format(
                people=_people(data["held"])) if data.get("held") else "")
    return _(":busts_in_silhouette: Case {reference}: {invited}").format(
        reference=data["reference"], invited=invited) + held


def _nobody_to_invite(data: Mapping[str, Any]) -> str:
    """The case channel, when nobody could be invited and nobody is coming."""
    service = " " + _("on {service}").format(service=f"`{escape(data['service'])}`") \
        if data.get("service") else ""
    found = (_("the expert model suggests no one here who can come")
             if data.get("model") else _("no expert model is trained yet"))
    first = (_("Nobody else is left to invite to this swarm") if data.get("asked_before")
             else _("Nobody was invited to this swarm"))
    if data.get("found"):
        why = _("the {count} people who fit this case{service} are away or in too many swarms "
                "already").format(count=data["found"], service=service)
    else:
        why = _("{found}, nobody declared a skill this case names, the policy lists no "
                "responder for it, and swarmbot resolved no case like it{service}").format(
            found=found, service=service)
    steps = (_("{person}, next steps:").format(person=_person(data["owner"]))
             if data.get("owner") else _("Next steps:"))
    return (f":warning: {first}: {why}.\n{steps}\n"
            + _("• add people now with `/swarm invite @…`") + "\n"
            + _("• ask people to declare what they know with `/swarm skills add …` (swarmbot "
                "looks for them when a case names it)") + "\n"
            + _("• import your resolution history (`swarmbot history import FILE`, then "
                "`swarmbot model train --from-db`)"))


def _source_quoted(data: Mapping[str, Any]) -> str:
    """The case channel's first word on a case opened from a message: who asked, the
    message quoted (typed text, escaped) and linked."""
    quoted = "\n".join(f"> {line}" for line in escape(data["quote"][:2000]).splitlines() or [""])
    link = (" (<{url}|{label}>)".format(url=data["permalink"], label=_("original message"))
            if data.get("permalink") else "")
    opened = (_(":speech_balloon: Opened from a reaction by {requester} in {channel}")
              if data.get("via") == "reaction"
              else _(":speech_balloon: Opened from a message by {requester} in {channel}"))
    return opened.format(requester=_person(data["requester"]),
                         channel=f"<#{data['message_channel']}>") + f"{link}:\n{quoted}"


def _intake_opened(data: Mapping[str, Any]) -> str:
    return _(":sos: {owner} opened case {reference} for this: {channel}. {requester}, the "
             "answer will come here too.").format(
        owner=_person(data["owner"]), reference=data["reference"], channel=CASE_CHANNEL,
        requester=_person(data["requester"]))


def _intake_resolved(data: Mapping[str, Any]) -> str:
    if data.get("summary"):
        return _(":white_check_mark: Case {reference} is resolved: {summary}").format(
            reference=data["reference"], summary=escape(data["summary"]))
    return _(":white_check_mark: Case {reference} is resolved.").format(
        reference=data["reference"])


NOTES: dict[NoteKind, Callable[[Mapping[str, Any]], str]] = {
    NoteKind.SOURCE_QUOTED: _source_quoted,
    NoteKind.INTAKE_OPENED: _intake_opened,
    NoteKind.INTAKE_RESOLVED: _intake_resolved,
    NoteKind.INVITE_CLOSED: _invite_closed,
    NoteKind.HISTORY: _history,
    NoteKind.WORKFLOW_INVITED: _workflow_invited,
    NoteKind.WORKFLOW_POST: _filled,
    NoteKind.WORKFLOW_REMIND: _workflow_remind,
    NoteKind.CALL_LINK: lambda data: _(":telephone_receiver: Call for this case: {url}").format(
        url=data["url"]),
    **POSTS,
    NoteKind.NOBODY_TO_INVITE: _nobody_to_invite,
    NoteKind.ALERTS_RESOLVED: _alerts_resolved,
    NoteKind.ALERTS_FIRING_AGAIN: _alerts_firing_again,
    NoteKind.ALL_ALERTS_RESOLVED: _all_alerts_resolved,
    NoteKind.EXPERTS_CHOSEN: _chosen,
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
