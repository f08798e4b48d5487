"""evidence and claims

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 07:28:52.636317
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import models.base


revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('stored_files',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_stored_files'))
    )
    op.create_table('competence_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.String(length=60), nullable=False),
    sa.Column('framework_version', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=60), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'submitted', 'returned', 'signed_off', 'needs_resigning', name='claimstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('statement', sa.JSON(), nullable=False),
    sa.Column('submitted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('sign_off_method', sa.String(length=30), nullable=True),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_competence_claims_owner_id_users')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_competence_claims_signed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competence_claims'))
    )
    with op.batch_alter_table('competence_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competence_claims_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competence_claims_signed_by_id'), ['signed_by_id'], unique=False)

    op.create_table('evidence_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('dated_on', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('shared_with_hr', sa.Boolean(), nullable=False),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['file_sha256'], ['stored_files.sha256'], name=op.f('fk_evidence_items_file_sha256_stored_files')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_evidence_items_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_items'))
    )
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_items_file_sha256'), ['file_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_items_owner_id'), ['owner_id'], unique=False)

    op.create_table('case_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['clinical_cases.id'], name=op.f('fk_case_evidence_case_id_clinical_cases')),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence_items.id'], name=op.f('fk_case_evidence_evidence_id_evidence_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_evidence')),
    sa.UniqueConstraint('case_id', 'evidence_id', name=op.f('uq_case_evidence_case_id_evidence_id'))
    )
    with op.batch_alter_table('case_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_evidence_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_evidence_evidence_id'), ['evidence_id'], unique=False)

    op.create_table('claim_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('evidence_type', sa.String(length=60), nullable=True),
    sa.ForeignKeyConstraint(['claim_id'], ['competence_claims.id'], name=op.f('fk_claim_evidence_claim_id_competence_claims')),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence_items.id'], name=op.f('fk_claim_evidence_evidence_id_evidence_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_evidence')),
    sa.UniqueConstraint('claim_id', 'evidence_id', name=op.f('uq_claim_evidence_claim_id_evidence_id'))
    )
    with op.batch_alter_table('claim_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_evidence_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claim_evidence_evidence_id'), ['evidence_id'], unique=False)

    op.create_table('claim_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=False),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('method', sa.String(length=30), nullable=True),
    sa.Column('claim_digest', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_claim_status_changes_actor_id_users')),
    sa.ForeignKeyConstraint(['claim_id'], ['competence_claims.id'], name=op.f('fk_claim_status_changes_claim_id_competence_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_status_changes'))
    )
    with op.batch_alter_table('claim_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_status_changes_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claim_status_changes_claim_id'), ['claim_id'], unique=False)

    op.create_table('cpd_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cpd_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cpd_id'], ['cpd_activities.id'], name=op.f('fk_cpd_evidence_cpd_id_cpd_activities')),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence_items.id'], name=op.f('fk_cpd_evidence_evidence_id_evidence_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cpd_evidence')),
    sa.UniqueConstraint('cpd_id', 'evidence_id', name=op.f('uq_cpd_evidence_cpd_id_evidence_id'))
    )
    with op.batch_alter_table('cpd_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cpd_evidence_cpd_id'), ['cpd_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cpd_evidence_evidence_id'), ['evidence_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('cpd_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cpd_evidence_evidence_id'))
        batch_op.drop_index(batch_op.f('ix_cpd_evidence_cpd_id'))

    op.drop_table('cpd_evidence')
    with op.batch_alter_table('claim_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_status_changes_claim_id'))
        batch_op.drop_index(batch_op.f('ix_claim_status_changes_actor_id'))

    op.drop_table('claim_status_changes')
    with op.batch_alter_table('claim_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_evidence_evidence_id'))
        batch_op.drop_index(batch_op.f('ix_claim_evidence_claim_id'))

    op.drop_table('claim_evidence')
    with op.batch_alter_table('case_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_evidence_evidence_id'))
        batch_op.drop_index(batch_op.f('ix_case_evidence_case_id'))

    op.drop_table('case_evidence')
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_items_owner_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_items_file_sha256'))

    op.drop_table('evidence_items')
    with op.batch_alter_table('competence_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competence_claims_signed_by_id'))
        batch_op.drop_index(batch_op.f('ix_competence_claims_owner_id'))

    op.drop_table('competence_claims')
    op.drop_table('stored_files')
