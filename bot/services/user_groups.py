"""Slack user groups that respond at escalation levels: their members are read from Slack
(usergroups.users.list) when the clock starts and every few hours, and kept current by
Slack's subteam events; until a group has been read, anyone may act for it."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.policy import Policy
from bot.services import effects
from bot.services.context import ServiceContext


def responder_groups(policy: Policy) -> list[str]:
    return sorted({r for level in policy.ordered for r in policy.level(level).responders
                   if r.startswith("S")})


def sync_responder_groups(ctx: ServiceContext) -> int:
    """Ask Slack for the members of every group the policy names; returns how many."""
    groups = responder_groups(ctx.policy)
    if groups:
        with ctx.uow() as uow:
            for group in groups:
                effects.sync_user_group(uow, group)
            uow.commit()
    return len(groups)


def members_changed(ctx: ServiceContext, *, group: str, added: Iterable[str],
                    removed: Iterable[str]) -> None:
    """subteam_members_changed: only the groups the policy names are kept."""
    if group not in responder_groups(ctx.policy):
        return
    with ctx.uow() as uow:
        uow.groups.change(group, added=added, removed=removed)
        uow.commit()


def group_updated(ctx: ServiceContext, *, group: str, users: list[str], complete: bool) -> None:
    """subteam_updated carries the members (cut at 500): a complete list replaces ours, a cut
    one is read again in full."""
    if group not in responder_groups(ctx.policy):
        return
    with ctx.uow() as uow:
        if complete:
            uow.groups.replace(group, users, ctx.now())
        else:
            effects.sync_user_group(uow, group)
        uow.commit()
