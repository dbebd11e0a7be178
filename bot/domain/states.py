"""The states and kinds a case and what hangs off it are in, as types. Pure.

They live in the domain because the domain reasons about them (metrics and the review read
timeline kinds and case status); models/ stores them as columns that refuse any other value
(a CHECK constraint, models/base.py `stored`), and every value is the string stored before
these were types. A new member needs a migration that widens its column's CHECK constraint
(tests/integration/test_states.py stores every member, so a forgotten migration fails)."""

from __future__ import annotations

from enum import StrEnum

# A case's severities, most severe first (the one list: config, policy and cases read it)
SEVERITIES = ("sev1", "sev2", "sev3", "sev4")


class CaseStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class CaseMode(StrEnum):
    SWARM = "swarm"
    TIERED = "tiered"


class ParticipantRole(StrEnum):
    OWNER = "owner"
    EXPERT = "expert"  # joined by accepting a swarm invite
    RESPONDER = "responder"  # added by hand, a level's responder, or a former owner


class InviteState(StrEnum):
    HELD = "held"  # outside the expert's working hours: sent when they start
    PENDING = "pending"  # sent, waiting for an answer
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"  # withdrawn: the case changed mode or was resolved


class AlertStatus(StrEnum):
    """An alert from a monitoring tool, as the tool last said (grouped into a case)."""

    FIRING = "firing"
    RESOLVED = "resolved"


class ApprovalState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class EscalationTrigger(StrEnum):
    """Why a tiered case moved to a level (a level change's `trigger`)."""

    DECLARED = "declared"  # declared at its path's first level
    TIME = "time"  # an SLA ran out
    PRIORITY = "priority"  # its severity
    COMPLEXITY = "complexity"  # the policy's route for its kind of case
    MANUAL = "manual"  # someone moved it
    WORKFLOW = "workflow"  # an incident workflow step


class TimelineKind(StrEnum):
    """What a timeline event records."""

    DECLARED = "declared"
    CHANNEL_CREATED = "channel_created"
    CLAIMED = "claimed"
    OWNER_CHANGED = "owner_changed"
    SEVERITY_CHANGED = "severity_changed"
    MODE_CHANGED = "mode_changed"
    TOPIC_NOTE = "topic_note"
    CALL_LINK = "call_link"
    FORECAST = "forecast"
    STATUS_UPDATE = "status_update"
    STATUS_REMINDER = "status_reminder"
    # Swarming
    NO_RECOMMENDATION = "no_recommendation"
    INVITED = "invited"
    INVITE_HELD = "invite_held"
    INVITE_RELEASED = "invite_released"
    INVITE_ACCEPTED = "invite_accepted"
    INVITE_DECLINED = "invite_declined"
    INVITE_EXPIRED = "invite_expired"
    INVITES_WITHDRAWN = "invites_withdrawn"
    ADDED = "added"
    LEFT = "left"
    # Tiered escalation
    LEVEL_SET = "level_set"
    ESCALATED = "escalated"
    DEESCALATED = "deescalated"
    LEVEL_RESTARTED = "level_restarted"
    ACKNOWLEDGED = "acknowledged"
    SLA_WARNING = "sla_warning"
    SLA_BREACHED = "sla_breached"
    APPROVAL_REQUESTED = "approval_requested"
    APPROVAL_APPROVED = "approval_approved"
    APPROVAL_REJECTED = "approval_rejected"
    # Workflows and follow-ups
    WORKFLOW_OFFERED = "workflow_offered"
    WORKFLOW_RUN = "workflow_run"
    FOLLOWUP = "followup"
    FOLLOWUP_DONE = "followup_done"
    # The end
    RESOLVED = "resolved"
    CONFIRMATION_REMINDED = "confirmation_reminded"
    RESOLUTION_CONFIRMED = "resolution_confirmed"
    REOPENED = "reopened"
    ARCHIVED = "archived"
    LESSON = "lesson"
    # Alerts grouped into the case (bot/services/alerts.py)
    ALERT_FIRING = "alert_firing"
    ALERT_RESOLVED = "alert_resolved"


LEVEL_MOVES = frozenset({TimelineKind.LEVEL_SET, TimelineKind.ESCALATED,
                         TimelineKind.DEESCALATED, TimelineKind.LEVEL_RESTARTED})
