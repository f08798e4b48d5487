"""Sign in, sign out, change password, and password reset by e-mail or by an admin's link."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.auth.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, ResetPasswordForm
from app.database import db
from app.extensions import login_manager
from app.forms import attach_error
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
            user = accounts.authenticate(session, form.email.data or "", form.password.data or "", settings(),
                                         address=request.remote_addr)
        except DomainError as err:
            session.commit()  # the failure count and the audit event must be kept
            attach_error(form, err)
        else:
            session.commit()
            flask_session.clear()  # nothing from before sign-in carries over into the signed-in session
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 400


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
            send_mail(session, SMTPSettings.from_config(current_app.config), user.email,
                      "Reset your Waymark password",
                      f"Hello {user.full_name},\n\nUse this link to set a new Waymark password. "
                      f"It works once and expires in {hours} hours:\n\n{link}\n\n"
                      "If you did not ask for this, you can ignore this e-mail.\n")
            session.commit()
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
