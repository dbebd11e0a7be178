"""The backtest's held-out cases: the newest, only those the model in use has not seen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from skills_index.backtest import holdout
from skills_index.history import HistoryRecord


def _case(n: int) -> HistoryRecord:
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=n)
    return HistoryRecord(id=f"C{n}", title=f"case {n}", description="", service="web",
                         severity="sev3", tags=(), created_at=at, resolved_at=at,
                         owner="", resolvers=("ana",))


def test_the_newest_fifth_is_held_out_less_what_the_model_in_use_learned_from() -> None:
    records = [_case(n) for n in reversed(range(10))]  # any order
    train, test = holdout(records, seen={"C9"})
    assert [r.id for r in test] == ["C8"]  # the newest two, less the one already seen
    assert [r.id for r in train] == [f"C{n}" for n in range(10) if n != 8]  # C9 too
    train, test = holdout(records, seen=set())
    assert [r.id for r in test] == ["C8", "C9"] and len(train) == 8
