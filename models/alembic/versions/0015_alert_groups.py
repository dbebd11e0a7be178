"""alert groups: alerts from monitoring tools attach to one open case per group key; a case
keeps the source ticket's URL (a channel bookmark)

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-03 10:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None

# Timeline kinds added to 0011's list (TIMELINE_KINDS there): the CHECK is rebuilt with them.
ADDED = ('alert_firing', 'alert_resolved')
TIMELINE_KINDS = (
    'declared', 'channel_created', 'claimed', 'owner_changed', 'severity_changed',
    'mode_changed', 'topic_note', 'call_link', 'forecast', 'status_update', 'status_reminder',
    'no_recommendation', 'invited', 'invite_held', 'invite_released', 'invite_accepted',
    'invite_declined', 'invite_expired', 'invites_withdrawn', 'added', 'left', 'level_set',
    'escalated', 'deescalated', 'level_restarted', 'acknowledged', 'sla_warning',
    'sla_breached', 'approval_requested', 'approval_approved', 'approval_rejected',
    'workflow_offered', 'workflow_run', 'followup', 'followup_done', 'resolved',
    'confirmation_reminded', 'resolution_confirmed', 'reopened', 'archived', 'lesson')
ALERT_STATUSES = ('firing', 'resolved')


def _in(column: str, values: tuple[str, ...]) -> str:
    return (sa.column(column).in_(values)
            .compile(compile_kwargs={"literal_binds": True}).string)


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('source_url', sa.String(500), nullable=True))
    op.create_table(
        'alert_groups',
        sa.Column('source', sa.String(32), nullable=False),
        sa.Column('group_key', sa.String(200), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='SET NULL',
                                name=op.f('fk_alert_groups_case_id_cases')),
        sa.PrimaryKeyConstraint('source', 'group_key', name=op.f('pk_alert_groups')),
    )
    op.create_table(
        'alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(32), nullable=False),
        sa.Column('external_id', sa.String(200), nullable=False),
        sa.Column('group_key', sa.String(200), nullable=False),
        sa.Column('title', sa.String(200), nullable=False),
        sa.Column('url', sa.String(500), nullable=True),
        sa.Column('status', sa.String(12), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_in('status', ALERT_STATUSES), name=op.f('ck_alerts_status')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE',
                                name=op.f('fk_alerts_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
        sa.UniqueConstraint('source', 'external_id', name=op.f('uq_alerts_source_external_id')),
    )
    op.create_index('ix_alerts_case', 'alerts', ['case_id', 'id'])
    with op.batch_alter_table('timeline_events') as batch:
        batch.drop_constraint(op.f('ck_timeline_events_kind'), type_='check')
        batch.create_check_constraint(op.f('ck_timeline_events_kind'),
                                      _in('kind', TIMELINE_KINDS + ADDED))


def downgrade() -> None:
    with op.batch_alter_table('timeline_events') as batch:
        batch.drop_constraint(op.f('ck_timeline_events_kind'), type_='check')
        batch.create_check_constraint(op.f('ck_timeline_events_kind'),
                                      _in('kind', TIMELINE_KINDS))
    op.drop_index('ix_alerts_case', table_name='alerts')
    op.drop_table('alerts')
    op.drop_table('alert_groups')
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('source_url')
