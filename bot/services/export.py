"""Cases and timeline events as flat rows for BI tools (CSV or JSON Lines). Whoever reads an
export is outside every case: a private case is "Private case" with its ids, states, times
and measures, its events their kinds, times and hashes — no title, service, tags or texts."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from sqlalchemy import select

from bot.domain.errors import InvalidInput
from bot.domain.metrics import measure
from bot.domain.mrkdwn import plain
from bot.domain.privacy import title_for, visible_to
from bot.domain.timeline import describe
from bot.services.context import ServiceContext
from bot.services.metrics import case_records
from models.case import Case, TimelineEvent
from models.uow import UnitOfWork

CASE_FIELDS = ("id", "reference", "title", "severity", "status", "mode", "level", "service",
               "tags", "owner", "requester", "source", "external_id", "private", "created_at",
               "acknowledged_at", "resolved_at", "minutes_to_acknowledge",
               "minutes_to_first_expert", "minutes_to_resolve", "handoffs", "invites_sent",
               "invites_accepted", "sla_breaches", "reopened")
EVENT_FIELDS = ("case_id", "seq", "at", "kind", "actor", "text", "data", "hash")
FORMATS = ("csv", "jsonl")


def _when(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def _minutes(value: Any) -> str:
    return "" if value is None else f"{value.total_seconds() / 60:.1f}"


def case_rows(ctx: ServiceContext, *, since: datetime | None = None) -> Iterator[dict[str, Any]]:
    with ctx.uow().reading() as uow:
        measured = {r.case_id: measure(r) for r in case_records(uow, since=since)}
        stmt = select(Case).order_by(Case.id)
        if since is not None:
            stmt = stmt.where(Case.created_at >= since)
        for case in uow.session.scalars(stmt):
            m = measured[case.id]
            shown = visible_to(case, None)
            yield {
                "id": case.id, "reference": case.reference, "title": title_for(case, None),
                "severity": case.severity, "status": case.status, "mode": case.mode,
                "level": case.level or "", "service": case.service if shown else "",
                "tags": ";".join(case.tags or []) if shown else "",
                "owner": case.owner_id or "",
                "requester": case.requester_id or "", "source": case.source,
                "external_id": case.external_id or "", "private": case.is_private,
                "created_at": _when(case.created_at),
                "acknowledged_at": _when(None if m.time_to_acknowledge is None
                                         else m.created_at + m.time_to_acknowledge),
                "resolved_at": _when(case.resolved_at),
                "minutes_to_acknowledge": _minutes(m.time_to_acknowledge),
                "minutes_to_first_expert": _minutes(m.time_to_first_expert),
                "minutes_to_resolve": _minutes(m.time_to_resolve), "handoffs": m.handoffs,
                "invites_sent": m.invites["sent"], "invites_accepted": m.invites["accepted"],
                "sla_breaches": sum(m.sla_breaches.values()), "reopened": m.reopened}


def event_rows(ctx: ServiceContext, *, since: datetime | None = None
               ) -> Iterator[dict[str, Any]]:
    with ctx.uow().reading() as uow:
        stmt = select(TimelineEvent).order_by(TimelineEvent.case_id, TimelineEvent.seq)
        if since is not None:
            stmt = stmt.where(TimelineEvent.at >= since)
        cases: dict[int, Case | None] = {}
        names = _Names(uow)
        for event in uow.session.scalars(stmt):
            if event.case_id not in cases:
                cases[event.case_id] = uow.cases.get(event.case_id)
            shown = visible_to(cases[event.case_id], None)
            yield {"case_id": event.case_id, "seq": event.seq, "at": _when(event.at),
                   "kind": event.kind, "actor": event.actor or "",
                   "text": (describe(event, names.person, names.plain, place=str, typed=str)
                            if shown else ""),
                   "data": json.dumps(event.data or {} if shown else {}, sort_keys=True),
                   "hash": event.hash}


class _Names:
    """People in an export as `@handle` (their Slack id when no handle is known): plain
    text, not Slack markup — also in the stored text of older events."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.known: dict[str, str] = {}

    def handle(self, user: str) -> str:
        if user not in self.known:
            expert = self.uow.experts.get(user)
            self.known[user] = str((expert.handle if expert is not None else None) or user)
        return self.known[user]

    def person(self, user: str) -> str:
        return "@" + self.handle(user)

    def plain(self, text: str) -> str:
        for user in set(_MENTIONED.findall(text)):
            self.handle(user)
        return plain(text, self.known)


_MENTIONED = re.compile(r"<@([UW][A-Z0-9]+)")
# Fullwidth `＝ ＋ － ＠` too: spreadsheets read them as their ASCII twins; `|` starts a DDE call.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20", "|")


def _cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: text starting like a formula (`=HYPERLINK(…)`,
    `+`, `-`, `@`, their fullwidth forms, `|`, tab, carriage return) gets a leading `'`
    (OWASP's advice on CSV injection). Numbers are left alone; the JSON Lines export is
    data, not escaped."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_rows(rows: Iterator[dict[str, Any]], fields: tuple[str, ...], out: IO[str],
               fmt: str) -> int:
    if fmt not in FORMATS:
        raise InvalidInput(f"Export as one of {', '.join(FORMATS)}.")
    count = 0
    writer = csv.DictWriter(out, fieldnames=fields) if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    for row in rows:
        if writer is not None:
            writer.writerow({name: _cell(value) for name, value in row.items()})
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count
