"""Serves the NHS.UK frontend's compiled CSS, JS and images from the app itself (no CDN)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory
from werkzeug.wrappers import Response

from app.security import public

bp = Blueprint("assets", __name__)
ONE_YEAR = 31536000


def nhsuk_dist_dir() -> Path:
    configured = current_app.config.get("NHSUK_DIST")
    if configured:
        return Path(configured)
    return Path(current_app.root_path).parent / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"


@bp.route("/assets/<path:filename>")
@public
def nhsuk_assets(filename: str) -> Response:
    """The compiled CSS asks for /assets/images/…, so the images live at that absolute path."""
    return send_from_directory(nhsuk_dist_dir() / "assets", filename, max_age=ONE_YEAR)


@bp.route("/nhsuk/<path:filename>")
@public
def nhsuk_dist(filename: str) -> Response:
    if not filename.startswith("nhsuk-frontend") or not filename.endswith((".css", ".js", ".css.map", ".js.map")):
        abort(404)
    return send_from_directory(nhsuk_dist_dir(), filename, max_age=ONE_YEAR)
