"""processed requests: signed Slack requests already handled (replays are not handled twice)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('processed_requests',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('seen_until', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_processed_requests'))
    )
    op.create_index(op.f('ix_processed_requests_seen_until'), 'processed_requests',
                    ['seen_until'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_processed_requests_seen_until'), table_name='processed_requests')
    op.drop_table('processed_requests')
