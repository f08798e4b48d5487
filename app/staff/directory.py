"""Slot: filled by its owner."""
from app.staff import bp  # noqa: F401
