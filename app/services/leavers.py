"""Leavers: the day a person left, their export-only access for a while after it, and HR's export for them.

An administrator records `users.left_on`. The person keeps full access on that day; from the day
after, for LEAVER_EXPORT_DAYS days, they may only download their personal data (app.security's
leaver gate enforces it); after that the account is closed: deactivated the first time anyone
tries to use it, so signing in then fails exactly as a wrong password does. HR covering the person
may produce the same personal data export for them at any time after they left; the job is theirs.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from pathlib import Path
from typing import Any

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from app.services import job_kinds, jobs, staff_scope
from app.services.accounts import normalise_email
from app.services.errors import DomainError, NotPermitted
from models import StaffProfile, Team, User
from models.audit import record
from models.jobs import Job
from models.people import new_session_token

DEFAULT_EXPORT_DAYS = 90


class Access(enum.Enum):
    #: Not a leaver, or still on their last day.
    FULL = "full"
    #: Left: only the personal data export, their own jobs, password and sign out.
    EXPORT_ONLY = "export_only"
    #: The export period is over: no sign-in at all.
    CLOSED = "closed"


@dataclasses.dataclass(frozen=True)
class Standing:
    access: Access
    left_on: dt.date | None = None
    #: The last day the person may sign in to export their data.
    export_until: dt.date | None = None


def standing(user: User, today: dt.date, export_days: int) -> Standing:
    left_on = user.left_on
    if left_on is None or today <= left_on:
        return Standing(Access.FULL, left_on, left_on + dt.timedelta(days=export_days) if left_on else None)
    until = left_on + dt.timedelta(days=export_days)
    return Standing(Access.EXPORT_ONLY if today <= until else Access.CLOSED, left_on, until)


def has_left(user: User, today: dt.date) -> bool:
    return user.left_on is not None and user.left_on < today


def record_leaving_date(session: Session, user: User, left_on: dt.date | None, *, actor: User,
                        today: dt.date) -> None:
    """Set (or clear, with None) the day the person left; the caller commits."""
    if user.id == actor.id:
        raise DomainError("You cannot record your own leaving date", field="left_on")
    if left_on is not None and left_on > today + dt.timedelta(days=366):
        raise DomainError("The leaving date must be within a year from today", field="left_on")
    before = user.left_on
    user.left_on = left_on
    session.flush()
    record(session, "leaving_date_recorded" if left_on else "leaving_date_removed", "users", user.id,
           actor_id=actor.id, detail={"left_on": left_on.isoformat() if left_on else None,
                                      "before": before.isoformat() if before else None})


def close(session: Session, user: User) -> None:
    """Deactivate an account whose export period is over and end its sessions; the caller commits."""
    if not user.active:
        return
    user.active = False
    user.session_token = new_session_token()
    session.flush()
    record(session, "leaver_account_closed", "users", user.id, actor_id=None,
           detail={"left_on": user.left_on.isoformat() if user.left_on else None})


def close_if_over(session: Session, email: str, today: dt.date, export_days: int) -> bool:
    """Before a sign-in: close the account of this address if it is a leaver past the period (one query)."""
    user = session.scalar(select(User).where(User.email == normalise_email(email), User.left_on.is_not(None)))
    if user is None or standing(user, today, export_days).access is not Access.CLOSED or not user.active:
        return False
    close(session, user)
    return True


# --- HR's export for a leaver --------------------------------------------------------------------

def can_export_for(session: Session, viewer: User, person: User, today: dt.date) -> bool:
    """HR covering the person (by organisation or service: a leaver has no current relationships), once they left."""
    return (viewer.id != person.id and staff_scope.is_hr(viewer) and has_left(person, today)
            and staff_scope.covers(session, viewer, person, today))


def start_export_for(session: Session, viewer: User, person: User, *, evidence_dir: Path, today: dt.date) -> Job:
    """Queue the personal data export of a leaver, as a job of the HR officer's; the caller commits and enqueues."""
    if not can_export_for(session, viewer, person, today):
        raise NotPermitted(f"You may not export {person.full_name}'s personal data")
    job = jobs.create(session, kind=job_kinds.PERSONAL_DATA, title=f"Personal data export for {person.full_name}",
                      actor=viewer, items=job_kinds.personal_data_items(hr_only=True),
                      params={"person_id": person.id, "evidence_dir": str(evidence_dir), "hr_only": True})
    record(session, "leaver_data_exported", "users", person.id, actor_id=viewer.id,
           detail={"job": job.id, "left_on": person.left_on.isoformat() if person.left_on else None})
    return job


def leavers_in(session: Session, viewer: User, today: dt.date) -> Select[Any]:
    """People who have left, in the viewer's HR scope, most recent leavers first."""
    scope = staff_scope.scope_of(session, viewer, today)
    q = (select(User).join(StaffProfile, StaffProfile.user_id == User.id)
         .outerjoin(Team, StaffProfile.team_id == Team.id)
         .where(User.organisation_id == viewer.organisation_id, User.left_on < today)
         .order_by(User.left_on.desc(), User.full_name, User.id))
    if scope.whole_organisation:
        return q
    return q.where(Team.service_id.in_(sorted(scope.service_ids)) if scope.service_ids else false())


__all__ = ["Access", "DEFAULT_EXPORT_DAYS", "Standing", "can_export_for", "close", "close_if_over", "has_left",
           "leavers_in", "record_leaving_date", "standing", "start_export_for"]
