"""CTS-R ratings of recordings and PWP live assessments."""
from __future__ import annotations

from app.portfolio import bp  # noqa: F401
