"""A person's profile page, seen by them and by those whose scope covers them."""
from app.people.views import bp

__all__ = ["bp"]
