"""What every practitioner log shares: soft delete with undo, and who may read or change an entry."""
from __future__ import annotations

import datetime as dt
from typing import Protocol

from sqlalchemy.orm import Session

from app.services.access import can_view_private_records
from app.services.errors import DomainError
from models import RelationshipKind, Role, User
from models.base import utcnow


class SoftDeletable(Protocol):
    deleted_at: dt.datetime | None


def soft_delete(session: Session, entry: SoftDeletable) -> None:
    if entry.deleted_at is not None:
        raise DomainError("This entry has already been deleted")
    entry.deleted_at = utcnow()
    session.flush()


def undo_delete(session: Session, entry: SoftDeletable) -> None:
    if entry.deleted_at is None:
        raise DomainError("This entry is not deleted")
    entry.deleted_at = None
    session.flush()


def can_read_log(session: Session, viewer: User, owner: User, today: dt.date) -> bool:
    """The person, and those supervising or tutoring them today; never HR, managers or admins."""
    return can_view_private_records(session, viewer, owner, today)


def can_read_case(session: Session, viewer: User, owner: User, training_case: bool, today: dt.date) -> bool:
    """Course tutors see their trainee's training cases only; supervisors and the person see all."""
    if viewer.id == owner.id:
        return True
    from app.services.access import relationship_kinds_between

    kinds = relationship_kinds_between(session, viewer, owner, today)
    if RelationshipKind.SUPERVISION in kinds and viewer.has_role(Role.SUPERVISOR):
        return True
    return training_case and RelationshipKind.TUTORING in kinds and viewer.has_role(Role.COURSE_TUTOR)


def can_change_log(viewer: User, owner: User) -> bool:
    """Only the person writes their own logs (supervisors countersign in their own workflow)."""
    return viewer.id == owner.id
