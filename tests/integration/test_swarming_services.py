"""The swarming use cases on a real database: what a user would see change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.domain.case import parse_declaration
from bot.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.services import cases, resolution, status, swarm
from bot.services.context import ServiceContext
from bot.services.timers import fire_due_timers
from bot.slack.notes import text_of
from models import Case, Invite, OutboxMessage, ResolutionRecord, Timer
from tests.integration.conftest import Clock, FakeExpertModel
from tests.integration.declaring import declare

OWNER = "UOWNER"


def _declare(services: ServiceContext, text: str = "Checkout latency sev1 service:payments") -> int:
    return declare(services, owner_id=OWNER, draft=parse_declaration(text)).case_id


def _give_channel(services: ServiceContext, case_id: int, channel: str = "CCASE") -> None:
    with services.uow() as uow:
        case = uow.cases.get(case_id)
        assert case is not None
        case.channel_id = channel
        uow.commit()


def _invites(services: ServiceContext, case_id: int) -> dict[str, str]:
    with services.uow() as uow:
        return {i.expert_id: i.state for i in uow.session.scalars(
            select(Invite).where(Invite.case_id == case_id))}


def _effects(services: ServiceContext, kind: str) -> list[dict]:
    """Payloads of the Slack side effects of one kind recorded so far."""
    with services.uow() as uow:
        return [dict(m.payload) for m in uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))]


def _send(services: ServiceContext, case_id: int, expert: str, ts: str) -> None:
    """What delivering the invite DM records: where the message is."""
    with services.uow() as uow:
        invite = uow.session.scalars(select(Invite).where(
            Invite.case_id == case_id, Invite.expert_id == expert)).one()
        invite.dm_channel, invite.message_ts = f"D{expert}", ts
        uow.commit()


def test_declaring_a_sev1_makes_an_owned_swarm_with_invites(services: ServiceContext) -> None:
    case_id = _declare(services)
    with services.uow() as uow:
        case = uow.cases.get(case_id)
        assert case is not None
        assert (case.owner_id, case.mode, case.severity, case.service) == (
            OWNER, "swarm", "sev1", "payments")
        assert [p.user_id for p in case.participants] == [OWNER]
    assert _invites(services, case_id) == {"UEXP1": "pending", "UEXP2": "pending",
                                           "UEXP3": "pending"}
    assert len(_effects(services, "create_channel")) == 1
    assert len(_effects(services, "send_invite")) == 3


def test_one_person_named_by_handle_and_by_user_id_is_invited_once(
        services: ServiceContext, fake_model: FakeExpertModel) -> None:
    """The imported history names bob by handle, swarmbot's own resolved case by his user id:
    the model ranks both. Before, the declaration failed (two invites for one person: UNIQUE
    constraint) and the owner was told something went wrong."""
    with services.uow() as uow:
        uow.experts.get_or_create("UEXP7").handle = "bob"
        uow.commit()
    fake_model.ranking[:] = ["bob", "UEXP7"]  # nobody else to fill the three invites
    assert _invites(services, _declare(services)) == {"UEXP7": "pending"}


def test_a_low_severity_case_is_not_swarmed(services: ServiceContext) -> None:
    case_id = _declare(services, "Printer jams on floor 3 sev4")
    assert _invites(services, case_id) == {}
    with services.uow() as uow:
        assert uow.cases.get(case_id).mode == "tiered"  # type: ignore[union-attr]


def test_the_owner_is_never_invited(services: ServiceContext, fake_model: FakeExpertModel) -> None:
    fake_model.ranking.insert(0, OWNER)
    assert OWNER not in _invites(services, _declare(services))


def test_accepting_by_reaction_joins_the_swarm_once(services: ServiceContext) -> None:
    case_id = _declare(services)
    _send(services, case_id, "UEXP1", "111.1")
    answer = swarm.answer_invite(services, channel="DUEXP1", ts="111.1", user_id="UEXP1",
                                 accepted=True, event_id="Ev1")
    assert answer is not None and answer.state == "accepted"
    assert swarm.answer_invite(services, channel="DUEXP1", ts="111.1", user_id="UEXP1",
                               accepted=True, event_id="Ev1") is None  # Slack's retry
    with services.uow() as uow:
        case = uow.cases.get(case_id)
        assert [p.user_id for p in case.participants] == [OWNER, "UEXP1"]  # type: ignore[union-attr]


def test_someone_elses_reaction_on_an_invite_changes_nothing(services: ServiceContext) -> None:
    case_id = _declare(services)
    _send(services, case_id, "UEXP1", "111.1")
    assert swarm.answer_invite(services, channel="DUEXP1", ts="111.1", user_id="UOTHER",
                               accepted=True) is None
    assert _invites(services, case_id)["UEXP1"] == "pending"


def test_declining_asks_the_next_expert(services: ServiceContext) -> None:
    case_id = _declare(services)
    _send(services, case_id, "UEXP2", "222.2")
    swarm.answer_invite(services, channel="DUEXP2", ts="222.2", user_id="UEXP2", accepted=False)
    assert _invites(services, case_id) == {"UEXP1": "pending", "UEXP2": "declined",
                                           "UEXP3": "pending", "UEXP4": "pending"}


def test_unanswered_invites_expire_and_are_replaced(services: ServiceContext, clock: Clock) -> None:
    case_id = _declare(services)
    clock.advance(minutes=19)
    fire_due_timers(services)
    assert set(_invites(services, case_id).values()) == {"pending"}
    clock.advance(minutes=2)
    fire_due_timers(services)
    states = _invites(services, case_id)
    assert [states[e] for e in ("UEXP1", "UEXP2", "UEXP3")] == ["expired"] * 3
    assert {states[e] for e in ("UEXP4", "UEXP5", "UEXP6")} == {"pending"}


def test_status_reminders_follow_the_cadence_and_stop_at_resolution(
        services: ServiceContext, clock: Clock) -> None:
    case_id = _declare(services)  # sev1: every 15 minutes
    _give_channel(services, case_id)

    def reminders() -> int:
        return sum("time for a status update" in text_of(m)
                   for m in _effects(services, "post"))

    clock.advance(minutes=14)
    fire_due_timers(services)
    assert reminders() == 0
    clock.advance(minutes=1)
    fire_due_timers(services)
    assert reminders() == 1
    # nothing was posted yet: the reminder does not speak of a "last one" (it did)
    first = next(text_of(m) for m in _effects(services, "post")
                 if "time for a status update" in text_of(m))
    assert "(none yet; opened 15 min ago)" in first and "last one" not in first
    clock.advance(minutes=1)
    status.post_status(services, channel_id="CCASE", actor=OWNER, text="Rolled back deploy 42")
    clock.advance(minutes=14)
    fire_due_timers(services)
    assert reminders() == 1  # the update restarted the cadence
    clock.advance(minutes=1)
    fire_due_timers(services)
    assert any("(last one 15 min ago)" in text_of(m) for m in _effects(services, "post"))
    resolution.resolve_case(services, channel_id="CCASE", actor=OWNER, summary="Rollback fixed it")
    clock.advance(hours=2)
    fire_due_timers(services)
    assert reminders() == 2


def test_status_goes_to_the_case_and_the_stakeholders(services: ServiceContext) -> None:
    case_id = _declare(services)
    _give_channel(services, case_id)
    status.post_status(services, channel_id="CCASE", actor=OWNER, text="Mitigated")
    posted = [(m.get("channel"), text_of(m)) for m in _effects(services, "post")
              if "Mitigated" in text_of(m)]
    assert [channel for channel, _ in posted] == [None, "CSTAKE"]  # None = the case channel


@pytest.mark.parametrize("actor", ["UEXP1", "USTRANGER"])
def test_only_the_owner_resolves_and_nothing_changes_otherwise(services: ServiceContext,
                                                               actor: str) -> None:
    case_id = _declare(services)
    _give_channel(services, case_id)
    with pytest.raises(NotAllowed, match="Only the case owner"):
        resolution.resolve_case(services, channel_id="CCASE", actor=actor, summary="done")
    with services.uow() as uow:
        assert uow.cases.get(case_id).status == "open"  # type: ignore[union-attr]


def test_an_admin_may_act_for_the_owner(services: ServiceContext) -> None:
    case_id = _declare(services)
    _give_channel(services, case_id)
    resolution.resolve_case(services, channel_id="CCASE", actor="UADMIN", summary="done")


def test_resolving_records_history_and_reopening_takes_it_back(services: ServiceContext,
                                                               clock: Clock) -> None:
    case_id = _declare(services)
    _give_channel(services, case_id)
    _send(services, case_id, "UEXP1", "1.1")
    swarm.answer_invite(services, channel="DUEXP1", ts="1.1", user_id="UEXP1", accepted=True)
    clock.advance(minutes=42)
    resolution.resolve_case(services, channel_id="CCASE", actor=OWNER, summary="Pool size")
    with services.uow() as uow:
        record = uow.session.scalars(select(ResolutionRecord)).one()
        assert (record.title, record.resolvers, record.summary) == (
            "Checkout latency", [OWNER, "UEXP1"], "Pool size")
    assert _invites(services, case_id)["UEXP2"] == "cancelled"
    with pytest.raises(Conflict):
        resolution.resolve_case(services, channel_id="CCASE", actor=OWNER, summary="again")
    resolution.reopen_case(services, channel_id="CCASE", actor=OWNER)
    with services.uow() as uow:
        assert uow.session.scalars(select(ResolutionRecord)).all() == []
        assert uow.cases.get(case_id).status == "open"  # type: ignore[union-attr]


def test_the_channel_is_archived_after_the_grace_period_unless_reopened(
        services: ServiceContext, clock: Clock) -> None:
    case_id = _declare(services)
    _give_channel(services, case_id)
    resolution.resolve_case(services, channel_id="CCASE", actor=OWNER, summary="fixed")
    clock.advance(minutes=59)
    fire_due_timers(services)
    assert _effects(services, "archive_channel") == []
    clock.advance(minutes=2)
    fire_due_timers(services)
    assert len(_effects(services, "archive_channel")) == 1


def test_commands_outside_a_case_channel_explain_where_to_run_them(services: ServiceContext
                                                                    ) -> None:
    with pytest.raises(NotFound, match="case channel"):
        status.post_status(services, channel_id="CGENERAL", actor=OWNER, text="hello")


def test_handing_over_moves_ownership_and_only_the_owner_may(services: ServiceContext) -> None:
    case_id = _declare(services)
    _give_channel(services, case_id)
    with pytest.raises(NotAllowed):
        cases.hand_over(services, channel_id="CCASE", actor="UEXP1", new_owner="UEXP1")
    cases.hand_over(services, channel_id="CCASE", actor=OWNER, new_owner="UNEW")
    with services.uow() as uow:
        case = uow.cases.get(case_id)
        assert case.owner_id == "UNEW"  # type: ignore[union-attr]
        roles = {p.user_id: p.role for p in case.participants}  # type: ignore[union-attr]
        assert roles == {OWNER: "responder", "UNEW": "owner"}


def test_raising_severity_turns_a_ticket_into_a_swarm(services: ServiceContext) -> None:
    case_id = _declare(services, "Slow reports sev3")
    _give_channel(services, case_id)
    assert _invites(services, case_id) == {}
    cases.change_severity(services, channel_id="CCASE", actor=OWNER, severity_text="sev2")
    assert len(_invites(services, case_id)) == 3
    with pytest.raises(InvalidInput):
        cases.change_severity(services, channel_id="CCASE", actor=OWNER, severity_text="sev7")


def test_a_webhook_case_is_opened_once_and_claimed_by_the_first(services: ServiceContext) -> None:
    source, external_id, draft = cases.hook_draft(
        {"title": "Disk full on db-3", "external_id": "PD-77", "source": "pagerduty",
         "severity": "sev2", "service": "db"})
    first = cases.open_case_from_hook(services, source=source, external_id=external_id, draft=draft)
    again = cases.open_case_from_hook(services, source=source, external_id=external_id, draft=draft)
    assert first.created and not again.created and first.case_id == again.case_id
    cases.claim_case(services, case_id=first.case_id, user_id="UFIRST")
    with pytest.raises(Conflict, match="already owned"):
        cases.claim_case(services, case_id=first.case_id, user_id="USECOND")
    with services.uow() as uow:
        assert uow.session.scalars(select(Case)).one().owner_id == "UFIRST"
        assert len(list(uow.session.scalars(select(Timer).where(
            Timer.kind == "status_reminder")))) == 1


@pytest.mark.parametrize("body", [None, [], {"title": ""}, {"title": "x"},
                                  {"title": "x", "external_id": "1", "severity": "urgent"},
                                  {"title": "x", "external_id": "1", "tags": "a,b"}])
def test_bad_webhook_bodies_are_refused_with_a_reason(body: object) -> None:
    with pytest.raises((InvalidInput,)):
        cases.hook_draft(body)


def test_declaring_the_same_case_again_returns_the_first(services: ServiceContext,
                                                         clock: Clock) -> None:
    first = declare(services, owner_id=OWNER, draft=parse_declaration("DB down sev1"))
    clock.advance(seconds=30)
    again = declare(services, owner_id=OWNER, draft=parse_declaration("DB down sev1"))
    assert again.case_id == first.case_id and not again.created
    other = declare(services, owner_id="UOTHER", draft=parse_declaration("DB down sev1"))
    assert other.created
    clock.advance(minutes=3)
    assert declare(services, owner_id=OWNER,
                              draft=parse_declaration("DB down sev1")).created
