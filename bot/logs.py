"""How swarmbot's processes log: plain lines, or one JSON object a line with
SWARMBOT_LOG_FORMAT=json (time, level, logger, message, and case_id / outbox_id when the
line is about one). In both, no line carries a secret — Slack tokens and the values of the
secret settings are replaced by [redacted] — nor a whole request body: a message is cut at
MAX_MESSAGE characters."""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

FORMAT_ENV = "SWARMBOT_LOG_FORMAT"
MAX_MESSAGE = 2000
PLAIN = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Settings whose values are secrets (bot/config.py); their values are redacted wherever
# they appear in a log line.
SECRET_SETTINGS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN",
                   "SWARMBOT_HOOKS_TOKEN", "SWARMBOT_DASHBOARD_TOKEN",
                   "SWARMBOT_CASE_FEED_SECRET")
# Slack's token shapes (bot, user, app-level, config, refresh): redacted even when no
# setting holds them (a token pasted into a policy file, an error text quoting one)
SLACK_TOKEN = re.compile(r"\bx(?:ox[abprse]|app)-[A-Za-z0-9-]{6,}")
REDACTED = "[redacted]"

_fields: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "swarmbot_log_fields", default=None)


@contextmanager
def about(**fields: Any) -> Iterator[None]:
    """Lines logged inside carry these fields (case_id=…, outbox_id=…), None ones left out."""
    merged = {**(_fields.get() or {}), **{k: v for k, v in fields.items() if v is not None}}
    token = _fields.set(merged)
    try:
        yield
    finally:
        _fields.reset(token)


class Redact(logging.Filter):
    """Formats the record's message once, redacted and cut short; case and outbox ids from
    `about(...)` (or `extra=`) are attached as attributes."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return SLACK_TOKEN.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 — a bad format string: log what there is
            message = str(record.msg)
        message = self.clean(message)
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE] + f"… [{len(message) - MAX_MESSAGE} more chars]"
        record.msg, record.args = message, None
        for key, value in (_fields.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.clean(logging.Formatter().formatException(record.exc_info))
        return True


class JsonFormatter(logging.Formatter):
    def __init__(self, redact: Redact) -> None:
        super().__init__()
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        for key in ("case_id", "outbox_id", "effect"):
            if getattr(record, key, None) is not None:
                line[key] = getattr(record, key)
        if record.exc_info:
            line["error"] = record.exc_text or self._redact.clean(
                self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(level: str | int = logging.INFO, *, json_lines: bool | None = None,
              stream: Any = None) -> logging.Handler:
    """Set up the root logger for a swarmbot process (replacing its handlers)."""
    chosen = os.environ.get(FORMAT_ENV, "").strip().lower()
    if json_lines is None:
        json_lines = chosen == "json"
    redact = Redact(_secret_values())
    handler = logging.StreamHandler(stream)
    handler.addFilter(redact)
    handler.setFormatter(JsonFormatter(redact) if json_lines else logging.Formatter(PLAIN))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    if chosen not in ("", "json", "plain"):
        logging.getLogger("swarmbot").warning("%s=%s is not a log format: use json or plain "
                                              "(plain lines it is)", FORMAT_ENV, chosen[:20])
    return handler


def _secret_values() -> list[str]:
    """The secrets this process knows: from the environment, and from .env when the
    settings can be read (a bad setting is reported later, by the command)."""
    values = [os.environ.get(name, "") for name in SECRET_SETTINGS]
    try:
        from bot.config import load_settings

        settings = load_settings()
    except Exception:  # noqa: BLE001
        return values
    for name in ("slack_bot_token", "slack_signing_secret", "slack_app_token", "hooks_token",
                 "dashboard_token", "case_feed_secret"):
        secret = getattr(settings, name, None)
        if secret is not None:
            values.append(secret.get_secret_value())
    return values
