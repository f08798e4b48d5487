"""Admin pages (being written)."""
from app.admin import bp  # noqa: F401
