"""The public page that checks a document Waymark issued (a declared public route: the document is the authority)."""
from flask import Blueprint

bp = Blueprint("verify", __name__)

from app.verify import views  # noqa: E402,F401
