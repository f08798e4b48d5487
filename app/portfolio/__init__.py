"""A practitioner's logs (CPD, supervision, clinical activity, NMC evidence) and their readiness dashboard.

URLs name the person (/people/<id>/…), so a supervisor opens a supervisee's logs the same way
the person opens their own; the person alone may change them.
"""
from flask import Blueprint

bp = Blueprint("portfolio", __name__, url_prefix="/people/<int:user_id>")

# Each module adds its routes to `bp`.
from app.portfolio import (claims, clinical, cpd, credentials, dashboard, evidence, ksa, nmc, ratings,  # noqa: E402,F401
                           supervision, training)
from app.portfolio import countersign, level_ratings, signoff, supervisor_reports  # noqa: E402,F401
