"""Who may see and do what: the named policies every view and service calls.

Scopes, narrowest first: a person's own records; supervisees, line reports and tutees, only
while the dated relationship covers the day in question; a service (service leads, scoped HR);
the organisation (HR). Admins manage accounts and configuration only. Reflective statements,
case details and supervision notes are private to the person and those supervising or tutoring
them now; HR, managers and admins never see them.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import RelationshipKind, Role, StaffProfile, StaffRelationship, Team, User


def current_relationships(session: Session, senior: User, on: dt.date,
                          kinds: Collection[RelationshipKind] = tuple(RelationshipKind)) -> list[StaffRelationship]:
    return list(session.scalars(
        select(StaffRelationship).where(
            StaffRelationship.senior_id == senior.id,
            StaffRelationship.kind.in_(list(kinds)),
            StaffRelationship.starts_on <= on,
            or_(StaffRelationship.ends_on.is_(None), StaffRelationship.ends_on >= on),
        ).order_by(StaffRelationship.starts_on)
    ))


def relationship_kinds_between(session: Session, senior: User, junior: User, on: dt.date) -> set[RelationshipKind]:
    """The kinds of relationship in which `senior` looks after `junior` on day `on`."""
    rows = session.scalars(select(StaffRelationship.kind).where(
        StaffRelationship.senior_id == senior.id,
        StaffRelationship.junior_id == junior.id,
        StaffRelationship.starts_on <= on,
        or_(StaffRelationship.ends_on.is_(None), StaffRelationship.ends_on >= on),
    ))
    return set(rows)


def service_id_of(session: Session, person: User) -> int | None:
    return session.scalar(select(Team.service_id).join(StaffProfile, StaffProfile.team_id == Team.id)
                          .where(StaffProfile.user_id == person.id))


def hr_covers(session: Session, viewer: User, person: User) -> bool:
    if viewer.organisation_id != person.organisation_id:
        return False
    grants = viewer.grants_for(Role.HR)
    if any(g.service_id is None for g in grants):
        return True
    scoped = {g.service_id for g in grants}
    return bool(scoped) and service_id_of(session, person) in scoped


def leads_service_of(session: Session, viewer: User, person: User) -> bool:
    led = {g.service_id for g in viewer.grants_for(Role.SERVICE_LEAD)}
    return bool(led) and viewer.organisation_id == person.organisation_id and service_id_of(session, person) in led


# --- the policies ------------------------------------------------------------------------------

def can_view_person(session: Session, viewer: User, person: User, today: dt.date) -> bool:
    """See someone's profile, band, step and non-private records."""
    if viewer.id == person.id:
        return True
    if hr_covers(session, viewer, person) or leads_service_of(session, viewer, person):
        return True
    kinds = relationship_kinds_between(session, viewer, person, today)
    if RelationshipKind.LINE_MANAGEMENT in kinds and viewer.has_role(Role.LINE_MANAGER):
        return True
    if RelationshipKind.SUPERVISION in kinds and viewer.has_role(Role.SUPERVISOR):
        return True
    return RelationshipKind.TUTORING in kinds and viewer.has_role(Role.COURSE_TUTOR)


def can_view_private_records(session: Session, viewer: User, person: User, today: dt.date) -> bool:
    """Reflective statements, case details and supervision notes: self, current supervisor or tutor only."""
    if viewer.id == person.id:
        return True
    kinds = relationship_kinds_between(session, viewer, person, today)
    return ((RelationshipKind.SUPERVISION in kinds and viewer.has_role(Role.SUPERVISOR))
            or (RelationshipKind.TUTORING in kinds and viewer.has_role(Role.COURSE_TUTOR)))


def can_supervise(session: Session, viewer: User, person: User, on: dt.date) -> bool:
    """Act as `person`'s supervisor on day `on` (sign-off rules add the item's own date later)."""
    return (viewer.id != person.id and viewer.has_role(Role.SUPERVISOR)
            and RelationshipKind.SUPERVISION in relationship_kinds_between(session, viewer, person, on))


def can_line_manage(session: Session, viewer: User, person: User, on: dt.date) -> bool:
    return (viewer.id != person.id and viewer.has_role(Role.LINE_MANAGER)
            and RelationshipKind.LINE_MANAGEMENT in relationship_kinds_between(session, viewer, person, on))


def is_second_person(actor: User, owner: User) -> bool:
    """Where a second person is required, nobody acts on their own work."""
    return actor.id != owner.id


def can_manage_accounts(user: User) -> bool:
    return user.has_role(Role.ADMIN)


def can_manage_organisation(user: User) -> bool:
    return user.has_role(Role.ADMIN)


def can_view_reference_data(user: User) -> bool:
    """Which pay, framework and rule data is loaded, with sources: admins and HR (only admins correct it)."""
    return user.has_role(Role.ADMIN) or user.has_role(Role.HR)


def can_manage_relationships(user: User) -> bool:
    return user.has_role(Role.ADMIN) or user.has_role(Role.HR)


def can_manage_relationship_of(session: Session, user: User, junior: User) -> bool:
    """Admins for anyone in their organisation; HR within their scope; nobody for their own relationships."""
    if user.id == junior.id and not user.has_role(Role.ADMIN):
        return False
    if user.has_role(Role.ADMIN):
        return user.organisation_id == junior.organisation_id
    return hr_covers(session, user, junior)


def can_view_audit_trail(user: User) -> bool:
    return user.has_role(Role.ADMIN)


def can_read_outbox(user: User) -> bool:
    return user.has_role(Role.ADMIN)


def has_any_role(user: User, *roles: Role) -> bool:
    return any(user.has_role(r) for r in roles)
