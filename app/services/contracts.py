"""Supervision contracts: what a supervisor and supervisee agree per relationship; the monthly target it sets.

Either party may record or change the contract (every change reaches the audit trail through the
flush hook). Services only flush; the caller commits.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.services.errors import DomainError
from models import RelationshipKind, StaffRelationship, SupervisionKind, User
from models.countersigning import SupervisionContract

NOTES_MAX = 2000
MAX_MINUTES_PER_MONTH = 2400


@dataclasses.dataclass(frozen=True, kw_only=True)
class ContractDetails:
    kind: SupervisionKind
    starts_on: dt.date
    review_on: dt.date | None = None
    #: Either minutes a month, or sessions a month × minutes a session.
    minutes_per_month: int | None = None
    sessions_per_month: int | None = None
    minutes_per_session: int | None = None
    group_size: int = 1
    notes: str | None = None


def can_edit_contract(actor: User, rel: StaffRelationship) -> bool:
    """The supervisor or the supervisee of a supervision relationship."""
    return rel.kind is RelationshipKind.SUPERVISION and actor.id in (rel.senior_id, rel.junior_id)


def _minutes(d: ContractDetails) -> int:
    if d.sessions_per_month is not None or d.minutes_per_session is not None:
        if not d.sessions_per_month or d.sessions_per_month < 1:
            raise DomainError("Enter the number of sessions a month, 1 or more", field="sessions_per_month")
        if not d.minutes_per_session or d.minutes_per_session < 1:
            raise DomainError("Enter the minutes of each session, 1 or more", field="minutes_per_session")
        minutes = d.sessions_per_month * d.minutes_per_session
    elif d.minutes_per_month is None or d.minutes_per_month < 1:
        raise DomainError("Enter the agreed minutes of supervision a month, 1 or more", field="minutes_per_month")
    else:
        minutes = d.minutes_per_month
    if minutes > MAX_MINUTES_PER_MONTH:
        raise DomainError(f"{minutes:,} minutes a month is more than 40 hours: check the frequency",
                          field="minutes_per_month")
    return minutes


def save_contract(session: Session, actor: User, rel: StaffRelationship, d: ContractDetails,
                  contract: SupervisionContract | None = None) -> SupervisionContract:
    if not can_edit_contract(actor, rel):
        raise DomainError("Only the supervisor or the supervisee can agree this contract")
    if d.review_on is not None and d.review_on <= d.starts_on:
        raise DomainError("The review date must be after the start date", field="review_on")
    if d.group_size < 1:
        raise DomainError("The group size must be 1 or more", field="group_size")
    notes = (d.notes or "").strip() or None
    if notes is not None and len(notes) > NOTES_MAX:
        raise DomainError(f"Notes must be {NOTES_MAX:,} characters or fewer", field="notes")
    minutes = _minutes(d)
    contract = contract or SupervisionContract(relationship_=rel)
    contract.kind, contract.starts_on, contract.review_on = d.kind, d.starts_on, d.review_on
    contract.minutes_per_month, contract.sessions_per_month = minutes, d.sessions_per_month
    contract.group_size, contract.notes = d.group_size, notes
    session.add(contract)
    session.flush()
    return contract


def contract_target_minutes(session: Session, person: User, month: dt.date) -> int | None:
    """Minutes a month agreed in the contracts of `person`'s supervision relationships covering `month`'s first day.

    None when no contract covers it (the caller then uses BABCP's minimum). One query.
    """
    day = month.replace(day=1)
    rows = session.scalars(
        select(SupervisionContract.minutes_per_month)
        .join(StaffRelationship, SupervisionContract.relationship_id == StaffRelationship.id)
        .where(StaffRelationship.junior_id == person.id, StaffRelationship.kind == RelationshipKind.SUPERVISION,
               StaffRelationship.starts_on <= day,
               or_(StaffRelationship.ends_on.is_(None), StaffRelationship.ends_on >= day),
               SupervisionContract.starts_on <= day)).all()
    return sum(rows) if rows else None
