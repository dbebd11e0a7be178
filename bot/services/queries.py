"""Read-only views: open cases, and a person's own cases, invites and load (App Home)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import NotFound
from bot.domain.privacy import PRIVATE_TITLE, title_for, visible_to
from bot.domain.states import CaseStatus
from bot.services import effects
from bot.services.context import ServiceContext
from models.case import Case
from models.uow import UnitOfWork


@dataclass(frozen=True)
class CaseLine:
    case_id: int
    reference: str
    title: str
    severity: str
    mode: str
    owner_id: str | None
    channel_id: str | None
    is_private: bool


@dataclass(frozen=True)
class InviteLine:
    case_reference: str
    case_title: str
    severity: str
    reason: str
    is_private: bool


@dataclass(frozen=True)
class HomeData:
    my_cases: list[CaseLine]
    invites: list[InviteLine]
    open_swarms: int
    skills: list[str]
    away: bool


def _line(case: Case, viewer: str | None) -> CaseLine:
    """A case as a list shows it to `viewer`; a private case to someone not in it: no title,
    no owner, no channel — just that it exists and how severe it is."""
    if not visible_to(case, viewer):
        return CaseLine(case.id, case.reference, PRIVATE_TITLE, case.severity, case.mode, None,
                        None, True)
    return CaseLine(case.id, case.reference, case.title, case.severity, case.mode, case.owner_id,
                    case.channel_id, case.is_private)


def open_cases(ctx: ServiceContext, *, viewer: str, limit: int = 25) -> list[CaseLine]:
    """Open cases; a private one shows its title only to the people in it."""
    with ctx.uow().reading() as uow:
        return [_line(c, viewer) for c in uow.cases.open_cases(limit=limit)]


def home_data(uow: UnitOfWork, user_id: str) -> HomeData:
    my_cases = [_line(c, user_id) for c in uow.cases.open_cases_of(user_id)]
    invites = []
    for invite in uow.invites.pending_for(user_id):
        case = invite.case
        if case.status != CaseStatus.RESOLVED:
            invites.append(InviteLine(case.reference,  # not in a private case until joined
                                      title_for(case, user_id), case.severity, invite.reason,
                                      case.is_private))
    expert = uow.experts.get(user_id)
    load = uow.cases.open_swarm_load([user_id]).get(user_id, 0)
    return HomeData(my_cases, invites, load, list(expert.skills) if expert else [],
                    bool(expert and expert.away))


def request_home(ctx: ServiceContext, *, user_id: str) -> None:
    """Ask for the user's App Home to be (re)published."""
    if not user_id:
        return
    with ctx.uow() as uow:
        effects.publish_home(uow, user_id)
        if uow.experts.get(user_id) is not None:
            effects.sync_profile(uow, user_id)
        uow.commit()


def locale_of(ctx: ServiceContext, user_id: str) -> str | None:
    """The Slack locale swarmbot knows for `user_id` (`ja-JP`), None until Slack said."""
    with ctx.uow() as uow:
        expert = uow.experts.get(user_id)
        return expert.locale if expert is not None else None


@dataclass(frozen=True)
class CaseLocated:
    """The case a command named from outside its channel."""

    case_id: int
    reference: str
    channel_id: str | None  # None while its channel is being opened


def is_case_channel(ctx: ServiceContext, channel_id: str) -> bool:
    if not channel_id:
        return False
    with ctx.uow().reading() as uow:
        return uow.cases.by_channel(channel_id) is not None


def locate_case(ctx: ServiceContext, *, number: int | None = None,
                channel_id: str | None = None) -> CaseLocated:
    """The case numbered `number`, or whose channel is `channel_id`; NotFound otherwise (what
    the command would have done is not done)."""
    with ctx.uow().reading() as uow:
        case = (uow.cases.get(number) if number is not None
                else uow.cases.by_channel(channel_id or ""))
        if case is None:
            named = f"case #{number:04d}" if number is not None else "case with that channel"
            raise NotFound(f"There is no {named}; nothing was changed. `/swarm list` shows the "
                           "open cases.")
        return CaseLocated(case.id, case.reference, case.channel_id)
