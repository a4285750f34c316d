"""donations tables: the plugin's settings (donations_setting)

Revision ID: c242e68c2014
Revises: (base of the donations branch; depends on core 722e2adbdfe8)
Create Date: 2026-11-28 20:43:55.318528
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c242e68c2014'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('donations',)
depends_on: str | Sequence[str] | None = '722e2adbdfe8'


def upgrade() -> None:
    op.create_table('donations_setting',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_donations_setting'))
    )


def downgrade() -> None:
    op.drop_table('donations_setting')
