"""user groups

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 07:15:49.536482
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_group_members',
    sa.Column('group_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('group_id', 'user_id', name=op.f('pk_user_group_members'))
    )
    op.create_table('user_group_syncs',
    sa.Column('group_id', sa.String(length=32), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('group_id', name=op.f('pk_user_group_syncs'))
    )


def downgrade() -> None:
    op.drop_table('user_group_syncs')
    op.drop_table('user_group_members')
