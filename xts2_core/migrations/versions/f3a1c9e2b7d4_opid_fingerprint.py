"""opid fingerprint

What each opid was first used for (core_operation.fingerprint: the command and a digest of its
parameters), so that an opid sent again with another request is refused instead of answered
with the first request's answer. Rows written before have none and replay as before.

Revision ID: f3a1c9e2b7d4
Revises: d637de0e0787
Create Date: 2026-12-06 06:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f3a1c9e2b7d4'
down_revision: str | Sequence[str] | None = 'd637de0e0787'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('core_operation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('core_operation', schema=None) as batch_op:
        batch_op.drop_column('fingerprint')
