"""Audit object ids up to 64 characters: a stored file's key is its SHA-256

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 08:05:00

PostgreSQL widens the column in place (DDL fires no row triggers, and no value changes, so the
hash chain is untouched). SQLite ignores VARCHAR lengths but Alembic's drift check does not, so the
table is rebuilt in batch mode; the rebuild drops the append-only triggers, which are put back.
A downgrade narrows the column again and fails, rather than truncating an event, when a longer id
has been recorded.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_MESSAGE = "audit_events is append-only: events may not be changed or removed"


def _resize(old: int, new: int) -> None:
    if op.get_context().dialect.name == "postgresql":
        op.alter_column("audit_events", "object_id", type_=sa.String(new), existing_type=sa.String(old),
                        existing_nullable=True)
        return
    op.execute("DROP TRIGGER audit_events_no_update")
    op.execute("DROP TRIGGER audit_events_no_delete")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("object_id", type_=sa.String(new), existing_type=sa.String(old), existing_nullable=True)
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                   f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END")


def upgrade() -> None:
    _resize(40, 64)


def downgrade() -> None:
    _resize(64, 40)
