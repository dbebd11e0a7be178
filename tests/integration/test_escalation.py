"""Tiered escalation on a real database with a controllable clock: each trigger fires once
at the right time, SLA warnings, bypass, the switch to a swarm, and silence after an
acknowledgement or a resolution."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import load_settings
from bot.domain.case import parse_declaration
from bot.domain.errors import Conflict, InvalidInput, NotAllowed
from bot.domain.policy import Policy, policy_from
from bot.domain.timeline import describe
from bot.services import approvals, cases, escalation, resolution, status
from bot.services.context import ServiceContext
from bot.services.expertise import register_expert
from bot.services.timers import LEASE, fire_due_timers
from bot.slack.notes import text_of
from bot.slack.replies import reply
from models import Case, LevelChange, OutboxMessage, TimelineEvent, Timer
from models.uow import UnitOfWork
from tests.integration.conftest import Clock, FakeExpertModel
from tests.integration.declaring import declare

OWNER, L1, L2, CAROL, EXEC = "UOWNER", "UAGENTL1", "UAGENTL2", "UCAROL3", "UEXECUTIVE"
POLICY: dict[str, object] = {
    "warn_at": 0.8,
    "levels": {
        "L1": {"response": "15m", "resolution": "4h", "responders": [L1]},
        "L2": {"response": "1h", "resolution": "8h", "responders": [L2],
               "authority": ["policy_exception"]},
        "L3": {"response": "4h", "resolution": "1d", "responders": ["@carol"],
               "authority": ["customer_credit"]},
        "L4": {"response": "8h", "resolution": "2d"},
        "Executive": {"response": "24h", "resolution": "3d", "responders": [EXEC],
                      "authority": ["legal"]},
    },
    "paths": [{"name": "security", "tags": ["security"],
               "levels": ["L1", "L3", "L4", "Executive"]}],
    "complexity": [{"name": "legal", "words": ["lawsuit"], "level": "Executive",
                    "reason": "legal matters are decided at Executive level"}],
}


@pytest.fixture
def policy() -> Policy:
    return policy_from(POLICY)


@pytest.fixture
def services(session_factory: sessionmaker[Session], clock: Clock, fake_model: FakeExpertModel,
             policy: Policy) -> ServiceContext:
    settings = load_settings(_env_file=None, slack_bot_token="xoxb-x", slack_signing_secret="s",
                             admins="UADMIN")
    ctx = ServiceContext(settings=settings, uow=lambda: UnitOfWork(session_factory, clock),
                         now=clock, recommender=lambda: fake_model, policy=policy)
    register_expert(ctx, user_id=CAROL, handle="carol")
    return ctx


def _declare(services: ServiceContext, text: str, description: str = "") -> int:
    case_id = declare(services, owner_id=OWNER, draft=parse_declaration(text),
                                 description=description).case_id
    with services.uow() as uow:
        case = uow.cases.get(case_id)
        assert case is not None
        case.channel_id = f"CCASE{case_id}"
        uow.commit()
    return case_id


def _case(services: ServiceContext, case_id: int) -> Case:
    with services.uow() as uow:
        case = uow.cases.get(case_id)
        assert case is not None
        uow.session.expunge(case)
        return case


def _stints(services: ServiceContext, case_id: int) -> list[tuple[str | None, str, str]]:
    with services.uow() as uow:
        return [(c.from_level, c.to_level, c.trigger) for c in uow.levels.for_case(case_id)]


def _events(services: ServiceContext, case_id: int, kind: str) -> list[str]:
    with services.uow() as uow:
        return [describe(e) for e in uow.session.scalars(select(TimelineEvent).where(
            TimelineEvent.case_id == case_id, TimelineEvent.kind == kind)
            .order_by(TimelineEvent.id))]


def _effects(services: ServiceContext, kind: str) -> list[dict]:
    with services.uow() as uow:
        return [dict(m.payload) for m in uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))]


def _posts(services: ServiceContext) -> list[str]:
    return [text_of(p) for p in _effects(services, "post")]


def test_a_low_severity_case_starts_at_L1_and_its_responder_gets_the_whole_story(
        services: ServiceContext, clock: Clock) -> None:
    case_id = _declare(services, "Password reset loops sev4 service:accounts",
                       description="Customer ACME cannot reset; tried clearing cookies.")
    case = _case(services, case_id)
    assert (case.mode, case.level) == ("tiered", "L1")
    assert _stints(services, case_id) == [(None, "L1", "declared")]
    with services.uow() as uow:
        assert {p.user_id: p.role for p in uow.cases.get(case_id).participants} == {
            OWNER: "owner", L1: "responder"}
        due = {(t.payload["sla"], t.payload["stage"]): t.due_at - clock() for t in
               uow.session.scalars(select(Timer).where(Timer.kind == "sla"))}
    assert due == {("response", "warning"): timedelta(minutes=12),
                   ("response", "breach"): timedelta(minutes=15),
                   ("resolution", "warning"): timedelta(hours=3, minutes=12),
                   ("resolution", "breach"): timedelta(hours=4)}
    assert [h["user"] for h in _effects(services, "hand_off")] == [L1]
    assert any("Placed at L1" in text and f"<@{L1}>" in text for text in _posts(services))


def test_no_acknowledgement_warns_at_80_percent_then_escalates_exactly_once(
        services: ServiceContext, clock: Clock) -> None:
    case_id = _declare(services, "Invoice PDF missing sev4")
    clock.advance(minutes=11, seconds=59)
    fire_due_timers(services)
    assert _events(services, case_id, "sla_warning") == []
    clock.advance(seconds=1)
    fire_due_timers(services)
    assert _events(services, case_id, "sla_warning") == [
        "L1 response SLA: 3 min left without acknowledgement"]
    assert _stints(services, case_id) == [(None, "L1", "declared")]
    clock.advance(minutes=3)
    fire_due_timers(services)
    assert _stints(services, case_id) == [(None, "L1", "declared"), ("L1", "L2", "time")]
    assert _events(services, case_id, "escalated") == [
        "Escalated L1 → L2 (time: L1 response SLA of 15 min passed without acknowledgement)"]
    for _ in range(3):
        clock.advance(minutes=1)
        fire_due_timers(services)
    assert len(_stints(services, case_id)) == 2
    assert _events(services, case_id, "sla_warning") == [
        "L1 response SLA: 3 min left without acknowledgement"]
    # L2's own clock started at the escalation: warned at 48 min, escalated at 60
    clock.advance(minutes=45)
    fire_due_timers(services)
    assert len(_events(services, case_id, "sla_warning")) == 2
    assert _case(services, case_id).level == "L2"
    clock.advance(minutes=12)
    fire_due_timers(services)
    assert _case(services, case_id).level == "L3"
    assert [h["user"] for h in _effects(services, "hand_off")] == [L1, L2, CAROL]


def test_an_acknowledgement_stops_the_response_clock_but_not_the_resolution_deadline(
        services: ServiceContext, clock: Clock) -> None:
    case_id = _declare(services, "VAT number rejected sev4")
    clock.advance(minutes=5)
    answer = reply(escalation.acknowledge(services, channel_id=f"CCASE{case_id}", actor=L1))
    assert "acknowledged case" in answer
    assert _events(services, case_id, "acknowledged") == [
        f"Acknowledged at L1 by <@{L1}> after 5 min"]
    clock.advance(hours=1)
    fire_due_timers(services)
    assert _case(services, case_id).level == "L1"
    assert _events(services, case_id, "sla_warning") == []
    clock.advance(hours=2, minutes=55)  # 4 h after entering L1
    fire_due_timers(services)
    assert _stints(services, case_id)[-1] == ("L1", "L2", "time")
    assert "resolution SLA of 4 h passed without resolution" in \
        _events(services, case_id, "escalated")[0]


def test_only_the_levels_responders_or_those_above_may_acknowledge(
        services: ServiceContext, clock: Clock) -> None:
    case_id = _declare(services, "Wrong currency on receipt sev4")
    with pytest.raises(NotAllowed, match="Only L1's responders"):
        escalation.acknowledge(services, channel_id=f"CCASE{case_id}", actor="USTRANGER")
    escalation.acknowledge(services, channel_id=f"CCASE{case_id}", actor=L2)
    again = reply(escalation.acknowledge(services, channel_id=f"CCASE{case_id}", actor=L1))
    assert f"already acknowledged at L1 by <@{L2}>" in again


def test_the_on_call_person_of_the_rota_gets_the_case_and_the_turn_moves_on(
        services: ServiceContext, clock: Clock) -> None:
    register_expert(services, user_id="UDAVE", handle="dave")
    rota = {"people": ["USAM1", "@dave"], "every": "1w", "starts": "2026-11-16T09:00:00Z"}
    levels = dict(POLICY["levels"])  # type: ignore[call-overload]
    levels["L1"] = {**levels["L1"], "responders": [], "rotation": rota}
    services = replace(services, policy=policy_from({**POLICY, "levels": levels}))
    first = _declare(services, "Receipt shows wrong VAT sev4")
    assert [h["user"] for h in _effects(services, "hand_off")] == ["USAM1"]
    with pytest.raises(NotAllowed, match="Only L1's responders"):
        escalation.acknowledge(services, channel_id=f"CCASE{first}", actor="UDAVE")

    clock.advance(days=7)  # Dave's week (he is known by his @handle)
    second = _declare(services, "Receipt shows wrong VAT again sev4")
    assert [h["user"] for h in _effects(services, "hand_off")] == ["USAM1", "UDAVE"]
    escalation.acknowledge(services, channel_id=f"CCASE{second}", actor="UDAVE")
    with pytest.raises(NotAllowed, match="Only L1's responders"):
        escalation.acknowledge(services, channel_id=f"CCASE{first}", actor="USAM1")


def test_a_resolved_case_never_escalates(services: ServiceContext, clock: Clock) -> None:
    case_id = _declare(services, "Export button greyed out sev4")
    clock.advance(minutes=10)
    resolution.resolve_case(services, channel_id=f"CCASE{case_id}", actor=OWNER,
                            summary="Feature flag was off for that account.")
    clock.advance(days=3)
    assert fire_due_timers(services) <= 1  # at most the channel archive
    assert _stints(services, case_id) == [(None, "L1", "declared")]
    assert _events(services, case_id, "sla_warning") == []
    assert _events(services, case_id, "sla_breached") == []


def test_raising_severity_jumps_to_its_level_then_a_sev2_becomes_a_swarm_keeping_history(
        services: ServiceContext, clock: Clock, fake_model: FakeExpertModel) -> None:
    case_id = _declare(services, "Slow search for one tenant sev4")
    channel = f"CCASE{case_id}"
    clock.advance(minutes=2)
    cases.change_severity(services, channel_id=channel, actor=OWNER, severity_text="sev3")
    assert _stints(services, case_id)[-1] == ("L1", "L2", "priority")
    assert _events(services, case_id, "escalated") == [
        "Escalated L1 → L2 (priority: severity raised to sev3)"]
    clock.advance(minutes=2)
    cases.change_severity(services, channel_id=channel, actor=OWNER, severity_text="sev2")
    case = _case(services, case_id)
    assert (case.mode, case.level) == ("swarm", None)
    assert _stints(services, case_id)[-1] == ("L2", "swarm", "priority")
    assert len(_effects(services, "send_invite")) == 3  # experts invited to the swarm
    kinds = [k for k in _timeline_kinds(services, case_id)]
    assert kinds[:3] == ["declared", "level_set", "severity_changed"]
    assert "mode_changed" in kinds
    clock.advance(days=4)
    fire_due_timers(services)
    assert _events(services, case_id, "sla_breached") == []  # a swarm has no level SLAs
    # …and lowering it again puts it back on the levels, at its severity's level
    cases.change_severity(services, channel_id=channel, actor=OWNER, severity_text="sev4")
    assert _case(services, case_id).level == "L1"


def _timeline_kinds(services: ServiceContext, case_id: int) -> list[str]:
    with services.uow() as uow:
        return [e.kind for e in uow.timeline.for_case(case_id)]


def test_a_complexity_rule_sends_a_case_straight_up_with_the_reason_shown(
        services: ServiceContext) -> None:
    case_id = _declare(services, "Customer threatens lawsuit over double charge sev4")
    assert _case(services, case_id).level == "Executive"
    assert _stints(services, case_id) == [(None, "Executive", "complexity")]
    assert _events(services, case_id, "level_set") == [
        "Placed at Executive (complexity: legal matters are decided at Executive level) — "
        "bypassed L1, L2, L3, L4"]
    assert [h["user"] for h in _effects(services, "hand_off")] == [EXEC]


def test_manual_escalation_to_a_named_level_bypasses_and_deescalation_is_guarded(
        services: ServiceContext, clock: Clock) -> None:
    case_id = _declare(services, "Refund stuck sev4 #billing")
    channel = f"CCASE{case_id}"
    status.post_status(services, channel_id=channel, actor=OWNER,
                       text="Retried the refund job twice, same error.")
    answer = reply(escalation.escalate(services, channel_id=channel, actor=L1, level_text="L3",
                                       reason="needs a credit decision"))
    assert answer.endswith("escalated L1 → L3.")
    assert _events(services, case_id, "escalated") == [
        "Escalated L1 → L3 (manual: needs a credit decision) — bypassed L2"]
    assert [h["user"] for h in _effects(services, "hand_off")] == [L1, CAROL]
    with pytest.raises(NotAllowed, match="move the case down"):
        escalation.deescalate(services, channel_id=channel, actor=L1, level_text=None, reason="")
    escalation.deescalate(services, channel_id=channel, actor=OWNER, level_text=None,
                          reason="credit approved, back to routine")
    assert _stints(services, case_id)[-1] == ("L3", "L2", "manual")


def test_bad_escalation_requests_change_nothing(services: ServiceContext) -> None:
    tiered = _declare(services, "Typo in email template sev4")
    swarm = _declare(services, "Checkout down sev1")
    before = (_stints(services, tiered), _timeline_kinds(services, tiered))
    with pytest.raises(InvalidInput, match="L1 is not above L1"):
        escalation.escalate(services, channel_id=f"CCASE{tiered}", actor=OWNER,
                            level_text="L1", reason="")
    with pytest.raises(InvalidInput, match="not a level"):
        escalation.escalate(services, channel_id=f"CCASE{tiered}", actor=OWNER,
                            level_text="L9", reason="")
    with pytest.raises(Conflict, match="bottom of its path"):
        escalation.deescalate(services, channel_id=f"CCASE{tiered}", actor=OWNER,
                              level_text=None, reason="")
    with pytest.raises(Conflict, match="is swarmed"):
        escalation.escalate(services, channel_id=f"CCASE{swarm}", actor=OWNER,
                            level_text=None, reason="")
    with pytest.raises(InvalidInput, match="under 300 characters"):
        escalation.escalate(services, channel_id=f"CCASE{tiered}", actor=OWNER,
                            level_text=None, reason="x" * 301)
    assert (_stints(services, tiered), _timeline_kinds(services, tiered)) == before


def test_the_top_of_the_path_reports_a_breach_instead_of_escalating(
        services: ServiceContext, clock: Clock) -> None:
    case_id = _declare(services, "Customer lawsuit threat sev4")
    clock.advance(hours=24)
    fire_due_timers(services)
    assert _events(services, case_id, "sla_breached") == [
        "Executive response SLA (24 h) passed without acknowledgement"]
    assert len(_stints(services, case_id)) == 1
    assert any("top of this case's path" in text for text in _posts(services))
    with pytest.raises(Conflict, match="no higher level"):
        escalation.escalate(services, channel_id=f"CCASE{case_id}", actor=OWNER,
                            level_text=None, reason="")


def test_a_security_case_walks_its_own_path(services: ServiceContext, clock: Clock) -> None:
    case_id = _declare(services, "Odd admin logins sev4 #security")
    clock.advance(minutes=15)
    fire_due_timers(services)
    assert _stints(services, case_id)[-1] == ("L1", "L3", "time")


def test_approval_goes_to_the_lowest_level_with_authority_and_only_it_or_above_decides(
        services: ServiceContext, clock: Clock) -> None:
    case_id = _declare(services, "Customer wants credit for outage sev4")
    channel = f"CCASE{case_id}"
    with pytest.raises(InvalidInput, match="Approvable:"):
        approvals.request_approval(services, channel_id=channel, actor=OWNER,
                                   item="free_lunch", note="")
    answer = reply(approvals.request_approval(services, channel_id=channel, actor=OWNER,
                                              item="customer_credit", note="3 days of downtime"))
    assert answer == f"Approval of `customer_credit` requested from L3 and sent to <@{CAROL}>."
    requests = _effects(services, "approval_request")
    assert [r["user"] for r in requests] == [None, CAROL]
    approval_id = requests[0]["approval_id"]
    with pytest.raises(NotAllowed, match="L2 has no authority to approve `customer_credit`"):
        approvals.decide_approval(services, approval_id=approval_id, actor=L2, approve=True)
    with pytest.raises(NotAllowed, match="Only responders at a level with the authority"):
        approvals.decide_approval(services, approval_id=approval_id, actor="UNOBODY",
                                  approve=True)
    with pytest.raises(NotAllowed, match="You asked for this approval"):  # its requester
        approvals.decide_approval(services, approval_id=approval_id, actor=OWNER, approve=True)
    assert reply(approvals.decide_approval(services, approval_id=approval_id, actor=EXEC,
                                           approve=True)).startswith("You approved")
    with pytest.raises(Conflict, match=f"already approved by @{EXEC}"):
        approvals.decide_approval(services, approval_id=approval_id, actor=CAROL, approve=False)
    assert _events(services, case_id, "approval_approved") == [
        f"`customer_credit` approved by <@{EXEC}> (Executive)"]


def test_two_clock_processes_escalate_once(services: ServiceContext, clock: Clock) -> None:
    ids = [_declare(services, f"Ticket {n} sev4") for n in range(6)]
    clock.advance(minutes=16)
    threads = [threading.Thread(target=fire_due_timers, args=(services,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for case_id in ids:
        assert _stints(services, case_id) == [(None, "L1", "declared"), ("L1", "L2", "time")]
        assert len(_events(services, case_id, "sla_breached")) == 1


KILLED_MID_FIRING = textwrap.dedent("""
    import os, signal, sys
    from datetime import datetime
    from bot.config import load_settings
    from bot.domain.policy import policy_from
    from bot.services import escalation, timers
    from bot.services.context import ServiceContext
    from models.db import make_engine, make_session_factory
    from models.uow import UnitOfWork
    from tests.integration.test_escalation import POLICY

    now = datetime.fromisoformat(sys.argv[2])
    factory = make_session_factory(make_engine(sys.argv[1]))
    settings = load_settings(_env_file=None, slack_bot_token="xoxb-x", slack_signing_secret="s")
    ctx = ServiceContext(settings=settings, uow=lambda: UnitOfWork(factory, lambda: now),
                         now=lambda: now, policy=policy_from(POLICY))

    def fire_then_die(ctx, uow, timer):
        escalation.fire_sla_timer(ctx, uow, timer)   # the escalation is staged...
        uow.session.flush()
        os.kill(os.getpid(), signal.SIGKILL)         # ...and the process dies before commit

    timers.fire_due_timers(ctx, handlers={**timers.HANDLERS, "sla": fire_then_die})
