"""Accreditations, registrations and qualifications, with their renewal flags."""
from __future__ import annotations

from app.portfolio import bp  # noqa: F401
