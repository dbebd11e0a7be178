"""What people say about themselves: declared skills and availability."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.errors import InvalidInput, UsageError
from bot.domain.mrkdwn import escape
from bot.services import effects
from bot.services.context import ServiceContext
from models.uow import UnitOfWork
from skills_index.text import normalize

_SKILL = re.compile(r"^[^\W_][\w.+#/-]{0,39}$")  # letters of any script: `postgres`, `決済`
MAX_SKILLS = 30


# -- what the commands tell the person who ran them (rendered in bot/slack/replies.py) ------
@dataclass(frozen=True)
class Skills:
    skills: tuple[str, ...]


@dataclass(frozen=True)
class Availability:
    away: bool


def change_skills(ctx: ServiceContext, *, user_id: str, action: str, words: tuple[str, ...]
                  ) -> Skills:
    if action not in ("add", "remove", "list", ""):
        raise UsageError("Use `/swarm skills add <skill>…`, `/swarm skills remove <skill>…` "
                         "or `/swarm skills`.")
    skills = [normalize(w).lstrip("#") for w in words]
    bad = [s for s in skills if not _SKILL.match(s)]
    if bad:
        raise InvalidInput(f"`{escape(bad[0][:40])}` is not a skill name (letters, digits, "
                           "`.+#/_-`, at most 40 characters).")
    if action in ("add", "remove") and not skills:
        raise UsageError(f"Name the skill to {action}, e.g. `/swarm skills {action} postgres`.")
    with ctx.uow() as uow:
        expert = uow.experts.get_or_create(user_id)
        current = list(expert.skills or [])
        if action == "add":
            current += [s for s in skills if s not in current]
            if len(current) > MAX_SKILLS:
                raise InvalidInput(f"At most {MAX_SKILLS} skills per person.")
        elif action == "remove":
            current = [s for s in current if s not in skills]
        expert.skills = current
        effects.sync_profile(uow, user_id)
        uow.commit()
    return Skills(tuple(current))


def set_away(ctx: ServiceContext, *, user_id: str, away: bool) -> Availability:
    with ctx.uow() as uow:
        expert = uow.experts.get_or_create(user_id)
        expert.away = away
        effects.sync_profile(uow, user_id)
        uow.commit()
    return Availability(away)


def register_expert(ctx: ServiceContext, *, user_id: str, handle: str | None = None,
                    display_name: str = "", tz: str | None = None,
                    skills: tuple[str, ...] = (), locale: str | None = None) -> None:
    """Create or refresh what the bot knows of a person (from Slack's profile or a seed)."""
    with ctx.uow() as uow:
        expert = uow.experts.get_or_create(user_id)
        expert.handle = handle or expert.handle
        expert.display_name = display_name or expert.display_name
        expert.tz = tz or expert.tz
        expert.locale = locale or expert.locale
        expert.skills = list(dict.fromkeys([*(expert.skills or []), *skills]))
        uow.commit()


def update_profile(ctx: ServiceContext, *, user_id: str, tz: str | None, handle: str | None,
                   display_name: str, locale: str | None = None) -> None:
    """What a user_change event says of a person. Slack puts a locale in a user object only
    when asked (users.info include_locale), so an event without one asks for the profile
    again: a person who switched Slack's language reads the bot in it from then on."""
    with ctx.uow() as uow:
        apply_profile(uow, user_id=user_id, tz=tz, handle=handle, display_name=display_name,
                      locale=locale)
        if locale is None and uow.experts.get(user_id) is not None:
            effects.sync_profile(uow, user_id)
        uow.commit()


def apply_profile(uow: UnitOfWork, *, user_id: str, tz: str | None, handle: str | None,
                  display_name: str, locale: str | None = None) -> None:
    """Keep what Slack says of a person the bot works with: their zone, locale and names. A
    handle another person already has is not taken over. (Inside the caller's transaction.)"""
    expert = uow.experts.get(user_id)
    if expert is None:
        return
    expert.tz = tz or expert.tz
    expert.locale = locale or expert.locale
    expert.display_name = display_name or expert.display_name
    if handle and not expert.handle and not uow.experts.by_handles([handle]):
        expert.handle = handle
