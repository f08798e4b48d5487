"""reference data: admin-corrected versions of the competences data files

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 05:32:19.155540
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import models.base


revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSERT_ONLY_MESSAGE = "reference_data_versions is insert-only: a stored version may not be changed or removed"


def upgrade() -> None:
    op.create_table('reference_data_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.String(length=80), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint("note <> ''", name=op.f('ck_reference_data_versions_note_given')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_reference_data_versions_version_positive')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_reference_data_versions_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_data_versions')),
    sa.UniqueConstraint('file_id', 'version', name=op.f('uq_reference_data_versions_file_id_version'))
    )
    with op.batch_alter_table('reference_data_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reference_data_versions_uploaded_by_id'), ['uploaded_by_id'], unique=False)
    _create_insert_only_guards()


def _create_insert_only_guards() -> None:
    """Old versions must stay loadable, so the database itself refuses to change or remove one.

    On SQLite a later batch_alter_table on this table rebuilds it without these triggers:
    a migration that does so must create them again.
    """
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION reference_data_versions_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{INSERT_ONLY_MESSAGE}'; END $$;
        """)
        op.execute("CREATE TRIGGER reference_data_versions_no_update_delete BEFORE UPDATE OR DELETE "
                   "ON reference_data_versions FOR EACH ROW EXECUTE FUNCTION reference_data_versions_insert_only()")
        op.execute("CREATE TRIGGER reference_data_versions_no_truncate BEFORE TRUNCATE ON reference_data_versions "
                   "FOR EACH STATEMENT EXECUTE FUNCTION reference_data_versions_insert_only()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER reference_data_versions_no_{verb.lower()} BEFORE {verb} "
                       f"ON reference_data_versions BEGIN SELECT RAISE(ABORT, '{INSERT_ONLY_MESSAGE}'); END")


def _drop_insert_only_guards() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER reference_data_versions_no_truncate ON reference_data_versions")
        op.execute("DROP TRIGGER reference_data_versions_no_update_delete ON reference_data_versions")
        op.execute("DROP FUNCTION reference_data_versions_insert_only()")
    else:
        op.execute("DROP TRIGGER reference_data_versions_no_update")
        op.execute("DROP TRIGGER reference_data_versions_no_delete")


def downgrade() -> None:
    _drop_insert_only_guards()
    with op.batch_alter_table('reference_data_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reference_data_versions_uploaded_by_id'))

    op.drop_table('reference_data_versions')
