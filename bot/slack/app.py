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
        # Ack fast, work after: listeners run on bolt's thread pool and the HTTP answer
        # goes back as soon as ack() is called.
        process_before_response=False,
        # No Slack call while building; bolt looks the bot up on the first request.
        token_verification_enabled=False,
        request_verification_enabled=True,
        logger=logging.getLogger("swarmbot.bolt"),
    )
    for listeners in (commands, events, actions, views):
        listeners.register(app, services)
    return app
