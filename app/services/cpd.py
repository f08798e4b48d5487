"""Recording CPD activities and totalling them the way BABCP, the NMC and the HCPC count them.

An activity counts on its end date (as competences.rules does). Totals are summed by the
database (GROUP BY), so the list page costs the same few queries whatever the log's length.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.services import logs
from app.services.errors import DomainError
from app.services.privacy import refuse_patient_identifiers
from competences.catalogue import Catalogue, built_in_catalogue
from competences.credentials import DECLARATION_ANCHOR_KINDS
from competences.frameworks import Framework, items
from competences.windows import anniversary, long_date
from models import CpdActivity, ProfessionalRegistration, StaffProfile, User

#: BABCP CPD categories (facts.md §4.4): id → (label, what counts under it).
CATEGORIES: dict[str, tuple[str, str]] = {
    "clinical": ("Clinical role", ("Courses, workshops, journal clubs and skills practice groups. Not supervision, "
                                   "special interest groups, shadowing, audits, or PDP and appraisal.")),
    "management": ("Management", "Learning for a management or leadership role."),
    "professional": ("Professional role", "Mentoring, teaching, examining, accrediting, and work for BABCP."),
    "educational": ("Formal or educational", ("Seminars, distance learning, writing and reviewing. Reading CBT "
                                              "literature counts too: the reflective statement is its evidence.")),
    "research": ("Research", "Conference presentations and research committees."),
}

#: The HCPC's five CPD standards, shortened (facts.md §9).
HCPC_STANDARDS: dict[int, str] = {
    1: "Keep a continuous, up-to-date and accurate record of your CPD",
    2: "A mixture of learning activities relevant to current or future practice",
    3: "CPD that improves the quality of your practice and service delivery",
    4: "CPD that benefits service users",
    5: "On request, a written profile with evidence of how you meet the standards",
}

#: The frameworks a CPD activity may be linked to, by data file id (current versions).
LINKABLE_FRAMEWORKS = ("ksa", "ucl-cbt")

MAX_TEXT = 5000
MAX_TITLE = 255
MAX_HOURS = Decimal(100)
QUARTER = Decimal("0.25")


@dataclasses.dataclass(frozen=True)
class CpdInput:
    """What a person types for one activity; `end_on` None means a one-day activity."""

    start_on: dt.date
    end_on: dt.date | None
    title: str
    category: str
    hours: Decimal
    provider: str | None = None
    participatory: bool = False
    hcpc_standards: Sequence[int] = ()
    cbt: bool = True
    cbt_skills: bool = False
    reflection_learned: str | None = None
    reflection_practice: str | None = None
    competences: Sequence[str] = ()


@dataclasses.dataclass(frozen=True)
class Competence:
    id: str
    framework_title: str
    code: str
    title: str


@dataclasses.dataclass(frozen=True)
class CpdTotals:
    """Sums over a set of activities; hours are minutes ÷ 60, kept exact as Decimal."""

    activities: int = 0
    minutes: int = 0
    cbt_skills_minutes: int = 0
    participatory_minutes: int = 0
    #: Activities whose reflective statement has both parts.
    with_reflection: int = 0

    @property
    def without_reflection(self) -> int:
        return self.activities - self.with_reflection


@dataclasses.dataclass(frozen=True)
class Period:
    """A declaration or calendar year over which CPD is totalled, and how its start was chosen."""

    start: dt.date
    end: dt.date
    #: The BABCP registration date the year runs from, or None for the calendar year.
    anchor: dt.date | None

    @property
    def label(self) -> str:
        if self.anchor is None:
            return str(self.start.year)
        return f"{long_date(self.start)} to {long_date(self.end)}"


# --- reference data ----------------------------------------------------------------------------

def linkable_competences(catalogue: Catalogue | None = None) -> list[Competence]:
    """KSA criteria and UCL CBT competences (current versions) as "framework:item" ids."""
    catalogue = catalogue or built_in_catalogue()
    found: list[Competence] = []
    for file_id in LINKABLE_FRAMEWORKS:
        framework: Framework = catalogue.current(file_id).content
        found.extend(Competence(f"{file_id}:{i.id}", framework.meta.title, i.code, i.title) for i in items(framework))
    return found


# --- creating and changing ---------------------------------------------------------------------

def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def minutes_from_hours(hours: Decimal) -> int:
    """Quarter hours only, more than none and at most 100 hours for one activity."""
    if not hours.is_finite():
        raise DomainError("Enter the hours as a number, like 1.5", field="hours")
    if hours <= 0:
        raise DomainError("Hours must be more than 0", field="hours")
    if hours % QUARTER:
        raise DomainError("Enter hours in quarter hours, like 1.25, 1.5 or 1.75", field="hours")
    if hours > MAX_HOURS:
        raise DomainError("One activity cannot be more than 100 hours; record a long course as several activities",
                          field="hours")
    return int(hours * 60)


def _check(details: CpdInput, today: dt.date, known_competences: set[str]) -> tuple[dt.date, int]:
    end_on = details.end_on or details.start_on
    if end_on > today:
        raise DomainError("The end date cannot be in the future; record an activity once it has happened",
                          field="end_on" if details.end_on else "start_on")
    if end_on < details.start_on:
        raise DomainError("The end date must be the same as or after the start date", field="end_on")
    title = _clean(details.title)
    if title is None:
        raise DomainError("Enter the title of the activity", field="title")
    for name, text, limit in (("title", title, MAX_TITLE), ("provider", details.provider, MAX_TITLE),
                              ("reflection_learned", details.reflection_learned, MAX_TEXT),
                              ("reflection_practice", details.reflection_practice, MAX_TEXT)):
        if text and len(text.strip()) > limit:
            raise DomainError(f"This must be {limit:,} characters or fewer", field=name)
        refuse_patient_identifiers(text, name)
    if details.category not in CATEGORIES:
        raise DomainError("Choose the BABCP category", field="category")
    unknown = sorted(set(details.hcpc_standards) - set(HCPC_STANDARDS))
    if unknown:
        raise DomainError("Choose HCPC standards from 1 to 5", field="hcpc_standards")
    minutes = minutes_from_hours(details.hours)
    days = (end_on - details.start_on).days + 1
    if minutes > days * 24 * 60:
        raise DomainError(f"That is more than 24 hours a day over {days} day{'s' if days != 1 else ''}", field="hours")
    if details.cbt_skills and not details.cbt:
        raise DomainError("CBT skills training must be CBT: answer Yes to CBT, or No to CBT skills training",
                          field="cbt_skills")
    strange = [c for c in details.competences if c not in known_competences]
    if strange:
        raise DomainError(f"{strange[0]} is not a KSA criterion or UCL CBT competence", field="competences")
    return end_on, minutes


def _apply(entry: CpdActivity, details: CpdInput, end_on: dt.date, minutes: int) -> None:
    entry.start_on, entry.end_on, entry.minutes = details.start_on, end_on, minutes
    entry.title = (details.title or "").strip()
    entry.provider = _clean(details.provider)
    entry.category = details.category
    entry.participatory = details.participatory
    entry.hcpc_standards = sorted(set(details.hcpc_standards))
    entry.cbt, entry.cbt_skills = details.cbt, details.cbt_skills
    entry.reflection_learned = _clean(details.reflection_learned)
    entry.reflection_practice = _clean(details.reflection_practice)
    entry.competences = list(dict.fromkeys(details.competences))


def create_cpd(session: Session, owner: User, details: CpdInput, *, today: dt.date,
               catalogue: Catalogue | None = None) -> CpdActivity:
    known = {c.id for c in linkable_competences(catalogue)}
    end_on, minutes = _check(details, today, known)
    entry = CpdActivity(owner_id=owner.id)
    _apply(entry, details, end_on, minutes)
    session.add(entry)
    session.flush()
    return entry


def update_cpd(session: Session, entry: CpdActivity, details: CpdInput, *, today: dt.date,
               catalogue: Catalogue | None = None) -> CpdActivity:
    """Change an activity; links to competences dropped from a newer framework version may stay."""
    if entry.deleted_at is not None:
        raise DomainError("This entry has been deleted; restore it before changing it")
    known = {c.id for c in linkable_competences(catalogue)} | set(entry.competences)
    end_on, minutes = _check(details, today, known)
    _apply(entry, details, end_on, minutes)
    session.flush()
    return entry


def delete_cpd(session: Session, entry: CpdActivity) -> None:
    logs.soft_delete(session, entry)


def undo_delete_cpd(session: Session, entry: CpdActivity) -> None:
    logs.undo_delete(session, entry)


# --- totals ------------------------------------------------------------------------------------

def _filled(col: InstrumentedAttribute[str | None]) -> ColumnElement[bool]:
    return func.length(func.trim(func.coalesce(col, ""))) > 0


def _has_reflection() -> ColumnElement[bool]:
    """Both parts written (CpdActivity.has_reflective_statement, in SQL)."""
    return _filled(CpdActivity.reflection_learned) & _filled(CpdActivity.reflection_practice)


def _sums() -> tuple[ColumnElement[int], ...]:
    def minutes_where(cond: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((cond, CpdActivity.minutes), else_=0)), 0)

    return (func.count(CpdActivity.id), func.coalesce(func.sum(CpdActivity.minutes), 0),
            minutes_where(CpdActivity.cbt_skills.is_(True)), minutes_where(CpdActivity.participatory.is_(True)),
            func.coalesce(func.sum(case((_has_reflection(), 1), else_=0)), 0))


def _live(owner_id: int, start: dt.date, end: dt.date) -> tuple[ColumnElement[bool], ...]:
    return (CpdActivity.owner_id == owner_id, CpdActivity.deleted_at.is_(None),
            CpdActivity.end_on >= start, CpdActivity.end_on <= end)


def _totals(row: Sequence[Any]) -> CpdTotals:
    activities, minutes, skills, participatory, reflective = (int(v or 0) for v in row)
    return CpdTotals(activities, minutes, skills, participatory, reflective)


def cpd_totals(session: Session, owner_id: int, start: dt.date, end: dt.date) -> CpdTotals:
    """Activities ending from `start` to `end` inclusive (deleted ones never count)."""
    row = session.execute(select(*_sums()).where(*_live(owner_id, start, end))).one()
    return _totals(row)


def cpd_totals_by_category(session: Session, owner_id: int, start: dt.date, end: dt.date) -> dict[str, CpdTotals]:
    """As cpd_totals, per BABCP category, in the categories' order; categories with nothing are left out."""
    rows = session.execute(select(CpdActivity.category, *_sums()).where(*_live(owner_id, start, end))
                           .group_by(CpdActivity.category)).all()
    found = {row[0]: _totals(row[1:]) for row in rows}
    return {c: found[c] for c in [*CATEGORIES, *sorted(set(found) - set(CATEGORIES))] if c in found}


