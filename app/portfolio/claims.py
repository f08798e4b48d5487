"""Competence claims and the framework coverage view."""
from __future__ import annotations

from app.portfolio import bp  # noqa: F401
