"""The bolt App in HTTP mode: request signatures verified, listeners registered per surface."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from bot.domain.errors import AlreadyHandled
from bot.i18n import speaking
from bot.services import queries
from bot.slack.listeners import actions, commands, events, intake, views

log = logging.getLogger(__name__)
LOOKUP_TIMEOUT = 2
LOOKUP_RETRY_SECONDS = 30


def build_bolt_app(*, client: WebClient, signing_secret: str, services: Any) -> App:
    app = App(
        # bolt sets each request's token from `authorize`; a client that carries one too
        # makes bolt warn at every start that it will be ignored
        client=type(client)(token=None, base_url=client.base_url, timeout=client.timeout,
                            retry_handlers=list(client.retry_handlers)),
        signing_secret=signing_secret,
        authorize=_single_workspace(client),
        # Handlers are one short transaction each and every slow Slack call is delivered
        # from the outbox afterwards, so the HTTP answer waits for the handler: a crash or
        # a database error then answers 500 and Slack retries the event (deduplicated by
        # event_id), instead of a 200 for work that never happened.
        process_before_response=True,
        request_verification_enabled=True,
        logger=_bolt_logger(),
    )
    app.middleware(_same_kind_of_client(client))
    for listeners in (commands, events, actions, views, intake):
        listeners.register(app, services)
    app.error(_listener_failed)
    app.dispatch = _in_readers_language(app.dispatch, services)  # type: ignore[method-assign]
    return app


def _in_readers_language(bolt_dispatch: Any, services: Any) -> Any:
    """Every request is answered in the language of the person who made it: their Slack
    locale, else SWARMBOT_LANGUAGE. Around bolt's whole dispatch, because bolt runs its
    listeners after its middleware has returned."""
    fallback = getattr(services.settings, "language", "en")

    def dispatch(req: Any) -> BoltResponse:
        user = _requester(req.body if isinstance(req.body, dict) else {})
        try:
            locale = queries.locale_of(services, user) if user else None
        except Exception:  # noqa: BLE001 — a failed lookup must not refuse the request
            log.warning("could not read the locale of %s; answering in %s", user, fallback)
            locale = None
        with speaking(locale, fallback):
            response: BoltResponse = bolt_dispatch(req)
        return response

    return dispatch


def _requester(body: dict[str, Any]) -> str | None:
    """Who a command, a click or a form submission is from (events: no one answered)."""
    if isinstance(body.get("user_id"), str):
        return str(body["user_id"])
    user = body.get("user")
    if body.get("type") in ("block_actions", "view_submission", "shortcut", "message_action") \
            and isinstance(user, dict) and isinstance(user.get("id"), str):
        return str(user["id"])
    return None


class _NotOurConcern(logging.Filter):
    """bolt warns at every start that SLACK_BOT_TOKEN (which it reads from the environment
    by itself) will be ignored because `authorize` is given: true, and by design here."""

    def __init__(self) -> None:
        super().__init__()
        from slack_bolt.logger import messages

        self._known = {messages.warning_token_skipped(),
                       messages.warning_client_prioritized_and_token_skipped()}

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in self._known


def _same_kind_of_client(client: WebClient) -> Any:
    """bolt gives each request a plain WebClient; listeners get one of the bot's own kind
    (bot/slack/gateway.py: its calls counted for GET /metrics), with the token bolt set."""
    kind = type(client)

    def middleware(context: Any, next: Any) -> None:  # noqa: A002 — bolt's argument name
        given = context.client
        if type(given) is not kind:
            context["client"] = kind(token=given.token, base_url=given.base_url,
                                     timeout=given.timeout,
                                     team_id=given.default_params.get("team_id"),
                                     retry_handlers=list(given.retry_handlers))
        next()

    return middleware


def _bolt_logger() -> logging.Logger:
    logger = logging.getLogger("swarmbot.bolt")
    if not any(isinstance(f, _NotOurConcern) for f in logger.filters):
        logger.addFilter(_NotOurConcern())
    return logger


def _listener_failed(error: Exception, logger: logging.Logger) -> BoltResponse | None:
    """A listener raised. The second copy of a request already handled (a replay that came
    in while the first was still running) is done: 200, so Slack does not retry it. Anything
    else is a 500 (logged), and Slack retries an event."""
    if isinstance(error, AlreadyHandled):
        log.warning("a replayed Slack request was refused at commit")
        return BoltResponse(status=200, body="")
    logger.exception("Failed to run a listener (error: %.200s)", error)
    return None


def _single_workspace(client: WebClient) -> Any:
    """Authorize every request with our bot token. The bot's own ids come from auth.test,
    asked once (short timeout, no retries) and remembered; if Slack is down right then, the
    request is still handled — the case is recorded and its Slack calls wait in the outbox —
    and the lookup is tried again later."""
    lookup = type(client)(token=client.token, base_url=client.base_url, timeout=LOOKUP_TIMEOUT)
    known: dict[str, Any] = {}
    lock = threading.Lock()

    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        with lock:
            if "user_id" not in known and time.monotonic() >= known.get("retry_at", 0):
                try:
                    auth = lookup.auth_test()
                    known.update(user_id=auth.get("user_id"), bot_id=auth.get("bot_id"))
                except Exception as error:  # noqa: BLE001 — Slack down must not refuse work
                    log.warning("auth.test failed (%s); handling the request anyway", error)
                    known["retry_at"] = time.monotonic() + LOOKUP_RETRY_SECONDS
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id,
                               bot_token=client.token, bot_user_id=known.get("user_id"),
                               bot_id=known.get("bot_id"))

    return authorize

