"""The managers' dashboard over real HTTP: token-protected, showing open cases with their next
deadline, charts drawn from real cases, reviews as Markdown and exports."""

from __future__ import annotations

import pytest
import requests

from bot.sandbox.emulator import SlackEmulator
from tests.e2e.conftest import DASHBOARD_TOKEN, Clock, RunningBot, Workspace
from tests.e2e.test_swarming_flow import _case_channel

pytestmark = pytest.mark.e2e


def _get(bot: RunningBot, path: str, **kwargs: object) -> requests.Response:
    return requests.get(f"{bot.url}{path}", timeout=30, **kwargs)  # type: ignore[arg-type]


def test_the_dashboard_needs_its_token(bot: RunningBot) -> None:
    assert _get(bot, "/dashboard").status_code == 401
    assert _get(bot, "/dashboard?token=guess").status_code == 401
    assert _get(bot, "/dashboard/export/cases.csv",
                headers={"Authorization": "Bearer nope"}).status_code == 401
    signed_in = requests.Session()
    first = signed_in.get(f"{bot.url}/dashboard?token={DASHBOARD_TOKEN}", timeout=30)
    assert first.status_code == 200
    assert signed_in.get(f"{bot.url}/dashboard/charts/load.svg", timeout=30).status_code == 200


def test_it_shows_open_cases_deadlines_charts_reviews_and_exports(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    auth = {"headers": {"Authorization": f"Bearer {DASHBOARD_TOKEN}"}}
    emulator.slash_command(parcelly["olivia"], "/swarm", "new Invoices show wrong VAT sev4",
                           channel=parcelly.general)
    _case_channel(emulator, "swarm-0001")
    emulator.slash_command(parcelly["maya"], "/swarm", "new Primary DB failover sev1 "
                           "service:db", channel=parcelly.general)
    swarm = _case_channel(emulator, "swarm-0002")["id"]
    bot.settle()

    page = _get(bot, "/dashboard", **auth).text
    assert "#0001" in page and "Invoices show wrong VAT" in page and "tiered · L1" in page
    assert "response SLA" in page and "#0002" in page and "status update" in page

    load = _get(bot, "/dashboard/charts/load.svg", **auth)
    assert load.headers["Content-Type"].startswith("image/svg+xml")
    assert "@maya" in load.text and "@olivia" in load.text and "@sam" in load.text
    assert "swarm (1 cases)" in _get(bot, "/dashboard/charts/modes.svg", **auth).text
    assert _get(bot, "/dashboard/charts/pie.svg", **auth).status_code == 404

    clock.advance(minutes=42)
    emulator.slash_command(parcelly["maya"], "/swarm", "resolve Promoted the replica",
                           channel=swarm)
    bot.settle()
    assert "no resolved cases yet" not in _get(bot, "/dashboard/charts/mttr.svg", **auth).text
    review = _get(bot, "/dashboard/cases/2/review.md", **auth)
    assert review.headers["Content-Type"].startswith("text/markdown")
    assert review.text.startswith("# Review of case #0002: Primary DB failover")
    assert "- swarm: 42 min" in review.text
    assert _get(bot, "/dashboard/cases/99/review.md", **auth).status_code == 404

    rows = _get(bot, "/dashboard/export/cases.csv", **auth).text.splitlines()
    assert len(rows) == 3 and rows[0].startswith("id,reference,title")
    assert ",42.0," in rows[2]  # minutes to resolve

    # ?since= as `swarmbot export --since`: both cases were opened 72 minutes ago, so the last
    # hour has none; a period nobody can read is refused (naming the periods that work)
    # instead of exporting everything
    clock.advance(minutes=30)
    assert len(_get(bot, "/dashboard/export/cases.csv?since=1h", **auth).text.splitlines()) == 1
    assert len(_get(bot, "/dashboard/export/cases.csv?since=all", **auth).text.splitlines()) == 3
    refused = _get(bot, "/dashboard/export/timeline.jsonl?since=bogus", **auth)
    assert refused.status_code == 400 and "is not a period" in refused.text
