"""Service-level fixtures: real database, a controllable clock, a hand-written fake at our
own recommender port (the real model is tested in tests/unit/skills_index)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.config import load_settings
from bot.services.context import ServiceContext
from bot.services.people import Person
from models.uow import UnitOfWork
from skills_index.interface import CaseQuery, Recommendation


class FakeExpertModel:
    """Recommends from a fixed ranking, honouring `exclude` like the real model."""

    def __init__(self, ranking: list[str], forecast: float | None = None) -> None:
        self.ranking = ranking
        self.forecast = forecast
        self.asked: list[CaseQuery] = []

    def recommend(self, case: CaseQuery, top: int = 5, exclude: Collection[str] = ()
                  ) -> list[Recommendation]:
        self.asked.append(case)
        experts = [e for e in self.ranking if e not in set(exclude)][:top]
        return [Recommendation(expert=e, score=1.0 - i / 10,
                               why=f"resolved {9 - i} similar cases")
                for i, e in enumerate(experts)]

    def similar(self, case: CaseQuery, k: int = 3, exclude: Collection[str] = ()) -> list[Any]:
        return []

    def needs_help(self, case: CaseQuery) -> float | None:
        return self.forecast


class FakePeople:
    """The workspace's people at our directory port: every id is an active person unless
    listed as unknown, deactivated or a bot (users.info itself is tested end to end)."""

    def __init__(self) -> None:
        self.unknown: set[str] = set()
        self.deleted: set[str] = set()
        self.bots: set[str] = set()
        self.asked: list[str] = []

    def lookup(self, user_id: str) -> Person | None:
        self.asked.append(user_id)
        if user_id in self.unknown:
            return None
        return Person(user_id, deleted=user_id in self.deleted, is_bot=user_id in self.bots)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)  # a Tuesday morning

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake_model() -> FakeExpertModel:
    return FakeExpertModel(["UEXP1", "UEXP2", "UEXP3", "UEXP4", "UEXP5", "UEXP6"])


@pytest.fixture
def people() -> FakePeople:
    return FakePeople()


@pytest.fixture
def services(session_factory: sessionmaker[Session], clock: Clock,
             fake_model: FakeExpertModel, people: FakePeople) -> ServiceContext:
    settings = load_settings(_env_file=None, slack_bot_token="xoxb-x", slack_signing_secret="s",
                             admins="UADMIN", stakeholder_channel="CSTAKE")
    return ServiceContext(settings=settings, uow=lambda: UnitOfWork(session_factory, clock),
                          now=clock, recommender=lambda: fake_model, people=people)
