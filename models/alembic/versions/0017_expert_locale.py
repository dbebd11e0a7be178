"""expert locale: the language a person reads in Slack (users.info include_locale)

Revision ID: 0017
Revises: 0013
Create Date: 2026-12-03 10:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('experts') as batch:
        batch.add_column(sa.Column('locale', sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('experts') as batch:
        batch.drop_column('locale')
