"""Single-use links for outside supervisors and referees

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 08:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import models.base


revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outside_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('confirm_supervision', 'ksa_reference', 'ksa_countersignature', name='linkpurpose', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('session_ids', sa.JSON(), nullable=False),
    sa.Column('reference_request_id', sa.Integer(), nullable=True),
    sa.Column('recipient_name', sa.String(length=120), nullable=False),
    sa.Column('recipient_email', sa.String(length=255), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_by_name', sa.String(length=120), nullable=True),
    sa.CheckConstraint("purpose = 'confirm_supervision' OR reference_request_id IS NOT NULL", name=op.f('ck_outside_links_has_request')),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_outside_links_expires_after_created')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_outside_links_owner_id_users')),
    sa.ForeignKeyConstraint(['reference_request_id'], ['reference_requests.id'], name=op.f('fk_outside_links_reference_request_id_reference_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outside_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_outside_links_token_hash'))
    )
    with op.batch_alter_table('outside_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outside_links_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outside_links_reference_request_id'), ['reference_request_id'], unique=False)

    with op.batch_alter_table('reference_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('completed_via', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('completed_by_name', sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reference_requests', schema=None) as batch_op:
        batch_op.drop_column('completed_by_name')
        batch_op.drop_column('completed_via')
        batch_op.drop_column('response_text')

    with op.batch_alter_table('outside_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outside_links_reference_request_id'))
        batch_op.drop_index(batch_op.f('ix_outside_links_owner_id'))

    op.drop_table('outside_links')
