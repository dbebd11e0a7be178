"""`/swarm leave`: someone in the swarm steps out of it — no longer a participant, out of the
case channel. The owner cannot leave: they hand the case over first."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import NotAllowed
from bot.domain.states import TimelineKind
from bot.i18n import N_
from bot.services import effects
from bot.services.context import ServiceContext
from bot.services.effects import NoteKind
from bot.services.guards import case_in_channel, require


# -- what the commands tell the person who ran them (rendered in bot/slack/replies.py) ------
@dataclass(frozen=True)
class LeftSwarm:
    reference: str


def leave_case(ctx: ServiceContext, *, channel_id: str, actor: str) -> LeftSwarm:
    with ctx.uow() as uow:
        case = case_in_channel(uow, channel_id)
        require(ctx, uow, case, actor, "leave", N_("leave it"))
        participant = next((p for p in case.participants
                            if p.user_id == actor and p.left_at is None), None)
        if participant is None:  # require() let only people in the swarm through
            raise NotAllowed("You are not in the swarm of case {reference}.",
                             values={"reference": case.reference})
        participant.left_at = ctx.now()
        uow.timeline.record(case.id, TimelineKind.LEFT, actor=actor, at=ctx.now(), user=actor)
        effects.post(uow, case=case, note=NoteKind.LEFT, actor=actor)
        effects.remove_member(uow, case, actor)
        effects.case_changed(uow, case)
        effects.publish_home(uow, actor)
        uow.commit()
        return LeftSwarm(case.reference)
