"""Case metrics computed from the timeline (never kept by hand), per case and per group.

Definitions (also in the README):
- time to acknowledge: from declaration until someone took the case — for a tiered case the
  first `/swarm ack` at a level; for a swarm, its claim (0 when a person declared it, since
  the declarer owns it from the start).
  The case row's `acknowledged_at` (and the export's) is this moment, never the declaration
  of a tiered case nobody acknowledged.
- invites sent: invites that went out — at once, or released after being held for the
  expert's working hours (a held invite that never went out is not sent).
- time to first expert: until the first expert accepted an invite or was added.
- time to resolve: until the (last) resolution, for cases that are resolved now.
- hand-offs: ownership handed over plus moves between levels.
- status punctuality: status updates that came without a reminder, out of updates plus
  reminders the bot had to send.
- escalation rate: tiered cases escalated at least once, out of tiered cases.
Pure: the service layer loads cases and events and hands them in.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.domain.errors import InvalidInput
from bot.domain.mrkdwn import escape
from bot.domain.states import LEVEL_MOVES, CaseMode, CaseStatus, TimelineKind

GROUPINGS = ("severity", "service", "mode", "week", "month")


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str
    actor: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseRecord:
    """A case as metrics see it: a few facts of the case row and its timeline."""

    case_id: int
    severity: str
    service: str
    mode: str
    status: str
    level: str | None
    created_at: datetime
    events: tuple[Event, ...]


@dataclass(frozen=True)
class CaseMeasures:
    case_id: int
    severity: str
    service: str
    mode: str
    created_at: datetime
    resolved: bool
    tiered: bool
    time_to_acknowledge: timedelta | None
    time_to_first_expert: timedelta | None
    time_to_resolve: timedelta | None
    handoffs: int
    invites: Counter[str]  # sent, accepted, declined, expired
    status_updates: int
    status_reminders: int
    sla_breaches: Counter[str]  # level → breaches
    resolved_at: str | None  # the level (or "swarm") the case was resolved at
    escalated: bool
    reopened: bool


def measure(case: CaseRecord) -> CaseMeasures:
    events = sorted(case.events, key=lambda e: e.at)
    kinds = Counter(e.kind for e in events)
    declared = next((e for e in events if e.kind == TimelineKind.DECLARED), None)
    start = declared.at if declared else case.created_at
    tiered = any(e.kind in LEVEL_MOVES for e in events)

    def first(*wanted: str) -> datetime | None:
        return next((e.at for e in events if e.kind in wanted), None)

    if tiered:
        acknowledged = first(TimelineKind.ACKNOWLEDGED)
    else:
        acknowledged = (first(TimelineKind.CLAIMED)
                        or (start if declared and declared.actor else None))
    expert = first(TimelineKind.INVITE_ACCEPTED, TimelineKind.ADDED)
    resolved_events = [e.at for e in events if e.kind == TimelineKind.RESOLVED]
    resolved = case.status == CaseStatus.RESOLVED and bool(resolved_events)
    return CaseMeasures(
        case_id=case.case_id, severity=case.severity, service=case.service or "—",
        mode=case.mode, created_at=start, resolved=resolved, tiered=tiered,
        time_to_acknowledge=_since(start, acknowledged),
        time_to_first_expert=_since(start, expert),
        time_to_resolve=_since(start, resolved_events[-1]) if resolved else None,
        handoffs=kinds[TimelineKind.OWNER_CHANGED] + kinds[TimelineKind.ESCALATED]
        + kinds[TimelineKind.DEESCALATED],
        invites=Counter(sent=kinds[TimelineKind.INVITED] + kinds[TimelineKind.INVITE_RELEASED],
                        accepted=kinds[TimelineKind.INVITE_ACCEPTED],
                        declined=kinds[TimelineKind.INVITE_DECLINED],
                        expired=kinds[TimelineKind.INVITE_EXPIRED]),
        status_updates=kinds[TimelineKind.STATUS_UPDATE],
        status_reminders=kinds[TimelineKind.STATUS_REMINDER],
        sla_breaches=Counter(str(e.data.get("level", "?")) for e in events
                             if e.kind == TimelineKind.SLA_BREACHED),
        resolved_at=None if not resolved else (
            case.level if case.mode == CaseMode.TIERED and case.level else "swarm"),
        escalated=kinds[TimelineKind.ESCALATED] > 0, reopened=kinds[TimelineKind.REOPENED] > 0)


def _since(start: datetime, end: datetime | None) -> timedelta | None:
    return None if end is None else max(end - start, timedelta(0))


@dataclass(frozen=True)
class Summary:
    cases: int
    open: int
    resolved: int
    median_time_to_acknowledge: timedelta | None
    median_time_to_first_expert: timedelta | None
    median_time_to_resolve: timedelta | None
    mean_time_to_resolve: timedelta | None  # MTTR
    handoffs: int
    invites: Counter[str]
    status_punctuality: float | None
    sla_breaches: Counter[str]
    resolved_by_level: dict[str, float]  # share of resolved cases per level (or "swarm")
    escalation_rate: float | None
    reopened: int

    @property
    def invite_acceptance(self) -> float | None:
        answered = self.invites["accepted"] + self.invites["declined"] + self.invites["expired"]
        return self.invites["accepted"] / answered if answered else None


def summarize(measures: Sequence[CaseMeasures]) -> Summary:
    resolved = [m for m in measures if m.resolved]
    tiered = [m for m in measures if m.tiered]
    updates = sum(m.status_updates for m in measures)
    reminders = sum(m.status_reminders for m in measures)
    levels = Counter(m.resolved_at for m in resolved if m.resolved_at)
    return Summary(
        cases=len(measures), open=len(measures) - len(resolved), resolved=len(resolved),
        median_time_to_acknowledge=_median(m.time_to_acknowledge for m in measures),
        median_time_to_first_expert=_median(m.time_to_first_expert for m in measures),
        median_time_to_resolve=_median(m.time_to_resolve for m in resolved),
        mean_time_to_resolve=_mean(m.time_to_resolve for m in resolved),
        handoffs=sum(m.handoffs for m in measures),
        invites=sum((m.invites for m in measures), Counter()),
        status_punctuality=updates / (updates + reminders) if updates + reminders else None,
        sla_breaches=sum((m.sla_breaches for m in measures), Counter()),
        resolved_by_level={k: v / len(resolved) for k, v in sorted(levels.items())},
        escalation_rate=(sum(m.escalated for m in tiered) / len(tiered)) if tiered else None,
        reopened=sum(m.reopened for m in measures))


def group_key(measures: CaseMeasures, by: str) -> str:
    if by == "week":
        year, week, _ = measures.created_at.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "month":
        return f"{measures.created_at:%Y-%m}"
    return str(getattr(measures, by))


def summarize_by(measures: Sequence[CaseMeasures], by: str) -> dict[str, Summary]:
    if by not in GROUPINGS:
        raise InvalidInput(f"Group by one of {', '.join(GROUPINGS)}.")
    groups: dict[str, list[CaseMeasures]] = {}
    for m in measures:
        groups.setdefault(group_key(m, by), []).append(m)
    return {key: summarize(group) for key, group in sorted(groups.items())}


def _median(values: Iterable[timedelta | None]) -> timedelta | None:
    present = sorted(v for v in values if v is not None)
    if not present:
        return None
    middle = len(present) // 2  # statistics.median, which typeshed types for numbers only
    return present[middle] if len(present) % 2 else (present[middle - 1] + present[middle]) / 2


def _mean(values: Iterable[timedelta | None]) -> timedelta | None:
    present = [v for v in values if v is not None]
    return sum(present, timedelta(0)) / len(present) if present else None


_PERIOD = re.compile(r"^(\d{1,4})\s*(h|d|w)$", re.IGNORECASE)
_NAMED = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=30),
          "quarter": timedelta(days=90), "year": timedelta(days=365)}


def parse_period(text: str, now: datetime) -> tuple[datetime | None, str]:
    """`7d`, `24h`, `4w`, `week`, `month`, `quarter`, `year`, `all` → (since, label)."""
    cleaned = (text or "30d").strip().lower()
    if cleaned == "all":
        return None, "all time"
    if cleaned in _NAMED:
        return now - _NAMED[cleaned], f"the last {cleaned}"
    match = _PERIOD.match(cleaned)
    if not match or int(match.group(1)) == 0:
        raise InvalidInput(f"`{escape(text[:20])}` is not a period; try `7d`, `24h`, `4w`, "
                           "`month`, `quarter` or `all`.")
    amount, unit = int(match.group(1)), match.group(2)
    delta = {"h": timedelta(hours=amount), "d": timedelta(days=amount),
             "w": timedelta(weeks=amount)}[unit]
    return now - delta, f"the last {amount}{unit}"
