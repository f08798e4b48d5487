"""Supervision a supervisor gives: the log of supervision given outside the service, supervision
training, and the totals the "Supervision I give" page shows against the supervisor pathways.

In-service supervision given is read from supervisees' logs (models.supervisor_snapshot); only the
supervisor records supervision given outside and their own training, and only they (and nobody
else: not HR, managers, admins or their own supervisor) read these logs.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.services import logs
from app.services.errors import DomainError
from app.services.privacy import refuse_patient_identifiers
from competences import evidence as ev
from competences.catalogue import Catalogue
from competences.pathways import Pathway
from competences.requirements import Context, RequirementResult
from models import User
from models.snapshot import build_snapshot
from models.supervisor_work import OutsideSupervisionGiven, SupervisionTraining

#: The pathways whose supervision-given figures the page shows (catalogue ids; figures are read from them).
SUPERVISOR_PATHWAYS = ("babcp-supervisor-accreditation", "babcp-supervisor-maintenance")
MAX_MINUTES = 600
MAX_GROUP = 30
MAX_TEXT = 255


def can_read_own_work(viewer: User, owner: User) -> bool:
    """A supervisor's own supervision logs are theirs alone."""
    return viewer.id == owner.id


# --- supervision given outside the service --------------------------------------------------

@dataclasses.dataclass(frozen=True)
class GivenInput:
    given_on: dt.date
    minutes: int
    group_size: int
    cbt: bool
    supervisee_is_pwp: bool
    setting: str


def _check_given(d: GivenInput, today: dt.date) -> str:
    if d.given_on > today:
        raise DomainError("The date cannot be in the future", field="given_on")
    if not 0 < d.minutes <= MAX_MINUTES:
        raise DomainError("Enter minutes from 1 to 600", field="minutes")
    if not 1 <= d.group_size <= MAX_GROUP:
        raise DomainError(f"Enter a group size from 1 to {MAX_GROUP}", field="group_size")
    setting = (d.setting or "").strip()
    if not setting:
        raise DomainError("Enter where, or for which organisation", field="setting")
    if len(setting) > MAX_TEXT:
        raise DomainError(f"This must be {MAX_TEXT} characters or fewer", field="setting")
    refuse_patient_identifiers(setting, "setting")
    return setting


def record_given(session: Session, owner: User, d: GivenInput, *, today: dt.date) -> OutsideSupervisionGiven:
    setting = _check_given(d, today)
    entry = OutsideSupervisionGiven(owner_id=owner.id, given_on=d.given_on, minutes=d.minutes,
                                    group_size=d.group_size, cbt=d.cbt, supervisee_is_pwp=d.supervisee_is_pwp,
                                    setting=setting)
    session.add(entry)
    session.flush()
    return entry


def update_given(session: Session, entry: OutsideSupervisionGiven, d: GivenInput, *, today: dt.date) -> None:
    if entry.deleted_at is not None:
        raise DomainError("This entry has been deleted; restore it before changing it")
    entry.setting = _check_given(d, today)
    entry.given_on, entry.minutes, entry.group_size = d.given_on, d.minutes, d.group_size
    entry.cbt, entry.supervisee_is_pwp = d.cbt, d.supervisee_is_pwp
    session.flush()


# --- supervision training --------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class TrainingInput:
    title: str
    provider: str | None
    start_on: dt.date
    end_on: dt.date | None
    hours: Decimal


def _check_training(d: TrainingInput, today: dt.date) -> tuple[str, str | None, dt.date, int]:
    title = (d.title or "").strip()
    if not title:
        raise DomainError("Enter the course title", field="title")
    provider = (d.provider or "").strip() or None
    for name, text in (("title", title), ("provider", provider)):
        if text and len(text) > MAX_TEXT:
            raise DomainError(f"This must be {MAX_TEXT} characters or fewer", field=name)
        refuse_patient_identifiers(text, name)
    end_on = d.end_on or d.start_on
    if end_on < d.start_on:
        raise DomainError("The end date must be the same as or after the start date", field="end_on")
    if end_on > today:
        raise DomainError("Record a course once it has finished", field="end_on" if d.end_on else "start_on")
    if not d.hours.is_finite() or d.hours <= 0 or d.hours % Decimal("0.25"):
        raise DomainError("Enter hours in quarter hours, more than 0, like 6 or 7.5", field="hours")
    if d.hours > 500:
        raise DomainError("One course cannot be more than 500 hours", field="hours")
    return title, provider, end_on, int(d.hours * 60)


