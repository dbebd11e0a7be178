"""Exactly once under concurrency, at the service level: N identical or contradicting requests
run at the same moment on threads of their own (each its own transaction and connection), on
SQLite and PostgreSQL. On PostgreSQL the transactions really overlap (READ COMMITTED): what
decides is a row lock or a unique key, never what a transaction read before it locked.
(The same over HTTP, with two `swarmbot serve` processes: tests/reliability/test_concurrency.py.)"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select

from bot.domain.case import CaseDraft, parse_declaration
from bot.domain.errors import Conflict
from bot.services import approvals, cases, followups, swarm
from bot.services.context import ServiceContext
from bot.services.timers import fire_due_timers
from bot.slack.notes import note_text, text_of
from models import Case, Invite, OutboxMessage, TimelineEvent, Timer
from models.audit import verify_chain
from tests.integration.conftest import Clock
from tests.integration.declaring import declare

OWNER = "UOWNER"
RACERS = 8


def at_once(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0) … work(n-1) on n threads released together; each result or exception."""
    start = threading.Barrier(n)

    def run(i: int) -> Any:
        start.wait(timeout=60)
        try:
            return work(i)
        except Exception as error:  # noqa: BLE001 — the caller looks at what each got
            return error

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def _declare(services: ServiceContext, text: str = "Checkout latency sev1 service:payments"
             ) -> int:
    return declare(services, owner_id=OWNER, draft=parse_declaration(text)).case_id


def _send(services: ServiceContext, case_id: int) -> dict[str, tuple[str, str]]:
    """Record every pending invite of the case as delivered: expert → (DM channel, ts)."""
    sent = {}
    with services.uow() as uow:
        for n, invite in enumerate(uow.session.scalars(select(Invite).where(
                Invite.case_id == case_id, Invite.state == "pending"))):
            invite.dm_channel, invite.message_ts = f"D{invite.expert_id}", f"1700000000.{n:06d}"
            sent[invite.expert_id] = (invite.dm_channel, invite.message_ts)
        uow.commit()
    return sent


def _events(services: ServiceContext, case_id: int, kind: str) -> int:
    with services.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(TimelineEvent).where(
            TimelineEvent.case_id == case_id, TimelineEvent.kind == kind)) or 0


def _posts(services: ServiceContext, words: str) -> int:
    with services.uow() as uow:
        return sum(words in (text_of(m.payload) or "") for m in uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "post")))


def _invites(services: ServiceContext, case_id: int) -> dict[str, str]:
    with services.uow() as uow:
        return {i.expert_id: i.state for i in uow.session.scalars(
            select(Invite).where(Invite.case_id == case_id))}


def _chain_intact(services: ServiceContext, case_id: int) -> None:
    with services.uow() as uow:
        events = list(uow.session.scalars(select(TimelineEvent).where(
            TimelineEvent.case_id == case_id).order_by(TimelineEvent.seq)))
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert verify_chain(case_id, events) is None


def test_identical_declarations_at_once_open_one_case(services: ServiceContext) -> None:
    draft = parse_declaration("Card payments declined sev1 service:payments")
    opened = at_once(RACERS, lambda _: declare(services, owner_id="UNEWCOMER",
                                                           draft=draft))

    assert not [o for o in opened if isinstance(o, Exception)], opened
    assert len({o.case_id for o in opened}) == 1
    assert sum(o.created for o in opened) == 1
    with services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Case)) == 1
        assert uow.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == "create_channel")) == 1


def test_the_same_webhook_delivery_at_once_opens_one_case(services: ServiceContext) -> None:
    draft = CaseDraft(title="Disk full on db-3", severity="sev2")
    opened = at_once(RACERS, lambda _: cases.open_case_from_hook(
        services, source="pagerduty", external_id="PD-42", draft=draft))

    assert not [o for o in opened if isinstance(o, Exception)], opened
    assert len({o.case_id for o in opened}) == 1 and sum(o.created for o in opened) == 1


