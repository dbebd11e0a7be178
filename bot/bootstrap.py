"""The one place where everything is wired: `build(settings, **overrides)`.

Tests and the sandbox pass overrides (a clock, the Slack emulator's URL through settings,
a ready engine); production passes nothing. Building opens no connection and calls no
Slack method — that happens on first use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.domain.errors import ConfigError
from bot.services.context import ServiceContext
from bot.slack.app import build_bolt_app
from bot.slack.gateway import make_slack_client
from bot.web.app import create_web_app
from models.base import utcnow
from models.db import make_engine, make_session_factory
from models.uow import UnitOfWork


@dataclass
class Container:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    slack_client: WebClient
    services: ServiceContext
    bolt_app: App
    web_app: Flask

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings, **overrides: Any) -> Container:
    if settings.slack_bot_token is None or settings.slack_signing_secret is None:
        missing = "SLACK_BOT_TOKEN" if settings.slack_bot_token is None else "SLACK_SIGNING_SECRET"
        raise ConfigError(f"{missing} is not set. Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
                          "for a real workspace, or run `swarmbot sandbox` to try swarmbot "
                          "with the built-in Slack emulator.")
    engine: Engine = overrides.get("engine") or make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    now: Callable[[], datetime] = overrides.get("clock") or utcnow
    client: WebClient = overrides.get("slack_client") or make_slack_client(
        settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    services = ServiceContext(settings=settings, uow=lambda: UnitOfWork(session_factory), now=now)
    bolt_app = build_bolt_app(client=client, services=services,
                              signing_secret=settings.slack_signing_secret.get_secret_value())
    web_app = create_web_app(bolt_app=bolt_app, engine=engine)
    return Container(settings=settings, engine=engine, session_factory=session_factory,
                     slack_client=client, services=services, bolt_app=bolt_app, web_app=web_app)
