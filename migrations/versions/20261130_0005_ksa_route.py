"""KSA route: portfolio choice, biography, experience log, self-directed study, reference requests

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 07:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401
import models.base  # noqa: F401


revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