def record_training(session: Session, owner: User, d: TrainingInput, *, today: dt.date) -> SupervisionTraining:
    title, provider, end_on, minutes = _check_training(d, today)
    entry = SupervisionTraining(owner_id=owner.id, title=title, provider=provider, start_on=d.start_on,
                                end_on=end_on, minutes=minutes)
    session.add(entry)
    session.flush()
    return entry


def update_training(session: Session, entry: SupervisionTraining, d: TrainingInput, *, today: dt.date) -> None:
    if entry.deleted_at is not None:
        raise DomainError("This entry has been deleted; restore it before changing it")
    entry.title, entry.provider, end_on, entry.minutes = _check_training(d, today)
    entry.start_on, entry.end_on = d.start_on, end_on
    session.flush()


def delete_entry(session: Session, entry: OutsideSupervisionGiven | SupervisionTraining) -> None:
    logs.soft_delete(session, entry)


def undo_delete_entry(session: Session, entry: OutsideSupervisionGiven | SupervisionTraining) -> None:
    logs.undo_delete(session, entry)


# --- totals ----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class GivenTotals:
    """Minutes of supervision given, split the ways supervisor accreditation asks about."""

    minutes: int = 0
    in_service: int = 0
    outside: int = 0
    individual: int = 0
    group: int = 0
    pwp: int = 0
    #: CBT supervision of supervisees who are not PWPs: what BABCP supervisor accreditation counts.
    countable: int = 0

    def add(self, row: ev.SupervisionGiven) -> GivenTotals:
        inside = not row.id.startswith("given-outside:")
        m = row.minutes
        return GivenTotals(
            minutes=self.minutes + m, in_service=self.in_service + (m if inside else 0),
            outside=self.outside + (0 if inside else m), individual=self.individual + (m if row.group_size == 1 else 0),
            group=self.group + (m if row.group_size > 1 else 0), pwp=self.pwp + (m if row.supervisee_is_pwp else 0),
            countable=self.countable + (m if row.cbt and not row.supervisee_is_pwp else 0))


def totals(rows: Iterable[ev.SupervisionGiven]) -> GivenTotals:
    """A group session counts its minutes once, in full (the supervisor gave them once, whatever the group's size)."""
    found = GivenTotals()
    for row in rows:
        found = found.add(row)
    return found


def _grouped(rows: Sequence[ev.SupervisionGiven], key: Any) -> list[tuple[Any, GivenTotals]]:
    buckets: dict[Any, list[ev.SupervisionGiven]] = {}
    for row in rows:
        buckets.setdefault(key(row.date), []).append(row)
    return [(k, totals(buckets[k])) for k in sorted(buckets, reverse=True)]


@dataclasses.dataclass(frozen=True)
class Figure:
    pathway_title: str
    result: RequirementResult


@dataclasses.dataclass(frozen=True)
class GivenSummary:
    all_time: GivenTotals
    by_year: list[tuple[int, GivenTotals]]
    #: (first day of the month, totals), newest first.
    by_month: list[tuple[dt.date, GivenTotals]]
    figures: list[Figure]


def _figures(catalogue: Catalogue, snapshot: ev.Snapshot) -> list[Figure]:
    """Each supervisor pathway's supervision-given requirements, judged by the engine on this snapshot."""
    found = []
    for pathway_id in SUPERVISOR_PATHWAYS:
        pathway: Pathway = catalogue.current(pathway_id).content
        context = Context(catalogue=catalogue, settings=dict(pathway.settings))
        for rule in pathway.requirements:
            spec = pathway.specs.get(rule.id)
            if spec is not None and spec.record == "supervision_given":
                found.append(Figure(pathway.title, rule.evaluate(snapshot, context)))
    return found


def given_summary(session: Session, owner_id: int, today: dt.date, catalogue: Catalogue) -> GivenSummary:
    snapshot = build_snapshot(session, owner_id, today)
    rows = [r for r in snapshot.supervision_given if r.date <= today]
    return GivenSummary(all_time=totals(rows), by_year=_grouped(rows, lambda d: d.year),
                        by_month=_grouped(rows, lambda d: d.replace(day=1)), figures=_figures(catalogue, snapshot))
