"""People named by a person in a command (`/swarm owner @dana`, `invite`, a follow-up's
owner): each is checked with Slack — a real, active person of the workspace, not a bot —
before the use case's transaction opens, so nobody unknown is ever recorded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from bot.domain.errors import ConfigError, InvalidInput, NotFound


@dataclass(frozen=True)
class Person:
    """What Slack says of a user id (users.info)."""

    user_id: str
    deleted: bool = False
    is_bot: bool = False


class PeopleDirectory(Protocol):
    def lookup(self, user_id: str) -> Person | None:
        """The person, or None when the workspace has no such user. Raises
        `bot.domain.errors.Unavailable` when Slack cannot say."""


def require_people(directory: PeopleDirectory | None, user_ids: Iterable[str]) -> None:
    """Refuse (typed errors) unless every id is an active person of the workspace."""
    user_ids = list(user_ids)
    if not user_ids:
        return
    if directory is None:
        raise ConfigError("swarmbot cannot check people with Slack here (no directory "
                          "configured); nothing was changed.")
    for user_id in user_ids:
        person = directory.lookup(user_id)
        if person is None:
            raise NotFound(f"There is no user `{user_id}` in this workspace; pick the person "
                           "from Slack's autocomplete. Nothing was changed.")
        if person.deleted:
            raise InvalidInput("{user} is deactivated in this workspace; pick someone else. "
                               "Nothing was changed.", people={"user": user_id})
        if person.is_bot:
            raise InvalidInput("{user} is a bot, and a case needs a person; pick someone "
                               "else. Nothing was changed.", people={"user": user_id})