def cpd_totals_by_period(session: Session, owner_id: int, periods: Sequence[Period]) -> list[tuple[Period, CpdTotals]]:
    """As cpd_totals for each of `periods` (which must not overlap), in one grouped query; newest first."""
    if not periods:
        return []
    bucket = case(*((CpdActivity.end_on.between(p.start, p.end), literal(i)) for i, p in enumerate(periods)),
                  else_=literal(-1)).label("bucket")
    first, last = min(p.start for p in periods), max(p.end for p in periods)
    rows = session.execute(select(bucket, *_sums()).where(*_live(owner_id, first, last)).group_by(bucket)).all()
    found = {int(row[0]): _totals(row[1:]) for row in rows}
    ordered = sorted(range(len(periods)), key=lambda i: periods[i].start, reverse=True)
    return [(periods[i], found.get(i, CpdTotals())) for i in ordered]


# --- declaration years -------------------------------------------------------------------------

def babcp_anchor(session: Session, owner_id: int) -> dt.date | None:
    """The date declaration years run from: the award date of the first credential held of
    competences.credentials.DECLARATION_ANCHOR_KINDS (BABCP accreditation, then the BABCP PWP
    Register, then the BPS register), as the readiness snapshot reads it (models.snapshot)."""
    rows = session.execute(select(ProfessionalRegistration.kind, ProfessionalRegistration.registered_on)
                           .join(StaffProfile, StaffProfile.id == ProfessionalRegistration.profile_id)
                           .where(StaffProfile.user_id == owner_id,
                                  ProfessionalRegistration.kind.in_(DECLARATION_ANCHOR_KINDS))).all()
    awarded = {kind: on for kind, on in rows if on is not None}
    return next((awarded[k] for k in DECLARATION_ANCHOR_KINDS if k in awarded), None)


