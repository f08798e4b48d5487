"""KSA route: portfolio choice, biography, experience log, self-directed study, reference requests

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 07:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import models.base


revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ksa_experiences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('employment', 'volunteering', 'placement', name='experiencekind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('organisation', sa.String(length=255), nullable=False),
    sa.Column('role_title', sa.String(length=120), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('hours_per_week', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('mental_health_setting', sa.Boolean(), nullable=False),
    sa.Column('accountable_to', sa.String(length=255), nullable=True),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ended_on IS NULL OR ended_on >= started_on', name=op.f('ck_ksa_experiences_dates_in_order')),
    sa.CheckConstraint('hours_per_week > 0 AND hours_per_week <= 60', name=op.f('ck_ksa_experiences_sensible_hours')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_ksa_experiences_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ksa_experiences'))
    )
    with op.batch_alter_table('ksa_experiences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ksa_experiences_owner_id'), ['owner_id'], unique=False)

    op.create_table('ksa_portfolios',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('route', sa.String(length=60), nullable=True),
    sa.Column('background', sa.String(length=255), nullable=True),
    sa.Column('biography', sa.Text(), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_ksa_portfolios_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ksa_portfolios')),
    sa.UniqueConstraint('owner_id', name=op.f('uq_ksa_portfolios_owner_id'))
    )
    op.create_table('ksa_studies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=False),
    sa.Column('topic', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('learned', sa.Text(), nullable=True),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ended_on >= started_on', name=op.f('ck_ksa_studies_dates_in_order')),
    sa.CheckConstraint('minutes > 0 AND minutes <= 6000', name=op.f('ck_ksa_studies_sensible_minutes')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_ksa_studies_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ksa_studies'))
    )
    with op.batch_alter_table('ksa_studies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ksa_studies_owner_id'), ['owner_id'], unique=False)

    op.create_table('reference_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('reference', 'countersignature', name='referencekind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=True),
    sa.Column('referee_id', sa.Integer(), nullable=True),
    sa.Column('referee_name', sa.String(length=120), nullable=True),
    sa.Column('referee_email', sa.String(length=255), nullable=True),
    sa.Column('referee_role', sa.String(length=255), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('requested', 'cancelled', 'completed', name='referencestatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('requested_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status <> 'cancelled' OR cancelled_at IS NOT NULL", name=op.f('ck_reference_requests_cancelled_when')),
    sa.CheckConstraint('referee_id IS NOT NULL OR (referee_name IS NOT NULL AND referee_email IS NOT NULL)', name=op.f('ck_reference_requests_has_referee')),
    sa.ForeignKeyConstraint(['claim_id'], ['competence_claims.id'], name=op.f('fk_reference_requests_claim_id_competence_claims')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_reference_requests_owner_id_users')),
    sa.ForeignKeyConstraint(['referee_id'], ['users.id'], name=op.f('fk_reference_requests_referee_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_requests'))
    )
    with op.batch_alter_table('reference_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reference_requests_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reference_requests_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reference_requests_referee_id'), ['referee_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reference_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reference_requests_referee_id'))
        batch_op.drop_index(batch_op.f('ix_reference_requests_owner_id'))
        batch_op.drop_index(batch_op.f('ix_reference_requests_claim_id'))

    op.drop_table('reference_requests')
    with op.batch_alter_table('ksa_studies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ksa_studies_owner_id'))

    op.drop_table('ksa_studies')
    op.drop_table('ksa_portfolios')
    with op.batch_alter_table('ksa_experiences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ksa_experiences_owner_id'))

    op.drop_table('ksa_experiences')
