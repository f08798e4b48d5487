"""Supervision contracts: what a supervisor and supervisee agree per relationship; the monthly target it sets.

Either party may record or change the contract (every change reaches the audit trail through the
flush hook). Services only flush; the caller commits.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

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


def can_edit_contract(actor: User, rel: StaffRelationship, today: dt.date | None = None) -> bool:
    """The supervisee, or the supervisor of a supervision relationship (while it is current on `today`, if given)."""
    if rel.kind is not RelationshipKind.SUPERVISION:
        return False
    if actor.id == rel.junior_id:
        return True
    return actor.id == rel.senior_id and (today is None or rel.covers(today))


def _minutes(d: ContractDetails) -> int:
    as_sessions = d.sessions_per_month is not None or d.minutes_per_session is not None
    if as_sessions:
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
                          field="sessions_per_month" if as_sessions else "minutes_per_month")
    return minutes


def save_contract(session: Session, actor: User, rel: StaffRelationship, d: ContractDetails,
                  contract: SupervisionContract | None = None, *, today: dt.date | None = None) -> SupervisionContract:
    if not can_edit_contract(actor, rel, today):
        raise DomainError("Only the supervisee, or the supervisor while they supervise, can agree this contract")
    if not rel.covers(d.starts_on):
        until = f" to {rel.ends_on:%-d %B %Y}" if rel.ends_on else ""
        raise DomainError(f"The contract must start while the supervision runs: from {rel.starts_on:%-d %B %Y}{until}",
                          field="starts_on")
    same_day = select(SupervisionContract.id).where(SupervisionContract.relationship_id == rel.id,
                                                    SupervisionContract.starts_on == d.starts_on)
    if contract is not None:
        same_day = same_day.where(SupervisionContract.id != contract.id)
    if session.scalar(same_day) is not None:
        raise DomainError(f"There is already a contract from {d.starts_on:%-d %B %Y}: change that one, or choose "
                          "another start date", field="starts_on")
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
    """Minutes a month agreed in the contracts in force on `month`'s first day.

    None when no contract is in force then (the caller uses BABCP's minimum).
    """
    day = month.replace(day=1)
    return contract_targets(session, person, [day]).get(day)


def in_force(contracts: Sequence[SupervisionContract], day: dt.date) -> SupervisionContract | None:
    """Of one relationship's contracts, the latest to start on or before `day` (a newer one replaces the older)."""
    started = [c for c in contracts if c.starts_on <= day]
    return max(started, key=lambda c: (c.starts_on, c.id)) if started else None


def contract_targets(session: Session, person: User, months: Sequence[dt.date]) -> dict[dt.date, int]:
    """For each month (its first day) covered by a contract: the agreed minutes, added up over `person`'s supervisors.

    A relationship counts in a month when it covers the first day, with the contract then in force.
    Months no contract covers are left out. One query for any number of months.
    """
    firsts = sorted({m.replace(day=1) for m in months})
    if not firsts:
        return {}
    rows = session.scalars(
        select(SupervisionContract)
        .join(StaffRelationship, SupervisionContract.relationship_id == StaffRelationship.id)
        .where(StaffRelationship.junior_id == person.id, StaffRelationship.kind == RelationshipKind.SUPERVISION,
               StaffRelationship.starts_on <= firsts[-1],
               or_(StaffRelationship.ends_on.is_(None), StaffRelationship.ends_on >= firsts[0]),
               SupervisionContract.starts_on <= firsts[-1])
        .options(contains_eager(SupervisionContract.relationship_))).all()
    by_relationship: dict[int, list[SupervisionContract]] = {}
    for row in rows:
        by_relationship.setdefault(row.relationship_id, []).append(row)
    targets: dict[dt.date, int] = {}
    for day in firsts:
        agreed = [c.minutes_per_month for group in by_relationship.values() if group[0].relationship_.covers(day)
                  and (c := in_force(group, day)) is not None]
        if agreed:
            targets[day] = sum(agreed)
    return targets


@dataclasses.dataclass(frozen=True)
class RelationshipContracts:
    """One supervision relationship of the person, with its contracts, newest first."""

    relationship: StaffRelationship
    contracts: list[SupervisionContract]
    today: dt.date

    @property
    def state(self) -> str:
        """'current', 'ended' or 'future', as of `today`."""
        if self.relationship.covers(self.today):
            return "current"
        return "future" if self.relationship.starts_on > self.today else "ended"

    @property
    def in_force(self) -> SupervisionContract | None:
        return in_force(self.contracts, self.today) if self.state == "current" else None

    def review_due(self, contract: SupervisionContract) -> bool:
        """The contract in force in a current relationship whose review date has passed."""
        return (contract is self.in_force and contract.review_on is not None and contract.review_on < self.today)


def relationships_with_contracts(session: Session, person: User, today: dt.date) -> list[RelationshipContracts]:
    """Every supervision relationship of `person` (newest first) with its supervisor and contracts: two queries."""
    rels = list(session.scalars(
        select(StaffRelationship).where(StaffRelationship.junior_id == person.id,
                                        StaffRelationship.kind == RelationshipKind.SUPERVISION)
        .options(selectinload(StaffRelationship.senior))
        .order_by(StaffRelationship.starts_on.desc(), StaffRelationship.id.desc())))
    contracts: dict[int, list[SupervisionContract]] = {r.id: [] for r in rels}
    if rels:
        for c in session.scalars(select(SupervisionContract)
                                 .where(SupervisionContract.relationship_id.in_(list(contracts)))
                                 .order_by(SupervisionContract.starts_on.desc(), SupervisionContract.id.desc())):
            contracts[c.relationship_id].append(c)
    return [RelationshipContracts(r, contracts[r.id], today) for r in rels]


def load_contract(session: Session, person: User, contract_id: int) -> SupervisionContract | None:
    """One contract of one of `person`'s supervision relationships (as supervisee), with its relationship."""
    return session.scalar(
        select(SupervisionContract)
        .join(StaffRelationship, SupervisionContract.relationship_id == StaffRelationship.id)
        .where(SupervisionContract.id == contract_id, StaffRelationship.junior_id == person.id)
        .options(contains_eager(SupervisionContract.relationship_).selectinload(StaffRelationship.senior)))


def load_relationship(session: Session, person: User, relationship_id: int) -> StaffRelationship | None:
    """One of `person`'s supervision relationships (as supervisee), with the supervisor."""
    return session.scalar(
        select(StaffRelationship)
        .where(StaffRelationship.id == relationship_id, StaffRelationship.junior_id == person.id,
               StaffRelationship.kind == RelationshipKind.SUPERVISION)
        .options(selectinload(StaffRelationship.senior)))
