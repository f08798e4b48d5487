"""Error pages: a clear message for every failure, never a stack trace."""
from __future__ import annotations

import logging

from flask import Flask, current_app, g, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Something was wrong with that request", "Go back and try again."),
    403: ("You do not have permission to see this page",
          "Your roles do not give you access to it. If you think they should, ask your Waymark administrator."),
    404: ("Page not found", "Check the web address, or go back to your home page."),
    405: ("That action is not allowed here", "Go back and use the buttons on the page."),
    413: ("The file is too large", "Choose a smaller file and try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. Nothing you entered has been saved."),
}


def _page(code: int, title: str | None = None, detail: str | None = None) -> tuple[str, int]:
    default_title, default_detail = MESSAGES.get(code, MESSAGES[400])
    return render_template("errors/error.html", code=code, title=title or default_title,
                           detail=detail or default_detail), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_err: CSRFError) -> tuple[str, int]:
        return _page(400, "This form has expired",
                     "For your security, forms stop working after a while or when you sign in again. "
                     "Go back, reload the page and submit it again. Nothing was changed.")

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_err: RequestEntityTooLarge) -> tuple[str, int]:
        # The request was refused before it was read, so the form cannot be shown again with its values.
        limit = current_app.config.get("MAX_UPLOAD_MB", 10)
        return _page(413, "The file is too large",
                     f"Files can be up to {limit} MB. Go back and choose a smaller file, or save the document "
                     "with smaller images, and upload it again. Nothing was saved.")

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> tuple[str, int, dict[str, str]]:
        body, code = _page(err.code or 500)
        # Keep headers the protocol needs, such as Allow on a 405.
        headers = {k: v for k, v in err.get_headers() if k.lower() != "content-type"}
        return body, code, headers

    @app.errorhandler(Exception)
    def unexpected(err: Exception) -> tuple[str, int]:
        log.exception("unhandled error", exc_info=err)
        # A failed flush leaves the request's session unusable, and the page reads the signed-in user through it.
        session = g.get("db_session")
        if session is not None:
            session.rollback()
        return _page(500)
