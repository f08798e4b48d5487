"""portfolio logs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 05:47:13.582279
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import models.base


revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('clinical_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('case_ref', sa.String(length=40), nullable=False),
    sa.Column('problem', sa.String(length=40), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('modality', sa.String(length=40), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('training_case', sa.Boolean(), nullable=False),
    sa.Column('closely_supervised', sa.Boolean(), nullable=False),
    sa.Column('assessed_case_study', sa.Boolean(), nullable=False),
    sa.Column('attended_sessions', sa.Integer(), nullable=False),
    sa.Column('first_scores', sa.JSON(), nullable=False),
    sa.Column('last_scores', sa.JSON(), nullable=False),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('attended_sessions >= 0', name=op.f('ck_clinical_cases_sessions_not_negative')),
    sa.CheckConstraint('ended_on IS NULL OR ended_on >= started_on', name=op.f('ck_clinical_cases_dates_in_order')),
    sa.CheckConstraint('step IN (2, 3)', name=op.f('ck_clinical_cases_step_2_or_3')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_clinical_cases_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinical_cases')),
    sa.UniqueConstraint('owner_id', 'case_ref', name=op.f('uq_clinical_cases_owner_id_case_ref'))
    )
    with op.batch_alter_table('clinical_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clinical_cases_owner_id'), ['owner_id'], unique=False)

    op.create_table('cpd_activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('provider', sa.String(length=255), nullable=True),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('participatory', sa.Boolean(), nullable=False),
    sa.Column('hcpc_standards', sa.JSON(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('cbt', sa.Boolean(), nullable=False),
    sa.Column('cbt_skills', sa.Boolean(), nullable=False),
    sa.Column('reflection_learned', sa.Text(), nullable=True),
    sa.Column('reflection_practice', sa.Text(), nullable=True),
    sa.Column('competences', sa.JSON(), nullable=False),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('end_on >= start_on', name=op.f('ck_cpd_activities_dates_in_order')),
    sa.CheckConstraint('minutes > 0 AND minutes % 15 = 0', name=op.f('ck_cpd_activities_quarter_hours')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_cpd_activities_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cpd_activities'))
    )
    with op.batch_alter_table('cpd_activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cpd_activities_owner_id'), ['owner_id'], unique=False)

    op.create_table('nmc_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('what_changed', sa.Text(), nullable=True),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_nmc_feedback_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nmc_feedback'))
    )
    with op.batch_alter_table('nmc_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nmc_feedback_owner_id'), ['owner_id'], unique=False)

    op.create_table('nmc_practice_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('setting', sa.String(length=255), nullable=False),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('end_on >= start_on', name=op.f('ck_nmc_practice_hours_dates_in_order')),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_nmc_practice_hours_minutes_positive')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_nmc_practice_hours_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nmc_practice_hours'))
    )
    with op.batch_alter_table('nmc_practice_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nmc_practice_hours_owner_id'), ['owner_id'], unique=False)

    op.create_table('nmc_reflective_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('written_on', sa.Date(), nullable=False),
    sa.Column('nature_of_experience', sa.Text(), nullable=False),
    sa.Column('what_learned', sa.Text(), nullable=False),
    sa.Column('how_changed_practice', sa.Text(), nullable=False),
    sa.Column('code_themes', sa.JSON(), nullable=False),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_nmc_reflective_accounts_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nmc_reflective_accounts'))
    )
    with op.batch_alter_table('nmc_reflective_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nmc_reflective_accounts_owner_id'), ['owner_id'], unique=False)

    op.create_table('nmc_reflective_discussions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('partner_name', sa.String(length=120), nullable=False),
    sa.Column('partner_pin', sa.String(length=12), nullable=False),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_nmc_reflective_discussions_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nmc_reflective_discussions'))
    )
    with op.batch_alter_table('nmc_reflective_discussions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nmc_reflective_discussions_owner_id'), ['owner_id'], unique=False)

    op.create_table('clinical_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=20), nullable=False),
    sa.Column('individual', sa.Boolean(), nullable=False),
    sa.Column('cbt', sa.Boolean(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('count >= 1', name=op.f('ck_clinical_contacts_count_positive')),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_clinical_contacts_minutes_positive')),
    sa.CheckConstraint('step IN (2, 3)', name=op.f('ck_clinical_contacts_step_2_or_3')),
    sa.ForeignKeyConstraint(['case_id'], ['clinical_cases.id'], name=op.f('fk_clinical_contacts_case_id_clinical_cases')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_clinical_contacts_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinical_contacts'))
    )
    with op.batch_alter_table('clinical_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clinical_contacts_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clinical_contacts_owner_id'), ['owner_id'], unique=False)

    op.create_table('supervision_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supervisee_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('clinical', 'case_management', 'clinical_skills', 'supervision_of_supervision', name='supervisionkind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('group_size', sa.Integer(), nullable=False),
    sa.Column('cbt', sa.Boolean(), nullable=False),
    sa.Column('live_or_recorded_sampled', sa.Boolean(), nullable=False),
    sa.Column('relationship_id', sa.Integer(), nullable=True),
    sa.Column('supervisor_id', sa.Integer(), nullable=True),
    sa.Column('outside_supervisor_name', sa.String(length=120), nullable=True),
    sa.Column('outside_supervisor_credentials', sa.String(length=255), nullable=True),
    sa.Column('themes', sa.Text(), nullable=True),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('group_size >= 1', name=op.f('ck_supervision_sessions_group_size_positive')),
    sa.CheckConstraint('minutes > 0 AND minutes <= 600', name=op.f('ck_supervision_sessions_sensible_minutes')),
    sa.CheckConstraint('supervisor_id IS NOT NULL OR outside_supervisor_name IS NOT NULL', name=op.f('ck_supervision_sessions_has_supervisor')),
    sa.ForeignKeyConstraint(['relationship_id'], ['staff_relationships.id'], name=op.f('fk_supervision_sessions_relationship_id_staff_relationships')),
    sa.ForeignKeyConstraint(['supervisee_id'], ['users.id'], name=op.f('fk_supervision_sessions_supervisee_id_users')),
    sa.ForeignKeyConstraint(['supervisor_id'], ['users.id'], name=op.f('fk_supervision_sessions_supervisor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_sessions'))
    )
    with op.batch_alter_table('supervision_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_sessions_relationship_id'), ['relationship_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_sessions_supervisee_id'), ['supervisee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_sessions_supervisor_id'), ['supervisor_id'], unique=False)

    op.create_table('supervision_case_minutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('case_ref', sa.String(length=40), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_supervision_case_minutes_minutes_positive')),
    sa.ForeignKeyConstraint(['session_id'], ['supervision_sessions.id'], name=op.f('fk_supervision_case_minutes_session_id_supervision_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_case_minutes'))
    )
    with op.batch_alter_table('supervision_case_minutes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_case_minutes_session_id'), ['session_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('supervision_case_minutes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_case_minutes_session_id'))

    op.drop_table('supervision_case_minutes')
    with op.batch_alter_table('supervision_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_sessions_supervisor_id'))
        batch_op.drop_index(batch_op.f('ix_supervision_sessions_supervisee_id'))
        batch_op.drop_index(batch_op.f('ix_supervision_sessions_relationship_id'))

    op.drop_table('supervision_sessions')
    with op.batch_alter_table('clinical_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clinical_contacts_owner_id'))
        batch_op.drop_index(batch_op.f('ix_clinical_contacts_case_id'))

    op.drop_table('clinical_contacts')
    with op.batch_alter_table('nmc_reflective_discussions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nmc_reflective_discussions_owner_id'))

    op.drop_table('nmc_reflective_discussions')
    with op.batch_alter_table('nmc_reflective_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nmc_reflective_accounts_owner_id'))

    op.drop_table('nmc_reflective_accounts')
    with op.batch_alter_table('nmc_practice_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nmc_practice_hours_owner_id'))

    op.drop_table('nmc_practice_hours')
    with op.batch_alter_table('nmc_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nmc_feedback_owner_id'))

    op.drop_table('nmc_feedback')
    with op.batch_alter_table('cpd_activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cpd_activities_owner_id'))

    op.drop_table('cpd_activities')
    with op.batch_alter_table('clinical_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clinical_cases_owner_id'))

    op.drop_table('clinical_cases')
