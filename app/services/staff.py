"""Staff records an administrator keeps: roles held, the employment profile, working pattern, leave, registrations.

Each function checks the rules that need data, changes the rows and flushes; the caller commits
once (web view or CLI), so a refused change leaves nothing behind.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services import accounts, credentials
from app.services.errors import DomainError
from competences.bands import AFC_BANDS, MAX_PAY_STEPS
from competences.credentials import DEFAULT_KIND_FOR_BODY, CredentialStatus
from models import (LeaveKind, LeaveOfAbsence, ProfessionalRegistration, Regulator, Role, RoleGrant, StaffProfile,
                    Team, User, WorkingPattern)

MIN_WTE = Decimal("0.01")
MAX_WTE = Decimal("1.00")


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _blank_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


# --- roles -------------------------------------------------------------------------------------

def remove_role(session: Session, grant: RoleGrant, *, actor: User) -> None:
    """Revoke a role, but never in a way that could leave the organisation without an administrator."""
    if grant.role is Role.ADMIN:
        if grant.user_id == actor.id:
            raise DomainError("You cannot remove your own administrator role. Ask another administrator to do it.")
        others = session.scalar(
            select(func.count(func.distinct(User.id))).join(RoleGrant, RoleGrant.user_id == User.id).where(
                RoleGrant.role == Role.ADMIN, User.active.is_(True), User.id != grant.user_id,
                User.organisation_id == grant.user.organisation_id))
        if grant.user.active and not others:
            raise DomainError(f"{grant.user.full_name} is the last active administrator. "
                              "Give someone else the administrator role first.")
    accounts.revoke_role(session, grant)


# --- the employment profile --------------------------------------------------------------------

def save_profile(session: Session, user: User, *, job_title: str, core_profession: str, team: Team | None = None,
                 band: str | None = None, band_started_on: dt.date | None = None, pay_step: int | None = None,
                 step_started_on: dt.date | None = None, employee_number: str | None = None) -> StaffProfile:
    """Create or update `user`'s staff profile."""
    job_title, core_profession = job_title.strip(), core_profession.strip()
    band, employee_number = _blank_to_none(band), _blank_to_none(employee_number)
    if not job_title:
        raise DomainError("Enter the job title", field="job_title")
    if not core_profession:
        raise DomainError("Enter the core profession", field="core_profession")
    if team is not None and team.service.organisation_id != user.organisation_id:
        raise DomainError("That team belongs to another organisation", field="team")
    if band is not None and band not in AFC_BANDS:
        raise DomainError(f"Choose an Agenda for Change band ({', '.join(AFC_BANDS)})", field="band")
    if band is None and band_started_on is not None:
        raise DomainError("Choose the band, or remove the date the band started", field="band")
    if pay_step is not None and not 1 <= pay_step <= MAX_PAY_STEPS:
        raise DomainError(f"Choose a pay step from 1 to {MAX_PAY_STEPS}", field="pay_step")
    if pay_step is None and step_started_on is not None:
        raise DomainError("Choose the pay step, or remove the date the step started", field="pay_step")
    if band_started_on and step_started_on and step_started_on < band_started_on:
        raise DomainError(f"The step cannot start before the band did ({_day(band_started_on)})",
                          field="step_started_on")
    profile = user.profile
    if employee_number is not None:
        taken = select(StaffProfile.id).where(StaffProfile.employee_number == employee_number)
        if profile is not None and profile.id is not None:
            taken = taken.where(StaffProfile.id != profile.id)
        if session.scalar(taken.limit(1)) is not None:
            raise DomainError("Another person already has this employee number", field="employee_number")
    if profile is None:
        profile = StaffProfile(user=user)
        session.add(profile)
    profile.job_title, profile.core_profession, profile.team = job_title, core_profession, team
    profile.band, profile.band_started_on = band, band_started_on
    profile.pay_step, profile.step_started_on = pay_step, step_started_on
    profile.employee_number = employee_number
    session.flush()
    return profile


# --- working pattern ---------------------------------------------------------------------------

def check_wte(wte: Decimal | None) -> Decimal:
    try:
        ok = wte is not None and wte.is_finite() and MIN_WTE <= wte <= MAX_WTE
        two_places = ok and wte == wte.quantize(Decimal("0.01"))  # type: ignore[union-attr]
    except InvalidOperation:
        ok = two_places = False
    if not ok:
        raise DomainError("Enter a whole-time equivalent from 0.01 to 1.00, like 0.8 for four days a week",
                          field="wte")
    if not two_places:
        raise DomainError("Enter the whole-time equivalent with no more than 2 decimal places", field="wte")
    assert wte is not None
    return wte.quantize(Decimal("0.01"))


