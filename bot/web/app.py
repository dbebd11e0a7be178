"""The web process's HTTP surface: Slack's single request URL, health, the case webhook and
the managers' dashboard. Built by a factory; nothing happens at import. Every response
carries the security headers (bot/web/headers.py); every request body is capped (Slack's at
1 MB, the webhook's at 64 KB, chunked or not) and answered 413 past it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, jsonify, request
from slack_bolt import App
from sqlalchemy import text
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

from bot.delivery.backlog import backlog
from bot.services.context import ServiceContext
from bot.web.body import LIMIT_KEY
from bot.web.dashboard import configure_sessions, dashboard_blueprint
from bot.web.headers import install_security_headers
from bot.web.hooks import hooks_blueprint
from bot.web.metrics import DatabaseCollector, database_figures, scrape
from bot.web.slack_requests import MAX_BODY, handle_slack_request


def create_web_app(*, bolt_app: App, engine: Engine, services: ServiceContext,
                   slack_link: Callable[[], dict[str, Any]] | None = None) -> Flask:
    """`slack_link`: the Socket Mode connection's state, when payloads come that way."""
    web = Flask("swarmbot")
    web.config["MAX_CONTENT_LENGTH"] = MAX_BODY  # the largest any route accepts
    configure_sessions(web, services.settings)
    install_security_headers(web)
    web.register_blueprint(hooks_blueprint(services))
    web.register_blueprint(dashboard_blueprint(services))

    @web.post("/slack/events")
    def slack_events() -> Response | tuple[Response, int]:
        return handle_slack_request(request, bolt_app, services)

    @web.get("/healthz")
    def health() -> tuple[Response, int]:
        """200 while the process can serve (a Slack outage is no reason to restart it); the
        delivery backlog says whether Slack is keeping up: counts and ages only — Slack's
        error text is for the dashboard, behind its token, not for anyone who asks. `slack`
        says how Slack's payloads arrive: at the request URL, or over Socket Mode and whether
        that connection is up (it reconnects by itself, so a drop is no reason to restart:
        `degraded`, still 200). A token Slack refuses is: 503 `slack_refused`."""
        slack = slack_link() if slack_link is not None else {"mode": "http"}
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            with services.uow() as uow:
                delivery = backlog(uow, services.now()).as_dict()
            delivery.pop("last_error", None)
        except Exception:  # noqa: BLE001 — health reports, it does not raise
            return jsonify(status="unavailable", database="unreachable", slack=slack), 503
        if slack.get("state") == "refused":  # nothing can reach this process until the
            return jsonify(status="slack_refused", delivery=delivery, slack=slack), 503  # token
        status = "degraded" if slack.get("state") == "connecting" else "ok"
        return jsonify(status=status, delivery=delivery, slack=slack), 200

    collector = DatabaseCollector(lambda: database_figures(services))

    @web.get("/metrics")
    def metrics() -> Response:
        """Prometheus figures (bot/web/metrics.py): counts, latencies and ages only."""
        body, content_type = scrape(collector)
        return Response(body, content_type=content_type)

    @web.errorhandler(HTTPException)
    def refused(error: HTTPException) -> tuple[Response, int]:
        """404, 405, 413…: one short sentence (JSON for the machine endpoints)."""
        status = error.code or 400
        limit = request.environ.get(LIMIT_KEY, request.max_content_length)
        sentence = {413: f"The body is larger than {limit} bytes.",
                    404: "Not found.", 405: "Method not allowed."}.get(
            status, error.name + ".")
        if request.path.startswith(("/slack/", "/hooks/")):
            return jsonify(ok=False, error=sentence), status
        return Response(sentence + "\n", mimetype="text/plain"), status

    return web
