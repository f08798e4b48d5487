"""Read-side queries for home pages: who someone looks after today, and who lacks cover."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from models import (ProfessionalRegistration, RelationshipKind, Role, RoleGrant, Service, StaffProfile,
                    StaffRelationship, SupervisionKind, Team, User)


def _current(on: dt.date) -> ColumnElement[bool]:
    return and_(StaffRelationship.starts_on <= on,
                or_(StaffRelationship.ends_on.is_(None), StaffRelationship.ends_on >= on))


def people_looked_after(session: Session, senior: User, kind: RelationshipKind, on: dt.date) -> list[StaffRelationship]:
    """Current relationships of one kind where `senior` is the supervisor, manager or tutor, with the junior loaded."""
    return list(session.scalars(
        select(StaffRelationship)
        .where(StaffRelationship.senior_id == senior.id, StaffRelationship.kind == kind, _current(on))
        .options(selectinload(StaffRelationship.junior).selectinload(User.profile).options(
            selectinload(StaffProfile.team), selectinload(StaffProfile.working_patterns),
            selectinload(StaffProfile.leave_periods)))
        .order_by(StaffRelationship.starts_on)
    ))


def my_relationships(session: Session, junior: User, on: dt.date) -> list[StaffRelationship]:
    """The people looking after `junior` today (supervisors, line manager, tutor)."""
    return list(session.scalars(
        select(StaffRelationship).where(StaffRelationship.junior_id == junior.id, _current(on))
        .options(selectinload(StaffRelationship.senior)).order_by(StaffRelationship.kind, StaffRelationship.starts_on)
    ))


def staff_in_scope(service_ids: Collection[int] | None, organisation_id: int) -> Select[Any]:
    """Active staff with a profile in the given services, or the whole organisation when None."""
    q = (select(User).join(StaffProfile, StaffProfile.user_id == User.id)
         .where(User.active.is_(True), User.organisation_id == organisation_id))
    if service_ids is not None:
        q = q.join(Team, StaffProfile.team_id == Team.id).where(Team.service_id.in_(list(service_ids)))
    return q


def hr_service_scope(user: User) -> list[int] | None:
    """None for organisation-wide HR, else the services the HR grants name."""
    grants = user.grants_for(Role.HR)
    if any(g.service_id is None for g in grants):
        return None
    return [g.service_id for g in grants if g.service_id is not None]


def lead_service_ids(user: User) -> list[int]:
    return [g.service_id for g in user.grants_for(Role.SERVICE_LEAD) if g.service_id is not None]


@dataclasses.dataclass(frozen=True)
class CoverGaps:
    """Staff in scope missing a current line manager, or practitioners without current supervision."""

    staff_count: int
    without_line_manager: list[User]
    practitioners_without_supervision: list[User]
    ending_soon: list[StaffRelationship]
    registrations_due: list[ProfessionalRegistration]


def cover_gaps(session: Session, service_ids: Collection[int] | None, organisation_id: int, on: dt.date,
               *, horizon_days: int = 60) -> CoverGaps:
    base = staff_in_scope(service_ids, organisation_id)
    ids = base.with_only_columns(User.id).scalar_subquery()
    staff_count = session.scalar(select(func.count()).select_from(base.subquery())) or 0

    def has_current(kind: RelationshipKind) -> ColumnElement[bool]:
        r = aliased(StaffRelationship)
        return exists().where(r.junior_id == User.id, r.kind == kind, r.starts_on <= on,
                              or_(r.ends_on.is_(None), r.ends_on >= on))

    load = selectinload(User.profile).selectinload(StaffProfile.team)
    without_lm = list(session.scalars(base.where(~has_current(RelationshipKind.LINE_MANAGEMENT))
                                      .options(load).order_by(User.full_name)))
    practitioner = exists().where(RoleGrant.user_id == User.id, RoleGrant.role == Role.PRACTITIONER)
    without_sup = list(session.scalars(base.where(practitioner, ~has_current(RelationshipKind.SUPERVISION))
                                       .options(load).order_by(User.full_name)))
    ending = list(session.scalars(
        select(StaffRelationship).where(StaffRelationship.junior_id.in_(ids), StaffRelationship.ends_on.is_not(None),
                                        StaffRelationship.ends_on >= on,
                                        StaffRelationship.ends_on <= on + dt.timedelta(days=horizon_days))
        .options(selectinload(StaffRelationship.junior), selectinload(StaffRelationship.senior))
        .order_by(StaffRelationship.ends_on)))
    due = list(session.scalars(
        select(ProfessionalRegistration).join(StaffProfile)
        .where(StaffProfile.user_id.in_(ids), ProfessionalRegistration.renewal_due_on.is_not(None),
               ProfessionalRegistration.renewal_due_on <= on + dt.timedelta(days=horizon_days))
        .options(selectinload(ProfessionalRegistration.profile).selectinload(StaffProfile.user))
        .order_by(ProfessionalRegistration.renewal_due_on)))
    return CoverGaps(staff_count, without_lm, without_sup, ending, due)


def services_with_team_counts(session: Session, service_ids: Collection[int]) -> list[tuple[Service, list[tuple[Team, int]]]]:
    services = list(session.scalars(select(Service).where(Service.id.in_(list(service_ids)))
                                    .options(selectinload(Service.teams)).order_by(Service.name)))
    counts = dict(session.execute(
        select(StaffProfile.team_id, func.count()).join(User, User.id == StaffProfile.user_id)
        .join(Team, Team.id == StaffProfile.team_id)
        .where(User.active.is_(True), Team.service_id.in_(list(service_ids))).group_by(StaffProfile.team_id)).all())
    return [(s, [(t, int(counts.get(t.id, 0))) for t in s.teams]) for s in services]


__all__ = ["CoverGaps", "SupervisionKind", "cover_gaps", "hr_service_scope", "lead_service_ids", "my_relationships",
           "people_looked_after", "services_with_team_counts", "staff_in_scope"]
