"""The rules for recording supervision, line management and tutoring between two people, with dates.

Who may open someone's records follows these relationships day by day (app.services.access), so
every rule here guards access as much as it guards data: the senior must hold the matching role,
both people must be active members of one organisation, a relationship never overlaps another of
the same kind between the same two people, and only admins (organisation-wide) or HR (within
their services) record them, never for themselves. Services only flush; the caller commits.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from app.services.access import can_manage_relationship_of, hr_covers, service_id_of
from app.services.errors import DomainError, NotPermitted
from app.services.team_views import hr_service_scope, staff_in_scope
from models import RelationshipKind, Role, RoleGrant, StaffProfile, StaffRelationship, SupervisionKind, Team, User

#: The role a senior must hold for each kind of relationship.
SENIOR_ROLE = {
    RelationshipKind.SUPERVISION: Role.SUPERVISOR,
    RelationshipKind.LINE_MANAGEMENT: Role.LINE_MANAGER,
    RelationshipKind.TUTORING: Role.COURSE_TUTOR,
}
SENIOR_ROLES = frozenset(SENIOR_ROLE.values())

END_BEFORE_START = "The end date must be the same as or after the start date"
STATUSES = ("current", "future", "ended", "all")
PER_PAGE = 50


# --- scope -------------------------------------------------------------------------------------

def scope_of(actor: User) -> list[int] | None:
    """The services whose staff `actor` records relationships for; None means the whole organisation."""
    if actor.has_role(Role.ADMIN):
        return None
    if not actor.has_role(Role.HR):
        return []
    return hr_service_scope(actor)


def can_see_relationships_of(session: Session, actor: User, person: User) -> bool:
    """Whether `person` is within the actor's scope at all (their own relationships included)."""
    if actor.organisation_id != person.organisation_id:
        return False
    return actor.has_role(Role.ADMIN) or hr_covers(session, actor, person)


def may_manage(session: Session, actor: User, rel: StaffRelationship) -> bool:
    """Admins and HR within scope; nobody but an admin changes a relationship they are part of."""
    if not can_manage_relationship_of(session, actor, rel.junior):
        return False
    return actor.has_role(Role.ADMIN) or actor.id not in (rel.senior_id, rel.junior_id)


def people_in_scope(session: Session, actor: User) -> list[User]:
    """Active staff the actor may choose from, with their roles loaded, by name; never the actor unless admin."""
    q = staff_in_scope(scope_of(actor), actor.organisation_id).options(selectinload(User.role_grants))
    if not actor.has_role(Role.ADMIN):
        q = q.where(User.id != actor.id)
    return list(session.scalars(q.order_by(User.full_name, User.id)))


def eligible_seniors(session: Session, actor: User) -> list[User]:
    """Supervisors, line managers and tutors the actor may pair with their staff.

    Besides the staff in scope, people with no team (a university course tutor, an outside
    supervisor) can be chosen by any HR officer, since they belong to no service.
    """
    scope = scope_of(actor)
    q = (select(User).outerjoin(StaffProfile, StaffProfile.user_id == User.id)
         .outerjoin(Team, StaffProfile.team_id == Team.id)
         .where(User.organisation_id == actor.organisation_id, User.active.is_(True),
                User.role_grants.any(RoleGrant.role.in_(list(SENIOR_ROLES))))
         .options(selectinload(User.role_grants)))
    if scope is not None:
        q = q.where(or_(Team.service_id.in_(scope), Team.id.is_(None)))
    if not actor.has_role(Role.ADMIN):
        q = q.where(User.id != actor.id)
    return list(session.scalars(q.order_by(User.full_name, User.id)))


# --- rules -------------------------------------------------------------------------------------

def _check_actor(session: Session, actor: User, senior: User, junior: User) -> None:
    if not can_manage_relationship_of(session, actor, junior):
        raise NotPermitted("You cannot record relationships for this person", field="junior_id")
    if actor.has_role(Role.ADMIN):
        return
    if actor.id == senior.id:
        raise NotPermitted("You cannot record your own relationships. Ask another HR officer or an administrator",
                           field="senior_id")
    if not (hr_covers(session, actor, senior) or service_id_of(session, senior) is None):
        raise NotPermitted("You cannot record relationships for this person", field="senior_id")


