"""The App Home tab of a manager (a swarmbot admin) adds how cases went over the last 30
days; everyone else sees only their own cases and invites."""

from __future__ import annotations

from bot.domain.case import parse_declaration
from bot.services.context import ServiceContext
from bot.slack.effects.home import render_home
from tests.integration.declaring import declare


def test_managers_see_the_last_30_days_and_others_do_not(services: ServiceContext) -> None:
    declare(services, owner_id="UOWNER", draft=parse_declaration("Disk full sev4"))
    declare(services, owner_id="UOWNER", draft=parse_declaration("API down sev1"))
    with services.uow() as uow:
        manager = str(render_home(uow, "UADMIN", manager=True)["blocks"])
        owner = str(render_home(uow, "UOWNER")["blocks"])
    assert "swarmbot stats — the last 30 days" in manager
    assert "*Cases:* 2 (2 open, 0 resolved, 0 reopened)" in manager
    assert "*swarm* — 1 cases" in manager and "*tiered* — 1 cases" in manager
    assert "swarmbot stats" not in owner and "Disk full" in owner
