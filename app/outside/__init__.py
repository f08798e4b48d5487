"""Pages for people without an account (single-use links) and the in-app writing of references.

/outside/<token> is public (declared in app.security.PUBLIC_ENDPOINTS); every other page here
requires signing in and checks the object in the view.
"""
from flask import Blueprint

bp = Blueprint("outside", __name__)

from app.outside import views  # noqa: E402,F401
