"""Incident workflows from the policy file: each trigger and each step, run automatically or
from a button, each run on the timeline."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import load_settings
from bot.domain.case import parse_declaration
from bot.domain.errors import Conflict, NotAllowed
from bot.domain.policy import Policy, policy_from
from bot.domain.timeline import describe
from bot.services import cases, resolution, status, workflows
from bot.services.context import ServiceContext
from bot.services.expertise import register_expert
from bot.services.timers import fire_due_timers
from bot.slack.notes import text_of
from bot.slack.replies import reply
from models import OutboxMessage, TimelineEvent, Timer
from models.uow import UnitOfWork
from tests.integration.conftest import Clock, FakeExpertModel
from tests.integration.declaring import declare

OWNER, PRIYA = "UOWNER", "UPRIYA1"
STAKE, EXEC_CHANNEL = "CSTAKE", "CEXECS"
LEVELS = {"L1": {"response": "15m", "resolution": "4h"},
          "L2": {"response": "1h", "resolution": "8h"},
          "L3": {"response": "4h", "resolution": "1d"}}
WORKFLOWS = [
    {"name": "payments-major", "when": "declared", "services": ["payments"],
     "severities": ["sev1", "sev2"], "steps": [
         {"do": "invite", "users": ["@priya", "UVENDOR9", "SPAYTEAM"]},
         {"do": "post", "text": "{severity} on {service}: {title} — follow in {channel}"},
         {"do": "call_link", "url": "https://meet.example.com/pay-war-room"},
         {"do": "topic", "text": "vendor engaged"}]},
    {"name": "exec-heads-up", "when": "severity_set", "severities": ["sev1"], "steps": [
        {"do": "post", "channel": EXEC_CHANNEL, "text": "{reference} is now sev1"}]},
    {"name": "l2-note", "when": "escalated", "levels": ["L2"], "steps": [
        {"do": "remind", "text": "L2 has it now; summarise for them"}]},
    {"name": "warn-to-l3", "when": "sla_warning", "services": ["billing"], "steps": [
        {"do": "escalate", "level": "L3"}]},
    {"name": "quiet-case", "when": "no_update", "minutes": 30, "severities": ["sev2"],
     "steps": [{"do": "remind", "text": "no update for 30 min — `/swarm status`?"}]},
    {"name": "retro", "when": "resolved", "run": "button", "steps": [
        {"do": "post", "text": "Retro for {reference} ({title})"}]},
]


@pytest.fixture
def services(session_factory: sessionmaker[Session], clock: Clock,
             fake_model: FakeExpertModel) -> ServiceContext:
    settings = load_settings(_env_file=None, slack_bot_token="xoxb-x", slack_signing_secret="s",
                             stakeholder_channel=STAKE)
    policy: Policy = policy_from({"levels": LEVELS, "workflows": WORKFLOWS})
    ctx = ServiceContext(settings=settings, uow=lambda: UnitOfWork(session_factory, clock),
                         now=clock, recommender=lambda: fake_model, policy=policy)
    register_expert(ctx, user_id=PRIYA, handle="priya")
    return ctx


def _declare(services: ServiceContext, text: str) -> int:
    case_id = declare(services, owner_id=OWNER,
                                 draft=parse_declaration(text)).case_id
    with services.uow() as uow:
        uow.cases.get(case_id).channel_id = f"C{case_id:04d}"
        uow.commit()
    return case_id


def _runs(services: ServiceContext, case_id: int) -> list[str]:
    with services.uow() as uow:
        return [describe(e) for e in uow.session.scalars(select(TimelineEvent).where(
            TimelineEvent.case_id == case_id, TimelineEvent.kind == "workflow_run")
            .order_by(TimelineEvent.seq))]


def _posts(services: ServiceContext, channel: str | None = None) -> list[str]:
    with services.uow() as uow:
        return [text_of(m.payload) for m in uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "post").order_by(OutboxMessage.id))
            if channel is None or m.payload.get("channel") == channel]


def test_declaring_a_matching_case_runs_its_workflow_with_every_step(
        services: ServiceContext) -> None:
    case_id = _declare(services, "Card payments failing sev2 service:payments")
    [run] = _runs(services, case_id)
    assert run == ("Workflow payments-major ran (declared): invited <@UPRIYA1> <@UVENDOR9> "
                   "<!subteam^SPAYTEAM>; posted to <#CSTAKE>; call link added; "
                   "topic: vendor engaged")
    with services.uow() as uow:
        people = {p.user_id: p.role for p in uow.cases.get(case_id).participants}
    assert people == {OWNER: "owner", PRIYA: "responder", "UVENDOR9": "responder"}
    assert _posts(services, STAKE) == [  # the channel link is filled in on delivery
        "sev2 on payments: Card payments failing — follow in <#case-channel>"]
    assert any("https://meet.example.com/pay-war-room" in p for p in _posts(services))
    # …and a case it does not match runs nothing
    other = _declare(services, "Search slow sev2 service:search")
    assert _runs(services, other) == []


def test_raising_to_sev1_runs_the_severity_workflow(services: ServiceContext) -> None:
    case_id = _declare(services, "Login errors sev2 service:auth")
    cases.change_severity(services, channel_id=f"C{case_id:04d}", actor=OWNER,
                          severity_text="sev1")
    assert _runs(services, case_id) == [
        f"Workflow exec-heads-up ran (severity_set): posted to <#{EXEC_CHANNEL}>"]
    assert _posts(services, EXEC_CHANNEL) == [f"#{case_id:04d} is now sev1"]


def test_sla_warning_escalates_by_workflow_without_running_escalation_workflows(
        services: ServiceContext, clock: Clock) -> None:
    case_id = _declare(services, "Invoice totals wrong sev4 service:billing")
    clock.advance(minutes=12)  # 80 % of L1's 15 min
    fire_due_timers(services)
    with services.uow() as uow:
        assert uow.cases.get(case_id).level == "L3"
        [change] = [c for c in uow.levels.for_case(case_id) if c.trigger == "workflow"]
        assert (change.from_level, change.to_level) == ("L1", "L3")
    assert _runs(services, case_id) == [
        "Workflow warn-to-l3 ran (sla_warning): escalated L1 → L3"]


def test_an_escalation_to_l2_runs_the_level_workflow(services: ServiceContext,
                                                     clock: Clock) -> None:
    case_id = _declare(services, "Refund stuck sev4 service:orders")
    clock.advance(minutes=15)
    fire_due_timers(services)
    assert _runs(services, case_id) == ["Workflow l2-note ran (escalated): reminded the owner"]
    assert any(p.startswith(f":bell: <@{OWNER}> L2 has it now") for p in _posts(services))


def test_silence_runs_the_no_update_workflow_and_an_update_resets_it(
        services: ServiceContext, clock: Clock) -> None:
    case_id = _declare(services, "Queue backlog sev2 service:orders")
    clock.advance(minutes=20)
    status.post_status(services, channel_id=f"C{case_id:04d}", actor=OWNER, text="Draining")
    clock.advance(minutes=29)
    fire_due_timers(services)
    assert _runs(services, case_id) == []  # 29 min since the update
    clock.advance(minutes=1)
    fire_due_timers(services)
    assert _runs(services, case_id) == ["Workflow quiet-case ran (no_update): reminded the owner"]
    clock.advance(minutes=30)
    fire_due_timers(services)
    assert len(_runs(services, case_id)) == 2  # still silent: reminded again
    with services.uow() as uow:
        pending = uow.session.scalars(select(Timer).where(
            Timer.kind == "workflow_no_update", Timer.state == "pending")).all()
    assert len(pending) == 1


def test_a_button_workflow_is_offered_and_runs_once_for_people_on_the_case(
        services: ServiceContext) -> None:
    case_id = _declare(services, "Disk full sev3 service:db")
    resolution.resolve_case(services, channel_id=f"C{case_id:04d}", actor=OWNER,
                            summary="Cleaned old WAL")
    with services.uow() as uow:
        offers = uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "workflow_offer")).all()
        assert [o.payload["workflow"] for o in offers] == ["retro"]
    assert _runs(services, case_id) == []
    with pytest.raises(NotAllowed):
        workflows.run_from_button(services, reference=(case_id, "retro"), actor="USTRANGER")
    answer = reply(workflows.run_from_button(services, reference=(case_id, "retro"),
                                             actor=OWNER))
    assert answer == "Workflow retro ran: posted to <#CSTAKE>."
    with pytest.raises(Conflict, match="already ran"):
        workflows.run_from_button(services, reference=(case_id, "retro"), actor=OWNER)
    assert _posts(services, STAKE)[-1] == f"Retro for #{case_id:04d} (Disk full)"


def test_a_private_case_is_never_posted_outside_its_channel(services: ServiceContext) -> None:
    case_id = _declare(services, "Card data exposure sev1 service:payments #private")
    assert "not posted outside the case (private case)" in _runs(services, case_id)[0]
    assert _posts(services, STAKE) == []
