"""cases from messages: the Slack message a case was opened from, one case per message

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-03 10:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('source_channel_id', sa.String(32), nullable=True))
        batch.add_column(sa.Column('source_ts', sa.String(32), nullable=True))
        batch.add_column(sa.Column('source_thread_ts', sa.String(32), nullable=True))
        batch.create_unique_constraint('uq_cases_source_message',
                                       ['source_channel_id', 'source_ts'])


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_constraint('uq_cases_source_message', type_='unique')
        batch.drop_column('source_thread_ts')
        batch.drop_column('source_ts')
        batch.drop_column('source_channel_id')
