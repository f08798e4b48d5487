"""Producing documents (portfolios, packs) for a person or, in bulk, for a service; they run as jobs."""
from flask import Blueprint

bp = Blueprint("documents", __name__)

from app.documents import options, views  # noqa: E402,F401
