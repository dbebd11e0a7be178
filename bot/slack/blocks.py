"""Block Kit built by pure functions: data in, dicts out. Tested without Slack."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.domain.case import MAX_DESCRIPTION, MAX_SERVICE, MAX_TITLE
from bot.domain.mrkdwn import escape, plain
from bot.domain.privacy import PRIVATE_TITLE
from bot.domain.states import ApprovalState, CaseMode, CaseStatus, InviteState
from bot.i18n import N_, _
from bot.i18n.formats import duration as human_duration

Blocks = list[dict[str, Any]]

# The words of a state, mode or severity as shown; translated where shown (`word`).
WORDS = {CaseStatus.OPEN: N_("open"), CaseStatus.RESOLVED: N_("resolved"),
         CaseMode.SWARM: N_("swarm"), CaseMode.TIERED: N_("tiered"),
         InviteState.HELD: N_("held"), InviteState.PENDING: N_("pending"),
         InviteState.ACCEPTED: N_("accepted"), InviteState.DECLINED: N_("declined"),
         InviteState.EXPIRED: N_("expired"), InviteState.CANCELLED: N_("cancelled"),
         ApprovalState.APPROVED: N_("approved"), ApprovalState.REJECTED: N_("rejected"),
         PRIVATE_TITLE: N_("Private case")}


def word(value: str) -> str:
    """A state, mode or fixed title in the reader's language (itself when not one)."""
    return _(WORDS[value]) if value in WORDS else value

# What people typed (titles, descriptions, status texts, summaries, reasons, notes, lessons,
# follow-ups, timeline texts) goes through `escape` where it enters mrkdwn — here, once. Header
# and button texts are plain_text, which Slack does not parse.


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def help_blocks(usages: Iterable[tuple[str, str]]) -> Blocks:
    """The `/swarm help` answer: one line per subcommand, usage then what it does."""
    lines = [f"`/swarm {usage}` — {summary}" for usage, summary in usages]
    return [
        section(_("*swarmbot* runs swarming for incidents: the person who declares a case "
                  "owns it to the end, and the bot brings the right experts to it.")),
        section("\n".join(lines)),
        context(_("Accept a swarm invite by reacting :white_check_mark: (or :raising_hand:), "
                  "decline with :x:.")),
    ]


SEVERITY_EMOJI = {"sev1": ":red_circle:", "sev2": ":large_orange_circle:",
                  "sev3": ":large_yellow_circle:", "sev4": ":white_circle:"}