""")


def test_a_clock_killed_while_firing_escalates_once_after_restart(
        services: ServiceContext, clock: Clock, database_url: str) -> None:
    case_id = _declare(services, "Dunning email sent twice sev4")
    clock.advance(minutes=40)  # the clock process was down when the SLA ran out
    root = Path(__file__).resolve().parents[2]
    killed = subprocess.run([sys.executable, "-c", KILLED_MID_FIRING, database_url,
                             clock().isoformat()], cwd=root, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(root)}, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert _stints(services, case_id) == [(None, "L1", "declared")]  # nothing half-done
    fire_due_timers(services)
    assert len(_stints(services, case_id)) == 1  # the dead process's lease still holds
    clock.advance(seconds=LEASE.total_seconds() + 1)
    fire_due_timers(services)
    fire_due_timers(services)
    assert _stints(services, case_id) == [(None, "L1", "declared"), ("L1", "L2", "time")]
    assert len(_events(services, case_id, "sla_breached")) == 1
    assert _events(services, case_id, "sla_warning") == []  # too late to warn: it escalated
    with services.uow() as uow:
        escalated_at = uow.session.scalars(select(LevelChange.at).where(
            LevelChange.case_id == case_id, LevelChange.trigger == "time")).one()
    assert escalated_at == clock()  # L2's clock starts when the case really got there


def test_two_people_escalating_at_once_move_the_case_one_level_not_two(
        services: ServiceContext, clock: Clock) -> None:
    """Both saw L1 and asked for "one up": the second is told who moved it and changes
    nothing; naming the level still goes higher, and a minute later "one up" works again."""
    case_id = _declare(services, "Refund stuck sev4 #billing")
    channel = f"CCASE{case_id}"
    escalation.escalate(services, channel_id=channel, actor=L1, level_text=None, reason="")
    with pytest.raises(Conflict, match=r"just moved case .* L1 → L2; nothing changed"):
        escalation.escalate(services, channel_id=channel, actor=OWNER, level_text=None,
                            reason="")
    assert _case(services, case_id).level == "L2"
    escalation.escalate(services, channel_id=channel, actor=L1, level_text=None, reason="")
    assert _case(services, case_id).level == "L3"  # the same person's second step is meant
    clock.advance(minutes=2)
    escalation.escalate(services, channel_id=channel, actor=OWNER, level_text=None, reason="")
    assert _case(services, case_id).level == "L4"
