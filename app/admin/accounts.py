"""Administrators' pages for accounts: list and create them, roles, reset links, deactivation, staff profiles."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from app.admin import bp
from app.admin.account_forms import (AccountForm, AccountSearchForm, ActiveForm, AddRoleForm, EndLeaveForm,
                                     LeaveForm, ProfileForm, RegistrationForm, WorkingPatternForm, service_choices,
                                     team_choices)
from app.pagination import page_number, paginate
from app.database import db
from app.forms import attach_error
from app.leavers import LeavingDateForm
from app.security import ensure, requires
from app.services import accounts, leavers, staff
from app.services.access import can_manage_accounts
from app.services.errors import DomainError
from app.templating import format_date
from app.urls import external_url
from competences.credentials import CredentialStatus
from models import LeaveKind, Regulator, Role, RoleGrant, Service, StaffProfile, Team, User

ACCOUNTS_PER_PAGE = 50

#: What the account and profile pages show, loaded with the account so templates never load lazily.
ACCOUNT_PAGE = (
    selectinload(User.role_grants).selectinload(RoleGrant.service),
    selectinload(User.profile).options(
        selectinload(StaffProfile.team).selectinload(Team.service), selectinload(StaffProfile.working_patterns),
        selectinload(StaffProfile.leave_periods), selectinload(StaffProfile.registrations)),
)


def _settings() -> accounts.AuthSettings:
    return accounts.AuthSettings.from_config(current_app.config)


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _load_account(session: Session, user_id: int) -> User:
    """The account, if it is in the admin's organisation; anyone else's does not exist for them."""
    user = session.scalar(select(User).where(User.id == user_id).options(*ACCOUNT_PAGE))
    ensure(user is not None and user.organisation_id == current_user.organisation_id, hide=True)
    assert user is not None
    return user


def _services(session: Session) -> list[Service]:
    return list(session.scalars(select(Service).where(
        Service.organisation_id == current_user.organisation_id, Service.active.is_(True)).order_by(Service.name)))


def _chosen(services: list[Service], value: str | None) -> Service | None:
    return next((s for s in services if str(s.id) == value), None)


# --- the account list --------------------------------------------------------------------------

def _filtered(stmt: Select[Any], form: AccountSearchForm) -> Select[Any]:
    if form.q.data and form.q.data.strip():
        q = form.q.data.strip()
        stmt = stmt.where(or_(User.full_name.icontains(q, autoescape=True), User.email.icontains(q, autoescape=True)))
    if form.role.data:
        stmt = stmt.where(User.role_grants.any(RoleGrant.role == Role(form.role.data)))
    if form.status.data:
        stmt = stmt.where(User.active.is_(form.status.data == "active"))
    return stmt


@bp.route("/accounts", endpoint="accounts")
@requires(can_manage_accounts)
def account_list() -> tuple[str, int]:
    form = AccountSearchForm(request.args)
    valid = form.validate()
    stmt: Select[Any] = select(User).where(User.organisation_id == current_user.organisation_id)
    if valid:
        stmt = _filtered(stmt, form)
    stmt = stmt.options(selectinload(User.role_grants).selectinload(RoleGrant.service)).order_by(User.full_name, User.id)
    page = paginate(db(), stmt, page_number(), ACCOUNTS_PER_PAGE)
    filters = {k: request.args[k] for k in ("q", "role", "status") if valid and request.args.get(k)}
    return render_template("admin/accounts.html", form=form, page=page, filters=filters), 200 if valid else 400


# --- creating an account -----------------------------------------------------------------------

@bp.route("/accounts/new", methods=["GET", "POST"])
@requires(can_manage_accounts)
def account_new() -> tuple[str, int] | Response:
    session = db()
    services = _services(session)
    form = AccountForm()
    form.service.choices = service_choices(services)
    if form.validate_on_submit():
        service = _chosen(services, form.service.data)
        try:
            user = accounts.create_user(session, email=form.email.data or "", full_name=form.full_name.data or "",
                                        organisation=current_user.organisation,
                                        roles=[(Role(r), service) for r in form.roles.data or ()])
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(f"Account created for {user.full_name}. Issue a password reset link so they can set a password.")
            return redirect(url_for("admin.account", user_id=user.id))
    return render_template("admin/account_new.html", form=form), 400 if form.errors else 200


# --- one account -------------------------------------------------------------------------------

def _account_page(session: Session, user: User, role_form: AddRoleForm | None = None, *,
                  problem: str | None = None, status: int = 200,
                  leaving_form: LeavingDateForm | None = None) -> tuple[str, int]:
    """The account page; a failed action shows it again with its problem and status 400."""
    if role_form is None:
        role_form = AddRoleForm(formdata=None)
    if leaving_form is None:
        leaving_form = LeavingDateForm(formdata=None, data={"left_on": user.left_on})
    role_form.service.choices = service_choices(_services(session))
    profile = user.profile
    return render_template("admin/account.html", person=user, profile=profile, role_form=role_form,
                           form=role_form, problem=problem, is_self=user.id == current_user.id,
                           leaving_form=leaving_form,
                           leaver=leavers.standing(user, dt.date.today(), current_app.config["LEAVER_EXPORT_DAYS"]),
                           current_wte=max(profile.working_patterns, key=lambda p: p.starts_on, default=None)
                           if profile else None), status


@bp.route("/accounts/<int:user_id>")
@requires(can_manage_accounts)
def account(user_id: int) -> tuple[str, int]:
    session = db()
    return _account_page(session, _load_account(session, user_id))


@bp.route("/accounts/<int:user_id>/roles", methods=["POST"])
@requires(can_manage_accounts)
def account_add_role(user_id: int) -> tuple[str, int] | Response:
    session = db()
    user = _load_account(session, user_id)
    services = _services(session)
    form = AddRoleForm()
    form.service.choices = service_choices(services)
    if form.validate_on_submit():
        role, service = Role(form.role.data), _chosen(services, form.service.data)
        held = {g.id for g in user.role_grants}
        try:
            grant = accounts.grant_role(session, user, role, service)
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            scope = f" for {grant.service.name}" if grant.service else ""
            flash(f"{user.full_name} already has the {role.label} role{scope}." if grant.id in held
                  else f"{user.full_name} now has the {role.label} role{scope}.")
            return redirect(url_for("admin.account", user_id=user.id))
    return _account_page(session, user, form, status=400)


@bp.route("/accounts/<int:user_id>/roles/<int:grant_id>/remove", methods=["POST"])
@requires(can_manage_accounts)
def account_remove_role(user_id: int, grant_id: int) -> tuple[str, int] | Response:
    session = db()
    user = _load_account(session, user_id)
    grant = next((g for g in user.role_grants if g.id == grant_id), None)
    ensure(grant is not None, hide=True)
    assert grant is not None
    label = grant.role.label
    try:
        staff.remove_role(session, grant, actor=_actor())
    except DomainError as err:
        session.rollback()
        return _account_page(session, user, problem=err.message, status=400)
    session.commit()
    flash(f"The {label} role has been removed from {user.full_name}.")
    return redirect(url_for("admin.account", user_id=user.id))


@bp.route("/accounts/<int:user_id>/reset-link", methods=["POST"])
@requires(can_manage_accounts)
def account_reset_link(user_id: int) -> tuple[str, int]:
    session = db()
    user = _load_account(session, user_id)
    if not user.active:
        return _account_page(session, user, problem="Reactivate this account before issuing a reset link.",
                             status=400)
    token = accounts.issue_reset_token(session, user, _settings(), issued_by=_actor())
    session.commit()
    # Shown once in this response and nowhere else (no redirect, no flash): only its hash is stored.
    link = external_url("auth.reset_password", token=token)
    return render_template("admin/reset_link.html", person=user, link=link,
                           hours=current_app.config["PASSWORD_RESET_HOURS"]), 200


@bp.route("/accounts/<int:user_id>/active", methods=["POST"])
@requires(can_manage_accounts)
def account_active(user_id: int) -> tuple[str, int] | Response:
    session = db()
    user = _load_account(session, user_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    active = form.active.data == "yes"
    try:
        accounts.set_active(session, user, active, actor=_actor())
    except DomainError as err:
        session.rollback()
        return _account_page(session, user, problem=err.message, status=400)
    session.commit()
    flash(f"{user.full_name}'s account has been reactivated. Issue a reset link if they need a new password."
          if active else f"{user.full_name}'s account has been deactivated. They have been signed out and "
                         "cannot sign in; everything they recorded is kept.")
    return redirect(url_for("admin.account", user_id=user.id))


@bp.route("/accounts/<int:user_id>/leaving-date", methods=["POST"])
@requires(can_manage_accounts)
def account_leaving_date(user_id: int) -> tuple[str, int] | Response:
    """Record the day the person left: from the day after, their account is for their personal data export only."""
    session = db()
    user = _load_account(session, user_id)
    form = LeavingDateForm()
    if form.validate_on_submit():
        try:
            leavers.record_leaving_date(session, user, form.left_on.data, actor=_actor(), today=dt.date.today())
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            days = current_app.config["LEAVER_EXPORT_DAYS"]
            flash(f"{user.full_name} left on {format_date(user.left_on)}. From the day after, they can sign in only "
                  f"to download their personal data, for {days} days." if user.left_on
                  else f"{user.full_name}'s leaving date has been removed.")
            return redirect(url_for("admin.account", user_id=user.id))
    return _account_page(session, user, status=400, leaving_form=form)


# --- the staff profile -------------------------------------------------------------------------

@dataclasses.dataclass
class ProfileForms:
    """Every form on the profile page; only the one that was submitted reads the request."""

    profile: ProfileForm
    pattern: WorkingPatternForm
    leave: LeaveForm
    registration: RegistrationForm
    end_leave: dict[int, EndLeaveForm]


def _teams(session: Session, user: User) -> list[Team]:
    current = user.profile.team_id if user.profile else None
    return list(session.scalars(
        select(Team).join(Service).options(selectinload(Team.service))
        .where(Service.organisation_id == user.organisation_id,
               or_(Team.id == current, Team.active.is_(True) & Service.active.is_(True)))
        .order_by(Service.name, Team.name)))


def _profile_data(profile: StaffProfile | None) -> dict[str, Any] | None:
    if profile is None:
        return None
    return {"job_title": profile.job_title, "core_profession": profile.core_profession,
            "team": str(profile.team_id or ""), "band": profile.band or "", "band_started_on": profile.band_started_on,
            "pay_step": str(profile.pay_step or ""), "step_started_on": profile.step_started_on,
            "employee_number": profile.employee_number}


def _profile_forms(session: Session, user: User, submitted: str) -> ProfileForms:
    def make(cls: type[FlaskForm], name: str, prefix: str = "", **kwargs: Any) -> Any:
        return cls(prefix=prefix, **kwargs) if name == submitted else cls(formdata=None, prefix=prefix, **kwargs)

    open_leave = [lv for lv in user.profile.leave_periods if lv.ends_on is None] if user.profile else []
    forms = ProfileForms(
        profile=make(ProfileForm, "profile", data=_profile_data(user.profile)),
        pattern=make(WorkingPatternForm, "pattern", "pattern"),
        leave=make(LeaveForm, "leave", "leave"),
        registration=make(RegistrationForm, "registration", "registration"),
        end_leave={lv.id: make(EndLeaveForm, f"end-{lv.id}", f"end-{lv.id}") for lv in open_leave})
    forms.profile.team.choices = team_choices(_teams(session, user))
    return forms


def _profile_page(user: User, forms: ProfileForms, form: FlaskForm, status: int = 200) -> tuple[str, int]:
    return render_template("admin/account_profile.html", person=user, profile=user.profile, forms=forms,
                           form=form), status


def _profile_fields(form: ProfileForm, session: Session) -> dict[str, Any]:
    return {"job_title": form.job_title.data or "", "core_profession": form.core_profession.data or "",
            "team": session.get(Team, int(form.team.data)) if form.team.data else None,
            "band": form.band.data or None, "band_started_on": form.band_started_on.data,
            "pay_step": int(form.pay_step.data) if form.pay_step.data else None,
            "step_started_on": form.step_started_on.data, "employee_number": form.employee_number.data}


@bp.route("/accounts/<int:user_id>/profile", methods=["GET", "POST"])
@requires(can_manage_accounts)
def account_profile(user_id: int) -> tuple[str, int] | Response:
    session = db()
    user = _load_account(session, user_id)
    forms = _profile_forms(session, user, "profile")
    form = forms.profile
    if form.validate_on_submit():
        created = user.profile is None
        try:
            staff.save_profile(session, user, **_profile_fields(form, session))
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(f"Employment details {'added' if created else 'saved'} for {user.full_name}.")
            return redirect(url_for("admin.account_profile", user_id=user.id))
    return _profile_page(user, forms, form, 400 if form.errors else 200)


#: Saves one submitted profile sub-form and returns the confirmation to flash.
ProfileAction = Callable[[Session, StaffProfile, Any], str]


def _profile_action(user_id: int, submitted: str, section: str, action: ProfileAction) -> tuple[str, int] | Response:
    """Shared shape of the working-pattern, leave and registration forms: each saves one thing or shows why not."""
    session = db()
    user = _load_account(session, user_id)
    ensure(user.profile is not None, hide=True)
    assert user.profile is not None
    forms = _profile_forms(session, user, submitted)
    form = forms.end_leave.get(int(submitted[4:])) if submitted.startswith("end-") else getattr(forms, submitted)
    ensure(form is not None, hide=True)
    assert form is not None
    if form.validate_on_submit():
        try:
            message = action(session, user.profile, form)
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(message)
            return redirect(url_for("admin.account_profile", user_id=user.id, _anchor=section))
    return _profile_page(user, forms, form, 400)


@bp.route("/accounts/<int:user_id>/profile/working-pattern", methods=["POST"])
@requires(can_manage_accounts)
def account_working_pattern(user_id: int) -> tuple[str, int] | Response:
    def change(session: Session, profile: StaffProfile, form: WorkingPatternForm) -> str:
        pattern = staff.change_working_pattern(session, profile, starts_on=form.starts_on.data, wte=form.wte.data)
        return f"Working pattern set to {pattern.wte} whole-time equivalent from {format_date(pattern.starts_on)}."

    return _profile_action(user_id, "pattern", "working-pattern", change)


@bp.route("/accounts/<int:user_id>/profile/leave", methods=["POST"])
@requires(can_manage_accounts)
def account_leave(user_id: int) -> tuple[str, int] | Response:
    def add(session: Session, profile: StaffProfile, form: LeaveForm) -> str:
        leave = staff.add_leave(session, profile, kind=LeaveKind(form.kind.data), starts_on=form.starts_on.data,
                                ends_on=form.ends_on.data)
        return f"{leave.kind.label} leave from {format_date(leave.starts_on)} recorded."

    return _profile_action(user_id, "leave", "leave", add)


@bp.route("/accounts/<int:user_id>/profile/leave/<int:leave_id>/end", methods=["POST"])
@requires(can_manage_accounts)
def account_leave_end(user_id: int, leave_id: int) -> tuple[str, int] | Response:
    def end(session: Session, profile: StaffProfile, form: EndLeaveForm) -> str:
        leave = next(lv for lv in profile.leave_periods if lv.id == leave_id)
        staff.end_leave(session, leave, ends_on=form.ends_on.data)
        return f"{leave.kind.label} leave now ends on {format_date(form.ends_on.data)}."

    return _profile_action(user_id, f"end-{leave_id}", "leave", end)


@bp.route("/accounts/<int:user_id>/profile/registrations", methods=["POST"])
@requires(can_manage_accounts)
def account_registration(user_id: int) -> tuple[str, int] | Response:
    def save(session: Session, profile: StaffProfile, form: RegistrationForm) -> str:
        reg = staff.save_registration(session, profile, regulator=Regulator(form.regulator.data),
                                      registration_number=form.registration_number.data,
                                      registered_on=form.registered_on.data, renewal_due_on=form.renewal_due_on.data,
                                      kind=form.kind.data or None, expires_on=form.expires_on.data,
                                      status=CredentialStatus(form.status.data), body_name=form.body_name.data,
                                      today=dt.date.today())
        if reg.registration_number:
            return f"{reg.body_label} registration {reg.registration_number} saved."
        return f"{reg.body_label}: {reg.kind_label} saved."

    return _profile_action(user_id, "registration", "registrations", save)
