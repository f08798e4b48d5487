"""Supervision received: the rules a session must meet to be recorded, and its month-by-month totals.

A session names its supervisor either through one of the person's supervision relationships
(which must cover the session's date) or as someone outside Waymark, by name and credentials.
Cases are named by anonymised reference only, and their minutes cannot add up to more than the
session. Services only flush; the caller commits. Delete and undo are app.services.logs'.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Select, extract, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.services import countersigning
from app.services.errors import DomainError
from app.services.privacy import check_case_reference, refuse_patient_identifiers
from competences.rules import minutes_text
from models import (RelationshipKind, StaffProfile, StaffRelationship, SupervisionCaseMinutes, SupervisionKind,
                    SupervisionSession, User)

MIN_MINUTES = 5
#: Eight hours: anything longer is a typing slip (the schema allows up to 600 as a last guard).
MAX_MINUTES = 480
MAX_CASES = 6
MAX_GROUP_SIZE = 50
THEMES_MAX = 2000
CASE_REF_MAX = 40
NAME_MAX = 120
CREDENTIALS_MAX = 255
#: Nobody records supervision from before Waymark's oldest plausible records; an earlier year is a slip.
EARLIEST = dt.date(2000, 1, 1)

#: BABCP (facts §4.4): at least 1.5 hours of supervision a month full time; 45 minutes below half-time.
FULL_TIME_MONTHLY_MINUTES = 90
PART_TIME_BELOW_WTE = Decimal("0.5")
PART_TIME_MONTHLY_MINUTES = 45

SORTS = {"newest": "Newest first", "oldest": "Oldest first", "longest": "Longest first"}
FORMATS = {"individual": "Individual", "group": "Group"}


@dataclasses.dataclass(frozen=True)
class CaseMinutes:
    """One row of the cases discussed; a row with neither reference nor minutes is ignored."""

    case_ref: str | None
    minutes: int | None

    @property
    def blank(self) -> bool:
        return not (self.case_ref or "").strip() and self.minutes is None


@dataclasses.dataclass(frozen=True, kw_only=True)
class SupervisionDetails:
    """What the person says about a session, before any rule has been checked."""

    occurred_on: dt.date
    minutes: int
    #: One of the supervisee's supervision relationships, or None for someone outside Waymark.
    relationship_id: int | None = None
    outside_name: str | None = None
    outside_credentials: str | None = None
    #: None means the kind recorded on the relationship.
    kind: SupervisionKind | None = None
    group: bool = False
    group_size: int | None = None
    cbt: bool = True
    live_or_recorded_sampled: bool = False
    cases: Sequence[CaseMinutes] = ()
    themes: str | None = None


@dataclasses.dataclass(frozen=True)
class _Checked:
    relationship: StaffRelationship | None
    outside_name: str | None
    outside_credentials: str | None
    kind: SupervisionKind
    group_size: int
    cases: list[tuple[str, int]]
    themes: str | None


class MonthTotal(NamedTuple):
    """Minutes of supervision received in one calendar month, by kind and in all."""

    month: dt.date
    by_kind: dict[SupervisionKind, int]
    total: int


# --- the rules ---------------------------------------------------------------------------------

def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _check_date(day: dt.date, today: dt.date) -> None:
    if day > today:
        raise DomainError("The date of the session cannot be in the future", field="occurred_on")
    if day < EARLIEST:
        raise DomainError(f"Check the year: the date is before {EARLIEST.year}", field="occurred_on")


def _check_minutes(minutes: int) -> None:
    if minutes < MIN_MINUTES:
        raise DomainError(f"A supervision session must last at least {MIN_MINUTES} minutes; "
                          f"{minutes} minutes is not a session", field="minutes")
    if minutes > MAX_MINUTES:
        raise DomainError(f"A supervision session cannot last more than {MAX_MINUTES} minutes (8 hours); "
                          f"{minutes:,} minutes is {minutes_text(minutes)}", field="minutes")


def _supervisor_relationship(session: Session, supervisee_id: int, d: SupervisionDetails) -> StaffRelationship:
    rel = session.get(StaffRelationship, d.relationship_id, options=[selectinload(StaffRelationship.senior)])
    # Someone else's relationship (or a made-up id) reads the same as a choice that is not on the list.
    if rel is None or rel.junior_id != supervisee_id or rel.kind is not RelationshipKind.SUPERVISION:
        raise DomainError("Choose a supervisor from the list", field="supervisor")
    # The schema forbids a relationship with oneself; checked again here because this decides whose word counts.
    if rel.senior_id == supervisee_id:
        raise DomainError("You cannot record yourself as your own supervisor", field="supervisor")
    if not rel.covers(d.occurred_on):
        raise DomainError(f"{rel.senior.full_name}'s supervision of you {relationship_dates(rel)}, so it does not "
                          f"cover {d.occurred_on:%-d %B %Y}. The list now shows the supervisors for that date",
                          field="supervisor")
    return rel


def _outside_supervisor(d: SupervisionDetails) -> tuple[str, str]:
    name, credentials = _clean(d.outside_name), _clean(d.outside_credentials)
    if name is None:
        raise DomainError("Enter the name of the supervisor from outside Waymark", field="outside_name")
    if len(name) > NAME_MAX:
        raise DomainError(f"The name must be {NAME_MAX} characters or fewer", field="outside_name")
    if credentials is None:
        raise DomainError("Enter the outside supervisor's credentials, like BABCP-accredited CBT supervisor",
                          field="outside_credentials")
    if len(credentials) > CREDENTIALS_MAX:
        raise DomainError(f"The credentials must be {CREDENTIALS_MAX} characters or fewer",
                          field="outside_credentials")
    return name, credentials


def _group_size(d: SupervisionDetails) -> int:
    if not d.group:
        return 1
    if d.group_size is None:
        raise DomainError("Enter how many supervisees were in the group, including you", field="group_size")
    if d.group_size < 2:
        raise DomainError(f"A group size of {d.group_size} is not a group: group supervision has 2 or more "
                          "supervisees. Enter the group size, or choose individual supervision", field="group_size")
    if d.group_size > MAX_GROUP_SIZE:
        raise DomainError(f"A supervision group has at most {MAX_GROUP_SIZE} supervisees; check the group size",
                          field="group_size")
    return d.group_size


def _cases(rows: Sequence[CaseMinutes], session_minutes: int) -> list[tuple[str, int]]:
    cases: list[tuple[str, int]] = []
    for i, row in enumerate(rows):
        if row.blank:
            continue
        field = f"cases-{i}-"
        ref = _clean(row.case_ref)
        if ref is None:
            raise DomainError("Enter the case reference, or clear the minutes", field=field + "case_ref")
        if len(ref) > CASE_REF_MAX:
            raise DomainError(f"A case reference must be {CASE_REF_MAX} characters or fewer", field=field + "case_ref")
        check_case_reference(ref, field=field + "case_ref")
        if any(ref.casefold() == seen.casefold() for seen, _ in cases):
            raise DomainError(f"Case {ref} is listed twice: give its minutes once", field=field + "case_ref")
        if row.minutes is None:
            raise DomainError(f"Enter the minutes spent on case {ref}", field=field + "minutes")
        if row.minutes < 1:
            raise DomainError("The minutes spent on a case must be 1 or more", field=field + "minutes")
        cases.append((ref, row.minutes))
    if len(cases) > MAX_CASES:
        raise DomainError(f"Record up to {MAX_CASES} cases", field="cases")
    total = sum(m for _, m in cases)
    if total > session_minutes:
        raise DomainError(f"The minutes per case add up to {total}, more than the {session_minutes}-minute session",
                          field="cases")
    return cases


def _themes(text: str | None) -> str | None:
    themes = _clean(text)
    if themes is not None and len(themes) > THEMES_MAX:
        raise DomainError(f"Themes must be {THEMES_MAX:,} characters or fewer; this is {len(themes):,}",
                          field="themes")
    refuse_patient_identifiers(themes, "themes")
    return themes


def _check(session: Session, supervisee_id: int, d: SupervisionDetails, today: dt.date) -> _Checked:
    """Every rule, in the order the form asks its questions, so the first problem is the topmost."""
    _check_date(d.occurred_on, today)
    rel: StaffRelationship | None = None
    name = credentials = None
    if d.relationship_id is not None:
        if _clean(d.outside_name) or _clean(d.outside_credentials):
            raise DomainError("Choose a supervisor from Waymark or name one from outside, not both",
                              field="supervisor")
        rel = _supervisor_relationship(session, supervisee_id, d)
    else:
        name, credentials = _outside_supervisor(d)
    _check_minutes(d.minutes)
    kind = d.kind or (rel.supervision_kind if rel else None)
    if kind is None:
        raise DomainError("Choose the kind of supervision", field="kind")
    group_size = _group_size(d)
    cases = _cases(d.cases, d.minutes)
    return _Checked(rel, name, credentials, kind, group_size, cases, _themes(d.themes))


def _apply(session: Session, entry: SupervisionSession, d: SupervisionDetails, c: _Checked) -> None:
    entry.occurred_on = d.occurred_on
    entry.minutes = d.minutes
    entry.kind = c.kind
    entry.group_size = c.group_size
    entry.cbt = d.cbt
    entry.live_or_recorded_sampled = d.live_or_recorded_sampled
    entry.relationship_ = c.relationship
    entry.supervisor = c.relationship.senior if c.relationship else None
    entry.outside_supervisor_name = c.outside_name
    entry.outside_supervisor_credentials = c.outside_credentials
    entry.themes = c.themes
    # Keep the rows of cases still listed (their minutes may change), so the audit trail shows real changes.
    kept = {row.case_ref: row for row in entry.cases}
    entry.cases = []
    for ref, minutes in c.cases:
        row = kept.pop(ref, None) or SupervisionCaseMinutes(case_ref=ref, minutes=minutes)
        row.minutes = minutes
        entry.cases.append(row)
    # Deleted explicitly: a row dropped only by the orphan cascade would reach the audit trail as an update.
    for row in kept.values():
        session.delete(row)


def record_supervision(session: Session, supervisee: User, details: SupervisionDetails, *,
                       today: dt.date) -> SupervisionSession:
    """Check and record a session of supervision that `supervisee` received."""
    checked = _check(session, supervisee.id, details, today)
    entry = SupervisionSession(supervisee_id=supervisee.id)
    _apply(session, entry, details, checked)
    session.add(entry)
    session.flush()
    return entry


def update_supervision(session: Session, entry: SupervisionSession, details: SupervisionDetails, *,
                       today: dt.date) -> SupervisionSession:
    """Check and save changes to a recorded session; a deleted one must be restored first."""
    if entry.deleted_at is not None:
        raise DomainError("This entry has been deleted; restore it before changing it")
    checked = _check(session, entry.supervisee_id, details, today)
    _apply(session, entry, details, checked)
    countersigning.reset_if_changed(session, entry)
    session.flush()
    return entry


# --- choosing a supervisor ---------------------------------------------------------------------

def relationship_dates(rel: StaffRelationship) -> str:
    """'runs from 1 January 2025 to 31 March 2026', or '… from 1 January 2025, with no end date'."""
    start = f"{rel.starts_on:%-d %B %Y}"
    if rel.ends_on is None:
        return f"runs from {start}, with no end date"
    return f"runs from {start} to {rel.ends_on:%-d %B %Y}"


def relationship_label(rel: StaffRelationship) -> str:
    """'Sam Supervisor – Clinical supervision, from 1 January 2025 to 31 March 2026'."""
    kind = rel.supervision_kind.label if rel.supervision_kind else rel.kind.label
    until = f" to {rel.ends_on:%-d %B %Y}" if rel.ends_on else " (no end date)"
    return f"{rel.senior.full_name} – {kind}, from {rel.starts_on:%-d %B %Y}{until}"


def supervision_relationships(session: Session, supervisee_id: int, *, covering: dt.date,
                              also: int | None = None) -> list[StaffRelationship]:
    """The supervisee's supervision relationships covering `covering`, and the one with id `also` if it is theirs."""
    covers = (StaffRelationship.starts_on <= covering) & or_(
        StaffRelationship.ends_on.is_(None), StaffRelationship.ends_on >= covering)
    wanted = or_(covers, StaffRelationship.id == also) if also is not None else covers
    return list(session.scalars(
        select(StaffRelationship).options(selectinload(StaffRelationship.senior))
        .where(StaffRelationship.junior_id == supervisee_id, StaffRelationship.kind == RelationshipKind.SUPERVISION,
               wanted)
        .order_by(StaffRelationship.starts_on, StaffRelationship.id)))


