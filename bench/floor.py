"""The floor of acknowledging `/swarm new`: the least a durable bot must do before it answers
— verify Slack's signature, commit one row, ack. A bare bolt App doing exactly that, behind
the same server as `swarmbot serve` (gunicorn, the same worker processes of the same request
threads, bolt's Flask adapter, answering after the handler as ours does), on the same
database engine settings. `bench.swarming --floor` runs it under the same load in the same
run and prints the bot's figures against it.

    DATABASE_URL=… SLACK_SIGNING_SECRET=… PORT=… WEB_CONCURRENCY=1 python -m bench.floor
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from flask import Flask, request
from slack_bolt import Ack, App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_bolt.authorization import AuthorizeResult
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from bot.web.workers import WebWorkers
from models.db import make_engine

metadata = MetaData()
# One row per declaration: who, and what they typed.
DECLARED = Table("bench_floor_declarations", metadata,
                 Column("id", Integer, primary_key=True, autoincrement=True),
                 Column("user_id", String(32), nullable=False),
                 Column("text", String(4000), nullable=False))


def open_floor(database_url: str, signing_secret: str) -> tuple[Any, Callable[[], None]]:
    engine = make_engine(database_url)
    metadata.create_all(engine)
    # Authorized as one workspace without asking Slack (ours asks auth.test once, then knows)
    known = AuthorizeResult(enterprise_id=None, team_id=None, bot_token=os.environ.get(
        "SLACK_BOT_TOKEN", "xoxb-floor"), bot_user_id="UFLOOR", bot_id="BFLOOR")
    bolt = App(signing_secret=signing_secret, process_before_response=True,
               request_verification_enabled=True, authorize=lambda **_: known,
               ignoring_self_events_enabled=False)

    @bolt.command("/swarm")
    def declare(ack: Ack, command: dict[str, Any]) -> None:
        with engine.begin() as connection:
            number = connection.execute(insert(DECLARED).values(
                user_id=command["user_id"], text=command.get("text", ""))
                .returning(DECLARED.c.id)).scalar_one()
        ack(text=f"Case #{number:04d} declared; you own it.", response_type="ephemeral")

    handler = SlackRequestHandler(bolt)
    web = Flask("floor")
    web.add_url_rule("/slack/events", "events", lambda: handler.handle(request),
                     methods=["POST"])
    web.add_url_rule("/healthz", "healthz", lambda: {"ok": True})
    return web, engine.dispose


def main() -> None:
    url, secret = os.environ["DATABASE_URL"], os.environ["SLACK_SIGNING_SECRET"]
    WebWorkers(lambda: open_floor(url, secret), host=os.environ.get("HOST", "127.0.0.1"),
               port=int(os.environ["PORT"]), workers=int(os.environ.get("WEB_CONCURRENCY", "1")),
               log_level=os.environ.get("LOG_LEVEL", "WARNING")).run()


if __name__ == "__main__":
    main()
