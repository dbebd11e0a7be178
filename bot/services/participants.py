"""Who is on a case: adding someone (again) without duplicating their participation."""

from __future__ import annotations

from datetime import datetime

from bot.domain.states import ParticipantRole
from models.case import Case, Participant


def add_participant(case: Case, user_id: str, role: ParticipantRole, at: datetime, *,
                    take_role: bool = False) -> bool:
    """Make `user_id` an active participant; True if they were not one already. An existing
    participant keeps their role unless `take_role` (e.g. a new owner)."""
    for participant in case.participants:
        if participant.user_id == user_id:
            was_active = participant.left_at is None
            participant.left_at = None
            if take_role:
                participant.role = role
            return not was_active
    case.participants.append(Participant(user_id=user_id, role=role, joined_at=at))
    return True
