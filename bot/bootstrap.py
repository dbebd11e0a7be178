"""The one place where everything is wired: `build(settings, *, engine=…, clock=…, …)`.

Tests and the sandbox pass what they replace (a clock, a ready engine, a Slack client; the
Slack emulator's URL goes in through settings); production passes nothing. Building opens no
connection, calls no Slack method and starts no thread — `start()` starts the background
delivery."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.delivery.budget import Budget
from bot.delivery.dispatcher import OutboxDispatcher
from bot.domain.errors import ConfigError
from bot.domain.policy import Policy, load_policy
from bot.services import case_feed, replays, swarm
from bot.services.context import ServiceContext
from bot.services.effects import Effect
from bot.services.model import ModelHolder
from bot.slack.app import build_bolt_app
from bot.slack.effects import build_executors
from bot.slack.effects.invites import AnswerEarly
from bot.slack.gateway import make_slack_client
from bot.slack.limits import FIRST_CALL
from bot.slack.people import SlackPeople
from bot.web.app import create_web_app
from bot.web.feed_sender import CaseFeedSender
from models.base import utcnow
from models.db import make_engine, make_session_factory
from models.repositories import RECORDED_EFFECTS
from models.uow import UnitOfWork


@dataclass
class Container:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    slack_client: WebClient
    services: ServiceContext
    model: ModelHolder
    dispatcher: OutboxDispatcher
    bolt_app: App
    web_app: Flask

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def start(self) -> Container:
        self.dispatcher.start()
        return self

    def close(self) -> None:
        self.dispatcher.stop()
        self.engine.dispose()


def build(settings: Settings, *, engine: Engine | None = None,
          clock: Callable[[], datetime] | None = None, slack_client: WebClient | None = None,
          model: ModelHolder | None = None, policy: Policy | None = None) -> Container:
    """Each keyword replaces what settings would build: the database engine, the clock the
    services read as now, the Slack Web API client, the expert model's holder, the escalation
    policy."""
    if settings.slack_bot_token is None or settings.slack_signing_secret is None:
        missing = "SLACK_BOT_TOKEN" if settings.slack_bot_token is None else "SLACK_SIGNING_SECRET"
        raise ConfigError(f"{missing} is not set. Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
                          "for a real workspace, or run `swarmbot sandbox` to try swarmbot "
                          "with the built-in Slack emulator.")
    engine = engine or make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    now = clock or utcnow
    client = slack_client or make_slack_client(
        settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    model = model or ModelHolder(settings.model_path)
    feed = case_feed.on_event if settings.case_feed_url else None
    services = ServiceContext(settings=settings,
                              uow=lambda: UnitOfWork(session_factory, now, on_event=feed,
                                                     before_commit=replays.record),
                              now=now, recommender=model,
                              policy=policy or load_policy(settings.policy_path),
                              people=SlackPeople(client))
    budget = Budget(session_factory, first_waits=FIRST_CALL)
    executors = build_executors(client, admins=settings.admin_ids, policy=services.policy,
                                budget=budget)
    executors[Effect.CASE_FEED] = CaseFeedSender(
        settings.case_feed_url,
        settings.case_feed_secret.get_secret_value() if settings.case_feed_secret else None)
    executors[Effect.ANSWER_EARLY] = AnswerEarly(
        lambda invite_id: swarm.answer_early(services, invite_id))
    dispatcher = OutboxDispatcher(services, executors, budget=budget)
    _kick_after_commit(session_factory, dispatcher)
    bolt_app = build_bolt_app(client=client, services=services,
                              signing_secret=settings.slack_signing_secret.get_secret_value())
    web_app = create_web_app(bolt_app=bolt_app, engine=engine, services=services)
    return Container(settings=settings, engine=engine, session_factory=session_factory,
                     slack_client=client, services=services, model=model, dispatcher=dispatcher,
                     bolt_app=bolt_app, web_app=web_app)


def _kick_after_commit(session_factory: sessionmaker[Session],
                       dispatcher: OutboxDispatcher) -> None:
    """Wake the dispatcher when a commit recorded Slack side effects."""

    @event.listens_for(session_factory, "after_commit")
    def _kick(session: Session) -> None:
        if session.info.pop(RECORDED_EFFECTS, False):
            dispatcher.kick()

    @event.listens_for(session_factory, "after_rollback")
    def _forget(session: Session) -> None:
        if not session.in_transaction():  # a savepoint's rollback keeps the outer records
            session.info.pop(RECORDED_EFFECTS, None)
