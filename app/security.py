"""Login-required-by-default, declared public routes, route policies and security headers."""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, flash, g, redirect, request, url_for
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

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


#: What a leaver may still reach in their export period: the personal data export, their own jobs (each view
#: checks the job is theirs), changing their password and signing out. Everything else redirects to the export.
LEAVER_ENDPOINTS = frozenset({"jobs.personal_data", "jobs.index", "jobs.show", "jobs.progress_json",
                              "jobs.download", "jobs.resume", "auth.change_password", "auth.logout"})
#: Pages on which the leaver's banner (until when) is shown.
LEAVER_BANNER_ENDPOINTS = frozenset({"jobs.personal_data", "jobs.index", "jobs.show"})


def _leaver_gate() -> Any:
    """Export-only access for leavers (app.services.leavers): runs after _require_login.

    A sign-in attempt for a leaver past the period closes the account first, so it fails as a wrong
    password does; a leaver still signed in when the period ends is signed out.
    """
    from app.database import db
    from app.services import leavers

    days = int(current_app.config["LEAVER_EXPORT_DAYS"])
    today = dt.date.today()
    if request.endpoint == "auth.login" and request.method == "POST":
        if leavers.close_if_over(db(), str(request.form.get("email", "")), today, days):
            db().commit()
        return None
    if not current_user.is_authenticated or current_user.left_on is None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    standing = leavers.standing(current_user, today, days)
    if standing.access is leavers.Access.FULL:
        return None
    if standing.access is leavers.Access.CLOSED:
        leavers.close(db(), current_user._get_current_object())
        db().commit()
        logout_user()
        return redirect(url_for("auth.login"))
    # Each job view also re-checks that a leaver's job is their own personal data export (app.services.job_access).
    if request.endpoint in LEAVER_ENDPOINTS:
        if request.method == "GET" and request.endpoint in LEAVER_BANNER_ENDPOINTS:
            assert standing.export_until is not None
            flash(f"You have left, so your account is now only for downloading your personal data. You can sign "
                  f"in to do so until {standing.export_until:%-d %B %Y}.")
        return None
    return redirect(url_for("jobs.personal_data"))


#: One year: browsers then refuse plain HTTP to this host even on a first visit of the day.
HSTS_SECONDS = 365 * 24 * 3600


def _set_nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(16)


def _headers(response: Any) -> Any:
    nonce = g.get("csp_nonce") or secrets.token_urlsafe(16)  # never an empty 'nonce-'; nothing used it yet
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
    if current_app.config.get("HSTS"):
        response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_SECONDS}; includeSubDomains")
    if request.endpoint not in {"static", "assets.nhsuk_assets", "assets.nhsuk_dist"}:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if proxies:
        # Behind a reverse proxy request.remote_addr is the proxy; trust exactly the proxies we run to name the
        # client, so per-address sign-in throttling counts each client, and a forged header cannot pick the key.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    # First of all hooks: CSRFProtect's check runs before ours, and its error page needs a nonce for its script.
    app.before_request_funcs.setdefault(None, []).insert(0, _set_nonce)
    app.before_request(_require_login)
    app.before_request(_leaver_gate)
    app.after_request(_headers)
