"""`swarmbot doctor`: checks a deployment the way a person would on its first day — the Slack
token, the app's scopes, how Slack reaches the bot, the database, the expert model, the
escalation policy and the clock. One line per check; the command exits 1 when any fails.

Each check is a function of the settings (and what an earlier one found) returning a Check;
none changes anything: the database is not migrated, no message is posted."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.slack.scopes import BOT_SCOPES, granted

TIMEOUT = 10
OVERDUE_SECONDS = 120  # the clock looks every 10 s: a timer this late means no clock runs


class Outcome(StrEnum):
    OK = "ok"
    WARN = "warn"  # works, but worth knowing (no model yet, a check that could not be made)
    FAIL = "FAIL"


@dataclass(frozen=True)
class Check:
    name: str
    outcome: Outcome
    detail: str

    def line(self) -> str:
        return f"{self.outcome.value:>4}  {self.name}: {self.detail}"


@dataclass
class Findings:
    """What one check learns that a later one needs (auth.test's answer)."""
    auth: dict[str, Any] | None = None
    scopes_header: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def run_checks(settings: Settings, *, request_url: str | None = None) -> list[Check]:
    found = Findings()
    checks: list[Callable[[], Check]] = [
        lambda: slack_token(settings, found),
        lambda: slack_scopes(found),
        lambda: connection(settings, request_url),
        lambda: database(settings),
        lambda: expert_model(settings),
        lambda: policy(settings),
        lambda: clock(settings),
    ]
    return [check() for check in checks]


def slack_token(settings: Settings, found: Findings) -> Check:
    name = "Slack token"
    if settings.slack_bot_token is None:
        return Check(name, Outcome.FAIL, "SLACK_BOT_TOKEN is not set")
    client = WebClient(token=settings.slack_bot_token.get_secret_value(),
                       base_url=settings.slack_api_url, timeout=TIMEOUT, retry_handlers=[])
    try:
        answer = client.auth_test()
    except SlackApiError as error:
        return Check(name, Outcome.FAIL, f"auth.test answered {error.response.get('error')} "
                     "(reinstall the app and copy its Bot User OAuth Token)")
    except Exception as error:  # noqa: BLE001 — no answer at all: say why, go on
        return Check(name, Outcome.FAIL, f"cannot reach {settings.slack_api_url}: {error}")
    found.auth = dict(answer.data) if isinstance(answer.data, dict) else {}
    found.scopes_header = _header(answer.headers, "x-oauth-scopes")
    return Check(name, Outcome.OK, f"works: bot @{found.auth.get('user')} "
                 f"({found.auth.get('user_id')}) in {found.auth.get('team')} "
                 f"({found.auth.get('team_id')})")


def slack_scopes(found: Findings) -> Check:
    name = "Slack scopes"
    if found.auth is None:
        return Check(name, Outcome.FAIL, "not checked: the token does not work")
    if found.scopes_header is None:
        return Check(name, Outcome.WARN, "Slack sent no X-OAuth-Scopes header to compare")
    missing = sorted(BOT_SCOPES - granted(found.scopes_header))
    if missing:
        return Check(name, Outcome.FAIL, f"the app lacks {', '.join(missing)} — add them "
                     "(slack/manifest.yml lists them) and reinstall the app")
    return Check(name, Outcome.OK, f"all {len(BOT_SCOPES)} scopes of slack/manifest.yml granted")


def connection(settings: Settings, request_url: str | None) -> Check:
    if settings.slack_app_token is not None:
        return _socket_mode(settings)
    name = "request URL"
    if not request_url:
        return Check(name, Outcome.WARN, "not checked: pass --url https://…/slack/events (the "
                     "Request URL in slack/manifest.yml), or set SLACK_APP_TOKEN for Socket Mode")
    return _url_verification(settings, request_url)


def _socket_mode(settings: Settings) -> Check:
    name = "Socket Mode"
    assert settings.slack_app_token is not None
    client = WebClient(base_url=settings.slack_api_url, timeout=TIMEOUT, retry_handlers=[])
    try:
        client.apps_connections_open(app_token=settings.slack_app_token.get_secret_value())
    except SlackApiError as error:
        return Check(name, Outcome.FAIL, f"SLACK_APP_TOKEN is set but apps.connections.open "
                     f"answered {error.response.get('error')} (an app-level token with "
                     "connections:write, and Socket Mode on in the app's settings)")
    except Exception as error:  # noqa: BLE001
        return Check(name, Outcome.FAIL, f"cannot reach {settings.slack_api_url}: {error}")
    return Check(name, Outcome.OK, "SLACK_APP_TOKEN set; apps.connections.open answers ok")


def _url_verification(settings: Settings, url: str) -> Check:
    """Send the request URL what Slack sends when the URL is entered in the app's settings
    (https://api.slack.com/events/url_verification), signed with SLACK_SIGNING_SECRET: the
    bot must answer with the challenge — reachable, and signing secrets that match."""
    import urllib.error
    import urllib.request

    name = "request URL"
    if settings.slack_signing_secret is None:
        return Check(name, Outcome.FAIL, "SLACK_SIGNING_SECRET is not set")
    challenge = secrets.token_urlsafe(16)
    body = json.dumps({"type": "url_verification", "token": "doctor",
                       "challenge": challenge}).encode()
    stamp = str(int(time.time()))
    signature = "v0=" + hmac.new(settings.slack_signing_secret.get_secret_value().encode(),
                                 b"v0:" + stamp.encode() + b":" + body,
                                 hashlib.sha256).hexdigest()
    sent = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature})
    try:
        with urllib.request.urlopen(sent, timeout=TIMEOUT) as answer:  # noqa: S310
            status, text = answer.status, answer.read(64 * 1024).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status, text = error.code, ""
    except (OSError, ValueError) as error:
        return Check(name, Outcome.FAIL, f"{url} cannot be reached: {error}")
    if status == 401:
        return Check(name, Outcome.FAIL, f"{url} refused the signature: the web process has "
                     "another SLACK_SIGNING_SECRET")
    if status != 200 or challenge not in text:
        return Check(name, Outcome.FAIL, f"{url} answered HTTP {status} without "
                     "the challenge: is it swarmbot's /slack/events?")
    return Check(name, Outcome.OK, f"{url} answers Slack's signed url_verification")


