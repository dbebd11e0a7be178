"""Follow-ups: recorded on a case, listed in its review, reminded to their owners (also after
the case resolves) until someone marks them done."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.domain.case import parse_declaration
from bot.domain.errors import Conflict, InvalidInput, NotAllowed
from bot.services import followups, resolution
from bot.services.context import ServiceContext
from bot.services.review import review_markdown
from bot.services.timers import fire_due_timers
from bot.slack.notes import text_of
from bot.slack.replies import reply
from models import FollowUp, OutboxMessage
from tests.integration.conftest import Clock
from tests.integration.declaring import declare

OWNER, DANA = "UOWNER", "UDANA"


def _case(services: ServiceContext) -> int:
    case_id = declare(services, owner_id=OWNER,
                                 draft=parse_declaration("Nightly export failed sev2")).case_id
    with services.uow() as uow:
        uow.cases.get(case_id).channel_id = "CCASE"
        uow.commit()
    return case_id


def _dms(services: ServiceContext, user: str) -> list[str]:
    with services.uow() as uow:
        return [text_of(m.payload) for m in uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "post").order_by(OutboxMessage.id))
            if m.payload.get("channel") == user]


def test_a_followup_is_reminded_daily_until_done_even_after_the_case_resolves(
        services: ServiceContext, clock: Clock) -> None:
    case_id = _case(services)
    answer = reply(followups.add_followup(services, channel_id="CCASE", actor=OWNER,
                                          text="Alert when the export is late", owner=DANA))
    assert answer == f"Follow-up F1 recorded for <@{DANA}>."
    assert "gave you a follow-up on case #0001" in _dms(services, DANA)[0]
    resolution.resolve_case(services, channel_id="CCASE", actor=OWNER, summary="Re-ran it")
    clock.advance(hours=23)
    fire_due_timers(services)
    assert len(_dms(services, DANA)) == 1
    clock.advance(hours=1)
    fire_due_timers(services)
    clock.advance(hours=24)
    fire_due_timers(services)
    reminders = [t for t in _dms(services, DANA) if "Still open" in t]
    assert len(reminders) == 2 and "F1 on case #0001" in reminders[0]
    assert reply(followups.complete_followup(services, followup_id=1, actor=DANA)) == \
        "F1 is done."
    clock.advance(days=3)
    fire_due_timers(services)
    assert len([t for t in _dms(services, DANA) if "Still open" in t]) == 2
    review = review_markdown(services, case_id)
    assert f"- [x] F1 Alert when the export is late (<@{DANA}>)" in review


def test_bad_followups_change_nothing(services: ServiceContext) -> None:
    _case(services)
    with pytest.raises(InvalidInput, match="Say what needs doing"):
        followups.add_followup(services, channel_id="CCASE", actor=OWNER, text="  ", owner=None)
    with pytest.raises(NotAllowed, match="Only people who work on this case"):
        followups.add_followup(services, channel_id="CCASE", actor="USTRANGER", text="x",
                               owner=None)
    with services.uow() as uow:
        assert uow.session.scalars(select(FollowUp)).all() == []
    followups.add_followup(services, channel_id="CCASE", actor=OWNER, text="Write runbook",
                           owner=None)
    with pytest.raises(NotAllowed, match=f"Only the follow-up's owner @{OWNER}"):
        followups.complete_followup(services, followup_id=1, actor="USTRANGER")
    followups.complete_followup(services, followup_id=1, actor=OWNER)
    with pytest.raises(Conflict, match="already done"):
        followups.complete_followup(services, followup_id=1, actor=OWNER)
    listed = followups.list_followups(services, channel_id="CCASE", actor=OWNER)
    assert [(f.number, f.owner, f.done) for f in listed.items] == [(1, OWNER, True)]