def _user(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else _("_nobody yet_")


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": {"type": "plain_text", "text": text},
                               "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element


TOPIC_LIMIT = 250  # conversations.setTopic: "does not support formatting", 250 characters
TOPIC_TITLE_ROOM = 80


def case_topic(*, reference: str, severity: str, owner_id: str | None, status: str,
               mode: str, level: str | None, note: str = "", call: str = "",
               owner_handle: str | None = None, title: str = "") -> str:
    """The channel topic. Slack shows a topic as plain text (conversations.setTopic: "does not
    support formatting or linkification"): no mention markup, no entities — the owner by
    handle, markup in a note reduced to its words."""
    where = (_("level {level}").format(level=level) if mode == CaseMode.TIERED and level
             else word(mode))
    owner = f"@{owner_handle or owner_id}" if owner_id else _("unclaimed")
    extras = "".join(f" · {plain(part)}" for part in (
        note, _("call {link}").format(link=call) if call else "") if part)
    state = _("{reference} · {severity} · owner {owner} · {status} · {where}").format(
        reference=reference, severity=severity, owner=owner, status=word(status),
        where=where) + extras
    # The title first (what the case is), always: it keeps at least TOPIC_TITLE_ROOM
    # characters, and a long note gives way to it.
    title = plain(title).strip()
    if not title:
        return state[:TOPIC_LIMIT]
    room = max(TOPIC_LIMIT - len(state) - len(" · "), TOPIC_TITLE_ROOM)
    title = title if len(title) <= room else title[:room - 1].rstrip() + "…"
    topic = f"{title} · {state}"
    return topic if len(topic) <= TOPIC_LIMIT else topic[:TOPIC_LIMIT - 1] + "…"


def workflow_offer_message(*, reference: str, name: str, trigger: str, steps: list[str],
                           action_id: str, value: str) -> tuple[str, Blocks]:
    text = f"Workflow {name} is ready to run on {reference}"
    lines = "\n".join(f"• {step}" for step in steps)
    return text, [
        section(f":gear: *Workflow `{name}`* ({trigger}) is ready for {reference}:\n{lines}"),
        {"type": "actions", "elements": [button(f"Run {name}"[:75], action_id, value,
                                                style="primary")]},
    ]


@dataclass(frozen=True)
class AlertsShown:
    """The alerts of a case: how many, how many still fire, and the newest (title, status)."""

    total: int
    firing: int
    latest: tuple[tuple[str, str], ...]


def alerts_section(alerts: AlertsShown) -> str:
    lines = [f"*Alerts:* {alerts.total} — {alerts.firing} firing, "
             f"{alerts.total - alerts.firing} resolved"]
    lines += [f"• {':red_circle:' if status == 'firing' else ':large_green_circle:'} "
              f"{escape(title[:150])}" for title, status in alerts.latest]
    if alerts.total > len(alerts.latest):
        lines.append(f"…and {alerts.total - len(alerts.latest)} more")
    return "\n".join(lines)[:2900]


def case_summary(*, reference: str, title: str, severity: str, status: str, mode: str,
                 owner_id: str | None, service: str, tags: list[str], description: str,
                 participants: list[str], claim_action: str | None = None,
                 case_id: int | None = None, level: str | None = None,
                 alerts: AlertsShown | None = None) -> Blocks:
    """The pinned-style summary at the top of a case channel; updated as the case moves.
    `alerts`: the alerts grouped into the case (an *Alerts* section)."""
    where = (_("tiered, at *{level}*").format(level=level)
             if mode == CaseMode.TIERED and level else word(mode))
    facts = [_("*Severity:* {severity}").format(
                 severity=f"{SEVERITY_EMOJI.get(severity, '')} {severity}"),
             _("*Status:* {status}").format(status=word(status)),
             _("*Owner:* {owner}").format(owner=_user(owner_id)),
             _("*Mode:* {mode}").format(mode=where)]
    if service:
        facts.append(_("*Service:* {service}").format(service=f"`{escape(service)}`"))
    if tags:
        facts.append(_("*Tags:* {tags}").format(tags=" ".join(f"`{escape(t)}`" for t in tags)))
    blocks: Blocks = [
        {"type": "header", "text": {"type": "plain_text",
                                    "text": f"{reference} {word(title)}"[:150]}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in facts[:10]]},
    ]
    if description:
        blocks.append(section(escape(description[:2900])))
    if alerts is not None and alerts.total:
        blocks.append(section(alerts_section(alerts)))
    people = _(", ").join(_user(p) for p in participants) or "—"
    blocks.append(context(_("In the swarm: {people}").format(people=people)))
    if owner_id is None and claim_action and case_id is not None:
        blocks.append({"type": "actions", "elements": [
            button(_("Claim this case"), claim_action, str(case_id), style="primary")]})
    return blocks


def invite_message(*, reference: str, title: str, severity: str, owner_id: str | None,
                   reason: str, channel_id: str | None, state: str) -> tuple[str, Blocks]:
    """The DM to an expert: what the case is, why them, how to answer."""
    where = " " + _("in {channel}").format(channel=f"<#{channel_id}>") if channel_id else ""
    title, reason = escape(word(title)), escape(reason)
    text = _("Swarm invite: {case}").format(case=f"{reference} {title} ({severity})")
    blocks: Blocks = [
        section(f"{SEVERITY_EMOJI.get(severity, '')} *{reference} {title}* ({severity}){where}\n"
                + _("{owner} owns it and could use your help.").format(owner=_user(owner_id))),
        section(_("*Why you:* {reason}").format(reason=reason)),
    ]
    if state == InviteState.PENDING:
        blocks.append(context(_("React :white_check_mark: to join the swarm, or :x: to "
                                "decline.")))
    else:
        blocks.append(context(_("This invite is *{state}*.").format(state=word(state))))
    return text, blocks


