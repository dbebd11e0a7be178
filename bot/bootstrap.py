"""The one place where everything is wired: `build(settings, *, engine=…, clock=…, …)`.

Tests and the sandbox pass what they replace (a clock, a ready engine, a Slack client; the
Slack emulator's URL goes in through settings); production passes nothing. Building opens no
connection, calls no Slack method and starts no thread — `start()` starts the background
delivery."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
from bot.logs import about
from bot.services import case_feed, cases, replays, swarm
from bot.services.context import ServiceContext
from bot.services.effects import Effect
from bot.services.model import ModelHolder
from bot.slack.app import build_bolt_app
from bot.slack.effects import build_executors
from bot.slack.effects.invites import AnswerEarly
from bot.slack.effects.planning import PlanSwarm
from bot.slack.gateway import make_slack_client
from bot.slack.limits import FIRST_CALL
from bot.slack.people import SlackPeople
from bot.slack.socket_mode import SocketLink
from bot.web.app import create_web_app
from bot.web.feed_sender import CaseFeedSender
from bot.web.metrics import observe_delivery
from models.base import utcnow
from models.db import make_engine, make_session_factory
from models.repositories import RECORDED_EFFECTS, RECORDED_LOCKS
from models.uow import UnitOfWork

# Delivery threads per process. Most of a delivery is waiting for Slack (~150 ms a call), and
# a new swarm's channel, its planning and each of its invite DMs go side by side: a sev1
# needs five at once.
DELIVERY_THREADS = 8

log = logging.getLogger(__name__)


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
    socket: SocketLink | None = None  # Socket Mode's connection, with SLACK_APP_TOKEN

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def start(self, *, listen: bool = True) -> Container:
        """Deliver what is recorded and, in Socket Mode, take Slack's requests (`listen`:
        the web process does; the clock does not — Slack spreads envelopes over every open
        connection, and the clock answers no request)."""
        self.dispatcher.start()
        if listen and self.socket is not None:
            self.socket.start()
        return self

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()
        self.dispatcher.stop()
        self.engine.dispose()


def build(settings: Settings, *, engine: Engine | None = None,
          clock: Callable[[], datetime] | None = None, slack_client: WebClient | None = None,
          model: ModelHolder | None = None, policy: Policy | None = None) -> Container:
    """Each keyword replaces what settings would build: the database engine, the clock the
    services read as now, the Slack Web API client, the expert model's holder, the escalation
    policy."""
    if settings.slack_bot_token is None or (settings.slack_signing_secret is None
                                            and not settings.socket_mode):
        missing = "SLACK_BOT_TOKEN" if settings.slack_bot_token is None else "SLACK_SIGNING_SECRET"
        raise ConfigError(f"{missing} is not set. Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
                          "(or SLACK_APP_TOKEN for Socket Mode) for a real workspace, or run "
                          "`swarmbot sandbox` to try swarmbot with the built-in Slack emulator.")
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
    budget = Budget(session_factory, first_waits=FIRST_CALL) if settings.slack_budget else None
    executors = build_executors(client, admins=settings.admin_ids, policy=services.policy,
                                language=settings.language,
                                budget=budget)
    executors[Effect.CASE_FEED] = CaseFeedSender(
        settings.case_feed_url,
        settings.case_feed_secret.get_secret_value() if settings.case_feed_secret else None)
    executors[Effect.ANSWER_EARLY] = AnswerEarly(
        lambda invite_id: swarm.answer_early(services, invite_id))
    executors[Effect.PLAN_SWARM] = PlanSwarm(
        lambda case_id, intent_id, notify_in: cases.plan_swarm(
            services, case_id=case_id, intent_id=intent_id, notify_in=notify_in))
    dispatcher = OutboxDispatcher(services, {kind: TimedDelivery(str(kind), executor, now)
                                             for kind, executor in executors.items()},
                                  budget=budget, workers=DELIVERY_THREADS)
    _kick_after_commit(session_factory, dispatcher)
    secret = settings.slack_signing_secret
    # Socket Mode needs no signing secret; without one the request URL refuses everything
    bolt_app = build_bolt_app(client=client, services=services,
                              signing_secret=secret.get_secret_value() if secret else "")
    socket = (SocketLink(bolt_app, app_token=settings.slack_app_token.get_secret_value(),
                         services=services) if settings.slack_app_token else None)
    web_app = create_web_app(bolt_app=bolt_app, engine=engine, services=services,
                             slack_link=socket.health if socket else None)
    return Container(settings=settings, engine=engine, session_factory=session_factory,
                     slack_client=client, services=services, model=model, dispatcher=dispatcher,
                     bolt_app=bolt_app, web_app=web_app, socket=socket)


class TimedDelivery:
    """An effect's executor, its successful sends timed from when the effect was recorded
    (GET /metrics: swarmbot_outbox_delivery_seconds by effect), and what it logs marked
    with the effect's case and outbox ids (bot/logs.py)."""

    def __init__(self, effect: str, executor: Any, now: Callable[[], datetime]) -> None:
        self._effect, self._executor, self._now = effect, executor, now

    def _about(self, message: Any) -> Any:
        return about(case_id=message.case_id, outbox_id=message.id, effect=self._effect)

    def prepare(self, message: Any, uow: UnitOfWork) -> Any:
        with self._about(message):
            return self._executor.prepare(message, uow)

    def send(self, message: Any, prepared: Any) -> dict[str, Any]:
        with self._about(message):
            result: dict[str, Any] = self._executor.send(message, prepared)
            if message.created_at is not None:
                seconds = observe_delivery(self._effect, message.created_at, self._now())
                log.debug("delivered %s in %.2f s", self._effect, seconds)
        return result

    def apply(self, message: Any, result: dict[str, Any], uow: UnitOfWork) -> None:
        with self._about(message):
            self._executor.apply(message, result, uow)

    def __getattr__(self, name: str) -> Any:  # anything else an executor offers
        return getattr(self._executor, name)


def _kick_after_commit(session_factory: sessionmaker[Session],
                       dispatcher: OutboxDispatcher) -> None:
    """Wake the dispatcher when a commit recorded Slack side effects."""

    @event.listens_for(session_factory, "after_commit")
    def _kick(session: Session) -> None:
        locks = session.info.pop(RECORDED_LOCKS, ())
        if session.info.pop(RECORDED_EFFECTS, False):
            # a worker for each lock recorded (up to all of them): a new swarm's planning and
            # channel, or its invite DMs, go side by side rather than waking one another
            for _ in range(max(1, min(len(locks), DELIVERY_THREADS))):
                dispatcher.kick()

    @event.listens_for(session_factory, "after_rollback")
    def _forget(session: Session) -> None:
        if not session.in_transaction():  # a savepoint's rollback keeps the outer records
            session.info.pop(RECORDED_EFFECTS, None)
            session.info.pop(RECORDED_LOCKS, None)
