"""Incident workflows: declarative rules in the policy file — *when* something happens to a
case that matches (severity, service, tags, level), *then* do these steps — run by the bot
or offered as a button in the case channel. Validated with the policy; pure."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.domain.mrkdwn import escape
from bot.domain.states import SEVERITIES

TRIGGERS = ("declared", "severity_set", "escalated", "sla_warning", "no_update", "resolved")
PLACEHOLDERS = frozenset({"reference", "title", "severity", "service", "level", "owner",
                          "channel"})
RESPONDER = re.compile(r"^(?:[UW][A-Z0-9]{2,}|S[A-Z0-9]{2,}|@[a-z0-9][a-z0-9._-]{0,79})$")


def check_responders(values: tuple[str, ...]) -> tuple[str, ...]:
    """People or groups named in the policy: Slack user ids, user group ids or @handles."""
    for value in values:
        if not RESPONDER.match(value):
            raise ValueError(f"{value!r} is not a responder; use a Slack user id (U…), a user "
                             "group id (S…) or a @handle")
    return values
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_text(value: str) -> str:
    for _, field, _, _ in string.Formatter().parse(value):
        if field is not None and field not in PLACEHOLDERS:
            raise ValueError(f"unknown placeholder {{{field}}}; use "
                             + ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS)))
    return value


class Step(_Strict):
    """One thing a workflow does. Which fields apply depends on `do`."""

    do: Literal["invite", "post", "topic", "call_link", "remind", "escalate"]
    users: tuple[str, ...] = ()
    channel: str | None = None
    text: str = ""
    url: str = ""
    level: str | None = None

    @field_validator("users")
    @classmethod
    def _users(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return check_responders(value)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return _check_text(value)

    @model_validator(mode="after")
    def _complete(self) -> Step:
        needs = {"invite": self.users, "post": self.text, "topic": self.text,
                 "call_link": self.url, "remind": self.text, "escalate": True}
        if not needs[self.do]:
            field = {"invite": "users", "call_link": "url"}.get(self.do, "text")
            raise ValueError(f"a `{self.do}` step needs `{field}`")
        if self.do == "call_link" and not self.url.startswith(("https://", "http://")):
            raise ValueError("`url` must be an http(s) link")
        if self.do == "post" and self.channel is not None and \
                not re.match(r"^[CG][A-Z0-9]{2,}$", self.channel):
            raise ValueError(f"`channel` {self.channel!r} is not a channel id (C…)")
        return self


class Workflow(_Strict):
    """`when` this happens to a matching case, run `steps` (or offer a button to)."""

    name: str
    when: Literal["declared", "severity_set", "escalated", "sla_warning", "no_update",
                  "resolved"]
    severities: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    minutes: int | None = Field(None, ge=1, le=7 * 24 * 60)
    run: Literal["auto", "button"] = "auto"
    steps: tuple[Step, ...]

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"{value!r} is not a workflow name (lowercase letters, digits, "
                             "- and _)")
        return value

    @field_validator("severities")
    @classmethod
    def _severities(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [s for s in value if s not in SEVERITIES]
        if bad:
            raise ValueError(f"{bad[0]!r} is not sev1..sev4")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Workflow:
        if not self.steps:
            raise ValueError(f"workflow {self.name!r} has no steps")
        if (self.when == "no_update") != (self.minutes is not None):
            raise ValueError(f"workflow {self.name!r}: `minutes` goes with when = "
                             "\"no_update\" (and only with it)")
        return self

    def matches(self, *, severity: str, service: str, tags: tuple[str, ...],
                level: str | None) -> bool:
        return ((not self.severities or severity in self.severities)
                and (not self.services or service in self.services)
                and (not self.tags or bool(set(tags) & set(self.tags)))
                and (not self.levels or level in self.levels))


@dataclass(frozen=True)
class StepDone:
    """What one step of a run did: `did` names it (the words are made where it is shown,
    bot/domain/timeline.step_words) and `data` holds who and what."""
    did: str
    data: Mapping[str, Any] = _field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        return {"did": self.did, **self.data}


def facts_words(facts: Mapping[str, Any], person: Callable[[str], str],
                channel: str) -> dict[str, str]:
    """The placeholders of a step's text from the case's facts (as recorded): what people
    typed is escaped, the owner named by `person`, `{channel}` is `channel`."""
    return {"reference": str(facts.get("reference", "")),
            "title": escape(str(facts.get("title", ""))),
            "severity": str(facts.get("severity", "")),
            "service": escape(str(facts.get("service") or "")) or "—",
            "level": str(facts.get("level", "")), "channel": channel,
            "owner": person(str(facts["owner"])) if facts.get("owner") else "unclaimed"}


def fill(text: str, values: dict[str, str]) -> str:
    """Put the case's facts into a step's text (placeholders were checked at start)."""
    return text.format_map({key: values.get(key, "") for key in PLACEHOLDERS})
