"""Sign in, sign out, change password, and password reset by e-mail or by an admin's link."""
from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.auth.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, ResetPasswordForm
from app.database import db
from app.extensions import login_manager
from app.forms import attach_error
from app.jobs import runner
from app.security import public, requires, signed_in
from app.services import accounts
from app.services.errors import DomainError
from app.services.mail import SMTPSettings, send_mail
from app.urls import external_url
from models import User

bp = Blueprint("auth", __name__)


def settings() -> accounts.AuthSettings:
    return accounts.AuthSettings.from_config(current_app.config)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    session = db()
    user = session.scalar(select(User).options(selectinload(User.role_grants)).where(User.id == int(user_id)))
    if user is None or not user.active or user.session_token != token:
        return None
    session.info["actor_id"] = user.id
    return user


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths, so a crafted link cannot bounce someone to another site after sign-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        session = db()
        try:
            email = form.email.data or ""
            user = accounts.authenticate(session, email, form.password.data or "", settings(),
                                         address=request.remote_addr,
                                         known_browser=_browser_key(email) in _known_accounts())
        except DomainError as err:
            session.commit()  # the failure count and the audit event must be kept
            attach_error(form, err)
        else:
            session.commit()
            flask_session.clear()  # nothing from before sign-in carries over into the signed-in session
            login_user(user)
            response = redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
            _remember_browser(response, _browser_key(user.email))
            return response
    return render_template("auth/login.html", form=form), 200 if not form.errors else 400


#: A signed cookie naming (by keyed digest) the last few accounts that signed in on this browser, so a lockout of
#: the network address does not lock them out (accounts.authenticate, `known_browser`). It holds no e-mail
#: address, and without the secret key it cannot be forged.
KNOWN_BROWSER_COOKIE = "waymark_known_browser"
KNOWN_BROWSER_DAYS = 180
KNOWN_BROWSER_ACCOUNTS = 5


def _known_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="waymark-known-browser")


def _known_accounts() -> list[str]:
    raw = request.cookies.get(KNOWN_BROWSER_COOKIE)
    if not raw:
        return []
    try:
        keys = _known_serializer().loads(raw, max_age=KNOWN_BROWSER_DAYS * 86400)
    except BadData:
        return []
    return [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []


def _browser_key(email: str) -> str:
    """The account as the cookie names it: keyed with the secret, so the (signed, not encrypted) cookie on a
    shared computer cannot be checked against a guessed e-mail address."""
    return hmac.new(current_app.config["SECRET_KEY"].encode(), accounts.normalise_email(email).encode(),
                    hashlib.sha256).hexdigest()


def _remember_browser(response: Response, key: str) -> None:
    keys = [key] + [k for k in _known_accounts() if k != key]
    response.set_cookie(KNOWN_BROWSER_COOKIE, _known_serializer().dumps(keys[:KNOWN_BROWSER_ACCOUNTS]),
                        max_age=KNOWN_BROWSER_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))


@bp.route("/logout", methods=["POST"])
@requires(signed_in)
def logout() -> Response:
    session = db()
    accounts.sign_out(session, current_user._get_current_object())
    session.commit()
    logout_user()
    flask_session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@requires(signed_in)
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        session = db()
        user = current_user._get_current_object()
        try:
            accounts.change_password(session, user, form.current_password.data or "", form.new_password.data or "",
                                     form.confirm_password.data or "", settings())
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            login_user(user)  # the session id changed with the token; keep this browser signed in
            flash("Your password has been changed. Other devices have been signed out.")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form), 200 if not form.errors else 400


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
def forgot_password() -> str | Response:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        session = db()
        email = accounts.normalise_email(form.email.data or "")
        user = session.scalar(select(User).where(User.email == email, User.active.is_(True)))
        if user is not None:
            token = accounts.issue_reset_token(session, user, settings())
            link = external_url("auth.reset_password", token=token)
            hours = current_app.config["PASSWORD_RESET_HOURS"]
            smtp = SMTPSettings.from_config(current_app.config)
            # Only queued here, and sent after the response: how long SMTP takes must not tell who has an account.
            mail = send_mail(session, smtp, user.email, "Reset your Waymark password",
                             f"Hello {user.full_name},\n\nUse this link to set a new Waymark password. "
                             f"It works once and expires in {hours} hours:\n\n{link}\n\n"
                             "If you did not ask for this, you can ignore this e-mail.\n", deliver=False)
            session.commit()
            if smtp.server:
                runner.enqueue_call(runner.deliver_mail, mail.id)
        # The same page whether or not the address has an account.
        return render_template("auth/reset_sent.html", email=email)
    return render_template("auth/forgot_password.html", form=form), 200 if not form.errors else 400


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str) -> str | Response | tuple[str, int]:
    session = db()
    if accounts.find_reset_token(session, token) is None:
        return render_template("auth/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(session, token, form.new_password.data or "", form.confirm_password.data or "",
                                    settings())
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            logout_user()
            flash("Your password has been set. Sign in with your new password.")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 200 if not form.errors else 400
