"""slack budgets: Slack's rate limits as a budget shared by every process, and the budget an
undelivered effect waits for

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 13:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'slack_budgets',
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('allowed', sa.Float(), nullable=False),
        sa.Column('calls', sa.JSON(), nullable=False),
        sa.Column('next_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('held_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('learned_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_slack_budgets')))
    op.create_index(op.f('ix_slack_budgets_next_at'), 'slack_budgets', ['next_at'], unique=False)
    op.add_column('outbox', sa.Column('waits_for', sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('waits_for')
    op.drop_index(op.f('ix_slack_budgets_next_at'), table_name='slack_budgets')
    op.drop_table('slack_budgets')
