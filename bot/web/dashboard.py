"""GET /dashboard — for managers: open cases with live SLA countdowns, the MTTR trend, swarm
vs tiered, expert load; plus each case's review as Markdown and CSV/JSON exports.

Protected by SWARMBOT_DASHBOARD_TOKEN (off when unset): open `/dashboard?token=…` once and a
cookie keeps you signed in; scripts send `Authorization: Bearer …`. Compared in constant time.
"""

from __future__ import annotations

import hmac
import io
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Blueprint, Response, make_response, render_template, request

from bot.domain.durations import human_duration
from bot.domain.errors import NotFound
from bot.services import dashboard as data
from bot.services.context import ServiceContext
from bot.services.export import CASE_FIELDS, EVENT_FIELDS, case_rows, event_rows, write_rows
from bot.services.review import review_markdown
from bot.web import charts

COOKIE = "swarmbot_dashboard"


def dashboard_blueprint(services: ServiceContext) -> Blueprint:
    board = Blueprint("dashboard", __name__, template_folder="templates")

    def guarded(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def check(*args: Any, **kwargs: Any) -> Any:
            expected = services.settings.dashboard_token
            if expected is None:
                return Response("The dashboard is off: set SWARMBOT_DASHBOARD_TOKEN.\n", 404,
                                mimetype="text/plain")
            given = (request.args.get("token") or _bearer() or request.cookies.get(COOKIE)
                     or "")
            if not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
                return Response("Missing or wrong dashboard token.\n", 401,
                                mimetype="text/plain")
            response = make_response(view(*args, **kwargs))
            if request.args.get("token"):
                response.set_cookie(COOKIE, given, httponly=True, samesite="Lax",
                                    secure=request.is_secure, max_age=12 * 3600)
            return response
        return check

    @board.get("/dashboard")
    @guarded
    def overview() -> str:
        now = services.now()
        comparison = data.mode_comparison(services, since=now - timedelta(days=90))
        return render_template("dashboard.html", now=now, cases=data.open_cases(services),
                               comparison=comparison, human=_human,
                               delivery=data.delivery_backlog(services), timedelta=timedelta)

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
        return Response(draw(), mimetype="image/svg+xml",
                        headers={"Cache-Control": "no-store"})

    @board.get("/dashboard/cases/<int:case_id>/review.md")
    @guarded
    def review(case_id: int) -> Response:
        try:
            markdown = review_markdown(services, case_id)
        except NotFound as error:
            return Response(f"{error}\n", 404, mimetype="text/plain")
        return Response(markdown, mimetype="text/markdown; charset=utf-8")

    @board.get("/dashboard/export/<what>.<fmt>")
    @guarded
    def export(what: str, fmt: str) -> Response:
        sources = {"cases": (case_rows, CASE_FIELDS), "timeline": (event_rows, EVENT_FIELDS)}
        if what not in sources or fmt not in ("csv", "jsonl"):
            return Response("Export cases or timeline as .csv or .jsonl.\n", 404,
                            mimetype="text/plain")
        rows, fields = sources[what]
        out = io.StringIO()
        write_rows(rows(services), fields, out, fmt)
        kind = "text/csv" if fmt == "csv" else "application/x-ndjson"
        return Response(out.getvalue(), mimetype=kind, headers={
            "Content-Disposition": f"attachment; filename=swarmbot-{what}.{fmt}"})

    return board


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def _human(delta: timedelta | None) -> str:
    return "—" if delta is None else human_duration(delta)
