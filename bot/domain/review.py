"""The post-case review, drafted from the timeline: what happened when, who did what, time
spent in the swarm or at each level, SLA results, and lessons (prompted until written).
Pure: rendered to Markdown here, to Block Kit in bot/slack/blocks.py."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.durations import human_duration
from bot.domain.metrics import Event
from bot.domain.mrkdwn import mention
from bot.domain.states import LEVEL_MOVES, CaseMode, TimelineKind

LESSON = TimelineKind.LESSON
PROMPTS = ("What went well?", "What slowed us down?", "What would have prevented it?",
           "What should we follow up on?")
_MOVES = LEVEL_MOVES
_DOINGS: dict[str, str] = {
    TimelineKind.STATUS_UPDATE: "status updates", TimelineKind.ACKNOWLEDGED: "acknowledgements",
    TimelineKind.INVITE_ACCEPTED: "joined the swarm", TimelineKind.ADDED: "people added",
    TimelineKind.ESCALATED: "escalations", TimelineKind.DEESCALATED: "de-escalations",
    TimelineKind.APPROVAL_APPROVED: "approvals", TimelineKind.APPROVAL_REJECTED: "rejections",
    TimelineKind.RESOLVED: "resolutions", TimelineKind.LESSON: "lessons"}


@dataclass(frozen=True)
class CaseFacts:
    reference: str
    title: str
    severity: str
    service: str
    owner_id: str | None
    status: str
    summary: str
    created_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True)
class Review:
    facts: CaseFacts
    timeline: list[tuple[datetime, str]]
    contributions: dict[str, Counter[str]]  # actor → what they did (counted)
    time_in: dict[str, timedelta]  # "swarm" or a level → time spent there
    sla: list[str]
    lessons: list[tuple[str | None, str]]
    followups: list[tuple[int, str, str, bool]]  # (number, owner, action item, done)


def draft_review(facts: CaseFacts, events: Sequence[Event], *, texts: Sequence[str]) -> Review:
    """`texts[i]` is the timeline text of `events[i]`."""
    ordered = sorted(zip(events, texts, strict=True), key=lambda pair: pair[0].at)
    contributions: dict[str, Counter[str]] = defaultdict(Counter)
    for event, _ in ordered:
        if event.actor and event.kind in _DOINGS:
            contributions[event.actor][_DOINGS[event.kind]] += 1
    lessons = [(e.actor, text) for e, text in ordered if e.kind == LESSON]
    done = {e.data.get("followup") for e, _ in ordered if e.kind == TimelineKind.FOLLOWUP_DONE}
    followups = [(int(e.data["followup"]), str(e.data.get("owner")),
                  text.split(": ", 1)[-1], e.data["followup"] in done)
                 for e, text in ordered if e.kind == TimelineKind.FOLLOWUP and "followup" in e.data]
    return Review(facts=facts,
                  timeline=[(e.at, text) for e, text in ordered if text and e.kind != LESSON],
                  contributions=dict(contributions), time_in=_time_in(ordered, facts),
                  sla=_sla_results(ordered), lessons=lessons,
                  followups=followups)


def _time_in(ordered: Sequence[tuple[Event, str]], facts: CaseFacts) -> dict[str, timedelta]:
    spent: dict[str, timedelta] = defaultdict(timedelta)
    place: str | None = "swarm"
    since = facts.created_at
    for event, _ in ordered:
        moved_to = None
        if event.kind in _MOVES:
            moved_to = str(event.data.get("level"))
        elif event.kind == TimelineKind.MODE_CHANGED and event.data.get("mode") == CaseMode.SWARM:
            moved_to = "swarm"
        elif event.kind == TimelineKind.RESOLVED:
            if place is not None:
                spent[place] += event.at - since
            place, since = None, event.at
            continue
        elif event.kind == TimelineKind.REOPENED:
            place, since = _last_place(ordered, event), event.at
            continue
        if moved_to is not None:
            if place is not None:
                spent[place] += event.at - since
            place, since = moved_to, event.at
    return {k: v for k, v in spent.items() if v > timedelta(0)}


def _last_place(ordered: Sequence[tuple[Event, str]], before: Event) -> str:
    place = "swarm"
    for event, _ in ordered:
        if event is before:
            break
        if event.kind in _MOVES:
            place = str(event.data.get("level"))
        elif event.kind == TimelineKind.MODE_CHANGED and event.data.get("mode") == CaseMode.SWARM:
            place = "swarm"
    return place


def _sla_results(ordered: Sequence[tuple[Event, str]]) -> list[str]:
    breaches = Counter((e.data.get("level"), e.data.get("sla")) for e, _ in ordered
                       if e.kind == TimelineKind.SLA_BREACHED)
    warnings = Counter((e.data.get("level"), e.data.get("sla")) for e, _ in ordered
                       if e.kind == TimelineKind.SLA_WARNING)
    acknowledged = [(e.data.get("level"), e.data.get("minutes")) for e, _ in ordered
                    if e.kind == TimelineKind.ACKNOWLEDGED]
    lines = [f"{level}: acknowledged after {minutes} min" for level, minutes in acknowledged]
    lines += [f"{level}: {sla} SLA breached" + (f" ({n}×)" if n > 1 else "")
              for (level, sla), n in sorted(breaches.items(), key=str)]
    lines += [f"{level}: {sla} SLA warned, met" for (level, sla) in sorted(warnings, key=str)
              if (level, sla) not in breaches]
    return lines


def to_markdown(review: Review) -> str:
    f = review.facts
    duration = (human_duration((f.resolved_at or f.created_at) - f.created_at)
                if f.resolved_at else "open")
    lines = [f"# Review of case {f.reference}: {f.title}", "",
             f"- Severity: {f.severity}" + (f", service `{f.service}`" if f.service else ""),
             f"- Owner: {_who(f.owner_id)}", f"- Status: {f.status} (duration: {duration})"]
    if f.summary:
        lines.append(f"- Resolution: {f.summary}")
    lines += ["", "## Time spent"]
    lines += [f"- {place}: {human_duration(spent)}"
              for place, spent in review.time_in.items()] or ["- —"]
    lines += ["", "## SLA results"] + ([f"- {s}" for s in review.sla] or ["- no SLAs applied"])
    lines += ["", "## Who did what"]
    lines += [f"- {_who(actor)}: " + ", ".join(f"{n} {what}" for what, n in did.items())
              for actor, did in review.contributions.items()] or ["- —"]
    lines += ["", "## Timeline"]
    lines += [f"- {at:%Y-%m-%d %H:%M} UTC — {text}" for at, text in review.timeline]
    lines += ["", "## Follow-ups"]
    lines += [f"- [{'x' if done else ' '}] F{n} {text} ({_who(owner)})"
              for n, owner, text, done in review.followups] or ["- none recorded "
                                                               "(`/swarm followup <item>`)"]
    lines += ["", "## Lessons learned"]
    if review.lessons:
        lines += [f"- {text} ({_who(actor)})" for actor, text in review.lessons]
    else:
        lines += [f"- {prompt}" for prompt in PROMPTS]
        lines.append("")
        lines.append("_Add lessons with `/swarm review <lesson>` in the case channel._")
    return "\n".join(lines) + "\n"


def _who(user: str | None) -> str:
    return mention(user) if user else "—"