# --- the list ----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True, kw_only=True)
class SupervisionFilters:
    start: dt.date | None = None
    end: dt.date | None = None
    kind: SupervisionKind | None = None
    #: "individual", "group" or None for both.
    format: str | None = None
    sort: str = "newest"
    deleted: bool = False


def list_statement(supervisee_id: int, filters: SupervisionFilters) -> Select[Any]:
    """The sessions a list page shows, with what it displays loaded alongside; ordered, ready to paginate."""
    stmt = select(SupervisionSession).where(SupervisionSession.supervisee_id == supervisee_id).options(
        selectinload(SupervisionSession.cases), selectinload(SupervisionSession.supervisor))
    stmt = stmt.where(SupervisionSession.deleted_at.is_not(None) if filters.deleted
                      else SupervisionSession.deleted_at.is_(None))
    if filters.start:
        stmt = stmt.where(SupervisionSession.occurred_on >= filters.start)
    if filters.end:
        stmt = stmt.where(SupervisionSession.occurred_on <= filters.end)
    if filters.kind:
        stmt = stmt.where(SupervisionSession.kind == filters.kind)
    if filters.format == "individual":
        stmt = stmt.where(SupervisionSession.group_size == 1)
    elif filters.format == "group":
        stmt = stmt.where(SupervisionSession.group_size > 1)
    if filters.sort == "oldest":
        return stmt.order_by(SupervisionSession.occurred_on, SupervisionSession.id)
    if filters.sort == "longest":
        return stmt.order_by(SupervisionSession.minutes.desc(), SupervisionSession.occurred_on.desc(),
                             SupervisionSession.id.desc())
    return stmt.order_by(SupervisionSession.occurred_on.desc(), SupervisionSession.id.desc())