def resolution_message(*, reference: str, owner_id: str | None, duration: str,
                       helpers: list[str], summary: str, timeline: list[str],
                       confirm_from: str | None, confirm_action: str, reopen_action: str,
                       case_id: int, followups: list[tuple[int, str, str, bool]] = (),
                       answer: str | None = None) -> tuple[str, Blocks]:
    """`confirm_from`: who is asked to confirm (a Yes button); `answer`: what came of the
    asking (no buttons then but Reopen). `timeline`: mrkdwn lines, typed text already escaped
    (bot.domain.timeline.describe), shown as they are."""
    helped = _(", ").join(_user(h) for h in helpers) or _("nobody else")
    text = _("Case {reference} resolved by {owner} after {duration}").format(
        reference=reference, owner=f"<@{owner_id}>", duration=duration)
    lines = "\n".join(f"• {line}" for line in timeline[-15:]) or "—"  # mrkdwn (describe)
    blocks: Blocks = [
        section(_(":white_check_mark: *Case {reference} resolved* by {owner} after {duration}. "
                  "Helped: {helped}.").format(reference=reference, owner=_user(owner_id),
                                              duration=duration, helped=helped)),
        section(_("*Resolution:* {summary}").format(summary=escape(summary[:2800]))),
        section((_("*Timeline:*") + f"\n{lines}")[:2900]),
        *([section((_("*Follow-ups:*") + "\n" + "\n".join(
            f"{'✅' if done else '⬜'} F{n} {escape(text)} ({_user(owner)})"
            for n, owner, text, done in followups))[:2900])] if followups else []),
    ]
    if confirm_from:
        blocks.append(section(_("{person}, is it resolved for you?").format(
            person=_user(confirm_from))))
    elif answer:
        blocks.append(context(answer))
    blocks.append({"type": "actions", "elements": [
        *([button(_("Yes, resolved"), confirm_action, str(case_id), style="primary")]
          if confirm_from else []),
        button(_("Reopen"), reopen_action, str(case_id))]})
    return text, blocks


def case_list(lines: list[tuple[str, str, str, str | None, str | None]]) -> Blocks:
    """`/swarm list`: (reference, title, severity, owner, channel) per open case."""
    if not lines:
        return [section(_("No open cases. :tada:"))]
    rows = [f"{SEVERITY_EMOJI.get(sev, '')} *{ref}* {escape(word(title))} — {_user(owner)}"
            + (f" · <#{channel}>" if channel else "") for ref, title, sev, owner, channel in lines]
    return [section(_("*Open cases*")), section("\n".join(rows)[:2900])]


SECTION_TEXT_LIMIT = 3000  # Slack refuses a section whose text is longer (invalid_arguments)


def _fit(rows: list[str], room: int = SECTION_TEXT_LIMIT - 100) -> str:
    """As many rows as fit in one section, then how many more there are."""
    shown: list[str] = []
    used = 0
    for row in rows:
        if used + len(row) + 1 > room:
            return "\n".join([*shown, _("…and {count} more").format(
                count=len(rows) - len(shown))])
        shown.append(row)
        used += len(row) + 1
    return "\n".join(shown)


def home_view(*, my_cases: list[tuple[str, str, str, str | None]],
              invites: list[tuple[str, str, str, str]], open_swarms: int,
              skills: list[str], away: bool) -> dict[str, Any]:
    """The App Home tab: your open cases, invites waiting for you, your swarm load."""
    case_rows = _fit([f"{SEVERITY_EMOJI.get(sev, '')} *{ref}* {escape(word(title))}"
                      + (f" · <#{channel}>" if channel else "")
                      for ref, title, sev, channel in my_cases]) or _("None.")
    invite_rows = _fit([f"{SEVERITY_EMOJI.get(sev, '')} *{ref}* {escape(word(title))} — "
                        f"{escape(why)}" for ref, title, sev, why in invites]) \
        or _("None waiting.")
    status = _("away (no invites)") if away else _("available")
    skill_text = (_(", ").join(f"`{s}`" for s in skills)
                  or _("none declared (`/swarm skills add …`)"))
    return {"type": "home", "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "swarmbot"}},
        section(_("*Your open cases*") + f"\n{case_rows}"),
        {"type": "divider"},
        section(_("*Invites waiting for you*") + f"\n{invite_rows}"),
        {"type": "divider"},
        section(_("*Your swarm load:* {count} open swarm(s) · you are {status}").format(
                    count=open_swarms, status=status) + "\n"
                + _("*Your skills:* {skills}").format(skills=skill_text)),
    ]}


