"""foundation: people, organisation, relationships, accounts, audit

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-30 04:46:43.543589
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import models.base


revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_chain_heads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_heads'))
    )
    op.create_table('login_throttles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_until', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_throttles')),
    sa.UniqueConstraint('key', name=op.f('uq_login_throttles_key'))
    )
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('ods_code', sa.String(length=10), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('name', name=op.f('uq_organisations_name'))
    )
    op.create_table('outbox_mails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_address', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_mails'))
    )
    op.create_table('services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_services_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_services')),
    sa.UniqueConstraint('organisation_id', 'name', name=op.f('uq_services_organisation_id_name'))
    )
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_services_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('password_changed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_users_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('occurred_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=60), nullable=False),
    sa.Column('object_id', sa.String(length=40), nullable=True),
    sa.Column('before_digest', sa.String(length=64), nullable=True),
    sa.Column('after_digest', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_events_hash')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_events_seq'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)

    op.create_table('password_reset_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_password_reset_tokens_issued_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_reset_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_tokens_token_hash'))
    )
    with op.batch_alter_table('password_reset_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('role_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('practitioner', 'supervisor', 'line_manager', 'service_lead', 'hr', 'admin', 'course_tutor', name='role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("role <> 'service_lead' OR service_id IS NOT NULL", name=op.f('ck_role_grants_service_lead_has_service')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_role_grants_service_id_services')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_role_grants_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grants')),
    sa.UniqueConstraint('user_id', 'role', 'service_id', name=op.f('uq_role_grants_user_id_role_service_id'))
    )
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_grants_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_grants_user_id'), ['user_id'], unique=False)

    op.create_table('staff_relationships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('supervision', 'line_management', 'tutoring', name='relationshipkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('supervision_kind', sa.Enum('clinical', 'case_management', 'clinical_skills', 'supervision_of_supervision', name='supervisionkind', native_enum=False, create_constraint=True, length=30), nullable=True),
    sa.Column('senior_id', sa.Integer(), nullable=False),
    sa.Column('junior_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(kind = 'supervision') = (supervision_kind IS NOT NULL)", name=op.f('ck_staff_relationships_supervision_kind_iff_supervision')),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_staff_relationships_dates_in_order')),
    sa.CheckConstraint('senior_id <> junior_id', name=op.f('ck_staff_relationships_two_people')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_staff_relationships_created_by_id_users')),
    sa.ForeignKeyConstraint(['junior_id'], ['users.id'], name=op.f('fk_staff_relationships_junior_id_users')),
    sa.ForeignKeyConstraint(['senior_id'], ['users.id'], name=op.f('fk_staff_relationships_senior_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_relationships'))
    )
    with op.batch_alter_table('staff_relationships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_relationships_junior_id'), ['junior_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_relationships_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_relationships_senior_id'), ['senior_id'], unique=False)

    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_teams_service_id_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('service_id', 'name', name=op.f('uq_teams_service_id_name'))
    )
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teams_service_id'), ['service_id'], unique=False)

    op.create_table('staff_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('job_title', sa.String(length=120), nullable=False),
    sa.Column('core_profession', sa.String(length=120), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('band', sa.String(length=3), nullable=True),
    sa.Column('band_started_on', sa.Date(), nullable=True),
    sa.Column('pay_step', sa.Integer(), nullable=True),
    sa.Column('step_started_on', sa.Date(), nullable=True),
    sa.Column('employee_number', sa.String(length=30), nullable=True),
    sa.CheckConstraint('pay_step IS NULL OR pay_step BETWEEN 1 AND 3', name=op.f('ck_staff_profiles_pay_step_range')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_staff_profiles_team_id_teams')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_profiles_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_profiles')),
    sa.UniqueConstraint('employee_number', name=op.f('uq_staff_profiles_employee_number')),
    sa.UniqueConstraint('user_id', name=op.f('uq_staff_profiles_user_id'))
    )
    with op.batch_alter_table('staff_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_profiles_team_id'), ['team_id'], unique=False)

    op.create_table('leave_of_absence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('maternity', 'adoption', 'shared_parental', 'sickness', 'unpaid', 'career_break', 'secondment', 'other', name='leavekind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_leave_of_absence_dates_in_order')),
    sa.ForeignKeyConstraint(['profile_id'], ['staff_profiles.id'], name=op.f('fk_leave_of_absence_profile_id_staff_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leave_of_absence'))
    )
    with op.batch_alter_table('leave_of_absence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leave_of_absence_profile_id'), ['profile_id'], unique=False)

    op.create_table('professional_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('regulator', sa.Enum('babcp', 'bps', 'bacp', 'ukcp', 'nmc', 'hcpc', 'swe', name='regulator', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('registration_number', sa.String(length=40), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('renewal_due_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['profile_id'], ['staff_profiles.id'], name=op.f('fk_professional_registrations_profile_id_staff_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_professional_registrations')),
    sa.UniqueConstraint('profile_id', 'regulator', name=op.f('uq_professional_registrations_profile_id_regulator'))
    )
    with op.batch_alter_table('professional_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_professional_registrations_profile_id'), ['profile_id'], unique=False)

    op.create_table('working_patterns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('wte', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_working_patterns_dates_in_order')),
    sa.CheckConstraint('wte > 0 AND wte <= 1', name=op.f('ck_working_patterns_wte_range')),
    sa.ForeignKeyConstraint(['profile_id'], ['staff_profiles.id'], name=op.f('fk_working_patterns_profile_id_staff_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_patterns'))
    )
    with op.batch_alter_table('working_patterns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_working_patterns_profile_id'), ['profile_id'], unique=False)
    op.execute(sa.text("INSERT INTO audit_chain_heads (id, seq, hash) VALUES (1, 0, :genesis)")
               .bindparams(genesis="0" * 64))
    _create_append_only_guards()


APPEND_ONLY_MESSAGE = "audit_events is append-only: events may not be changed or removed"


def _create_append_only_guards() -> None:
    """Refuse UPDATE and DELETE on the audit trail in the database itself, not only in code."""
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$;
        """)
        op.execute("CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events "
                   "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")
        op.execute("CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                       f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END")