def database(settings: Settings) -> Check:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from models.db import alembic_config, make_engine

    name = "database"
    where = settings.database_url.split("@")[-1]  # never the password
    file = _sqlite_file(settings.database_url)
    if file is not None and not file.is_file():
        return Check(name, Outcome.FAIL, f"no database file at {file}: run `swarmbot db upgrade`")
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as error:  # noqa: BLE001 — unreachable, wrong password, no such file
        cause = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        return Check(name, Outcome.FAIL, f"{where} cannot be used: {cause}")
    finally:
        engine.dispose()
    heads = set(ScriptDirectory.from_config(alembic_config(settings.database_url)).get_heads())
    if current != heads:
        at = ", ".join(sorted(current)) or "no schema"
        return Check(name, Outcome.FAIL, f"{where} is at {at}, the code needs "
                     f"{', '.join(sorted(heads))}: run `swarmbot db upgrade`")
    return Check(name, Outcome.OK, f"{where} reachable, schema at {', '.join(sorted(heads))}")


def expert_model(settings: Settings) -> Check:
    from skills_index.model import ExpertModel

    name = "expert model"
    path = settings.model_path
    if not path.is_file():
        return Check(name, Outcome.WARN, f"none at {path} yet: experts come from declared "
                     "skills until one is trained (`swarmbot model train`)")
    try:
        model = ExpertModel.load(path)
    except Exception as error:  # noqa: BLE001 — ModelArtifactError and friends
        return Check(name, Outcome.FAIL, str(error))
    return Check(name, Outcome.OK, f"{path} loaded, trained {_age(model_trained_at(model, path))}")


def model_trained_at(model: Any, path: Any) -> datetime:
    """When the model was trained: its card says; else the file's time."""
    stamp = (getattr(model, "card", None) or {}).get("trained_at")
    try:
        trained = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        trained = None
    if trained is None:
        trained = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return trained if trained.tzinfo else trained.replace(tzinfo=UTC)


def policy(settings: Settings) -> Check:
    from bot.domain.errors import ConfigError
    from bot.domain.policy import load_policy

    name = "escalation policy"
    where = str(settings.policy_path) if settings.policy_path else "the bundled default"
    try:
        load_policy(settings.policy_path)
    except ConfigError as error:
        return Check(name, Outcome.FAIL, str(error))
    return Check(name, Outcome.OK, f"{where} is valid")


def clock(settings: Settings) -> Check:
    """The clock leaves no heartbeat; its work does: every timer due is fired within ~10 s
    (`fired_at`), so a timer overdue by minutes means no clock process runs."""
    name = "clock"
    file = _sqlite_file(settings.database_url)
    try:
        if file is not None and not file.is_file():
            raise FileNotFoundError(file)
        lag, last_fired = timer_lag(settings.database_url)
    except Exception:  # noqa: BLE001 — the database check says why
        return Check(name, Outcome.FAIL, "not checked: the database cannot be read")
    if lag > OVERDUE_SECONDS:
        return Check(name, Outcome.FAIL, f"a timer is {lag / 60:.0f} min overdue: is "
                     "`swarmbot clock` running (exactly one)?")
    if last_fired is None:
        return Check(name, Outcome.WARN, "no timer has fired yet (nothing shows the clock "
                     "runs); start `swarmbot clock`")
    return Check(name, Outcome.OK, f"last fired a timer {_age(last_fired)}; none overdue")


def timer_lag(database_url: str) -> tuple[float, datetime | None]:
    """(seconds the oldest pending timer is past due — 0 when none is, the last fired_at)."""
    from sqlalchemy import func, select

    from models.db import make_engine
    from models.scheduling import Timer, TimerState

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            oldest_due, last_fired = connection.execute(select(
                select(func.min(Timer.due_at)).where(Timer.state == TimerState.PENDING)
                .scalar_subquery(),
                select(func.max(Timer.fired_at)).scalar_subquery())).one()
    finally:
        engine.dispose()
    now = datetime.now(UTC)
    lag = (now - _aware(oldest_due)).total_seconds() if oldest_due is not None else 0.0
    return max(0.0, lag), (_aware(last_fired) if last_fired is not None else None)


def _sqlite_file(database_url: str) -> Path | None:
    """The file of a sqlite:/// URL (None for PostgreSQL and in-memory SQLite): looking
    must not create it."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _age(moment: datetime) -> str:
    seconds = max(0.0, (datetime.now(UTC) - moment).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit} ago"
    return f"{seconds:.0f} s ago"


def _header(headers: Any, wanted: str) -> str | None:
    for key, value in dict(headers or {}).items():
        if key.lower() == wanted:
            return ",".join(value) if isinstance(value, list) else str(value)
    return None


def lines(checks: list[Check]) -> Iterator[str]:
    yield from (check.line() for check in checks)
