"""timer failures: a timer whose handler fails counts its attempts and keeps its last error

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 14:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('timers') as batch:
        batch.add_column(sa.Column('attempts', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('last_error', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('timers') as batch:
        batch.drop_column('last_error')
        batch.drop_column('attempts')
