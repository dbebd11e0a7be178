"""The tamper-evident timeline: each event carries a SHA-256 over its content and the hash of
the case's previous event, so changing, removing or reordering any event breaks the chain
from there on. `swarmbot audit verify` recomputes it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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
