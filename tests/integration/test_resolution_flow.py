"""Closing a case: the person it is for confirms (never the owner their own fix), once
however many clicks; the channel waits for the answer (one reminder, then archived with a
note); and the history credits only the people who worked on the case."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from bot.domain.case import CaseDraft, parse_declaration
from bot.domain.errors import Conflict, NotAllowed
from bot.services import cases, resolution, status
from bot.services.context import ServiceContext
from bot.services.timers import fire_due_timers
from bot.slack.notes import text_of
from bot.slack.replies import reply
from models import OutboxMessage, TimelineEvent
from models.expertise import ResolutionRecord
from tests.integration.conftest import Clock
from tests.integration.declaring import declare


def _hook_case(services: ServiceContext, *, requester: str | None = "UREQ",
               severity: str = "sev2") -> int:
    case_id = cases.open_case_from_hook(services, source="pagerduty", external_id="PD-1",
                                        draft=CaseDraft(title="Disk full", severity=severity,
                                                        requester=requester)).case_id
    with services.uow() as uow:
        uow.cases.get(case_id).channel_id = "CCASE"
        uow.commit()
    cases.claim_case(services, case_id=case_id, user_id="UOWNER")
    return case_id


def _events(services: ServiceContext, case_id: int, kind: str) -> list[TimelineEvent]:
    with services.uow() as uow:
        events = list(uow.session.scalars(select(TimelineEvent).where(
            TimelineEvent.case_id == case_id, TimelineEvent.kind == kind)))
        uow.session.expunge_all()
        return events


def _effects(services: ServiceContext, kind: str) -> list[OutboxMessage]:
    with services.uow() as uow:
        messages = list(uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == kind)))
        uow.session.expunge_all()
        return messages


def test_the_webhooks_requester_confirms_not_the_owner(services: ServiceContext) -> None:
    case_id = _hook_case(services)
    answer = reply(resolution.resolve_case(services, channel_id="CCASE", actor="UOWNER",
                                           summary="Cleaned the logs"))
    assert "<@UREQ> is asked to confirm" in answer
    with pytest.raises(NotAllowed, match="Only the requester @UREQ"):
        resolution.confirm_resolution(services, case_id=case_id, user_id="UOWNER")
    resolution.confirm_resolution(services, case_id=case_id, user_id="UREQ")
    assert [e.actor for e in _events(services, case_id, "resolution_confirmed")] == ["UREQ"]
    assert len(_effects(services, "update_resolution")) == 1  # the buttons go


def test_a_declarer_resolving_their_own_case_is_not_asked_to_confirm(
        services: ServiceContext, clock: Clock) -> None:
    case_id = declare(services, owner_id="UOWNER",
                                 draft=parse_declaration("Queue lag sev2")).case_id
    with services.uow() as uow:
        uow.cases.get(case_id).channel_id = "CCASE"
        uow.commit()
    resolution.resolve_case(services, channel_id="CCASE", actor="UOWNER", summary="Scaled up")
    with pytest.raises(Conflict, match="nothing to confirm"):
        resolution.confirm_resolution(services, case_id=case_id, user_id="UOWNER")
    clock.advance(minutes=services.settings.archive_grace_minutes + 1)
    fire_due_timers(services)  # nobody to wait for: archived after the grace period
    assert len(_events(services, case_id, "archived")) == 1
    assert _events(services, case_id, "confirmation_reminded") == []


def test_the_archive_waits_for_the_requester_reminds_once_then_archives_with_a_note(
        services: ServiceContext, clock: Clock) -> None:
    grace = services.settings.archive_grace_minutes
    case_id = _hook_case(services)
    resolution.resolve_case(services, channel_id="CCASE", actor="UOWNER", summary="Fixed")
    clock.advance(minutes=grace + 1)
    fire_due_timers(services)
    assert _events(services, case_id, "archived") == []
    assert len(_events(services, case_id, "confirmation_reminded")) == 1
    for _ in range(3):
        clock.advance(minutes=grace + 1)
        fire_due_timers(services)
    assert len(_events(services, case_id, "confirmation_reminded")) == 1
    assert [e.text for e in _events(services, case_id, "archived")] == [
        "Channel archived without confirmation"]
    posts = [text_of(m.payload) for m in _effects(services, "post")]
    assert any("Archiving without a confirmation from <@UREQ>" in p for p in posts)


def test_a_confirmation_after_the_grace_period_archives_at_once(
        services: ServiceContext, clock: Clock) -> None:
    case_id = _hook_case(services)
    resolution.resolve_case(services, channel_id="CCASE", actor="UOWNER", summary="Fixed")
    clock.advance(minutes=services.settings.archive_grace_minutes + 1)
    fire_due_timers(services)  # held, reminded
    resolution.confirm_resolution(services, case_id=case_id, user_id="UREQ")
    fire_due_timers(services)
    assert [e.text for e in _events(services, case_id, "archived")] == ["Channel archived"]


def test_ten_clicks_at_the_same_time_confirm_once(services: ServiceContext) -> None:
    case_id = _hook_case(services)
    resolution.resolve_case(services, channel_id="CCASE", actor="UOWNER", summary="Fixed")
    start, answers, errors = threading.Barrier(10), [], []

    def click() -> None:
        start.wait(timeout=60)
        try:
            answers.append(reply(resolution.confirm_resolution(services, case_id=case_id,
                                                               user_id="UREQ")))
        except Exception as error:  # noqa: BLE001 — collected, asserted below
            errors.append(error)

    threads = [threading.Thread(target=click) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(_events(services, case_id, "resolution_confirmed")) == 1
    assert sum(a.startswith("Thanks") for a in answers) == 1
    assert sum("confirmed resolved already" in a for a in answers) == 9
    feed = [m for m in _effects(services, "case_feed")
            if m.payload.get("type") == "case.resolution_confirmed"]
    assert len(feed) <= 1  # one feed event when a feed is configured, none otherwise


def test_the_history_credits_only_those_who_worked_on_the_case(
        services: ServiceContext) -> None:
    """UEXP1 joined the swarm (accepted), the owner added UHELP, UAUTO was pulled in by the
    bot, UEXP2 and UEXP3 never answered their invites: the owner who resolved, then UEXP1,
    then UHELP."""
    case_id = declare(services, owner_id="UOWNER",
                                 draft=parse_declaration("Card payments declined sev2")).case_id
    with services.uow() as uow:
        case = uow.cases.get(case_id)
        case.channel_id = "CCASE"
        invites = {i.expert_id: i for i in case.invites}
        for n, invite in enumerate(invites.values()):
            invite.dm_channel, invite.message_ts = "DM", f"1.{n}"
        uow.commit()
    from bot.services import swarm

    swarm.answer_invite(services, channel="DM", ts=f"1.{list(invites).index('UEXP1')}",
                        user_id="UEXP1", accepted=True)
    with services.uow() as uow:  # pulled in by the bot (as a level's responder would be)
        from bot.services.participants import add_participant
        add_participant(uow.cases.get(case_id), "UAUTO", "responder", services.now())
        uow.commit()
    status.post_status(services, channel_id="CCASE", actor="UOWNER", text="Looking")
    swarm.add_people(services, channel_id="CCASE", actor="UOWNER", user_ids=["UHELP"])
    resolution.resolve_case(services, channel_id="CCASE", actor="UOWNER", summary="Failed over")
    with services.uow() as uow:
        resolvers = uow.session.scalars(select(ResolutionRecord)).one().resolvers
    assert resolvers == ["UOWNER", "UEXP1", "UHELP"]
