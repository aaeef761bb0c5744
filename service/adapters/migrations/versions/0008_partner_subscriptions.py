"""A subscription's owner may be a partner agency: its column widens from 8 to 64.

Partner principals register endpoints too (notifications of the discussions they are
invited to and the differences they are a side of); a subscription belongs to the
owner's role and code, and an agency's code (``police-avon-somerset``) is longer than a
DfE code, as in migration 0006. PostgreSQL widens a VARCHAR in place; SQLite cannot
alter a column, so the table is rebuilt with its rows and indexes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _resize(sa.String(8), sa.String(64))


def downgrade() -> None:
    _resize(sa.String(64), sa.String(8))


def _resize(before: sa.String, after: sa.String) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            "notify_subscriptions", "owner_authority", type_=after, existing_type=before
        )
        return
    with op.batch_alter_table("notify_subscriptions", recreate="always") as batch:
        batch.alter_column("owner_authority", type_=after, existing_type=before)
