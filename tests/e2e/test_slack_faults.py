"""Slack failing while a case opens: 500s, rate limits and timeouts on the methods the bot
uses. After recovery the case has exactly one channel, the owner is in it and every message
went out once."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from bot.sandbox.emulator import SlackEmulator
from tests.e2e.conftest import Clock, RunningBot, Workspace
from tests.e2e.test_swarming_flow import _case_channel, _invites_to

pytestmark = pytest.mark.e2e


def _wait_as_time_passes(bot: RunningBot, clock: Clock, condition: Callable[[], Any],
                         seconds: float = 30) -> None:
    """Retries back off in the bot's time: move its clock a second per tick while waiting."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        clock.advance(seconds=1)
        bot.container.dispatcher.kick()
        time.sleep(0.05)
    raise AssertionError("not recovered in time")


@pytest.mark.parametrize("fault", [
    {"method": "conversations.create", "kind": "http_500", "times": 2},
    {"method": "chat.postMessage", "kind": "rate_limited", "retry_after": 1, "times": 3},
    {"method": "conversations.invite", "kind": "error", "error": "internal_error", "times": 2},
    {"method": "*", "kind": "http_500", "times": 6},
])
def test_a_case_opens_once_whatever_slack_does(emulator: SlackEmulator, bot: RunningBot,
                                              parcelly: Workspace, fault: dict,
                                              clock: Clock) -> None:
    fault = dict(fault)  # parameters are shared by both database runs
    emulator.faults.add(fault.pop("method"), **fault)
    result = emulator.slash_command(parcelly["maya"], "/swarm",
                                    "new Checkout down sev1 service:checkout",
                                    channel=parcelly.general)
    assert result.status == 200
    _wait_as_time_passes(bot, clock, lambda: any(
        c["name"].startswith("swarm-0001") and parcelly["maya"] in c["members"] and c["topic"]
        for c in emulator.channels()))
    channel = _case_channel(emulator)
    _wait_as_time_passes(bot, clock, lambda: len(_invites_to(emulator, parcelly)) == 3)
    bot.settle(timeout=20)
    assert len([c for c in emulator.channels() if c["name"].startswith("swarm-")]) == 1
    texts = [m.get("text") or "" for m in emulator.messages(channel["id"])]
    assert sum("Recommended experts" in t for t in texts) == 1
    summaries = [m for m in emulator.messages(channel["id"])
                 if str(m.get("text", "")).startswith("#0001 Checkout down")]
    assert len(summaries) == 1
    for handle in _invites_to(emulator, parcelly):
        dms = [m for m in emulator.dm_messages(parcelly[handle])
               if "Swarm invite" in (m.get("text") or "")]
        assert len(dms) == 1, handle


@pytest.mark.parametrize("poison", [
    {"note": "no_such_kind"},  # a note kind nobody words
    {"note": "call_link"},  # a note whose wording needs a data key it was not given
])
def test_one_effect_that_cannot_be_worded_does_not_stop_the_others(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, poison: dict) -> None:
    from sqlalchemy import select

    from bot.services import effects
    from models.scheduling import OutboxMessage

    emulator.slash_command(parcelly["maya"], "/swarm", "new Checkout down sev1 service:checkout",
                           channel=parcelly.general)
    first = _case_channel(emulator)
    bot.settle(timeout=20)
    with bot.container.services.uow() as uow:  # in the bot's time, as a use case records it
        case = uow.cases.get(1)
        assert case is not None
        effects.post(uow, case=case, key="poisoned", **poison)
        uow.commit()
    emulator.slash_command(parcelly["maya"], "/swarm", "new Refunds stuck sev2 service:payments",
                           channel=parcelly.general)  # another case opens meanwhile
    second = _case_channel(emulator, "swarm-0002")
    assert parcelly["maya"] in second["members"]
    bot.settle(timeout=20)  # nothing stays pending: the bad effect failed for good
    with bot.container.uow() as uow:
        poisoned = uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.dedupe_key == "poisoned")).one()
        assert (poisoned.state, poisoned.attempts) == ("failed", 1)
        assert poisoned.last_error is not None
        assert "KeyError" in poisoned.last_error or "LookupError" in poisoned.last_error
        poisoned_id = poisoned.id
        told = [(m.payload["effect_id"], m.state) for m in uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "delivery_failed"))]
    assert told == [(poisoned_id, "done")]  # the owner was told, like any permanent failure
    assert first["id"] != second["id"]
