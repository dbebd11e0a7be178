"""exactly once: declarations (one case per repeated `/swarm new`) and early answers
(reactions to an invite DM whose ts was not recorded yet)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('declarations',
    sa.Column('owner_id', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_declarations_case_id_cases'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('owner_id', 'title', name=op.f('pk_declarations'))
    )
    op.create_table('early_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dm_channel', sa.String(length=32), nullable=False),
    sa.Column('message_ts', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_early_answers'))
    )
    op.create_index('ix_early_answers_message', 'early_answers', ['dm_channel', 'message_ts'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_early_answers_message', table_name='early_answers')
    op.drop_table('early_answers')
    op.drop_table('declarations')
