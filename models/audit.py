"""The tamper-evident timeline: each event carries a SHA-256 over its content and the hash of
the case's previous event, so changing, removing or reordering any event breaks the chain
from there on. `swarmbot audit verify` recomputes it — and checks the case record itself
against the chain: its decisive fields (severity, owner, status, resolution summary, who
confirmed) must be what the chain's events last set them to, so editing the case row (rather
than its events) is found too."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.domain.states import CaseStatus, TimelineKind

GENESIS = "0" * 64


def event_hash(*, prev_hash: str, case_id: int, seq: int, at: datetime, kind: str,
               actor: str | None, text: str, data: dict[str, Any]) -> str:
    content = json.dumps(
        {"prev": prev_hash, "case": case_id, "seq": seq,
         "at": at.astimezone(UTC).isoformat(timespec="microseconds"), "kind": kind,
         "actor": actor, "text": text, "data": data},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    """Where a case's chain stops matching: the first bad event and what is wrong."""

    case_id: int
    seq: int
    event_id: int
    problem: str
    field: str | None = None  # set when the case record, not the chain, was changed


def verify_chain(case_id: int, events: list[Any]) -> Break | None:
    """Check one case's events (ordered by seq): numbering, links and hashes."""
    prev = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            return Break(case_id, expected_seq, event.id,
                         f"event #{expected_seq} is missing (found #{event.seq} next)")
        if event.prev_hash != prev:
            return Break(case_id, event.seq, event.id, "does not link to the event before it")
        digest = event_hash(prev_hash=prev, case_id=case_id, seq=event.seq, at=event.at,
                            kind=event.kind, actor=event.actor, text=event.text,
                            data=event.data or {})
        if digest != event.hash:
            return Break(case_id, event.seq, event.id, "its content was changed after it was "
                                                       "recorded")
        prev = event.hash
    return None


# The case record's fields the timeline decides, and the events that set them.
DECISIVE = ("severity", "owner_id", "status", "resolution_summary", "confirmed_by")


def chain_state(events: Sequence[Any]) -> dict[str, tuple[Any, Any]]:
    """What the chain (ordered by seq) says the decisive fields are: field → (value, the
    event that set it last). Fields no event speaks of are left out."""
    state: dict[str, tuple[Any, Any]] = {}
    for event in events:
        data = event.data or {}
        kind = event.kind
        if kind == TimelineKind.DECLARED:
            if "severity" in data:
                state["severity"] = (data["severity"], event)
            state["owner_id"] = (event.actor, event)
            state["status"] = (CaseStatus.OPEN, event)
        elif kind == TimelineKind.SEVERITY_CHANGED and "severity" in data:
            state["severity"] = (data["severity"], event)
        elif kind == TimelineKind.CLAIMED:
            state["owner_id"] = (event.actor, event)
        elif kind == TimelineKind.OWNER_CHANGED and "owner" in data:
            state["owner_id"] = (data["owner"], event)
        elif kind == TimelineKind.RESOLVED:
            state["status"] = (CaseStatus.RESOLVED, event)
            state["resolution_summary"] = (event.text, event)
            state["confirmed_by"] = (None, event)
        elif kind == TimelineKind.REOPENED:
            state["status"] = (CaseStatus.OPEN, event)
            state["confirmed_by"] = (None, event)
        elif kind == TimelineKind.RESOLUTION_CONFIRMED:
            state["confirmed_by"] = (event.actor, event)
    return state


def verify_record(case_id: int, record: Mapping[str, Any], events: Sequence[Any]
                  ) -> Break | None:
    """Check the case row's decisive fields against its (intact) chain."""
    for name, (value, event) in chain_state(events).items():
        if record.get(name) != value:
            return Break(case_id, event.seq, event.id,
                         f"the case record's {name} was changed: it is not what this event "
                         "set it to", field=name)
    return None
