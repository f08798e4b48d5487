"""Whose HR records a user may see and act on: the one scope every service-wide page uses.

HR see their organisation (or the services their grants name); a service lead sees their
service; a line manager sees the people they line-manage today. Someone with several of these
roles sees the union. Practitioners see only themselves, through their own pages.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from app.services import team_views
from app.services.access import can_line_manage, hr_covers, leads_service_of
from models import RelationshipKind, Role, StaffProfile, StaffRelationship, Team, User


@dataclasses.dataclass(frozen=True)
class Scope:
    organisation_id: int
    #: True for organisation-wide HR: everyone with a profile in the organisation.
    whole_organisation: bool = False
    service_ids: frozenset[int] = frozenset()
    #: People line-managed by the viewer today.
    report_ids: frozenset[int] = frozenset()
    #: The day the scope is for: people who had left before it are not in it (their account is export-only).
    on: dt.date | None = None

    @property
    def empty(self) -> bool:
        return not (self.whole_organisation or self.service_ids or self.report_ids)

    @property
    def services_only(self) -> frozenset[int] | None:
        """Services whose totals (vacancies, skill mix) the viewer may read; None means all of them."""
        return None if self.whole_organisation else self.service_ids


def has_staff_lists(user: User) -> bool:
    """May open the directory and the service-wide pages at all (their contents are then scoped)."""
    return any(user.has_role(r) for r in (Role.HR, Role.SERVICE_LEAD, Role.LINE_MANAGER))


def is_hr(user: User) -> bool:
    return user.has_role(Role.HR)


def scope_of(session: Session, user: User, today: dt.date) -> Scope:
    services: set[int] = set()
    whole = False
    if user.has_role(Role.HR):
        hr = team_views.hr_service_scope(user)
        if hr is None:
            whole = True
        else:
            services.update(hr)
    services.update(team_views.lead_service_ids(user))
    reports: set[int] = set()
    if user.has_role(Role.LINE_MANAGER):
        reports.update(session.scalars(select(StaffRelationship.junior_id).where(
            StaffRelationship.senior_id == user.id, StaffRelationship.kind == RelationshipKind.LINE_MANAGEMENT,
            StaffRelationship.starts_on <= today,
            or_(StaffRelationship.ends_on.is_(None), StaffRelationship.ends_on >= today))))
    return Scope(user.organisation_id, whole, frozenset(services), frozenset(reports), today)


def people_in(scope: Scope) -> Select[Any]:
    """Active users with a staff profile in the scope: join further or add columns as a page needs.

    Selects User joined to StaffProfile (outer-joined to Team), so callers may filter on either.
    """
    q = (select(User).join(StaffProfile, StaffProfile.user_id == User.id)
         .outerjoin(Team, StaffProfile.team_id == Team.id)
         .where(User.active.is_(True), User.organisation_id == scope.organisation_id))
    if scope.on is not None:
        q = q.where(or_(User.left_on.is_(None), User.left_on >= scope.on))
    if scope.whole_organisation:
        return q
    conditions = []
    if scope.service_ids:
        conditions.append(Team.service_id.in_(sorted(scope.service_ids)))
    if scope.report_ids:
        conditions.append(User.id.in_(sorted(scope.report_ids)))
    return q.where(or_(*conditions) if conditions else false())


def covers(session: Session, viewer: User, person: User, today: dt.date) -> bool:
    """The viewer may see this person's HR records (band, step, progression, appraisals): self included."""
    return (viewer.id == person.id or hr_covers(session, viewer, person) or leads_service_of(session, viewer, person)
            or can_line_manage(session, viewer, person, today))


def can_record_hr_standing(session: Session, viewer: User, person: User) -> bool:
    """Mandatory training and the two formal-process flags: HR covering the person, never about themselves."""
    return viewer.id != person.id and viewer.has_role(Role.HR) and hr_covers(session, viewer, person)


def can_decide_progression(session: Session, viewer: User, person: User, today: dt.date) -> bool:
    """Appraisals and pay-step decisions: the person's current line manager (never for themselves)."""
    return can_line_manage(session, viewer, person, today)


def can_correct_progression(session: Session, viewer: User, person: User) -> bool:
    """HR oversee every decision and may correct one with a reason; not their own."""
    return can_record_hr_standing(session, viewer, person)


__all__ = ["Scope", "can_correct_progression", "can_decide_progression", "can_record_hr_standing", "covers",
           "has_staff_lists", "is_hr", "people_in", "scope_of"]
