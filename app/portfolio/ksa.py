"""The KSA portfolio route: route choice, checklist, biography, experience, self-directed study, document list, references."""
from __future__ import annotations

from app.portfolio import bp  # noqa: F401