def change_working_pattern(session: Session, profile: StaffProfile, *, starts_on: dt.date,
                           wte: Decimal | None) -> WorkingPattern:
    """Start a new working pattern on `starts_on`; the one before it ends the day before.

    History is kept, never overwritten. Giving the current pattern's own start date corrects its
    whole-time equivalent instead, for when it was entered wrongly.
    """
    wte = check_wte(wte)
    latest = max(profile.working_patterns, key=lambda p: p.starts_on, default=None)
    if latest is not None and starts_on < latest.starts_on:
        raise DomainError(f"The change must start on or after {_day(latest.starts_on)}, "
                          "when the current working pattern began", field="starts_on")
    if latest is not None and starts_on == latest.starts_on:
        latest.wte = wte
        session.flush()
        return latest
    if latest is not None and (latest.ends_on is None or latest.ends_on >= starts_on):
        latest.ends_on = starts_on - dt.timedelta(days=1)
    pattern = WorkingPattern(wte=wte, starts_on=starts_on)
    profile.working_patterns.append(pattern)
    session.flush()
    return pattern


# --- leave of absence --------------------------------------------------------------------------

def _overlapping(profile: StaffProfile, starts_on: dt.date, ends_on: dt.date | None,
                 ignore: LeaveOfAbsence | None = None) -> LeaveOfAbsence | None:
    end = ends_on or dt.date.max
    for leave in profile.leave_periods:
        if leave is not ignore and leave.starts_on <= end and starts_on <= (leave.ends_on or dt.date.max):
            return leave
    return None


def _describe(leave: LeaveOfAbsence) -> str:
    until = f"to {_day(leave.ends_on)}" if leave.ends_on else "with no end date"
    return f"{leave.kind.label.lower()} leave from {_day(leave.starts_on)} {until}"


def _check_leave_dates(profile: StaffProfile, starts_on: dt.date, ends_on: dt.date | None,
                       ignore: LeaveOfAbsence | None = None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise DomainError("The end date must be the same as or after the start date", field="ends_on")
    clash = _overlapping(profile, starts_on, ends_on, ignore)
    if clash is not None:
        field = "starts_on" if ignore is None else "ends_on"
        raise DomainError(f"This overlaps the {_describe(clash)}", field=field)


def add_leave(session: Session, profile: StaffProfile, *, kind: LeaveKind, starts_on: dt.date,
              ends_on: dt.date | None = None) -> LeaveOfAbsence:
    """Record a period of leave; periods may not overlap, so no day is counted twice by the pay rules."""
    _check_leave_dates(profile, starts_on, ends_on)
    leave = LeaveOfAbsence(kind=kind, starts_on=starts_on, ends_on=ends_on)
    profile.leave_periods.append(leave)
    session.flush()
    return leave


def end_leave(session: Session, leave: LeaveOfAbsence, *, ends_on: dt.date) -> LeaveOfAbsence:
    """Record the last day of a period of leave (entered without one, or corrected)."""
    _check_leave_dates(leave.profile, leave.starts_on, ends_on, ignore=leave)
    leave.ends_on = ends_on
    session.flush()
    return leave


# --- professional registrations ----------------------------------------------------------------

def save_registration(session: Session, profile: StaffProfile, *, regulator: Regulator,
                      registration_number: str | None, registered_on: dt.date | None = None,
                      renewal_due_on: dt.date | None = None, kind: str | None = None,
                      expires_on: dt.date | None = None, status: CredentialStatus | None = None,
                      body_name: str | None = None, today: dt.date | None = None) -> ProfessionalRegistration:
    """Add a credential, or correct the one of the same kind (by default the body's usual credential).

    The same rules as the person's own credentials page (app.services.credentials); the notes,
    which the admin form does not show, are kept when a credential is corrected.
    """
    chosen = kind or DEFAULT_KIND_FOR_BODY.get(regulator.value)
    existing = next((r for r in profile.registrations if r.kind == chosen), None) if chosen else None
    values = credentials.CredentialInput(
        regulator=regulator, kind=chosen, registration_number=registration_number, registered_on=registered_on,
        renewal_due_on=renewal_due_on, expires_on=expires_on,
        status=status or (existing.status if existing else CredentialStatus.CURRENT),
        body_name=body_name if body_name is not None else (existing.body_name if existing else None),
        notes=existing.notes if existing else None)
    return credentials.save_credential(session, profile, values, today=today or dt.date.today(), credential=existing)
