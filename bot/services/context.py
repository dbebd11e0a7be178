"""What every use case may need, handed over by the factory (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.config import Settings
from bot.domain.policy import Policy, load_policy
from bot.services.people import PeopleDirectory
from models.uow import UnitOfWork
from skills_index.interface import Recommender


@dataclass(frozen=True)
class ServiceContext:
    settings: Settings
    uow: Callable[[], UnitOfWork]
    now: Callable[[], datetime]
    # Returns the loaded expert model (skills_index.model.ExpertModel), or None when none is
    # trained.
    recommender: Callable[[], Recommender | None] = lambda: None
    # The tiered escalation policy (levels, SLAs, paths, authority), validated at start.
    policy: Policy = field(default_factory=load_policy)
    # Slack's word on a user id someone typed (users.info); None: there is no Slack to ask,
    # and a use case that records a typed person refuses (bot/services/people.py).
    people: PeopleDirectory | None = None
