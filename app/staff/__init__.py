"""Service-wide HR pages: the staff directory, posts, pay-step and band progression, skill mix, the
service dashboard and the staff import. Each module adds its routes to `bp`.

Whoever reads these sees totals, statuses and dates only: reflective statements, case details,
supervision notes and outcome figures never reach an HR page (app.services.access).
"""
from flask import Blueprint

bp = Blueprint("staff", __name__)

from app.staff import dashboard, directory, employment, imports, posts, progression, skills  # noqa: E402,F401