def load_entry(session: Session, supervisee_id: int, entry_id: int) -> SupervisionSession | None:
    """One of the supervisee's sessions (deleted or not) with its cases and supervisor, or None."""
    return session.scalar(select(SupervisionSession).where(
        SupervisionSession.id == entry_id, SupervisionSession.supervisee_id == supervisee_id).options(
        selectinload(SupervisionSession.cases), selectinload(SupervisionSession.supervisor),
        selectinload(SupervisionSession.relationship_)))


# --- month by month ----------------------------------------------------------------------------

def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def last_complete_month_end(today: dt.date) -> dt.date:
    """The last day of the month before `today`'s."""
    return month_start(today) - dt.timedelta(days=1)


def monthly_totals(session: Session, supervisee_id: int, months_ending: dt.date, months: int = 12) -> list[MonthTotal]:
    """Minutes received per calendar month, oldest first, for the `months` months up to the one holding `months_ending`.

    One GROUP BY query; deleted sessions are left out and a month with none shows 0.
    """
    last = month_start(months_ending)
    starts = [_add_months(last, n) for n in range(1 - months, 1)]
    end = _add_months(last, 1) - dt.timedelta(days=1)
    year = extract("year", SupervisionSession.occurred_on)
    month = extract("month", SupervisionSession.occurred_on)
    rows = session.execute(
        select(year, month, SupervisionSession.kind, func.sum(SupervisionSession.minutes))
        .where(SupervisionSession.supervisee_id == supervisee_id, SupervisionSession.deleted_at.is_(None),
               SupervisionSession.occurred_on >= starts[0], SupervisionSession.occurred_on <= end)
        .group_by(year, month, SupervisionSession.kind))
    by_month: dict[dt.date, dict[SupervisionKind, int]] = {s: {} for s in starts}
    for y, m, kind, minutes in rows:
        by_month[dt.date(int(y), int(m), 1)][kind] = int(minutes)
    return [MonthTotal(s, {k: by_month[s].get(k, 0) for k in SupervisionKind}, sum(by_month[s].values()))
            for s in starts]


def wte_on(profile: StaffProfile | None, day: dt.date) -> Decimal | None:
    """The whole-time equivalent of the working pattern covering `day` (the latest-starting one if several)."""
    if profile is None:
        return None
    covering = [p for p in profile.working_patterns if p.starts_on <= day and (p.ends_on is None or p.ends_on >= day)]
    return max(covering, key=lambda p: p.starts_on).wte if covering else None


def monthly_target(wte: Decimal | None) -> int:
    """BABCP's monthly minimum: 90 minutes, or 45 below half-time; full time when the WTE is not recorded."""
    if wte is not None and wte < PART_TIME_BELOW_WTE:
        return PART_TIME_MONTHLY_MINUTES
    return FULL_TIME_MONTHLY_MINUTES


def sum_by_kind(totals: Iterable[MonthTotal]) -> dict[SupervisionKind, int]:
    """Each kind's minutes over all the months given."""
    out = {k: 0 for k in SupervisionKind}
    for t in totals:
        for k, minutes in t.by_kind.items():
            out[k] += minutes
    return out
