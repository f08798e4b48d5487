"""Each role's home page with its real next actions; `/` sends a person to their first one."""
from app.home.views import bp

__all__ = ["bp"]
