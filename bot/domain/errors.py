"""Typed domain errors. Each carries the sentence a user sees; `bot/slack/errors.py` and the
CLI turn them into messages in one place.

People a sentence names are data, not markup: `{key}` in the message stands for the user id
`people[key]`, named where the error is shown (`words`) — Slack as a mention. Other facts
may be kept apart the same way (`values`): the message is then a fixed sentence the reader's
language has a translation of (bot/i18n), filled where it is shown."""

from __future__ import annotations

from collections.abc import Callable, Mapping


class SwarmbotError(Exception):
    """Base class: `str(error)` is a complete, user-facing sentence (people as `@U…`)."""

    def __init__(self, message: str = "", *, people: Mapping[str, str] | None = None,
                 values: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.people = dict(people or {})
        self.values = {key: str(value) for key, value in (values or {}).items()}

    def words(self, person: Callable[[str], str],
              translate: Callable[[str], str] = lambda message: message) -> str:
        """The sentence (`translate`d: its fixed words in the reader's language), each person
        named by `person(user_id)` and each value filled in."""
        text = translate(self.message)
        for key, value in self.values.items():
            text = text.replace("{" + key + "}", value)
        for key, user in self.people.items():
            text = text.replace("{" + key + "}", person(user))
        return text

    def __str__(self) -> str:
        return self.words(lambda user: f"@{user}")


class ConfigError(SwarmbotError):
    """Settings or a config file are missing or malformed."""


class UsageError(SwarmbotError):
    """A command was used the wrong way (unknown subcommand, missing argument...)."""


class InvalidInput(SwarmbotError):
    """A value is not acceptable (bad severity, oversized text, bad name...). `field` names
    the part of a form it is about (e.g. "service" of a case draft), when there is one."""

    def __init__(self, message: str, *, field: str | None = None,
                 people: Mapping[str, str] | None = None,
                 values: Mapping[str, object] | None = None) -> None:
        super().__init__(message, people=people, values=values)
        self.field = field


class NotFound(SwarmbotError):
    """A case, user or invite does not exist."""


class NotAllowed(SwarmbotError):
    """The actor may not do this (e.g. not the case owner)."""


class Conflict(SwarmbotError):
    """The action does not fit the case's current state (e.g. already resolved)."""


class Unavailable(SwarmbotError):
    """Something the bot must ask first (Slack) did not answer; nothing was changed."""


class AlreadyHandled(SwarmbotError):
    """The same signed request came again (a replay): it was handled once, not twice."""