def test_accepting_reactions_at_once_join_the_expert_once(services: ServiceContext) -> None:
    case_id = _declare(services)
    channel, ts = _send(services, case_id)["UEXP1"]

    answers = at_once(RACERS, lambda i: swarm.answer_invite(
        services, channel=channel, ts=ts, user_id="UEXP1", accepted=True, event_id=f"Ev{i}"))

    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert sum(a.changed for a in answers) == 1
    assert _events(services, case_id, "invite_accepted") == 1
    assert _posts(services, "joined the swarm") == 1
    with services.uow() as uow:
        case = uow.cases.get(case_id)
        assert [p.user_id for p in case.participants].count("UEXP1") == 1  # type: ignore[union-attr]
    _chain_intact(services, case_id)


def test_declines_at_once_ask_one_replacement(services: ServiceContext) -> None:
    case_id = _declare(services)
    channel, ts = _send(services, case_id)["UEXP1"]

    answers = at_once(RACERS, lambda i: swarm.answer_invite(
        services, channel=channel, ts=ts, user_id="UEXP1", accepted=False, event_id=f"Ev{i}"))

    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert _invites(services, case_id) == {"UEXP1": "declined", "UEXP2": "pending",
                                           "UEXP3": "pending", "UEXP4": "pending"}
    assert _events(services, case_id, "invite_declined") == 1
    _chain_intact(services, case_id)


def test_accept_and_decline_at_once_have_exactly_one_outcome(services: ServiceContext) -> None:
    case_id = _declare(services)
    channel, ts = _send(services, case_id)["UEXP1"]

    answers = at_once(RACERS, lambda i: swarm.answer_invite(
        services, channel=channel, ts=ts, user_id="UEXP1", accepted=i % 2 == 0,
        event_id=f"Ev{i}"))

    assert not [a for a in answers if isinstance(a, Exception)], answers
    state = _invites(services, case_id)["UEXP1"]
    accepted, declined = (_events(services, case_id, "invite_accepted"),
                          _events(services, case_id, "invite_declined"))
    assert (accepted, declined) == ((1, 0) if state == "accepted" else (0, 1))
    assert len(_invites(services, case_id)) == (3 if state == "accepted" else 4)
    with services.uow() as uow:
        members = {p.user_id for p in uow.cases.get(case_id).participants}  # type: ignore[union-attr]
    assert ("UEXP1" in members) == (state == "accepted")
    # Everyone whose answer came too late is told what happened to the invite.
    with services.uow() as uow:
        notes = [note_text(m.payload["note"], m.payload["data"]) for m in uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "ephemeral"))]  # as delivered
    assert len(notes) == RACERS - 1
    assert all("You already accepted" in n if state == "accepted" else "You declined" in n
               for n in notes), notes


def test_an_answer_and_the_expiry_at_once_have_one_outcome(services: ServiceContext,
                                                           clock: Clock) -> None:
    case_id = _declare(services)
    channel, ts = _send(services, case_id)["UEXP1"]
    clock.advance(minutes=services.settings.invite_expiry_minutes + 1)

    def race(i: int) -> Any:
        if i == 0:
            return fire_due_timers(services)
        return swarm.answer_invite(services, channel=channel, ts=ts, user_id="UEXP1",
                                   accepted=True, event_id=f"Ev{i}")

    results = at_once(2, race)
    assert not [r for r in results if isinstance(r, Exception)], results
    invites = _invites(services, case_id)  # UEXP2 and UEXP3 expire anyway (UEXP4, 5 asked)
    if invites["UEXP1"] == "accepted":  # the answer came first: it did not expire
        assert _events(services, case_id, "invite_expired") == 2 and len(invites) == 5
        assert _events(services, case_id, "invite_accepted") == 1
    else:  # the expiry came first: the answer is too late, and one more expert is asked
        assert invites["UEXP1"] == "expired"
        assert _events(services, case_id, "invite_expired") == 3 and len(invites) == 6
        assert _events(services, case_id, "invite_accepted") == 0
    _chain_intact(services, case_id)


