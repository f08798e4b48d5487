"""Countersigning supervision and CTS-R ratings; supervision contracts

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 08:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import models.base


revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('supervision_contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('relationship_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('clinical', 'case_management', 'clinical_skills', 'supervision_of_supervision', name='supervisionkind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('minutes_per_month', sa.Integer(), nullable=False),
    sa.Column('sessions_per_month', sa.Integer(), nullable=True),
    sa.Column('group_size', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('review_on IS NULL OR review_on > starts_on', name=op.f('ck_supervision_contracts_review_after_start')),
    sa.CheckConstraint('minutes_per_month > 0', name=op.f('ck_supervision_contracts_minutes_positive')),
    sa.CheckConstraint('sessions_per_month IS NULL OR sessions_per_month > 0', name=op.f('ck_supervision_contracts_sessions_positive')),
    sa.CheckConstraint('group_size >= 1', name=op.f('ck_supervision_contracts_group_size_positive')),
    sa.ForeignKeyConstraint(['relationship_id'], ['staff_relationships.id'], name=op.f('fk_supervision_contracts_relationship_id_staff_relationships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_contracts'))
    )
    with op.batch_alter_table('supervision_contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_contracts_relationship_id'), ['relationship_id'], unique=False)

    # Existing rows start as awaiting; the server default only fills them and is then dropped.
    with op.batch_alter_table('supervision_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('countersign_status', sa.Enum('awaiting', 'confirmed', 'disputed', name='countersignstatus', native_enum=False, create_constraint=True, length=20), nullable=False, server_default='awaiting'))
        batch_op.add_column(sa.Column('countersigned_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('countersigned_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('countersign_comment', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('countersigned_outside_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('countersigned_digest', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_supervision_sessions_countersigned_by_id'), ['countersigned_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_supervision_sessions_countersigned_by_id_users'), 'users', ['countersigned_by_id'], ['id'])
    with op.batch_alter_table('supervision_sessions', schema=None) as batch_op:
        batch_op.alter_column('countersign_status', server_default=None)

    with op.batch_alter_table('ctsr_ratings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirm_status', sa.Enum('awaiting', 'confirmed', 'disputed', name='countersignstatus', native_enum=False, create_constraint=True, length=20), nullable=False, server_default='awaiting'))
        batch_op.add_column(sa.Column('confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('confirm_comment', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ctsr_ratings_confirmed_by_id'), ['confirmed_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_ctsr_ratings_confirmed_by_id_users'), 'users', ['confirmed_by_id'], ['id'])
    with op.batch_alter_table('ctsr_ratings', schema=None) as batch_op:
        batch_op.alter_column('confirm_status', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('ctsr_ratings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ctsr_ratings_confirmed_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ctsr_ratings_confirmed_by_id'))
        batch_op.drop_column('confirm_comment')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('confirmed_by_id')
        batch_op.drop_constraint(batch_op.f('ck_ctsr_ratings_countersignstatus'), type_='check')
        batch_op.drop_column('confirm_status')

    with op.batch_alter_table('supervision_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_supervision_sessions_countersigned_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_supervision_sessions_countersigned_by_id'))
        batch_op.drop_column('countersigned_digest')
        batch_op.drop_column('countersigned_outside_name')
        batch_op.drop_column('countersign_comment')
        batch_op.drop_column('countersigned_at')
        batch_op.drop_column('countersigned_by_id')
        batch_op.drop_constraint(batch_op.f('ck_supervision_sessions_countersignstatus'), type_='check')
        batch_op.drop_column('countersign_status')

    with op.batch_alter_table('supervision_contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_contracts_relationship_id'))

    op.drop_table('supervision_contracts')
