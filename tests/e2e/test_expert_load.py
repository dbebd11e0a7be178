"""A storm of cases does not ask the same few experts to join all of them: an invite not yet
answered counts toward an expert's open swarms (SWARMBOT_MAX_OPEN_SWARMS, 3 by default)
exactly as a swarm they joined does."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from bot.sandbox.emulator import SlackEmulator
from models import Invite
from tests.e2e.conftest import RunningBot, Workspace

pytestmark = pytest.mark.e2e


def _invited_cases(bot: RunningBot) -> dict[int, list[str]]:
    with bot.container.uow() as uow:
        found: dict[int, list[str]] = {}
        for invite in uow.session.scalars(select(Invite)):
            found.setdefault(invite.case_id, []).append(invite.expert_id)
        return found


def test_a_storm_of_cases_spreads_its_invites_over_the_experts(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    titles = ["Checkout down", "Checkout payments failing", "Checkout latency over 3s",
              "Checkout cart empty", "Checkout 500 errors"]
    for title in titles:
        answer = emulator.slash_command(parcelly["maya"], "/swarm",
                                        f"new {title} sev1 service:checkout",
                                        channel=parcelly.general)
        assert answer.status == 200
    invited = emulator.wait_for(
        lambda: (lambda found: found if len(found) == len(titles) else None)(
            _invited_cases(bot)), timeout=60, message="every case planned")

    per_expert = Counter(expert for experts in invited.values() for expert in experts)
    assert per_expert and max(per_expert.values()) <= 3, per_expert  # nobody in 4+ swarms
    assert all(invited.values()), invited  # and every case still asked someone