def test_an_early_answer_counts_once_its_invite_is_recorded(services: ServiceContext) -> None:
    """The expert reacts to the DM before the bot recorded its ts: kept, then applied."""
    case_id = _declare(services)
    assert swarm.answer_invite(services, channel="DUEXP1", ts="1700000000.000001",
                               user_id="UEXP1", accepted=True, event_id="Ev1") is None
    assert _invites(services, case_id)["UEXP1"] == "pending"
    with services.uow() as uow:  # what delivering the DM records, as SendInvite.apply does
        invite = uow.session.scalars(select(Invite).where(Invite.expert_id == "UEXP1")).one()
        invite.dm_channel, invite.message_ts = "DUEXP1", "1700000000.000001"
        assert uow.early_answers.waiting("DUEXP1", "1700000000.000001")
        uow.commit()
        invite_id = invite.id

    swarm.answer_early(services, invite_id)
    swarm.answer_early(services, invite_id)  # delivered twice: applied once

    assert _invites(services, case_id)["UEXP1"] == "accepted"
    assert _events(services, case_id, "invite_accepted") == 1


def test_decisions_on_one_approval_at_once_decide_it_once(services: ServiceContext) -> None:
    case_id = _declare(services, "Refund stuck sev3 service:payments")
    with services.uow() as uow:
        case = uow.cases.get(case_id)
        case.channel_id = "CCASE"  # type: ignore[union-attr]
        uow.commit()
    approvals.request_approval(services, channel_id="CCASE", actor=OWNER, item="policy_exception",
                               note="")
    with services.uow() as uow:
        approval_id = uow.approvals.pending_for_case(case_id)[0].id

    results = at_once(RACERS, lambda i: approvals.decide_approval(
        services, approval_id=approval_id, actor="UADMIN", approve=i % 2 == 0))

    decided = [r for r in results if isinstance(r, approvals.ApprovalDecided)]
    assert len(decided) == 1, results
    assert all(isinstance(r, Conflict) for r in results if r not in decided), results
    assert _events(services, case_id, "approval_approved") + \
        _events(services, case_id, "approval_rejected") == 1
    _chain_intact(services, case_id)


def test_a_follow_up_done_twice_at_once_is_done_once(services: ServiceContext) -> None:
    case_id = _declare(services, "Refund stuck sev3 service:payments")
    with services.uow() as uow:
        case = uow.cases.get(case_id)
        case.channel_id = "CCASE"  # type: ignore[union-attr]
        uow.commit()
    followups.add_followup(services, channel_id="CCASE", actor=OWNER, text="Add an alert",
                           owner=None)
    with services.uow() as uow:
        item_id = uow.followups.for_case(case_id)[0].id

    results = at_once(RACERS, lambda _: followups.complete_followup(
        services, followup_id=item_id, actor=OWNER))

    done = [r for r in results if isinstance(r, followups.FollowupDone)]
    assert len(done) == 1, results
    assert all(isinstance(r, Conflict) for r in results if r not in done), results
    assert _events(services, case_id, "followup_done") == 1
    _chain_intact(services, case_id)


def test_claims_at_once_make_one_owner(services: ServiceContext) -> None:
    opened = cases.open_case_from_hook(services, source="alerts", external_id="A-1",
                                       draft=CaseDraft(title="Queue backlog", severity="sev3"))
    claimers = [f"UCLAIM{i}" for i in range(RACERS)]

    results = at_once(RACERS, lambda i: cases.claim_case(services, case_id=opened.case_id,
                                                          user_id=claimers[i]))

    claimed = [r for r in results if isinstance(r, cases.CaseClaimed)]
    assert len(claimed) == 1, results
    assert all(isinstance(r, Conflict) for r in results if r not in claimed), results
    assert _events(services, opened.case_id, "claimed") == 1
    _chain_intact(services, opened.case_id)


def test_timeline_writers_at_once_keep_one_unbroken_chain(services: ServiceContext) -> None:
    """Different use cases on one case at once (each appends to its timeline): none fails,
    and the audit chain has no fork or gap."""
    case_id = _declare(services)
    sent = _send(services, case_id)

    def work(i: int) -> Any:
        expert = f"UEXP{i % 3 + 1}"
        channel, ts = sent[expert]
        return swarm.answer_invite(services, channel=channel, ts=ts, user_id=expert,
                                   accepted=True, event_id=f"Ev{i}")

    results = at_once(6, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert _events(services, case_id, "invite_accepted") == 3
    _chain_intact(services, case_id)
    with services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Timer).where(
            Timer.kind == "invite_expiry", Timer.state == "pending")) == 0
