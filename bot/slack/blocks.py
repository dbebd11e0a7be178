"""Block Kit built by pure functions: data in, dicts out. Tested without Slack."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.domain.case import MAX_DESCRIPTION, MAX_SERVICE, MAX_TITLE
from bot.domain.durations import human_duration
from bot.domain.mrkdwn import escape, plain
from bot.domain.states import ApprovalState, CaseMode, InviteState

Blocks = list[dict[str, Any]]

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
        section("*swarmbot* runs swarming for incidents: the person who declares a case owns "
                "it to the end, and the bot brings the right experts to it."),
        section("\n".join(lines)),
        context("Accept a swarm invite by reacting :white_check_mark: (or :raising_hand:), "
                "decline with :x:."),
    ]


SEVERITY_EMOJI = {"sev1": ":red_circle:", "sev2": ":large_orange_circle:",
                  "sev3": ":large_yellow_circle:", "sev4": ":white_circle:"}


def _user(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "_nobody yet_"


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": {"type": "plain_text", "text": text},
                               "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element


def case_topic(*, reference: str, severity: str, owner_id: str | None, status: str,
               mode: str, level: str | None, note: str = "", call: str = "",
               owner_handle: str | None = None, title: str = "") -> str:
    """The channel topic. Slack shows a topic as plain text (conversations.setTopic: "does not
    support formatting or linkification"): no mention markup, no entities — the owner by
    handle, markup in a note reduced to its words."""
    where = f"level {level}" if mode == CaseMode.TIERED and level else mode
    owner = f"@{owner_handle or owner_id}" if owner_id else "unclaimed"
    extras = "".join(f" · {plain(part)}" for part in (note, f"call {call}" if call else "")
                     if part)
    state = f"{reference} · {severity} · owner {owner} · {status} · {where}{extras}"[:250]
    # The title first (what the case is), shortened to leave the state its room.
    room = 250 - len(state) - len(" · ")
    title = plain(title).strip()
    if title and room >= 10:
        title = title if len(title) <= room else title[:room - 1].rstrip() + "…"
        return f"{title} · {state}"
    return state


def workflow_offer_message(*, reference: str, name: str, trigger: str, steps: list[str],
                           action_id: str, value: str) -> tuple[str, Blocks]:
    text = f"Workflow {name} is ready to run on {reference}"
    lines = "\n".join(f"• {step}" for step in steps)
    return text, [
        section(f":gear: *Workflow `{name}`* ({trigger}) is ready for {reference}:\n{lines}"),
        {"type": "actions", "elements": [button(f"Run {name}"[:75], action_id, value,
                                                style="primary")]},
    ]


def case_summary(*, reference: str, title: str, severity: str, status: str, mode: str,
                 owner_id: str | None, service: str, tags: list[str], description: str,
                 participants: list[str], claim_action: str | None = None,
                 case_id: int | None = None, level: str | None = None) -> Blocks:
    """The pinned-style summary at the top of a case channel; updated as the case moves."""
    where = f"tiered, at *{level}*" if mode == CaseMode.TIERED and level else mode
    facts = [f"*Severity:* {SEVERITY_EMOJI.get(severity, '')} {severity}",
             f"*Status:* {status}", f"*Owner:* {_user(owner_id)}", f"*Mode:* {where}"]
    if service:
        facts.append(f"*Service:* `{escape(service)}`")
    if tags:
        facts.append("*Tags:* " + " ".join(f"`{escape(t)}`" for t in tags))
    blocks: Blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": f"{reference} {title}"[:150]}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in facts[:10]]},
    ]
    if description:
        blocks.append(section(escape(description[:2900])))
    people = ", ".join(_user(p) for p in participants) or "—"
    blocks.append(context(f"In the swarm: {people}"))
    if owner_id is None and claim_action and case_id is not None:
        blocks.append({"type": "actions", "elements": [
            button("Claim this case", claim_action, str(case_id), style="primary")]})
    return blocks


def invite_message(*, reference: str, title: str, severity: str, owner_id: str | None,
                   reason: str, channel_id: str | None, state: str) -> tuple[str, Blocks]:
    """The DM to an expert: what the case is, why them, how to answer."""
    where = f" in <#{channel_id}>" if channel_id else ""
    title, reason = escape(title), escape(reason)
    text = f"Swarm invite: {reference} {title} ({severity})"
    blocks: Blocks = [
        section(f"{SEVERITY_EMOJI.get(severity, '')} *{reference} {title}* ({severity}){where}\n"
                f"{_user(owner_id)} owns it and could use your help."),
        section(f"*Why you:* {reason}"),
    ]
    if state == InviteState.PENDING:
        blocks.append(context("React :white_check_mark: to join the swarm, or :x: to decline."))
    else:
        blocks.append(context(f"This invite is *{state}*."))
    return text, blocks


def resolution_message(*, reference: str, owner_id: str | None, duration: str,
                       helpers: list[str], summary: str, timeline: list[str],
                       confirm_from: str | None, confirm_action: str, reopen_action: str,
                       case_id: int, followups: list[tuple[int, str, str, bool]] = (),
                       answer: str | None = None) -> tuple[str, Blocks]:
    """`confirm_from`: who is asked to confirm (a Yes button); `answer`: what came of the
    asking (no buttons then but Reopen). `timeline`: mrkdwn lines, typed text already escaped
    (bot.domain.timeline.describe), shown as they are."""
    helped = ", ".join(_user(h) for h in helpers) or "nobody else"
    text = f"Case {reference} resolved by <@{owner_id}> after {duration}"
    lines = "\n".join(f"• {line}" for line in timeline[-15:]) or "—"  # mrkdwn (describe)
    blocks: Blocks = [
        section(f":white_check_mark: *Case {reference} resolved* by {_user(owner_id)} after "
                f"{duration}. Helped: {helped}."),
        section(f"*Resolution:* {escape(summary[:2800])}"),
        section(f"*Timeline:*\n{lines}"[:2900]),
        *([section(("*Follow-ups:*\n" + "\n".join(
            f"{'✅' if done else '⬜'} F{n} {escape(text)} ({_user(owner)})"
            for n, owner, text, done in followups))[:2900])] if followups else []),
    ]
    if confirm_from:
        blocks.append(section(f"{_user(confirm_from)}, is it resolved for you?"))
    elif answer:
        blocks.append(context(answer))
    blocks.append({"type": "actions", "elements": [
        *([button("Yes, resolved", confirm_action, str(case_id), style="primary")]
          if confirm_from else []),
        button("Reopen", reopen_action, str(case_id))]})
    return text, blocks


def case_list(lines: list[tuple[str, str, str, str | None, str | None]]) -> Blocks:
    """`/swarm list`: (reference, title, severity, owner, channel) per open case."""
    if not lines:
        return [section("No open cases. :tada:")]
    rows = [f"{SEVERITY_EMOJI.get(sev, '')} *{ref}* {escape(title)} — {_user(owner)}"
            + (f" · <#{channel}>" if channel else "") for ref, title, sev, owner, channel in lines]
    return [section("*Open cases*"), section("\n".join(rows)[:2900])]


SECTION_TEXT_LIMIT = 3000  # Slack refuses a section whose text is longer (invalid_arguments)


def _fit(rows: list[str], room: int = SECTION_TEXT_LIMIT - 100) -> str:
    """As many rows as fit in one section, then how many more there are."""
    shown: list[str] = []
    used = 0
    for row in rows:
        if used + len(row) + 1 > room:
            return "\n".join([*shown, f"…and {len(rows) - len(shown)} more"])
        shown.append(row)
        used += len(row) + 1
    return "\n".join(shown)


def home_view(*, my_cases: list[tuple[str, str, str, str | None]],
              invites: list[tuple[str, str, str, str]], open_swarms: int,
              skills: list[str], away: bool) -> dict[str, Any]:
    """The App Home tab: your open cases, invites waiting for you, your swarm load."""
    case_rows = _fit([f"{SEVERITY_EMOJI.get(sev, '')} *{ref}* {escape(title)}"
                      + (f" · <#{channel}>" if channel else "")
                      for ref, title, sev, channel in my_cases]) or "None."
    invite_rows = _fit([f"{SEVERITY_EMOJI.get(sev, '')} *{ref}* {escape(title)} — {escape(why)}"
                        for ref, title, sev, why in invites]) or "None waiting."
    status = "away (no invites)" if away else "available"
    skill_text = ", ".join(f"`{s}`" for s in skills) or "none declared (`/swarm skills add …`)"
    return {"type": "home", "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "swarmbot"}},
        section(f"*Your open cases*\n{case_rows}"),
        {"type": "divider"},
        section(f"*Invites waiting for you*\n{invite_rows}"),
        {"type": "divider"},
        section(f"*Your swarm load:* {open_swarms} open swarm(s) · you are {status}\n"
                f"*Your skills:* {skill_text}"),
    ]}


def declare_modal(*, callback_id: str, private_metadata: str = "", title: str = "",
                  severity: str = "sev3", service: str = "", description: str = "",
                  heading: str = "Declare a case") -> dict[str, Any]:
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

    options = [{"text": {"type": "plain_text", "text": f"{sev} — {word}"}, "value": sev}
               for sev, word in (("sev1", "critical"), ("sev2", "major"), ("sev3", "minor"),
                                 ("sev4", "low"))]
    initial = next((o for o in options if o["value"] == severity), options[2])
    return {
        "type": "modal", "callback_id": callback_id, "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": heading},
        "submit": {"type": "plain_text", "text": "Declare"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            text_input("case_title", "Title", max_length=MAX_TITLE, initial=title),
            {"type": "input", "block_id": "case_severity",
             "label": {"type": "plain_text", "text": "Severity"},
             "element": {"type": "static_select", "action_id": "value", "options": options,
                         "initial_option": initial}},
            text_input("case_service", "Service", max_length=MAX_SERVICE, optional=True,
                       initial=service),
            text_input("case_description", "What is happening?", max_length=MAX_DESCRIPTION,
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
    title, reason, service = escape(title), escape(reason[:500]), escape(service)
    text = f"{reference} {title} ({severity}) is at {level} now: {reason}"
    facts = [f"*Owner:* {_user(owner_id)}", f"*Requester:* {_user(requester_id)}"]
    if service:
        facts.append(f"*Service:* {service}")
    blocks: Blocks = [
        section(f"{SEVERITY_EMOJI.get(severity, '')} *{reference} {title}* ({severity}) reached "
                f"*{level}*{where}\n*Why:* {reason}"),
        context("   ".join(facts)),
        section(f"*Description:*\n{escape(description[:2800]) or '—'}"),
        section(("*What was tried:*\n" + "\n".join(f"• {escape(t)}" for t in tried[-10:]))[:2900]
                if tried else "*What was tried:* no status updates yet."),
        section(("*Timeline:*\n" + "\n".join(f"• {t}" for t in timeline[-15:]))[:2900]),
        context(sla),
    ]
    return text, blocks


def approval_request_message(*, reference: str, title: str, item: str, note: str, level: str,
                             requested_by: str, state: str, decided_by: str | None,
                             approve_action: str, reject_action: str, approval_id: int
                             ) -> tuple[str, Blocks]:
    title, item = escape(title), escape(item)
    text = f"Approval needed on {reference}: {item} ({level})"
    blocks: Blocks = [
        section(f":ballot_box_with_check: *Approval needed* on *{reference} {title}*: "
                f"`{item}`\nAsked by {_user(requested_by)} of *{level}* (the lowest level "
                f"allowed to approve it)." + (f"\n>{escape(note[:500])}" if note else "")),
    ]
    if state == ApprovalState.PENDING:
        blocks.append({"type": "actions", "elements": [
            button("Approve", approve_action, str(approval_id), style="primary"),
            button("Reject", reject_action, str(approval_id), style="danger")]})
    else:
        blocks.append(context(f"*{state.capitalize()}* by {_user(decided_by)}."))
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
