"""outbox: explicit delivery columns in procrastinate's vocabulary — queueing_lock (what
coalesces), lock (what is delivered one at a time), scheduled_at (was next_attempt_at) —
instead of a dedupe_key rewritten to key#id when delivery starts

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# The effects that coalesced through their dedupe_key until now.
COALESCING = ("sync_members", "set_topic", "post_summary", "publish_home", "post_review",
              "sync_profile", "sync_user_group")


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_pending')
        batch_op.alter_column('next_attempt_at', new_column_name='scheduled_at',
                              existing_type=sa.DateTime(timezone=True), existing_nullable=False)
        batch_op.alter_column('dedupe_key', existing_type=sa.String(length=160), nullable=True)
        batch_op.add_column(sa.Column('queueing_lock', sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column('lock', sa.String(length=160), nullable=True))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_queueing_lock'), ['queueing_lock'])
        batch_op.create_index(batch_op.f('ix_outbox_lock'), ['lock'], unique=False)
        batch_op.create_index('ix_outbox_pending', ['state', 'scheduled_at'], unique=False)
    outbox = sa.table('outbox', sa.column('case_id', sa.Integer), sa.column('lock', sa.String),
                      sa.column('kind', sa.String), sa.column('state', sa.String),
                      sa.column('dedupe_key', sa.String), sa.column('queueing_lock', sa.String))
    op.execute(outbox.update().where(outbox.c.case_id.is_not(None))
               .values(lock=sa.literal('case:') + sa.cast(outbox.c.case_id, sa.String)))
    # A refresh still waiting holds its queueing lock (its key had not been released yet).
    op.execute(outbox.update().where(outbox.c.kind.in_(COALESCING), outbox.c.state == 'pending',
                                     ~outbox.c.dedupe_key.contains('#'))
               .values(queueing_lock=outbox.c.dedupe_key, dedupe_key=None))


def downgrade() -> None:
    outbox = sa.table('outbox', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                      sa.column('dedupe_key', sa.String), sa.column('queueing_lock', sa.String))
    op.execute(outbox.update().where(outbox.c.queueing_lock.is_not(None))
               .values(dedupe_key=outbox.c.queueing_lock))
    op.execute(outbox.update().where(outbox.c.dedupe_key.is_(None)).values(
        dedupe_key=outbox.c.kind + sa.literal(':') + sa.cast(outbox.c.id, sa.String)
        + sa.literal('#') + sa.cast(outbox.c.id, sa.String)))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_pending')
        batch_op.drop_index(batch_op.f('ix_outbox_lock'))
        batch_op.drop_constraint(batch_op.f('uq_outbox_queueing_lock'), type_='unique')
        batch_op.drop_column('lock')
        batch_op.drop_column('queueing_lock')
        batch_op.alter_column('dedupe_key', existing_type=sa.String(length=160), nullable=False)
        batch_op.alter_column('scheduled_at', new_column_name='next_attempt_at',
                              existing_type=sa.DateTime(timezone=True), existing_nullable=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_pending', ['state', 'next_attempt_at'], unique=False)
