"""Settings from the environment and `.env` (pydantic-settings). Nothing is read at import.

Names are the ones a Slack or Heroku user expects: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET,
SLACK_APP_TOKEN, SLACK_API_URL, DATABASE_URL, PORT. swarmbot's own settings carry the
SWARMBOT_ prefix.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.errors import ConfigError
from bot.domain.states import SEVERITIES


class Settings(BaseSettings):
    """Everything the processes need; built once by `load_settings` and passed down."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_URL")
    database_url: str = Field("sqlite:///var/swarmbot.sqlite3", validation_alias="DATABASE_URL")
    port: int = Field(3000, ge=0, le=65535, validation_alias="PORT")
    host: str = Field("0.0.0.0", validation_alias="HOST")
    # `swarmbot serve`'s worker processes (Heroku's name for it); unset: see web_processes.
    web_concurrency: int | None = Field(None, ge=1, le=64, validation_alias="WEB_CONCURRENCY")

    hooks_token: SecretStr | None = Field(None, validation_alias="SWARMBOT_HOOKS_TOKEN")
    dashboard_token: SecretStr | None = Field(None, validation_alias="SWARMBOT_DASHBOARD_TOKEN")
    # The web process's public URL (https://swarmbot.example.com): case channels bookmark
    # the dashboard there.
    public_url: str | None = Field(None, validation_alias="SWARMBOT_PUBLIC_URL")
    # PagerDuty V3 webhooks' signing secret: POST /hooks/pagerduty is off without it.
    pagerduty_secret: SecretStr | None = Field(None, validation_alias="SWARMBOT_PAGERDUTY_SECRET")
    model_path: Path = Field(Path("var/model.joblib"), validation_alias="SWARMBOT_MODEL_PATH")
    history_path: Path | None = Field(None, validation_alias="SWARMBOT_HISTORY_PATH")
    swarm_severities: str = Field("sev1,sev2", validation_alias="SWARMBOT_SWARM_SEVERITIES")
    invite_count: int = Field(3, ge=1, le=10, validation_alias="SWARMBOT_INVITE_COUNT")
    invite_expiry_minutes: int = Field(20, ge=1, validation_alias="SWARMBOT_INVITE_EXPIRY_MINUTES")
    status_cadence_minutes: str = Field(
        "sev1=15,sev2=30,sev3=240,sev4=0", validation_alias="SWARMBOT_STATUS_CADENCE"
    )
    stakeholder_channel: str | None = Field(None, validation_alias="SWARMBOT_STAKEHOLDER_CHANNEL")
    archive_grace_minutes: int = Field(60, ge=0, validation_alias="SWARMBOT_ARCHIVE_GRACE_MINUTES")
    max_open_swarms: int = Field(3, ge=1, validation_alias="SWARMBOT_MAX_OPEN_SWARMS")
    # Pace Slack calls by a shared rate-limit budget (bot/delivery/budget.py): 429s near 0%
    # in a burst, a quiet case as fast as without it (docs/benchmarks.md). `0` turns it off.
    slack_budget: bool = Field(True, validation_alias="SWARMBOT_SLACK_BUDGET")
    followup_reminder_hours: int = Field(24, ge=1,
                                         validation_alias="SWARMBOT_FOLLOWUP_REMINDER_HOURS")
    admins: str = Field("", validation_alias="SWARMBOT_ADMINS")
    policy_path: Path | None = Field(None, validation_alias="SWARMBOT_POLICY")
    case_feed_url: str | None = Field(None, validation_alias="SWARMBOT_CASE_FEED_URL")
    case_feed_secret: SecretStr | None = Field(None, validation_alias="SWARMBOT_CASE_FEED_SECRET")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    # What a channel reads (case channels, the stakeholder channel): `en` or `ja`. What one
    # person sees follows their own Slack locale; this is theirs too until Slack says it.
    language: str = Field("en", validation_alias="SWARMBOT_LANGUAGE")

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL, e.g. https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        """The Bot User OAuth Token (OAuth & Permissions), which starts with xoxb-. Another
        kind of token would start, then fail every call (https://api.slack.com/concepts/
        token-types). Empty means unset."""
        if value is None or not value.get_secret_value().strip():
            return None
        if not value.get_secret_value().strip().startswith("xoxb-"):
            raise ValueError("must be the Bot User OAuth Token starting with xoxb- (OAuth & "
                             "Permissions), not an app-level token or signing secret")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        """Socket Mode's app-level token (https://api.slack.com/apis/socket-mode): made
        under Basic Information → App-Level Tokens, it starts with xapp-. Empty means unset."""
        if value is None or not value.get_secret_value().strip():
            return None
        if not value.get_secret_value().strip().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp- (Basic "
                             "Information → App-Level Tokens, scope connections:write), not "
                             "a bot token or signing secret; unset it to use the HTTP request "
                             "URL instead")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql", "postgres://")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        if value.startswith("postgres://"):  # Heroku's spelling
            value = "postgresql://" + value[len("postgres://") :]
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://") :]
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL, the address people open swarmbot at")
        return value or None

    @field_validator("case_feed_url")
    @classmethod
    def _feed_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL where case events are POSTed")
        return value or None

    @model_validator(mode="after")
    def _feed_signed(self) -> Settings:
        if self.case_feed_url and not self.case_feed_secret:
            raise ValueError("SWARMBOT_CASE_FEED_SECRET must be set with SWARMBOT_CASE_FEED_URL "
                             "(the feed's requests are signed with it)")
        return self

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        from bot.i18n import LANGUAGES, language_of

        language = language_of(value.strip(), fallback="")
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {value!r}; use one of {', '.join(LANGUAGES)}")
        return language

    @field_validator("swarm_severities")
    @classmethod
    def _swarm_severities(cls, value: str) -> str:
        parts = [p.strip().lower() for p in value.split(",") if p.strip()]
        bad = [p for p in parts if p not in SEVERITIES]
        if bad:
            raise ValueError(f"unknown severity {bad[0]!r}; use a comma list of sev1..sev4")
        return ",".join(parts)

    @field_validator("status_cadence_minutes")
    @classmethod
    def _cadence(cls, value: str) -> str:
        _parse_cadence(value)
        return value

    # -- derived views -------------------------------------------------------------
    @property
    def sandbox(self) -> bool:
        """No Slack credentials: run against the built-in Slack emulator."""
        return self.slack_bot_token is None

    @property
    def socket_mode(self) -> bool:
        """SLACK_APP_TOKEN set: Slack's payloads come over Socket Mode, not the request URL."""
        return self.slack_app_token is not None

    @property
    def embedded_database(self) -> bool:
        """SQLite: one machine, one web process (its threads) and the clock at the file."""
        return self.database_url.startswith("sqlite")

    @property
    def web_processes(self) -> int:
        """`swarmbot serve`'s worker processes: WEB_CONCURRENCY, else one on SQLite and one
        per core, up to 4, on PostgreSQL."""
        if self.web_concurrency is not None:
            return self.web_concurrency
        return 1 if self.embedded_database else min(os.cpu_count() or 1, 4)

    @property
    def swarm_severity_set(self) -> frozenset[str]:
        return frozenset(self.swarm_severities.split(","))

    @property
    def status_cadence(self) -> dict[str, int]:
        return _parse_cadence(self.status_cadence_minutes)

    @property
    def admin_ids(self) -> frozenset[str]:
        return frozenset(a.strip() for a in self.admins.split(",") if a.strip())


def _parse_cadence(value: str) -> dict[str, int]:
    cadence: dict[str, int] = {}
    for item in value.split(","):
        if not item.strip():
            continue
        sev, sep, minutes = item.partition("=")
        sev = sev.strip().lower()
        if not sep or sev not in SEVERITIES or not minutes.strip().isdigit():
            raise ValueError(f"bad item {item.strip()!r}; expected e.g. sev1=15,sev2=30")
        cadence[sev] = int(minutes)
    return cadence


_ALIASES = {name: field.validation_alias for name, field in Settings.model_fields.items()}


def load_settings(**overrides: Any) -> Settings:
    """Read settings; a missing or malformed value raises ConfigError naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            variable = _ALIASES.get(field, field)
            message = err["msg"].removeprefix("Value error, ")
            problems.append(f"{str(variable).upper()}: {message}" if err["loc"] else message)
        raise ConfigError("Invalid configuration — " + "; ".join(problems)) from None
