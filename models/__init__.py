"""The SQLAlchemy data model (2.x typed declarative), engine/session, unit of work.
Schema changes go through the Alembic migrations in `models/alembic/`."""

from models.alerts import Alert, AlertGroup
from models.base import Base
from models.case import (
    Approval,
    Case,
    Declaration,
    EarlyAnswer,
    FollowUp,
    Invite,
    LevelChange,
    Participant,
    StatusUpdate,
    TimelineEvent,
)
from models.expertise import (
    Expert,
    ProcessedEvent,
    ProcessedRequest,
    ResolutionRecord,
    UserGroupMember,
    UserGroupSync,
)
from models.scheduling import OutboxMessage, Timer

__all__ = [
    "Alert", "AlertGroup", "Approval", "Base", "Case", "Declaration", "EarlyAnswer",
    "FollowUp", "Expert", "Invite",
    "LevelChange", "OutboxMessage", "Participant", "ProcessedEvent", "ProcessedRequest",
    "ResolutionRecord", "StatusUpdate", "Timer", "TimelineEvent",
    "UserGroupMember", "UserGroupSync",
]
