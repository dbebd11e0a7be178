"""Answering an invite by reaction, the edges: a reaction that comes before the bot recorded
the invite DM's ts still counts; a reaction to an invite no longer open tells the expert what
state it is in."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.sandbox.emulator import SlackEmulator
from bot.services.timers import fire_due_timers
from models import Invite
from tests.e2e.conftest import Clock, RunningBot, Workspace, over_both_transports

pytestmark = pytest.mark.e2e


def _invite_dms(emulator: SlackEmulator, workspace: Workspace) -> dict[str, dict]:
    """user id → their swarm invite DM."""
    return {user: m for user in workspace.users.values() for m in emulator.dm_messages(user)
            if (m.get("text") or "").startswith("Swarm invite")}


def _case_channel(bot: RunningBot, emulator: SlackEmulator) -> str:
    def channel() -> str | None:
        with bot.container.uow() as uow:
            return uow.session.scalar(select(Invite).limit(1)).case.channel_id  # type: ignore[union-attr]
    return emulator.wait_for(channel, timeout=30)


def test_a_reaction_before_the_invite_is_recorded_still_counts(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    # The first invite is posted but Slack's answer takes a while (and then fails), so its ts
    # is recorded only when a retry finds the post (invites go out side by side now: a slow
    # one no longer holds back the others' records).
    posts: list[object] = []
    emulator.faults.add("chat.postMessage", kind="timeout", seconds=6, applied=True,
                        when=lambda params: "Swarm invite" in str(params.get("text"))
                        and (posts.append(params) or len(posts) == 1))
    emulator.slash_command(parcelly["maya"], "/swarm", "new Checkout down sev1 "
                           "service:checkout", channel=parcelly.general)
    def slow_invite() -> tuple[str, dict] | None:
        # the DM whose post is the slow one (the other invites, side by side, may appear and
        # be recorded first)
        if not posts:
            return None
        return next(((user, m) for user, m in _invite_dms(emulator, parcelly).items()
                     if posts[0].get("channel") in (user, m["channel"])), None)

    user, message = emulator.wait_for(slow_invite, timeout=30)
    with bot.container.uow() as uow:  # the moment it appears: not recorded yet
        assert uow.session.scalar(select(Invite).where(
            Invite.message_ts == message["ts"])) is None

    emulator.react(user, message["channel"], message["ts"], "white_check_mark")
    emulator.wait_for(lambda: [c for c in emulator.workspace.calls
                               if c["error"] == "request_timeout"], timeout=30)
    channel = _case_channel(bot, emulator)

    def retried_and_joined() -> bool:
        # the retry's backoff passes on the test's clock, which stands still otherwise; the
        # bot may record the timeout after any one step, so the clock moves until the retry
        # happened (at most a few minutes of the test's time)
        if user in emulator.channel(channel)["members"]:
            return True
        if clock() < started + timedelta(minutes=5):
            clock.advance(seconds=5)
        bot.container.dispatcher.kick()
        time.sleep(0.2)
        return False

    started = clock()
    emulator.wait_for(retried_and_joined, timeout=60)
    emulator.wait_for(lambda: any("joined the swarm" in (m.get("text") or "") and user in
                                  m["text"] for m in emulator.messages(channel)), timeout=30)
    with bot.container.uow() as uow:
        invite = uow.session.scalars(select(Invite).where(Invite.expert_id == user)).one()
        assert invite.state == "accepted" and invite.message_ts == message["ts"]
    joined = [m for m in emulator.messages(channel) if "joined the swarm" in (m.get("text") or "")]
    assert len(joined) == 1


@over_both_transports
def test_reacting_to_an_answered_or_expired_invite_says_what_state_it_is_in(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace, clock: Clock) -> None:
    emulator.slash_command(parcelly["maya"], "/swarm", "new Search empty sev1 service:search",
                           channel=parcelly.general)
    invites = emulator.wait_for(lambda: len(_invite_dms(emulator, parcelly)) == 3
                                and _invite_dms(emulator, parcelly), timeout=30)
    bot.settle(timeout=30)
    (accepter, accepted), (decliner, declined), (sleeper, slept) = invites.items()

    emulator.react(accepter, accepted["channel"], accepted["ts"], "white_check_mark")
    emulator.react(decliner, declined["channel"], declined["ts"], "x")
    bot.settle(timeout=30)
    clock.advance(minutes=bot.container.settings.invite_expiry_minutes + 1)
    fire_due_timers(bot.container.services)
    bot.settle(timeout=30)

    emulator.react(accepter, accepted["channel"], accepted["ts"], "raising_hand")
    emulator.react(decliner, declined["channel"], declined["ts"], "white_check_mark")
    emulator.react(sleeper, slept["channel"], slept["ts"], "white_check_mark")
    bot.settle(timeout=30)

    def note(user: str, channel: str) -> str:
        return " ".join(e["text"] for e in emulator.ephemerals(user, channel))

    assert "You already accepted this invite" in note(accepter, accepted["channel"])
    assert "You declined this invite" in note(decliner, declined["channel"])
    assert f"<@{parcelly['maya']}>" in note(decliner, declined["channel"])  # who to ask
    assert "expired" in note(sleeper, slept["channel"])
    channel = _case_channel(bot, emulator)
    assert sleeper not in emulator.channel(channel)["members"]
    assert decliner not in emulator.channel(channel)["members"]


def test_reacting_again_after_leaving_the_swarm_says_so_not_that_you_are_in_it(
        emulator: SlackEmulator, bot: RunningBot, parcelly: Workspace) -> None:
    emulator.slash_command(parcelly["maya"], "/swarm", "new Search empty sev1 service:search",
                           channel=parcelly.general)
    invites = emulator.wait_for(lambda: len(_invite_dms(emulator, parcelly)) == 3
                                and _invite_dms(emulator, parcelly), timeout=30)
    bot.settle(timeout=30)
    expert, dm = next(iter(invites.items()))
    emulator.react(expert, dm["channel"], dm["ts"], "white_check_mark")
    bot.settle(timeout=30)
    emulator.slash_command(expert, "/swarm", "leave", channel=_case_channel(bot, emulator))
    bot.settle(timeout=30)
    emulator.react(expert, dm["channel"], dm["ts"], "raising_hand")
    bot.settle(timeout=30)
    notes = " ".join(e["text"] for e in emulator.ephemerals(expert, dm["channel"]))
    assert "later left the swarm" in notes and "you are in the swarm" not in notes, notes
