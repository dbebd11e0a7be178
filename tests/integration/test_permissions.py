"""The permission table (bot/domain/permissions.py) at work, on both databases: for each case
action, everyone it names may act, everyone else is refused — and a refusal changes nothing.
The expectations are written out by hand here, from the rules as the README states them."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import load_settings
from bot.domain.case import parse_declaration
from bot.domain.errors import InvalidInput, NotAllowed, NotFound, SwarmbotError
from bot.domain.policy import policy_from
from bot.domain.timeline import describe
from bot.services import (
    approvals,
    cases,
    escalation,
    followups,
    leaving,
    resolution,
    review,
    status,
    swarm,
)
from bot.services.context import ServiceContext
from bot.slack.notes import text_of
from bot.slack.replies import reply
from models import Case, OutboxMessage, TimelineEvent
from models.case import Approval, FollowUp, Participant
from models.uow import UnitOfWork
from tests.integration.conftest import Clock, FakeExpertModel, FakePeople
from tests.integration.declaring import declare

OWNER, REQUESTER, EXPERT, LEFT = "UOWNER", "UREQUESTER", "UEXPERT", "ULEFTSWARM"
L1, L2, ADMIN, OUTSIDER = "UAGENTL1", "UAGENTL2", "UADMIN", "UOUTSIDER"
EVERYONE = (OWNER, REQUESTER, EXPERT, LEFT, L1, L2, ADMIN, OUTSIDER)
ON_CASE = {OWNER, REQUESTER, EXPERT, L1, ADMIN}  # L1's responders join the case at L1
_TITLES = itertools.count(1)  # one owner declaring one title twice gets the same case back
POLICY: dict[str, object] = {"levels": {
    "L1": {"response": "15m", "resolution": "4h", "responders": [L1]},
    "L2": {"response": "1h", "resolution": "8h", "responders": [L2],
           "authority": ["policy_exception"]},
    "L3": {"response": "4h", "resolution": "1d"},
    "L4": {"response": "8h", "resolution": "2d"},
    "Executive": {"response": "24h", "resolution": "3d", "authority": ["legal"]},
}}


@pytest.fixture
def services(session_factory: sessionmaker[Session], clock: Clock, fake_model: FakeExpertModel,
             people: FakePeople) -> ServiceContext:
    settings = load_settings(_env_file=None, slack_bot_token="xoxb-x", slack_signing_secret="s",
                             admins=ADMIN)
    return ServiceContext(settings=settings, uow=lambda: UnitOfWork(session_factory, clock),
                          now=clock, recommender=lambda: fake_model,
                          policy=policy_from(POLICY), people=people)


def _case(services: ServiceContext) -> str:
    """A sev4 ticket at L1, owned by OWNER for REQUESTER, with EXPERT in its swarm and LEFT
    having left it. Returns its channel."""
    case_id = declare(services, owner_id=OWNER,
                                 draft=parse_declaration(
                                     f"Invoices missing {next(_TITLES)} sev4")).case_id
    channel = f"CCASE{case_id}"
    with services.uow() as uow:
        case = uow.cases.get(case_id)
        assert case is not None
        case.channel_id, case.requester_id = channel, REQUESTER
        uow.commit()
    swarm.add_people(services, channel_id=channel, actor=OWNER, user_ids=[EXPERT, LEFT])
    leaving.leave_case(services, channel_id=channel, actor=LEFT)
    return channel


def _trace(services: ServiceContext) -> tuple[object, ...]:
    """Everything a use case could change."""
    with services.uow() as uow:
        count = lambda model: uow.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        rows = uow.session.execute(select(Case.status, Case.owner_id, Case.severity, Case.level,
                                          Case.mode).order_by(Case.id)).all()
        who = uow.session.execute(select(Participant.user_id, Participant.left_at)
                                  .order_by(Participant.id)).all()
        return (tuple(rows), tuple(who), count(TimelineEvent), count(OutboxMessage),
                count(FollowUp), tuple(uow.session.scalars(select(Approval.state))))


Act = Callable[[ServiceContext, str, str], object]


def _check(services: ServiceContext, act: Act, allowed: set[str],
           setup: Callable[[ServiceContext, str], None] | None = None) -> None:
    for actor in EVERYONE:
        channel = _case(services)
        if setup:
            setup(services, channel)
        before = _trace(services)
        try:
            act(services, channel, actor)
        except NotAllowed as refused:
            assert actor not in allowed, f"{actor} was refused: {refused}"
            assert _trace(services) == before, f"refusing {actor} changed something"
            assert str(refused).endswith("."), refused
        except SwarmbotError as other:  # allowed, but the case's state says no (e.g. L1 is
            assert actor in allowed, f"{actor}: {other}"  # the bottom): not a permission
        else:
            assert actor in allowed, f"{actor} was allowed"


def test_status_escalate_and_approve_are_for_people_on_the_case(services: ServiceContext) -> None:
    _check(services, lambda s, c, a: status.post_status(s, channel_id=c, actor=a, text="x"),
           ON_CASE)
    _check(services, lambda s, c, a: escalation.escalate(
        s, channel_id=c, actor=a, level_text="L4", reason="just because"), ON_CASE)
    _check(services, lambda s, c, a: approvals.request_approval(
        s, channel_id=c, actor=a, item="policy_exception", note=""), ON_CASE)


def test_an_outsiders_escalation_moves_nothing_and_tells_nobody(services: ServiceContext) -> None:
    channel = _case(services)
    before = _trace(services)
    with pytest.raises(NotAllowed, match="Only people working on this case or a swarmbot "
                                         "admin can escalate it."):
        escalation.escalate(services, channel_id=channel, actor=OUTSIDER, level_text="L4",
                            reason="just because")
    assert _trace(services) == before  # no level change, no hand-off DM recorded


def test_the_owners_commands_are_the_owners_and_the_admins(services: ServiceContext) -> None:
    owner_only = {OWNER, ADMIN}
    _check(services, lambda s, c, a: cases.change_severity(
        s, channel_id=c, actor=a, severity_text="sev3"), owner_only)
    _check(services, lambda s, c, a: cases.hand_over(
        s, channel_id=c, actor=a, new_owner="UNEWOWNER"), owner_only)
    _check(services, lambda s, c, a: swarm.add_people(
        s, channel_id=c, actor=a, user_ids=["UNEWPERSON"]), owner_only)
    _check(services, lambda s, c, a: swarm.ask_for_more(s, channel_id=c, actor=a, count=1),
           owner_only)
    _check(services, lambda s, c, a: resolution.resolve_case(
        s, channel_id=c, actor=a, summary="fixed"), owner_only)


def test_reopening_is_for_the_owner_the_requester_and_admins(services: ServiceContext) -> None:
    _check(services, lambda s, c, a: resolution.reopen_case(s, channel_id=c, actor=a),
           {OWNER, REQUESTER, ADMIN},
           setup=lambda s, c: resolution.resolve_case(s, channel_id=c, actor=OWNER,
                                                      summary="fixed"))


def test_the_levels_commands_follow_the_levels(services: ServiceContext) -> None:
    _check(services, lambda s, c, a: escalation.acknowledge(s, channel_id=c, actor=a),
           {L1, L2, ADMIN})
    _check(services, lambda s, c, a: escalation.deescalate(
        s, channel_id=c, actor=a, level_text=None, reason=""), {OWNER, L1, L2, ADMIN})


def test_reviews_and_followups_are_for_who_is_or_was_on_the_case(services: ServiceContext
                                                                 ) -> None:
    _check(services, lambda s, c, a: review.add_lesson(s, channel_id=c, actor=a, text="x"),
           ON_CASE | {LEFT})
    _check(services, lambda s, c, a: followups.add_followup(
        s, channel_id=c, actor=a, text="write a runbook", owner=None), ON_CASE | {LEFT})
    _check(services, lambda s, c, a: followups.list_followups(s, channel_id=c, actor=a),
           ON_CASE | {LEFT})


def test_a_followup_is_finished_by_its_owner_its_author_or_the_case_owner(
        services: ServiceContext) -> None:
    def done(s: ServiceContext, channel: str, actor: str) -> object:
        with s.uow() as uow:
            item = uow.session.scalars(select(FollowUp).order_by(FollowUp.id.desc())).first()
            assert item is not None
            item_id = item.id
        return followups.complete_followup(s, followup_id=item_id, actor=actor)

    _check(services, done, {EXPERT, REQUESTER, OWNER, ADMIN},
           setup=lambda s, c: followups.add_followup(s, channel_id=c, actor=REQUESTER,
                                                     text="fix the export", owner=EXPERT))


def test_only_people_in_the_swarm_leave_it_and_the_owner_hands_over_first(
        services: ServiceContext) -> None:
    _check(services, lambda s, c, a: leaving.leave_case(s, channel_id=c, actor=a), {EXPERT, L1})
    channel = _case(services)
    with pytest.raises(NotAllowed, match="hand it over first"):
        leaving.leave_case(services, channel_id=channel, actor=OWNER)


def test_nobody_decides_their_own_approval_not_even_an_admin(services: ServiceContext) -> None:
    def decide(requester: str) -> Callable[[ServiceContext, str, str], object]:
        def act(s: ServiceContext, channel: str, actor: str) -> object:
            with s.uow() as uow:
                approval_id = uow.session.scalars(select(Approval.id).order_by(
                    Approval.id.desc())).first()
            return approvals.decide_approval(s, approval_id=approval_id or 0, actor=actor,
                                             approve=True)
        return act

    def ask(requester: str) -> Callable[[ServiceContext, str], None]:
        return lambda s, c: approvals.request_approval(s, channel_id=c, actor=requester,
                                                       item="policy_exception", note="")

    _check(services, decide(EXPERT), {L2, ADMIN}, setup=ask(EXPERT))  # L1: no authority
    channel = _case(services)
    ask(ADMIN)(services, channel)
    before = _trace(services)
    with pytest.raises(NotAllowed, match="You asked for this approval"):
        decide(ADMIN)(services, channel, ADMIN)
    assert _trace(services) == before


def test_a_person_typed_in_a_command_must_be_a_person_of_the_workspace(
        services: ServiceContext, people: FakePeople) -> None:
    channel = _case(services)
    people.unknown.add("UNOSUCH")
    people.bots.add("UTHEBOT")
    people.deleted.add("UGONE")
    before = _trace(services)
    for user, error, words in (("UNOSUCH", NotFound, "no user `UNOSUCH`"),
                               ("UTHEBOT", InvalidInput, "is a bot"),
                               ("UGONE", InvalidInput, "deactivated")):
        with pytest.raises(error, match=words):
            cases.hand_over(services, channel_id=channel, actor=OWNER, new_owner=user)
        with pytest.raises(error, match=words):
            swarm.add_people(services, channel_id=channel, actor=OWNER, user_ids=[EXPERT, user])
        with pytest.raises(error, match=words):
            followups.add_followup(services, channel_id=channel, actor=OWNER, text="x",
                                   owner=user)
    assert _trace(services) == before


def test_an_admins_hand_over_says_who_did_it(services: ServiceContext) -> None:
    channel = _case(services)
    cases.hand_over(services, channel_id=channel, actor=ADMIN, new_owner="UNEWOWNER")
    with services.uow() as uow:
        posts = [text_of(m.payload) for m in uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "post"))]
        events = [describe(e) for e in uow.session.scalars(
            select(TimelineEvent).where(TimelineEvent.kind == "owner_changed"))]
    assert any(p.startswith(f":handshake: <@{ADMIN}> (admin) handed case #0001 from "
                            f"<@{OWNER}> to <@UNEWOWNER>") for p in posts), posts
    assert events == [f"<@{ADMIN}> (admin) handed the case from <@{OWNER}> to <@UNEWOWNER>"]


def test_leaving_takes_them_off_the_case_and_out_of_the_channel(services: ServiceContext
                                                                 ) -> None:
    channel = _case(services)
    answer = reply(leaving.leave_case(services, channel_id=channel, actor=EXPERT))
    assert answer == "You left the swarm of case #0001."
    with services.uow() as uow:
        case = uow.cases.by_channel(channel)
        assert case is not None
        assert EXPERT not in {p.user_id for p in case.participants if p.left_at is None}
        kinds = [(m.kind, m.payload.get("user"), text_of(m.payload))
                 for m in uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
        left = [describe(e) for e in uow.timeline.for_case(case.id) if e.kind == "left"]
    assert ("remove_member", EXPERT, "") in kinds
    assert ("post", None, f":door: <@{EXPERT}> left the swarm.") in kinds
    assert left == [f"<@{LEFT}> left the swarm", f"<@{EXPERT}> left the swarm"]
    with pytest.raises(NotAllowed):  # once out, the swarm's commands are not theirs
        status.post_status(services, channel_id=channel, actor=EXPERT, text="still here?")
