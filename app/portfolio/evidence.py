"""The evidence library: upload, list, describe, link, download and preview files."""
from __future__ import annotations

from app.portfolio import bp  # noqa: F401
