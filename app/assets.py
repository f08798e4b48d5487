"""Serves the NHS.UK frontend's compiled CSS, JS and images from the app itself (no CDN)."""
from __future__ import annotations

import functools
import re
from pathlib import Path

from flask import Blueprint, abort, current_app, request, send_from_directory
from werkzeug.wrappers import Response

from app.security import public

bp = Blueprint("assets", __name__)
ONE_YEAR = 31536000
#: The compiled CSS loads the Frutiger web font from assets.nhs.uk. Our CSP allows fonts from this app only
#: (font-src 'self'), and the font's licence does not let us serve it ourselves, so those @font-face rules are
#: dropped and the design system's own fallback (Arial, sans-serif) is used — as NHS services without the
#: font licence do.
_REMOTE_FONT_FACE = re.compile(r"@font-face\s*{[^}]*url\(\s*[\"']?https?://[^}]*}")


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
    if filename.endswith(".css"):
        path = nhsuk_dist_dir() / filename
        if "/" in filename or not path.is_file():
            abort(404)
        response = Response(_local_fonts_only(str(path), path.stat().st_mtime_ns), mimetype="text/css")
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR
        response.add_etag()
        return response.make_conditional(request)
    return send_from_directory(nhsuk_dist_dir(), filename, max_age=ONE_YEAR)


@functools.lru_cache(maxsize=4)
def _local_fonts_only(path: str, _mtime_ns: int) -> str:
    """The stylesheet without its remote @font-face rules (cached per file version)."""
    return _REMOTE_FONT_FACE.sub("", Path(path).read_text(encoding="utf-8"))
