"""Health check for load balancers and uptime monitors: the app answers and the database responds."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from app.database import db
from app.security import public

bp = Blueprint("health", __name__)


@bp.route("/health")
@public
def health() -> tuple[Response, int]:
    try:
        db().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200
