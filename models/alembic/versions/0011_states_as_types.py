"""states as types: a CHECK constraint on each column of states and kinds

The stored strings stay the same; the database now refuses any other. The value lists are
frozen here (what the enums in bot/domain/states.py and models/scheduling.py held at this
revision): a later member needs a migration of its own. A database holding a value outside
a list is not changed: the upgrade stops and names the column and the values.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TIMELINE_KINDS = (
    'declared', 'channel_created', 'claimed', 'owner_changed', 'severity_changed',
    'mode_changed', 'topic_note', 'call_link', 'forecast', 'status_update', 'status_reminder',
    'no_recommendation', 'invited', 'invite_held', 'invite_released', 'invite_accepted',
    'invite_declined', 'invite_expired', 'invites_withdrawn', 'added', 'left', 'level_set',
    'escalated', 'deescalated', 'level_restarted', 'acknowledged', 'sla_warning',
    'sla_breached', 'approval_requested', 'approval_approved', 'approval_rejected',
    'workflow_offered', 'workflow_run', 'followup', 'followup_done', 'resolved',
    'confirmation_reminded', 'resolution_confirmed', 'reopened', 'archived', 'lesson')

# table → column → the values it may hold (the constraint is ck_<table>_<column>)
STATES: dict[str, dict[str, tuple[str, ...]]] = {
    "cases": {"status": ("open", "resolved"), "mode": ("swarm", "tiered")},
    "participants": {"role": ("owner", "expert", "responder")},
    "invites": {"state": ("held", "pending", "accepted", "declined", "expired", "cancelled")},
    "timeline_events": {"kind": TIMELINE_KINDS},
    "level_changes": {
        "trigger": ("declared", "time", "priority", "complexity", "manual", "workflow")
    },
    "approvals": {"state": ("pending", "approved", "rejected")},
    "timers": {
        "kind": (
            "status_reminder",
            "invite_expiry",
            "invite_release",
            "archive_channel",
            "sla",
            "followup_reminder",
            "workflow_no_update",
        ),
        "state": ("pending", "fired", "cancelled"),
    },
    "outbox": {"state": ("pending", "done", "failed")},
}


def upgrade() -> None:
    _refuse_unknown_values()
    for table, columns in STATES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, values in columns.items():
                batch_op.create_check_constraint(
                    op.f(f"ck_{table}_{column}"),
                    sa.column(column)
                    .in_(values)
                    .compile(compile_kwargs={"literal_binds": True})
                    .string,
                )


def _refuse_unknown_values() -> None:
    bind = op.get_bind()
    found = []
    for table, columns in STATES.items():
        for column, values in columns.items():
            col: sa.ColumnClause[str] = sa.column(column)
            rows = bind.execute(
                sa.select(col, sa.func.count())
                .select_from(sa.table(table))
                .where(col.not_in(values))
                .group_by(col)
            ).all()
            found += [f"{table}.{column} = {value!r} ({count} rows)" for value, count in rows]
    if found:
        raise RuntimeError(
            "Migration 0011 stopped, nothing was changed: these stored values "
            "are not states swarmbot knows: " + "; ".join(found) + ". Correct "
            "or remove those rows, then upgrade again."
        )


def downgrade() -> None:
    for table, columns in STATES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