def declare_modal(*, callback_id: str, private_metadata: str = "", title: str = "",
                  severity: str = "sev3", service: str = "", description: str = "",
                  heading: str = "") -> dict[str, Any]:
    """The modal `/swarm new` opens when it has no text; the message shortcut opens it
    prefilled from the message (typed text goes in as it was typed: inputs are plain)."""
    def text_input(block_id: str, label: str, *, max_length: int, multiline: bool = False,
                   optional: bool = False, initial: str = "") -> dict[str, Any]:
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value",
                                   "multiline": multiline, "max_length": max_length}
        if initial:
            element["initial_value"] = initial[:max_length]
        return {"type": "input", "block_id": block_id, "optional": optional,
                "label": {"type": "plain_text", "text": label}, "element": element}

    options = [{"text": {"type": "plain_text", "text": f"{sev} — {name}"}, "value": sev}
               for sev, name in (("sev1", _("critical")), ("sev2", _("major")),
                                 ("sev3", _("minor")), ("sev4", _("low")))]
    initial = next((o for o in options if o["value"] == severity), options[2])
    return {
        "type": "modal", "callback_id": callback_id, "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": heading or _("Declare a case")},
        "submit": {"type": "plain_text", "text": _("Declare")},
        "close": {"type": "plain_text", "text": _("Cancel")},
        "blocks": [
            text_input("case_title", _("Title"), max_length=MAX_TITLE, initial=title),
            {"type": "input", "block_id": "case_severity",
             "label": {"type": "plain_text", "text": _("Severity")},
             "element": {"type": "static_select", "action_id": "value", "options": options,
                         "initial_option": initial}},
            text_input("case_service", _("Service"), max_length=MAX_SERVICE, optional=True,
                       initial=service),
            text_input("case_description", _("What is happening?"), max_length=MAX_DESCRIPTION,
                       multiline=True, optional=True, initial=description),
        ],
    }


def handoff_message(*, reference: str, title: str, severity: str, level: str, reason: str,
                    owner_id: str | None, requester_id: str | None, channel_id: str | None,
                    service: str, description: str, tried: list[str], timeline: list[str],
                    sla: str) -> tuple[str, Blocks]:
    """Everything someone needs when a case reaches their level, in one message: nobody has
    to ask the requester to repeat their story. `timeline`: mrkdwn lines, typed text already
    escaped (bot.domain.timeline.describe); `tried` is typed text, escaped here."""
    where = f" — <#{channel_id}>" if channel_id else ""
    title, reason, service = escape(word(title)), escape(reason[:500]), escape(service)
    text = _("{case} is at {level} now: {reason}").format(
        case=f"{reference} {title} ({severity})", level=level, reason=reason)
    facts = [_("*Owner:* {owner}").format(owner=_user(owner_id)),
             _("*Requester:* {person}").format(person=_user(requester_id))]
    if service:
        facts.append(_("*Service:* {service}").format(service=service))
    blocks: Blocks = [
        section(_("{case} reached *{level}*{where}").format(
                    case=f"{SEVERITY_EMOJI.get(severity, '')} *{reference} {title}* ({severity})",
                    level=level, where=where)
                + "\n" + _("*Why:* {reason}").format(reason=reason)),
        context("   ".join(facts)),
        section(_("*Description:*") + f"\n{escape(description[:2800]) or '—'}"),
        section((_("*What was tried:*") + "\n"
                 + "\n".join(f"• {escape(t)}" for t in tried[-10:]))[:2900]
                if tried else _("*What was tried:* no status updates yet.")),
        section((_("*Timeline:*") + "\n"
                 + "\n".join(f"• {t}" for t in timeline[-15:]))[:2900]),
        context(sla),
    ]
    return text, blocks


def approval_request_message(*, reference: str, title: str, item: str, note: str, level: str,
                             requested_by: str, state: str, decided_by: str | None,
                             approve_action: str, reject_action: str, approval_id: int
                             ) -> tuple[str, Blocks]:
    item = escape(item)
    title = escape(word(title))
    text = _("Approval needed on {reference}: {item} ({level})").format(
        reference=reference, item=item, level=level)
    blocks: Blocks = [
        section(_(":ballot_box_with_check: *Approval needed* on *{case}*: `{item}`\nAsked by "
                  "{person} of *{level}* (the lowest level allowed to approve it).").format(
                    case=f"{reference} {title}", item=item, person=_user(requested_by),
                    level=level) + (f"\n>{escape(note[:500])}" if note else "")),
    ]
    if state == ApprovalState.PENDING:
        blocks.append({"type": "actions", "elements": [
            button(_("Approve"), approve_action, str(approval_id), style="primary"),
            button(_("Reject"), reject_action, str(approval_id), style="danger")]})
    else:
        decided = (_("*Approved* by {person}.") if state == ApprovalState.APPROVED
                   else _("*Rejected* by {person}."))
        blocks.append(context(decided.format(person=_user(decided_by))))
    return text, blocks