def _drop_append_only_guards() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER audit_events_no_update_delete ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("DROP TRIGGER audit_events_no_delete")


def downgrade() -> None:
    _drop_append_only_guards()
    with op.batch_alter_table('working_patterns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_working_patterns_profile_id'))

    op.drop_table('working_patterns')
    with op.batch_alter_table('professional_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_professional_registrations_profile_id'))

    op.drop_table('professional_registrations')
    with op.batch_alter_table('leave_of_absence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leave_of_absence_profile_id'))

    op.drop_table('leave_of_absence')
    with op.batch_alter_table('staff_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_profiles_team_id'))

    op.drop_table('staff_profiles')
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teams_service_id'))

    op.drop_table('teams')
    with op.batch_alter_table('staff_relationships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_relationships_senior_id'))
        batch_op.drop_index(batch_op.f('ix_staff_relationships_kind'))
        batch_op.drop_index(batch_op.f('ix_staff_relationships_junior_id'))

    op.drop_table('staff_relationships')
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_grants_user_id'))
        batch_op.drop_index(batch_op.f('ix_role_grants_service_id'))

    op.drop_table('role_grants')
    with op.batch_alter_table('password_reset_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_tokens_user_id'))

    op.drop_table('password_reset_tokens')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))

    op.drop_table('audit_events')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_organisation_id'))

    op.drop_table('users')
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_services_organisation_id'))

    op.drop_table('services')
    op.drop_table('outbox_mails')
    op.drop_table('organisations')
    op.drop_table('login_throttles')
    op.drop_table('audit_chain_heads')
