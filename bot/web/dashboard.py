"""GET /dashboard — for managers: open cases with live SLA countdowns, the MTTR trend, swarm
vs tiered, expert load; plus each case's review as Markdown and CSV/JSON exports.

Protected by SWARMBOT_DASHBOARD_TOKEN (off when unset): open `/dashboard?token=…` once and
you are signed in for 12 hours — redirected at once to the same page without the token (so it
does not stay in the browser's history), with a signed session cookie (Flask's, its secret
derived from the signing secret and the token; HttpOnly, SameSite=Lax) that holds no token,
only a fingerprint of it: changing the token signs everyone out. Scripts send
`Authorization: Bearer …`. Compared in constant time.
"""

from __future__ import annotations

import hmac
import io
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    make_response,
    redirect,
    render_template,
    request,
    session,
)
from flask.sessions import SecureCookieSessionInterface

from bot.config import Settings
from bot.domain.durations import human_duration
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.metrics import parse_period
from bot.services import dashboard as data
from bot.services.context import ServiceContext
from bot.services.export import CASE_FIELDS, EVENT_FIELDS, case_rows, event_rows, write_rows
from bot.services.review import review_markdown
from bot.web import charts
from bot.web.headers import csp_nonce, page_policy

COOKIE = "swarmbot_dashboard"
SIGNED_IN_FOR = timedelta(hours=12)


class _SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie session, Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(request.is_secure)


def configure_sessions(app: Flask, settings: Settings) -> None:
    """The session secret is derived from settings (never stored): HMAC of the signing secret
    and the dashboard token, so changing either ends every session."""
    secret = settings.slack_signing_secret
    token = settings.dashboard_token
    material = b"\0".join(s.get_secret_value().encode() for s in (secret, token) if s)
    app.secret_key = hmac.new(material, b"swarmbot dashboard session", "sha256").hexdigest()
    app.session_interface = _SessionCookies()
    app.config.update(SESSION_COOKIE_NAME=COOKIE, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_PATH="/dashboard",
                      PERMANENT_SESSION_LIFETIME=SIGNED_IN_FOR)


def _fingerprint(token: str) -> str:
    return hmac.new(token.encode(), b"swarmbot dashboard sign-in", "sha256").hexdigest()


def dashboard_blueprint(services: ServiceContext) -> Blueprint:
    board = Blueprint("dashboard", __name__, template_folder="templates")

    def guarded(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def check(*args: Any, **kwargs: Any) -> Any:
            expected = services.settings.dashboard_token
            if expected is None:
                return Response("The dashboard is off: set SWARMBOT_DASHBOARD_TOKEN.\n", 404,
                                mimetype="text/plain")
            token = expected.get_secret_value()
            given = request.args.get("token") or _bearer()
            if given:
                if not hmac.compare_digest(given.encode(), token.encode()):
                    return Response("Missing or wrong dashboard token.\n", 401,
                                    mimetype="text/plain")
            elif not hmac.compare_digest(str(session.get("signed_in", "")).encode(),
                                         _fingerprint(token).encode()):
                return Response("Missing or wrong dashboard token.\n", 401,
                                mimetype="text/plain")
            if request.args.get("token"):  # signed in: the same page, the token out of the URL
                session.clear()
                session.permanent = True
                session["signed_in"] = _fingerprint(token)
                rest = {k: v for k, v in request.args.items(multi=True) if k != "token"}
                target = request.path + (f"?{urlencode(rest)}" if rest else "")
                return redirect(target, code=303)
            response = make_response(view(*args, **kwargs))
            response.headers["Cache-Control"] = "no-store"
            return response
        return check

    @board.get("/dashboard")
    @guarded
    def overview() -> Response:
        now = services.now()
        comparison = data.mode_comparison(services, since=now - timedelta(days=90))
        nonce = csp_nonce()
        page = make_response(render_template(
            "dashboard.html", now=now, cases=data.open_cases(services), comparison=comparison,
            human=_human, delivery=data.delivery_backlog(services), timedelta=timedelta,
            nonce=nonce))
        page.headers["Content-Security-Policy"] = page_policy(nonce)
        return page

    @board.get("/dashboard/charts/<name>.svg")
    @guarded
    def chart(name: str) -> Response:
        draw = {
            "mttr": lambda: charts.mttr_trend_svg(data.mttr_trend(services)),
            "modes": lambda: charts.mode_comparison_svg(data.mode_comparison(
                services, since=services.now() - timedelta(days=90))),
            "load": lambda: charts.expert_load_svg(data.expert_load(services)),
        }.get(name)
        if draw is None:
            return Response("No such chart.\n", 404, mimetype="text/plain")
        return Response(draw(), mimetype="image/svg+xml", headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                       "frame-ancestors 'none'"})

    @board.get("/dashboard/cases/<int:case_id>/review.md")
    @guarded
    def review(case_id: int) -> Response:
        try:
            markdown = review_markdown(services, case_id)
        except NotFound as error:
            return Response(f"{error}\n", 404, mimetype="text/plain")
        # Markdown is shown as text, never run: nosniff and the strict policy (every response)
        return Response(markdown, mimetype="text/markdown; charset=utf-8")

    @board.get("/dashboard/export/<what>.<fmt>")
    @guarded
    def export(what: str, fmt: str) -> Response:
        sources = {"cases": (case_rows, CASE_FIELDS), "timeline": (event_rows, EVENT_FIELDS)}
        if what not in sources or fmt not in ("csv", "jsonl"):
            return Response("Export cases or timeline as .csv or .jsonl.\n", 404,
                            mimetype="text/plain")
        rows, fields = sources[what]
        try:  # ?since=7d|30d|quarter|all, as `swarmbot export --since`
            since, _ = parse_period(request.args.get("since", "all"), services.now())
        except InvalidInput as refused:
            return Response(f"{refused}\n", 400, mimetype="text/plain")
        out = io.StringIO()
        write_rows(rows(services, since=since), fields, out, fmt)
        kind = "text/csv" if fmt == "csv" else "application/x-ndjson"
        return Response(out.getvalue(), mimetype=kind, headers={
            "Content-Disposition": f"attachment; filename=swarmbot-{what}.{fmt}"})

    return board


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def _human(delta: timedelta | None) -> str:
    return "—" if delta is None else human_duration(delta)
