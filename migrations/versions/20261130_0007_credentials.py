"""Accreditations, registrations and qualifications with reminders

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 07:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import models.base


revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


OLD_BODIES = ('babcp', 'bps', 'bacp', 'ukcp', 'nmc', 'hcpc', 'swe')
NEW_BODIES = OLD_BODIES + ('university', 'other')
TYPES = ('accreditation', 'registration', 'qualification', 'membership')
STATUSES = ('current', 'pending', 'lapsed', 'suspended', 'expired')
#: The kinds a row had before it was recorded: the snapshot builder's guess from the post, frozen here.
PLAIN_KINDS = {'nmc': 'nmc', 'hcpc': 'hcpc', 'swe': 'swe', 'ukcp': 'ukcp', 'bacp': 'bacp_accreditation'}
TYPE_OF = {'babcp_accreditation': 'accreditation', 'bacp_accreditation': 'accreditation', 'bps': 'membership'}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _guessed_kind(regulator: str, band: str | None, job_title: str | None) -> str:
    title = (job_title or '').lower()
    pwp = band in ('4', '5') or 'wellbeing' in title
    if regulator == 'babcp':
        return 'babcp_pwp_register' if pwp or 'trainee' in title else 'babcp_accreditation'
    if regulator == 'bps':
        return 'bps_wpwr' if pwp else 'bps'
    return PLAIN_KINDS[regulator]


def upgrade() -> None:
    with op.batch_alter_table('professional_registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('credential_type', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('expires_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('notes', sa.Text(), nullable=True))

    conn = op.get_bind()
    rows = conn.execute(sa.text(
        'SELECT r.id, r.regulator, p.band, p.job_title FROM professional_registrations r '
        'JOIN staff_profiles p ON p.id = r.profile_id')).all()
    for row_id, regulator, band, job_title in rows:
        kind = _guessed_kind(regulator, band, job_title)
        conn.execute(sa.text('UPDATE professional_registrations SET kind = :kind, credential_type = :type, '
                             "status = 'current' WHERE id = :id"),
                     {'kind': kind, 'type': TYPE_OF.get(kind, 'registration'), 'id': row_id})

    with op.batch_alter_table('professional_registrations', schema=None) as batch_op:
        batch_op.alter_column('credential_type', existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column('kind', existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column('status', existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column('registration_number', existing_type=sa.String(length=40), nullable=True)
        batch_op.drop_constraint(batch_op.f('uq_professional_registrations_profile_id_regulator'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_professional_registrations_profile_id_kind'),
                                          ['profile_id', 'kind'])
        batch_op.drop_constraint(batch_op.f('ck_professional_registrations_regulator'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_professional_registrations_regulator'),
                                         _in('regulator', NEW_BODIES))
        batch_op.create_check_constraint(batch_op.f('ck_professional_registrations_credentialtype'),
                                         _in('credential_type', TYPES))
        batch_op.create_check_constraint(batch_op.f('ck_professional_registrations_credentialstatus'),
                                         _in('status', STATUSES))
        batch_op.create_check_constraint(
            batch_op.f('ck_professional_registrations_expiry_after_award'),
            'expires_on IS NULL OR registered_on IS NULL OR expires_on >= registered_on')

    op.create_table('credential_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['credential_id'], ['professional_registrations.id'], name=op.f('fk_credential_evidence_credential_id_professional_registrations')),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence_items.id'], name=op.f('fk_credential_evidence_evidence_id_evidence_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credential_evidence')),
    sa.UniqueConstraint('credential_id', 'evidence_id', name=op.f('uq_credential_evidence_credential_id_evidence_id'))
    )
    with op.batch_alter_table('credential_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credential_evidence_credential_id'), ['credential_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credential_evidence_evidence_id'), ['evidence_id'], unique=False)

    op.create_table('credential_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('sent_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outbox_mail_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['credential_id'], ['professional_registrations.id'], name=op.f('fk_credential_reminders_credential_id_professional_registrations')),
    sa.ForeignKeyConstraint(['outbox_mail_id'], ['outbox_mails.id'], name=op.f('fk_credential_reminders_outbox_mail_id_outbox_mails')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credential_reminders')),
    sa.UniqueConstraint('credential_id', 'due_on', 'kind', name=op.f('uq_credential_reminders_credential_id_due_on_kind'))
    )
    with op.batch_alter_table('credential_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credential_reminders_credential_id'), ['credential_id'], unique=False)


def downgrade() -> None:
    """Back to one row per regulator: rows the old table cannot hold (a second kind from one body, a
    university or other body, no number) are removed first, so the old constraints can return."""
    with op.batch_alter_table('credential_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credential_reminders_credential_id'))

    op.drop_table('credential_reminders')
    with op.batch_alter_table('credential_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credential_evidence_evidence_id'))
        batch_op.drop_index(batch_op.f('ix_credential_evidence_credential_id'))

    op.drop_table('credential_evidence')
    op.execute(sa.text(
        'DELETE FROM professional_registrations WHERE registration_number IS NULL OR NOT ' + _in('regulator', OLD_BODIES)
        + ' OR id NOT IN (SELECT min(id) FROM professional_registrations GROUP BY profile_id, regulator)'))
    with op.batch_alter_table('professional_registrations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_professional_registrations_expiry_after_award'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_professional_registrations_credentialstatus'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_professional_registrations_credentialtype'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_professional_registrations_regulator'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_professional_registrations_regulator'),
                                         _in('regulator', OLD_BODIES))
        batch_op.drop_constraint(batch_op.f('uq_professional_registrations_profile_id_kind'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_professional_registrations_profile_id_regulator'),
                                          ['profile_id', 'regulator'])
        batch_op.alter_column('registration_number', existing_type=sa.String(length=40), nullable=False)
        batch_op.drop_column('notes')
        batch_op.drop_column('status')
        batch_op.drop_column('expires_on')
        batch_op.drop_column('kind')
        batch_op.drop_column('credential_type')
        batch_op.drop_column('body_name')
