"""Level ratings: self and supervisor ratings of levelled framework items (KSF dimensions, UCL competences)

Also the daily digest: each user's opt-in and the record of digests sent (one per user and day).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 08:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import models.base


revision: str = '0013'
down_revision: str | Sequence[str] | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('level_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.String(length=60), nullable=False),
    sa.Column('framework_version', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=60), nullable=False),
    sa.Column('rater_role', sa.String(length=20), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('rated_on', sa.Date(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("rater_role IN ('self', 'supervisor')", name=op.f('ck_level_ratings_rater_role_known')),
    sa.CheckConstraint('level >= 1', name=op.f('ck_level_ratings_level_positive')),
    sa.CheckConstraint("(rater_role = 'self') = (rater_id = owner_id)", name=op.f('ck_level_ratings_self_iff_owner')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_level_ratings_owner_id_users')),
    sa.ForeignKeyConstraint(['rater_id'], ['users.id'], name=op.f('fk_level_ratings_rater_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_level_ratings'))
    )
    with op.batch_alter_table('level_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_level_ratings_owner_framework', ['owner_id', 'framework_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_level_ratings_rater_id'), ['rater_id'], unique=False)

    op.create_table('digests_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sent_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outbox_mail_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['outbox_mail_id'], ['outbox_mails.id'], name=op.f('fk_digests_sent_outbox_mail_id_outbox_mails')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_digests_sent_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digests_sent')),
    sa.UniqueConstraint('user_id', 'day', name=op.f('uq_digests_sent_user_id_day'))
    )
    with op.batch_alter_table('digests_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digests_sent_outbox_mail_id'), ['outbox_mail_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_opt_in', sa.Boolean(), nullable=True))
    op.execute("UPDATE users SET digest_opt_in = false")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('digest_opt_in', existing_type=sa.Boolean(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('digest_opt_in')

    with op.batch_alter_table('digests_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digests_sent_outbox_mail_id'))

    op.drop_table('digests_sent')
    with op.batch_alter_table('level_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_level_ratings_rater_id'))
        batch_op.drop_index('ix_level_ratings_owner_framework')

    op.drop_table('level_ratings')
