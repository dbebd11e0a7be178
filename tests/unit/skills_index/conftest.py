"""Small hand-built histories with known answers."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from skills_index.history import HistoryRecord

NOW = datetime(2026, 6, 1, tzinfo=UTC)
TOPICS = {
    "db": ("postgres replication lag", "slow query on orders table", "connection pool exhausted",
           "vacuum blocked", "deadlock in payments writes"),
    "search": ("search index stale", "elasticsearch shard unassigned", "reindex job stuck",
               "query latency spike in search"),
    "web": ("homepage 500 error", "css broken on checkout page", "cdn cache miss storm",
            "javascript bundle too large"),
}


def make_history(people: dict[str, tuple[str, int, int]], *, per_person: int = 40,
                 seed: int = 3) -> list[HistoryRecord]:
    """people: handle → (topic, first day, last day) they resolved cases, days before NOW."""
    rng = random.Random(seed)
    records = []
    for handle, (topic, first, last) in people.items():
        for n in range(per_person):
            days = rng.uniform(last, first)
            title = rng.choice(TOPICS[topic])
            records.append(HistoryRecord(
                id=f"{handle}-{n}", title=f"{title} #{n}", description="", service=topic,
                severity="sev3", tags=(topic, "prod"), created_at=NOW - timedelta(days=days),
                resolved_at=None, owner=handle, resolvers=(handle,)))
    return records


@pytest.fixture
def history() -> list[HistoryRecord]:
    return make_history({
        "dora": ("db", 60, 1),          # the database person, active now
        "olga": ("db", 1500, 1000),     # resolved db cases years ago, then stopped
        "sami": ("search", 90, 1),
        "wes": ("web", 90, 1),
        "wendy": ("web", 120, 2),
    })
