"""The web process's HTTP surface: Slack's single request URL, health, the case webhook and
the managers' dashboard. Built by a factory; nothing happens at import."""

from __future__ import annotations

from flask import Flask, Response, jsonify, request
from slack_bolt import App
from slack_bolt.adapter.flask.handler import to_bolt_request, to_flask_response
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.delivery.backlog import backlog
from bot.services.context import ServiceContext
from bot.slack.app import well_formed
from bot.web.dashboard import dashboard_blueprint
from bot.web.hooks import hooks_blueprint


def create_web_app(*, bolt_app: App, engine: Engine, services: ServiceContext) -> Flask:
    web = Flask("swarmbot")
    web.register_blueprint(hooks_blueprint(services))
    web.register_blueprint(dashboard_blueprint(services))

    @web.post("/slack/events")
    def slack_events() -> Response | tuple[Response, int]:
        try:
            bolt_request = to_bolt_request(request)
        except Exception:  # noqa: BLE001 — a body bolt cannot read (bad JSON, null, a list…)
            bolt_request = None
        if bolt_request is None or not well_formed(bolt_request.body):
            return jsonify(ok=False, error="malformed request"), 400
        return to_flask_response(bolt_app.dispatch(bolt_request))

    @web.get("/healthz")
    def health() -> tuple[Response, int]:
        """200 while the process can serve (a Slack outage is no reason to restart it); the
        delivery backlog says whether Slack is keeping up."""
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            with services.uow() as uow:
                delivery = backlog(uow, services.now()).as_dict()
        except Exception:  # noqa: BLE001 — health reports, it does not raise
            return jsonify(status="unavailable", database="unreachable"), 503
        return jsonify(status="ok", delivery=delivery), 200

    return web
