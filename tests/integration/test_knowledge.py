"""The past at hand, with a real expert model trained on a small history: similar resolved
cases and the forecast posted when a case is declared, the forecast as a complexity trigger,
`/swarm similar`, and private cases never shown to anyone else."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import load_settings
from bot.domain.case import parse_declaration
from bot.domain.errors import InvalidInput
from bot.domain.policy import policy_from
from bot.services import knowledge, resolution
from bot.services.context import ServiceContext
from bot.services.expertise import register_expert
from bot.services.model import ModelHolder, retrain
from bot.slack.notes import text_of
from bot.slack.replies import reply
from models import Case, LevelChange, OutboxMessage, TimelineEvent
from models.expertise import ResolutionRecord
from models.uow import UnitOfWork
from tests.integration.conftest import Clock
from tests.integration.declaring import declare

OWNER, KAI = "UOWNER", "UKAI"
POLICY = {
    "levels": {"L1": {"response": "15m", "resolution": "4h"},
               "L2": {"response": "1h", "resolution": "8h"},
               "L3": {"response": "4h", "resolution": "1d"}},
    "complexity": [{"name": "needs-help", "needs_help_at": 0.6, "level": "L2",
                    "reason": "cases like this took several people"}],
}
HARD = ("Database failover did not complete", "Split brain between data centres")
EASY = ("Broken link in the footer", "Typo on the pricing page")


def _history(now: datetime) -> list[ResolutionRecord]:
    rows = []
    for n in range(150):
        hard = n % 3 == 0
        title = (HARD if hard else EASY)[n % 2]
        created = now - timedelta(days=300 - n * 2)
        rows.append(ResolutionRecord(
            history_id=f"PAST-{n}", origin="test.csv", title=f"{title} in region {n % 4}",
            service="db" if hard else "web", severity="sev3", tags=[],
            created_at=created, resolved_at=created + timedelta(hours=2),
            resolvers=["kai", "lee"] if hard else ["lee"],
            summary="Promoted the standby by hand" if hard else "Fixed the template"))
    return rows


@pytest.fixture
def services(session_factory: sessionmaker[Session], clock: Clock, tmp_path: Path
             ) -> ServiceContext:
    holder = ModelHolder(tmp_path / "model.joblib")
    settings = load_settings(_env_file=None, slack_bot_token="xoxb-x", slack_signing_secret="s")
    ctx = ServiceContext(settings=settings, uow=lambda: UnitOfWork(session_factory, clock),
                         now=clock, recommender=holder, policy=policy_from(POLICY))
    register_expert(ctx, user_id=KAI, handle="kai")
    with ctx.uow() as uow:
        uow.history.add_all(_history(clock()))
        uow.commit()
    assert retrain(ctx, holder).cases == 150
    return ctx


def _declare(services: ServiceContext, text: str) -> int:
    case_id = declare(services, owner_id=OWNER, draft=parse_declaration(text)).case_id
    with services.uow() as uow:
        case = uow.cases.get(case_id)
        assert case is not None
        case.channel_id = f"CCASE{case_id}"
        uow.commit()
    return case_id


def _similar(services: ServiceContext, *, channel_id: str, text: str) -> str:
    return reply(knowledge.similar_to(services, channel_id=channel_id, text=text))


def _posts(services: ServiceContext, case_id: int) -> list[str]:
    with services.uow() as uow:
        return [text_of(m.payload) for m in uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "post",
                                        OutboxMessage.case_id == case_id))]


def _outlook(services: ServiceContext, case_id: int) -> str:
    found = [p for p in _posts(services, case_id) if p.startswith(":books:")]
    assert len(found) == 1, _posts(services, case_id)
    return found[0]


def test_declaring_shows_similar_resolved_cases_and_the_forecast(
        services: ServiceContext) -> None:
    case_id = _declare(services, "Database failover did not complete in region 2 sev4")
    text = _outlook(services, case_id)
    assert "Database failover did not complete in region 2*" in text
    assert f"resolved by <@{KAI}>, `lee` in 2 h: Promoted the standby by hand" in text
    assert "Broken link" not in text
    with services.uow() as uow:
        forecast = [e.data for e in uow.timeline.for_case(case_id) if e.kind == "forecast"]
    assert len(forecast) == 1 and forecast[0]["needs_help"] > 0.6
    share = round(forecast[0]["needs_help"] * 100)
    assert f"Forecast: {share}% of past cases like this needed more than one person" in text


def test_the_forecast_sends_a_case_that_needs_help_past_L1(services: ServiceContext) -> None:
    hard = _declare(services, "Split brain between data centres again sev4")
    easy = _declare(services, "Broken link in the footer of the blog sev4")
    with services.uow() as uow:
        levels = {c.case_id: (c.to_level, c.trigger, c.reason) for c in uow.session.scalars(
            select(LevelChange))}
    assert levels[hard][:2] == ("L2", "complexity")
    assert levels[hard][2].startswith("cases like this took several people (forecast: ")
    assert levels[easy][:2] == ("L1", "declared")


def test_swarm_similar_searches_by_words_or_for_the_case_of_the_channel(
        services: ServiceContext) -> None:
    by_words = _similar(services, channel_id="CGENERAL",
                                    text="typo on the pricing page")
    assert "Typo on the pricing page in region" in by_words and "Forecast" not in by_words
    case_id = _declare(services, "Database failover did not complete sev2")
    in_case = _similar(services, channel_id=f"CCASE{case_id}", text="")
    assert "Database failover did not complete in region" in in_case
    assert "Forecast:" in in_case
    assert "close enough" in _similar(services, channel_id="CGENERAL",
                                                  text="quarterly budget spreadsheet")
    with pytest.raises(InvalidInput, match="Say what to look for"):
        _similar(services, channel_id="CGENERAL", text="  ")


def test_a_private_case_never_shows_up_as_a_similar_case(services: ServiceContext,
                                                         clock: Clock) -> None:
    secret = _declare(services, "Database failover did not complete for the vault #security "
                                "sev2")
    resolution.resolve_case(services, channel_id=f"CCASE{secret}", actor=OWNER,
                            summary="Rotated the vault keys")
    with services.uow() as uow:
        assert uow.history.existing_ids([f"swarmbot-{secret}"])  # it is in the history...
    assert retrain(services, services.recommender).swapped  # type: ignore[arg-type]
    clock.advance(minutes=5)
    other = _declare(services, "Database failover did not complete for the vault sev2")
    assert "vault" not in _outlook(services, other)  # ...but never shown
    found = _similar(services, channel_id="CX", text="failover vault keys")
    assert "vault" not in found.split("\n", 1)[1]


def test_without_a_model_nothing_is_posted_and_the_command_says_why(
        session_factory: sessionmaker[Session], clock: Clock) -> None:
    settings = load_settings(_env_file=None, slack_bot_token="xoxb-x", slack_signing_secret="s")
    ctx = ServiceContext(settings=settings, uow=lambda: UnitOfWork(session_factory, clock),
                         now=clock, recommender=lambda: None, policy=policy_from(POLICY))
    case_id = _declare(ctx, "Database failover did not complete sev4")
    assert not [p for p in _posts(ctx, case_id) if p.startswith(":books:")]
    assert "No expert model is trained yet" in _similar(ctx, channel_id="C",
                                                                    text="failover")
    with ctx.uow() as uow:
        assert uow.session.scalars(select(TimelineEvent).where(
            TimelineEvent.kind == "forecast")).first() is None
        assert uow.session.get(Case, case_id).level == "L1"  # type: ignore[union-attr]
