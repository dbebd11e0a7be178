"""The bolt App in HTTP mode: request signatures verified, listeners registered per surface."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.slack.listeners import actions, commands, events, views


def build_bolt_app(*, client: WebClient, signing_secret: str, services: Any) -> App:
    app = App(
        client=client,
        signing_secret=signing_secret,
        # Handlers are one short transaction each and every slow Slack call is delivered
        # from the outbox afterwards, so the HTTP answer waits for the handler: a crash or
        # a database error then answers 500 and Slack retries the event (deduplicated by
        # event_id), instead of a 200 for work that never happened.
        process_before_response=True,
        # No Slack call while building; bolt looks the bot up on the first request.
        token_verification_enabled=False,
        request_verification_enabled=True,
        logger=logging.getLogger("swarmbot.bolt"),
    )
    for listeners in (commands, events, actions, views):
        listeners.register(app, services)
    return app
