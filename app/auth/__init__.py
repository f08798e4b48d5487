"""Signing in and out, passwords and reset links."""
from app.auth.views import bp

__all__ = ["bp"]
