"""The load benchmark (bench/load.py) in a small size: a burst of sev1 cases with 5 invites each,
experts accepting and declining by reaction while cases are still being declared, against the
emulator in strict rate-limit mode and `swarmbot serve` processes — one of one worker process
on SQLite, two of one worker each sharing PostgreSQL with Slack's requests taking turns between
them. Nothing is lost, nothing is
posted twice, every accepted expert is in their case's channel, and Slack's rate limits are
spent as a budget shared by the processes: few calls are answered 429 (the bot waits its turn
rather than knocking). (No timing is asserted: the full-size figures are in
docs/benchmarks.md.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.load import report, run

pytestmark = pytest.mark.e2e


def test_a_burst_under_rate_limits_loses_and_repeats_nothing(database_url: str,
                                                             tmp_path: Path) -> None:
    web, workers = (2, 1) if database_url.startswith("postgresql") else (1, 1)
    outcome = run(cases=6, seconds=3, web=web, workers=workers, database_url=database_url,
                  folder=tmp_path, timeout=300)
    summary = report(outcome, cases=6, seconds=3, web=web, backend=database_url.split(":")[0])

    assert outcome.declared == 6 and outcome.refused == 0, summary
    assert outcome.settled_after is not None, summary
    assert outcome.reactions >= 6 * 5, summary  # every invite answered, replacements too
    calls, limited = sum(outcome.calls.values()), sum(outcome.rate_limited.values())
    assert limited <= 0.05 * calls, summary
    assert outcome.lost == [], summary
    assert outcome.duplicates == [], summary
    assert outcome.missing_members == [], summary
