"""Training course record, CTS-R ratings and PWP live assessments

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 07:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import models.base


revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pwp_live_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('intervention', sa.String(length=40), nullable=False),
    sa.Column('intervention_other', sa.String(length=120), nullable=True),
    sa.Column('assessor_name', sa.String(length=120), nullable=False),
    sa.Column('tool', sa.String(length=255), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IN ('pass', 'refer', 'fail')", name=op.f('ck_pwp_live_assessments_outcome_known')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_pwp_live_assessments_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pwp_live_assessments'))
    )
    with op.batch_alter_table('pwp_live_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pwp_live_assessments_owner_id'), ['owner_id'], unique=False)

    op.create_table('training_courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('provider', sa.String(length=255), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('ctsr_pass_mark', sa.Integer(), nullable=True),
    sa.Column('recordings_required', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ctsr_pass_mark IS NULL OR (ctsr_pass_mark >= 0 AND ctsr_pass_mark <= 72)', name=op.f('ck_training_courses_ctsr_pass_mark_in_range')),
    sa.CheckConstraint('ended_on IS NULL OR ended_on >= started_on', name=op.f('ck_training_courses_dates_in_order')),
    sa.CheckConstraint('recordings_required IS NULL OR recordings_required >= 1', name=op.f('ck_training_courses_recordings_positive')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_training_courses_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_courses'))
    )
    with op.batch_alter_table('training_courses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_courses_owner_id'), ['owner_id'], unique=False)

    op.create_table('assessed_case_studies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('case_ref', sa.String(length=40), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('word_count', sa.Integer(), nullable=True),
    sa.Column('mark', sa.String(length=40), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('word_count IS NULL OR word_count > 0', name=op.f('ck_assessed_case_studies_word_count_positive')),
    sa.ForeignKeyConstraint(['case_id'], ['clinical_cases.id'], name=op.f('fk_assessed_case_studies_case_id_clinical_cases')),
    sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'], name=op.f('fk_assessed_case_studies_course_id_training_courses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessed_case_studies'))
    )
    with op.batch_alter_table('assessed_case_studies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessed_case_studies_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessed_case_studies_course_id'), ['course_id'], unique=False)

    op.create_table('ctsr_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('rated_on', sa.Date(), nullable=False),
    sa.Column('recording_ref', sa.String(length=40), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('case_ref', sa.String(length=40), nullable=True),
    sa.Column('rater_role', sa.String(length=20), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=True),
    sa.Column('rater_name', sa.String(length=120), nullable=True),
    sa.Column('scale_id', sa.String(length=40), nullable=False),
    sa.Column('scale_version', sa.Integer(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('comments', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('pass_mark_used', sa.Integer(), nullable=False),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("rater_role IN ('self', 'supervisor', 'course_tutor')", name=op.f('ck_ctsr_ratings_rater_role_known')),
    sa.CheckConstraint('total >= 0 AND total <= 72', name=op.f('ck_ctsr_ratings_total_in_range')),
    sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'], name=op.f('fk_ctsr_ratings_course_id_training_courses')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_ctsr_ratings_owner_id_users')),
    sa.ForeignKeyConstraint(['rater_id'], ['users.id'], name=op.f('fk_ctsr_ratings_rater_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ctsr_ratings'))
    )
    with op.batch_alter_table('ctsr_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ctsr_ratings_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ctsr_ratings_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ctsr_ratings_rater_id'), ['rater_id'], unique=False)

    op.create_table('training_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('skills_focused', sa.Boolean(), nullable=False),
    sa.Column('topic', sa.String(length=255), nullable=False),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('taught_live', 'online_interactive', 'self_directed')", name=op.f('ck_training_hours_kind_known')),
    sa.CheckConstraint('end_on >= start_on', name=op.f('ck_training_hours_dates_in_order')),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_training_hours_minutes_positive')),
    sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'], name=op.f('fk_training_hours_course_id_training_courses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_hours'))
    )
    with op.batch_alter_table('training_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_hours_course_id'), ['course_id'], unique=False)

    op.create_table('university_supervision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('supervisor_name', sa.String(length=120), nullable=False),
    sa.Column('group_size', sa.Integer(), nullable=False),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('group_size >= 1', name=op.f('ck_university_supervision_group_size_positive')),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_university_supervision_minutes_positive')),
    sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'], name=op.f('fk_university_supervision_course_id_training_courses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_university_supervision'))
    )
    with op.batch_alter_table('university_supervision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_university_supervision_course_id'), ['course_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('university_supervision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_university_supervision_course_id'))

    op.drop_table('university_supervision')
    with op.batch_alter_table('training_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_hours_course_id'))

    op.drop_table('training_hours')
    with op.batch_alter_table('ctsr_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ctsr_ratings_rater_id'))
        batch_op.drop_index(batch_op.f('ix_ctsr_ratings_owner_id'))
        batch_op.drop_index(batch_op.f('ix_ctsr_ratings_course_id'))

    op.drop_table('ctsr_ratings')
    with op.batch_alter_table('assessed_case_studies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessed_case_studies_course_id'))
        batch_op.drop_index(batch_op.f('ix_assessed_case_studies_case_id'))

    op.drop_table('assessed_case_studies')
    with op.batch_alter_table('training_courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_courses_owner_id'))

    op.drop_table('training_courses')
    with op.batch_alter_table('pwp_live_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pwp_live_assessments_owner_id'))

    op.drop_table('pwp_live_assessments')