def _check_people(kind: RelationshipKind, senior: User, junior: User) -> None:
    if senior.id == junior.id:
        raise DomainError("Choose two different people: nobody can supervise, manage or tutor themselves",
                          field="senior_id")
    if senior.organisation_id != junior.organisation_id:
        raise DomainError("These two people work for different organisations", field="senior_id")
    if not junior.active:
        raise DomainError(f"{junior.full_name}'s account is deactivated", field="junior_id")
    if not senior.active:
        raise DomainError(f"{senior.full_name}'s account is deactivated", field="senior_id")
    role = SENIOR_ROLE[kind]
    if not senior.has_role(role):
        raise DomainError(f"{senior.full_name} does not have the {role.label.lower()} role. "
                          f"Choose someone who does, or ask an administrator to give them the role",
                          field="senior_id")


def _check_supervision_kind(kind: RelationshipKind, supervision_kind: SupervisionKind | None) -> None:
    if kind is RelationshipKind.SUPERVISION and supervision_kind is None:
        raise DomainError("Choose the kind of supervision", field="supervision_kind")
    if kind is not RelationshipKind.SUPERVISION and supervision_kind is not None:
        raise DomainError("Leave the kind of supervision blank unless the relationship is supervision",
                          field="supervision_kind")


def _check_dates(starts_on: dt.date, ends_on: dt.date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(END_BEFORE_START, field="ends_on")


def overlapping(session: Session, *, kind: RelationshipKind, supervision_kind: SupervisionKind | None,
                senior_id: int, junior_id: int, starts_on: dt.date, ends_on: dt.date | None,
                exclude_id: int | None = None) -> StaffRelationship | None:
    """Another relationship of the same kind between the same two people sharing at least one day."""
    q = select(StaffRelationship).where(
        StaffRelationship.kind == kind,
        StaffRelationship.senior_id == senior_id,
        StaffRelationship.junior_id == junior_id,
        or_(StaffRelationship.ends_on.is_(None), StaffRelationship.ends_on >= starts_on),
    )
    if supervision_kind is not None:
        q = q.where(StaffRelationship.supervision_kind == supervision_kind)
    if ends_on is not None:
        q = q.where(StaffRelationship.starts_on <= ends_on)
    if exclude_id is not None:
        q = q.where(StaffRelationship.id != exclude_id)
    return session.scalars(q.order_by(StaffRelationship.starts_on).limit(1)).first()


def _check_overlap(session: Session, *, kind: RelationshipKind, supervision_kind: SupervisionKind | None,
                   senior: User, junior: User, starts_on: dt.date, ends_on: dt.date | None,
                   exclude_id: int | None = None) -> None:
    # Lock the junior's row first, so two officers saving at once cannot both find no overlap and both
    # insert (PostgreSQL; SQLite already lets one writer in at a time and ignores FOR UPDATE).
    session.execute(select(User.id).where(User.id == junior.id).with_for_update())
    clash = overlapping(session, kind=kind, supervision_kind=supervision_kind, senior_id=senior.id,
                        junior_id=junior.id, starts_on=starts_on, ends_on=ends_on, exclude_id=exclude_id)
    if clash is not None:
        until = f"until {_day(clash.ends_on)}" if clash.ends_on else "with no end date"
        raise DomainError(f"{clash.label} of {junior.full_name} by {senior.full_name} is already recorded from "
                          f"{_day(clash.starts_on)} {until}. Change the dates so they do not overlap, "
                          f"or correct the existing relationship", field="starts_on")


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- use cases ---------------------------------------------------------------------------------

def create_relationship(session: Session, actor: User, *, kind: RelationshipKind, senior: User, junior: User,
                        starts_on: dt.date, ends_on: dt.date | None = None,
                        supervision_kind: SupervisionKind | None = None) -> StaffRelationship:
    _check_actor(session, actor, senior, junior)
    _check_people(kind, senior, junior)
    _check_supervision_kind(kind, supervision_kind)
    _check_dates(starts_on, ends_on)
    _check_overlap(session, kind=kind, supervision_kind=supervision_kind, senior=senior, junior=junior,
                   starts_on=starts_on, ends_on=ends_on)
    rel = StaffRelationship(kind=kind, supervision_kind=supervision_kind, senior=senior, junior=junior,
                            starts_on=starts_on, ends_on=ends_on, created_by_id=actor.id)
    session.add(rel)
    session.flush()
    return rel


def _extends(rel: StaffRelationship, starts_on: dt.date, ends_on: dt.date | None) -> bool:
    if starts_on < rel.starts_on:
        return True
    return rel.ends_on is not None and (ends_on is None or ends_on > rel.ends_on)


def update_relationship_dates(session: Session, actor: User, rel: StaffRelationship, *, starts_on: dt.date,
                              ends_on: dt.date | None) -> None:
    """Correct a relationship's dates. Lengthening it is held to the rules for a new one."""
    if not may_manage(session, actor, rel):
        raise NotPermitted("You cannot change this relationship", field="starts_on")
    _check_dates(starts_on, ends_on)
    if _extends(rel, starts_on, ends_on):
        # Shortening or ending is always possible; giving more days of access needs the same
        # active accounts and role as recording it afresh.
        _check_people(rel.kind, rel.senior, rel.junior)
    _check_overlap(session, kind=rel.kind, supervision_kind=rel.supervision_kind, senior=rel.senior,
                   junior=rel.junior, starts_on=starts_on, ends_on=ends_on, exclude_id=rel.id)
    rel.starts_on = starts_on
    rel.ends_on = ends_on
    session.flush()


def end_relationship(session: Session, actor: User, rel: StaffRelationship, *, ends_on: dt.date) -> None:
    """Set the last day of a relationship; it can only bring an end date forward, never extend it."""
    if not may_manage(session, actor, rel):
        raise NotPermitted("You cannot change this relationship", field="ends_on")
    _check_dates(rel.starts_on, ends_on)
    if rel.ends_on is not None and ends_on > rel.ends_on:
        raise DomainError(f"This relationship already ends on {_day(rel.ends_on)}. "
                          f"To extend it, correct its dates instead", field="ends_on")
    rel.ends_on = ends_on
    session.flush()


# --- reading -----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class RelationshipPage:
    items: list[StaffRelationship]
    total: int
    page: int
    pages: int


def status_filter(status: str, on: dt.date) -> ColumnElement[bool] | None:
    if status == "current":
        return and_(StaffRelationship.starts_on <= on,
                    or_(StaffRelationship.ends_on.is_(None), StaffRelationship.ends_on >= on))
    if status == "future":
        return StaffRelationship.starts_on > on
    if status == "ended":
        return StaffRelationship.ends_on < on
    return None


def _visible(actor: User) -> Select[StaffRelationship]:
    """Relationships whose junior is in the actor's organisation and, for scoped HR, their services."""
    junior = aliased(User)
    q = (select(StaffRelationship).join(junior, junior.id == StaffRelationship.junior_id)
         .where(junior.organisation_id == actor.organisation_id))
    scope = scope_of(actor)
    if scope is not None:
        in_scope = (select(StaffProfile.user_id).join(Team, Team.id == StaffProfile.team_id)
                    .where(Team.service_id.in_(scope)))
        q = q.where(StaffRelationship.junior_id.in_(in_scope))
    return q.order_by(junior.full_name, StaffRelationship.kind, StaffRelationship.starts_on.desc(),
                      StaffRelationship.id)


def list_relationships(session: Session, actor: User, *, on: dt.date, person: User | None = None,
                       kind: RelationshipKind | None = None, status: str = "current", page: int = 1,
                       per_page: int = PER_PAGE) -> RelationshipPage:
    q = _visible(actor)
    if person is not None:
        q = q.where(or_(StaffRelationship.junior_id == person.id, StaffRelationship.senior_id == person.id))
    if kind is not None:
        q = q.where(StaffRelationship.kind == kind)
    condition = status_filter(status, on)
    if condition is not None:
        q = q.where(condition)
    total = session.scalar(select(func.count()).select_from(q.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    people = (selectinload(StaffRelationship.junior), selectinload(StaffRelationship.senior))
    items = list(session.scalars(q.options(*people).limit(per_page).offset((page - 1) * per_page)))
    return RelationshipPage(items, total, page, pages)