def period_containing(day: dt.date, anchor: dt.date | None) -> Period:
    """The calendar year of `day`, or the declaration year (anniversary to anniversary) containing it.

    Years before the anchor run on the same anniversaries, so earlier CPD is still totalled by year.
    """
    if anchor is None:
        return Period(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31), None)
    start = anniversary(anchor, day.year)
    if start > day:
        start = anniversary(anchor, day.year - 1)
    return Period(start, anniversary(anchor, start.year + 1) - dt.timedelta(days=1), anchor)


def periods_back_to(first: dt.date | None, today: dt.date, anchor: dt.date | None) -> list[Period]:
    """The year containing `today` and every earlier one back to the one containing `first`."""
    current = period_containing(today, anchor)
    found = [current]
    while first is not None and first < found[-1].start:
        found.append(period_containing(found[-1].start - dt.timedelta(days=1), anchor))
    return found


def first_activity_end(session: Session, owner_id: int) -> dt.date | None:
    return session.scalar(select(func.min(CpdActivity.end_on)).where(
        CpdActivity.owner_id == owner_id, CpdActivity.deleted_at.is_(None)))


@dataclasses.dataclass(frozen=True)
class CpdSummary:
    """What the top of the CPD log shows: this year's totals, by category, and every year's."""

    year: Period
    totals: CpdTotals
    by_category: dict[str, CpdTotals]
    by_year: list[tuple[Period, CpdTotals]]

    @property
    def declaration_year(self) -> bool:
        return self.year.anchor is not None

    @property
    def anything_recorded(self) -> bool:
        return any(t.activities for _, t in self.by_year)


def cpd_summary(session: Session, owner_id: int, today: dt.date) -> CpdSummary:
    """Five grouped queries, however long the log."""
    anchor = babcp_anchor(session, owner_id)
    year = period_containing(today, anchor)
    periods = periods_back_to(first_activity_end(session, owner_id), today, anchor)
    return CpdSummary(year=year, totals=cpd_totals(session, owner_id, year.start, year.end),
                      by_category=cpd_totals_by_category(session, owner_id, year.start, year.end),
                      by_year=cpd_totals_by_period(session, owner_id, periods))
