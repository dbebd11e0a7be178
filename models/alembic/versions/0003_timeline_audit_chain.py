"""timeline audit chain: seq, prev_hash, hash on timeline events (backfilled)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 21:40:00
"""
import sqlalchemy as sa
from alembic import op

from models.audit import GENESIS, event_hash

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('timeline_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=False,
                                      server_default=''))
    _seal_existing_events()
    with op.batch_alter_table('timeline_events', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_timeline_events_case_id_seq'),
                                          ['case_id', 'seq'])


def _seal_existing_events() -> None:
    """Chain the events recorded before the audit trail existed, in their recorded order."""
    from models.base import UTCDateTime

    bind = op.get_bind()
    events = sa.table('timeline_events', sa.column('id', sa.Integer),
                      sa.column('case_id', sa.Integer), sa.column('at', UTCDateTime()),
                      sa.column('kind', sa.String), sa.column('actor', sa.String),
                      sa.column('text', sa.Text), sa.column('data', sa.JSON),
                      sa.column('seq', sa.Integer), sa.column('prev_hash', sa.String),
                      sa.column('hash', sa.String))
    rows = bind.execute(sa.select(events).order_by(events.c.case_id, events.c.at,
                                                   events.c.id)).all()
    chain: dict[int, tuple[int, str]] = {}
    for row in rows:
        seq, prev = chain.get(row.case_id, (0, GENESIS))
        seq += 1
        digest = event_hash(prev_hash=prev, case_id=row.case_id, seq=seq, at=row.at,
                            kind=row.kind, actor=row.actor, text=row.text, data=row.data or {})
        bind.execute(events.update().where(events.c.id == row.id)
                     .values(seq=seq, prev_hash=prev, hash=digest))
        chain[row.case_id] = (seq, digest)


def downgrade() -> None:
    with op.batch_alter_table('timeline_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_timeline_events_case_id_seq'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')
