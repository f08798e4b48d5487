"""The training course record: learning hours, assessed case studies, university supervision."""
from __future__ import annotations

from app.portfolio import bp  # noqa: F401
