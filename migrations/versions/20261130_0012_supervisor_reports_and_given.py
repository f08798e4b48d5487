"""Supervisor reports, supervision given outside the service, supervision training and feedback forms

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 08:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import models.base


revision: str = '0012'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('supervisor_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supervisee_id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('written_on', sa.Date(), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('caseload', sa.Text(), nullable=False),
    sa.Column('competence', sa.Text(), nullable=False),
    sa.Column('concerns', sa.Text(), nullable=True),
    sa.Column('recommendation', sa.String(length=20), nullable=False),
    sa.Column('recommendation_text', sa.Text(), nullable=True),
    sa.Column('acknowledged_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('supervisee_comment', sa.Text(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('period_to >= period_from', name=op.f('ck_supervisor_reports_period_in_order')),
    sa.ForeignKeyConstraint(['supervisee_id'], ['users.id'], name=op.f('fk_supervisor_reports_supervisee_id_users')),
    sa.ForeignKeyConstraint(['supervisor_id'], ['users.id'], name=op.f('fk_supervisor_reports_supervisor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervisor_reports'))
    )
    with op.batch_alter_table('supervisor_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervisor_reports_supervisee_id'), ['supervisee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervisor_reports_supervisor_id'), ['supervisor_id'], unique=False)

    op.create_table('outside_supervision_given',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('group_size', sa.Integer(), nullable=False),
    sa.Column('cbt', sa.Boolean(), nullable=False),
    sa.Column('supervisee_is_pwp', sa.Boolean(), nullable=False),
    sa.Column('setting', sa.String(length=255), nullable=False),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('group_size >= 1', name=op.f('ck_outside_supervision_given_group_size_positive')),
    sa.CheckConstraint('minutes > 0 AND minutes <= 600', name=op.f('ck_outside_supervision_given_sensible_minutes')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_outside_supervision_given_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outside_supervision_given'))
    )
    with op.batch_alter_table('outside_supervision_given', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outside_supervision_given_owner_id'), ['owner_id'], unique=False)

    op.create_table('supervision_training',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('provider', sa.String(length=255), nullable=True),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('end_on >= start_on', name=op.f('ck_supervision_training_dates_in_order')),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_supervision_training_minutes_positive')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_supervision_training_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_training'))
    )
    with op.batch_alter_table('supervision_training', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_training_owner_id'), ['owner_id'], unique=False)

    op.create_table('feedback_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['supervisor_id'], ['users.id'], name=op.f('fk_feedback_requests_supervisor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_requests'))
    )
    with op.batch_alter_table('feedback_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_requests_supervisor_id'), ['supervisor_id'], unique=False)

    op.create_table('feedback_invitees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('supervisee_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['feedback_requests.id'], name=op.f('fk_feedback_invitees_request_id_feedback_requests')),
    sa.ForeignKeyConstraint(['supervisee_id'], ['users.id'], name=op.f('fk_feedback_invitees_supervisee_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_invitees')),
    sa.UniqueConstraint('request_id', 'supervisee_id', name=op.f('uq_feedback_invitees_request_id_supervisee_id'))
    )
    with op.batch_alter_table('feedback_invitees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_invitees_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_invitees_supervisee_id'), ['supervisee_id'], unique=False)

    op.create_table('feedback_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.Column('ratings', sa.JSON(), nullable=False),
    sa.Column('comments', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['feedback_requests.id'], name=op.f('fk_feedback_answers_request_id_feedback_requests')),
    sa.ForeignKeyConstraint(['respondent_id'], ['users.id'], name=op.f('fk_feedback_answers_respondent_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_answers')),
    sa.UniqueConstraint('request_id', 'respondent_id', name=op.f('uq_feedback_answers_request_id_respondent_id'))
    )
    with op.batch_alter_table('feedback_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_answers_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_answers_respondent_id'), ['respondent_id'], unique=False)


def downgrade() -> None:
    for table, columns in (('feedback_answers', ('request_id', 'respondent_id')),
                           ('feedback_invitees', ('request_id', 'supervisee_id')),
                           ('feedback_requests', ('supervisor_id',)),
                           ('supervision_training', ('owner_id',)),
                           ('outside_supervision_given', ('owner_id',)),
                           ('supervisor_reports', ('supervisee_id', 'supervisor_id'))):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))
        op.drop_table(table)
