"""Columns that hold a partner's agency code too widen from 8 to 64 characters.

A partner principal (police, a GP practice, a hospital) acts for an agency whose code
(``police-avon-somerset``) is longer than a DfE code. Every read of a case by a partner
is recorded in the access log (``access_log.authority``), and the worklist holds work
owed by partners (``rm_work_items.authority`` and ``counterpart``). The read model's
table is rebuilt by ``replay`` from the tables the code defines; here it is altered. On
PostgreSQL widening a VARCHAR rewrites nothing and fires no trigger (the table stays
append-only). SQLite cannot alter a column: the table is rebuilt (rows copied, which
its UPDATE and DELETE triggers do not see), and migration 0004's triggers, dropped
with the old table, are created again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.adapters.migrations.append_only_tables import allow_changes, refuse_changes

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


REFUSAL = "the access log is append-only"  # as migration 0004 words it


WORK_ITEM_COLUMNS = ("authority", "counterpart")


def upgrade() -> None:
    _resize(sa.String(8), sa.String(64))
    _resize_work_items(sa.String(8), sa.String(64))


def downgrade() -> None:
    _resize_work_items(sa.String(64), sa.String(8))
    _resize(sa.String(64), sa.String(8))


def _resize_work_items(before: sa.String, after: sa.String) -> None:
    if op.get_bind().dialect.name != "sqlite":
        for column in WORK_ITEM_COLUMNS:
            op.alter_column("rm_work_items", column, type_=after, existing_type=before)
        return
    with op.batch_alter_table("rm_work_items", recreate="always") as batch:
        for column in WORK_ITEM_COLUMNS:
            batch.alter_column(column, type_=after, existing_type=before)


def _resize(before: sa.String, after: sa.String) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("access_log", "authority", type_=after, existing_type=before)
        return
    allow_changes("access_log")  # SQLite rebuilds the table: its triggers go with it
    with op.batch_alter_table("access_log", recreate="always") as batch:
        batch.alter_column("authority", type_=after, existing_type=before)
    refuse_changes("access_log", REFUSAL)
