"""Exactly once over HTTP, with the bot as deployed: two `swarmbot serve` web processes on one
PostgreSQL database (bench/fleet.py), Slack's requests taking turns between them, and N
identical or contradicting requests sent by the emulator's users at the same moment — signed
as Slack signs them. One case and one channel for N identical `/swarm new`; one join for N
accepting reactions; one replacement for N declines; accept + decline → exactly one outcome.

PostgreSQL only (several web processes need it); skipped without TEST_POSTGRES_URL, which CI
sets. No timing is asserted: each check waits, generously, for the bot to settle."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bench.fleet import Fleet, people
from bot.sandbox.emulator import SlackEmulator
from models import Case, EarlyAnswer, Invite, OutboxMessage, TimelineEvent

pytestmark = pytest.mark.e2e

SETTLE = 180.0  # seconds: a loaded 2-core machine is slow, never wrong


@pytest.fixture
def fleet(database_url: str, tmp_path: Path) -> Iterator[tuple[SlackEmulator, Fleet,
                                                               dict[str, str], str]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("two web processes share a database on PostgreSQL only")
    emulator = SlackEmulator(signing_secret="concurrency-secret", bot_token="xoxb-concurrency")
    emulator.start()
    try:
        users = people(emulator)
        general = emulator.add_channel("general", members=list(users.values()))
        with Fleet(emulator, database_url, users, web=2, workers=1, folder=tmp_path,
                   env={"SWARMBOT_MAX_OPEN_SWARMS": "100"}) as running:
            yield emulator, running, users, general
    finally:
        emulator.stop()


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Make every call at the same moment, each on a thread of its own."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        start.wait(timeout=60)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def settle(fleet: Fleet) -> None:
    """Wait until every recorded effect is delivered and no early answer waits."""
    deadline = time.monotonic() + SETTLE
    while time.monotonic() < deadline:
        with fleet.services.uow() as uow:
            pending = uow.session.scalar(select(func.count()).select_from(OutboxMessage)
                                         .where(OutboxMessage.state == "pending"))
            early = uow.session.scalar(select(func.count()).select_from(EarlyAnswer))
        if not pending and not early:
            return
        time.sleep(0.2)
    raise AssertionError(f"not settled after {SETTLE}s: {pending} effects pending, "
                         f"{early} early answers waiting\n{fleet.logs()}")


def invite_dms(emulator: SlackEmulator, users: dict[str, str]) -> dict[str, dict[str, Any]]:
    """user id → the swarm invite DM they got."""
    return {user: message for user in users.values() for message in emulator.dm_messages(user)
            if (message.get("text") or "").startswith("Swarm invite")}


def react(emulator: SlackEmulator, user: str, message: dict[str, Any], name: str,
          *, again: bool = False) -> Callable[[], Any]:
    """A reaction to `message`; `again`: the same emoji's event once more, under a new
    event_id (as a second device or a double tap can make Slack send)."""
    if not again:
        return lambda: emulator.react(user, message["channel"], message["ts"], name)
    event = {"type": "reaction_added", "user": user, "reaction": name,
             "item_user": emulator.bot_user_id,
             "item": {"type": "message", "channel": message["channel"], "ts": message["ts"]},
             "event_ts": f"{time.time():.6f}"}
    return lambda: emulator.deliver_event(event)


def events_of(fleet: Fleet, kind: str, expert: str) -> int:
    with fleet.services.uow() as uow:
        return sum(1 for e in uow.session.scalars(select(TimelineEvent).where(
            TimelineEvent.kind == kind)) if (e.data or {}).get("expert") == expert)


def test_identical_declarations_at_once_open_one_case_and_one_channel(fleet) -> None:
    emulator, running, users, general = fleet
    results = at_once([lambda: emulator.slash_command(
        users["maya"], "/swarm", "new Card payments declined sev1 service:payments",
        channel=general) for _ in range(12)])
    assert all(r.status == 200 or r.timed_out for r in results), results
    settle(running)

    with running.services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Case)) == 1
    swarm_channels = [c for c in emulator.channels()
                      if (c["name"] if isinstance(c, dict) else c.name).startswith("swarm-")]
    assert len(swarm_channels) == 1, swarm_channels
    answered = [r for r in results if r.status == 200]
    assert answered and all("#0001" in str(r.body) for r in answered), answered


def test_contradicting_reactions_at_once_have_exactly_one_outcome_each(fleet) -> None:
    emulator, running, users, general = fleet
    emulator.slash_command(users["maya"], "/swarm", "new Checkout failing sev1 service:checkout",
                           channel=general)
    emulator.wait_for(lambda: len(invite_dms(emulator, users)) == 3, timeout=SETTLE)
    (joiner, joining), (decliner, declining), (torn, torn_dm) = invite_dms(emulator,
                                                                          users).items()

    accepts = [react(emulator, joiner, joining, name, again=again)
               for name in ("white_check_mark", "raising_hand", "+1") for again in (False, True)]
    declines = [react(emulator, decliner, declining, name, again=again)
                for name in ("x", "no_entry_sign") for again in (False, True, True)]
    both = [react(emulator, torn, torn_dm, name) for name in ("white_check_mark", "x",
                                                              "raising_hand", "no_entry_sign")]
    at_once([*accepts, *declines, *both])
    settle(running)

    with running.services.uow() as uow:
        invites = {i.expert_id: i.state for i in uow.session.scalars(select(Invite))}
        case = uow.session.scalars(select(Case)).one()
        channel = case.channel_id
    assert invites[joiner] == "accepted" and invites[decliner] == "declined"
    assert invites[torn] in ("accepted", "declined")
    torn_accepted = invites[torn] == "accepted"
    # N accepting reactions: one join. N declines: one replacement. Both: one outcome.
    assert events_of(running, "invite_accepted", joiner) == 1
    assert events_of(running, "invite_declined", decliner) == 1
    assert (events_of(running, "invite_accepted", torn),
            events_of(running, "invite_declined", torn)) == ((1, 0) if torn_accepted else (0, 1))
    assert len(invites) == 3 + 1 + (0 if torn_accepted else 1), invites
    joined = [m for m in emulator.messages(channel) if "joined the swarm" in (m.get("text") or "")]
    assert len(joined) == 1 + torn_accepted, joined
    members = emulator.channel(channel)["members"]
    assert joiner in members and decliner not in members
    assert (torn in members) == torn_accepted
    # Every answer that came too late is told the invite's state, in the DM.
    notes = [e["text"] for e in emulator.ephemerals(joiner)]
    assert len([n for n in notes if "You already accepted" in n]) == len(accepts) - 1, notes
    notes = [e["text"] for e in emulator.ephemerals(decliner)]
    assert len([n for n in notes if "You declined" in n]) == len(declines) - 1, notes


def test_commands_at_once_on_one_tiered_case_are_each_answered_and_applied(fleet) -> None:
    """An ack, an escalation and status updates at the same moment on one case: each is
    decided in turn (the case's row lock), none fails. The case lock used to be FOR UPDATE,
    which blocks the KEY SHARE that PostgreSQL's foreign-key checks take, so a use case and a
    delivery of that case's effects deadlocked, and people were told something went wrong."""
    emulator, running, users, general = fleet
    rounds = 4  # a deadlock needs the right interleaving: give it chances
    for attempt in range(rounds):
        emulator.slash_command(users["olivia"], "/swarm",
                               f"new Login page slow {attempt} sev4 service:web", channel=general)
        settle(running)
        with running.services.uow() as uow:
            case = uow.session.scalars(select(Case).order_by(Case.id.desc())).first()
            channel = case.channel_id
        commands = [("kenji", "ack"), ("olivia", "escalate slow"),
                    ("olivia", "status Looking a"), ("sam", "status Looking b")]
        results = at_once([partial(emulator.slash_command, users[who], "/swarm", text,
                                   channel=channel) for who, text in commands])
        settle(running)
        assert all(r.status == 200 for r in results), results
        assert not any("went wrong" in str(r.body) for r in results), results
    for person in ("kenji", "sam", "olivia"):
        notes = [e["text"] for e in emulator.ephemerals(users[person])]
        assert not any("went wrong" in n or "failed with the error" in n for n in notes), notes
    with running.services.uow() as uow:
        kinds = [e.kind for e in uow.session.scalars(select(TimelineEvent))]
        levels = [c.level for c in uow.session.scalars(select(Case))]
    assert kinds.count("status_update") == 2 * rounds, kinds
    assert kinds.count("escalated") == rounds, kinds
    assert levels == ["L2"] * rounds, levels