def _maybe(delta: Any) -> str:
    return "—" if delta is None else human_duration(delta)


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def stats_blocks(*, label: str, overall: Any, by_mode: dict[str, Any],
                 by_severity: dict[str, Any], dashboard_url: str | None = None
                 ) -> tuple[str, Blocks]:
    """`/swarm stats`: the period at a glance, then swarm vs tiered and per severity."""
    o = overall
    text = (f"{o.cases} cases in {label}: {o.resolved} resolved, MTTR "
            f"{_maybe(o.mean_time_to_resolve)}")
    breaches = ", ".join(f"{level} {n}" for level, n in sorted(o.sla_breaches.items())) or "none"
    levels = ", ".join(f"{level} {share:.0%}" for level, share in o.resolved_by_level.items())
    facts = [
        f"*Cases:* {o.cases} ({o.open} open, {o.resolved} resolved, {o.reopened} reopened)",
        f"*MTTR:* {_maybe(o.mean_time_to_resolve)} (median {_maybe(o.median_time_to_resolve)})",
        f"*Time to acknowledge:* {_maybe(o.median_time_to_acknowledge)} (median)",
        f"*Time to first expert:* {_maybe(o.median_time_to_first_expert)} (median)",
        f"*Invites:* {o.invites['sent']} sent, {o.invites['accepted']} accepted, "
        f"{o.invites['declined']} declined, {o.invites['expired']} expired",
        f"*Status updates on time:* {_share(o.status_punctuality)}",
        f"*Escalation rate (tiered):* {_share(o.escalation_rate)}",
        f"*SLA breaches:* {breaches}",
        f"*Hand-offs:* {o.handoffs}",
        f"*Resolved at:* {levels or '—'}",
    ]
    rows = [f"*{name}* — {s.cases} cases, MTTR {_maybe(s.mean_time_to_resolve)}, "
            f"ack {_maybe(s.median_time_to_acknowledge)}" for name, s in by_mode.items()]
    severities = [f"*{name}* — {s.cases} cases, MTTR {_maybe(s.mean_time_to_resolve)}"
                  for name, s in by_severity.items()]
    blocks: Blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": f"swarmbot stats — {label}"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in facts]},
        section("*Swarm vs tiered*\n" + ("\n".join(rows) or "no cases")),
        section("*By severity*\n" + ("\n".join(severities) or "no cases")),
    ]
    if dashboard_url:
        blocks.append(context(f"Charts: <{dashboard_url}|dashboard>"))
    return text, blocks


def review_blocks(review: Any) -> tuple[str, Blocks]:
    """The post-case review draft (bot/domain/review.py) as a channel message. Its timeline
    and lessons are mrkdwn (review_for words them with describe, typed text escaped)."""
    from bot.domain.review import PROMPTS

    f = review.facts
    text = f"Review of case {f.reference}: {escape(f.title)}"
    spent = "\n".join(f"• {place}: {human_duration(t)}" for place, t in review.time_in.items())
    did = "\n".join(f"• {_user(actor)}: " + ", ".join(f"{n} {what}" for what, n in d.items())
                    for actor, d in review.contributions.items())
    timeline = "\n".join(f"• {at:%m-%d %H:%M} — {line}"
                         for at, line in review.timeline[-20:])
    if review.lessons:
        lessons = "\n".join(f"• {line} ({_user(actor)})" for actor, line in review.lessons)
    else:
        lessons = "\n".join(f"• _{prompt}_" for prompt in PROMPTS)
    blocks: Blocks = [
        {"type": "header", "text": {"type": "plain_text",
                                    "text": f"Review: {f.reference} {f.title}"[:150]}},
        section(f"*Time spent*\n{spent or '—'}"[:2900]),
        section(("*SLA results*\n" + "\n".join(f"• {s}" for s in review.sla))[:2900]
                if review.sla else "*SLA results*\nno SLAs applied"),
        section(f"*Who did what*\n{did or '—'}"[:2900]),
        section(f"*Timeline*\n{timeline or '—'}"[:2900]),
        section("*Follow-ups*\n" + ("\n".join(
            f"{'✅' if done else '⬜'} F{n} {escape(text)} ({_user(owner)})"
            for n, owner, text, done in review.followups) or "none yet — "
            "`/swarm followup <action item> [@owner]`")[:2900]),
        section(f"*Lessons learned*\n{lessons}"[:2900]),
        context("Add a lesson: `/swarm review <what we learned>` · Markdown: "
                f"`swarmbot review {int(f.reference.lstrip('#'))}`"),
    ]
    return text, blocks
