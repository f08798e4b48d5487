"""Login-required-by-default, declared public routes, route policies and security headers."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, g, redirect, request, url_for
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])

#: The only endpoints reachable without signing in. A test walks the URL map against this list.
PUBLIC_ENDPOINTS = frozenset({
    "static",
    "assets.nhsuk_assets",
    "assets.nhsuk_dist",
    "auth.login",
    "auth.forgot_password",
    "auth.reset_password",
    "health.health",
    # Single-use links for outside supervisors and referees (app.outside): the token is the authority.
    "outside.link",
    "outside.done",
    # Checking a document Waymark issued (app.verify): shows only what the document itself shows.
    "verify.verify",
})


def public(view: F) -> F:
    """Mark a view as reachable without signing in; it must also be in PUBLIC_ENDPOINTS."""
    view.__waymark_public__ = True  # type: ignore[attr-defined]
    return view


def requires(policy: Callable[[Any], bool], name: str | None = None) -> Callable[[F], F]:
    """Route-level check on the signed-in user (object-level checks happen in the view)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not policy(current_user):
                abort(403)
            return view(*args, **kwargs)

        wrapped.__waymark_policy__ = name or policy.__name__  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def signed_in(_user: Any) -> bool:
    """Any signed-in person (pages about themselves: password change, sign out)."""
    return True


def ensure(allowed: bool, *, hide: bool = False) -> None:
    """Object-level authorisation: 404 when the object's existence is not theirs to know, else 403."""
    if not allowed:
        abort(404 if hide else 403)


def _require_login() -> Any:
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    return None


def _set_nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(16)


def _headers(response: Any) -> Any:
    nonce = g.get("csp_nonce", "")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.endpoint not in {"static", "assets.nhsuk_assets", "assets.nhsuk_dist"}:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.before_request(_set_nonce)
    app.before_request(_require_login)
    app.after_request(_headers)
