"""What every use case may need, handed over by the factory (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.config import Settings
from models.uow import UnitOfWork


@dataclass(frozen=True)
class ServiceContext:
    settings: Settings
    uow: Callable[[], UnitOfWork]
    now: Callable[[], datetime]
    # Returns the loaded expert model (skills_index.ExpertModel), or None when none is trained.
    recommender: Callable[[], Any] = lambda: None
