"""Recording a training course with its learning hours, assessed case studies and university supervision, and totalling the hours.

The hours are totalled by kind in one grouped query, and judged against the BABCP Minimum Training
Standards by the same rules the readiness dashboard uses: the figures (450 h, 200 h taught, at most
40 h of it online, half on skills) come from the pathway data file through the catalogue, never
from this module or a template.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.services import logs
from app.services.errors import DomainError
from app.services.privacy import check_case_reference, refuse_patient_identifiers
from app.services.ratings import ctsr_scale, rejudge_course_ratings
from competences import evidence as ev
from competences.catalogue import Catalogue
from competences.engine import evaluate
from competences.requirements import RequirementResult
from models import ClinicalCase, User
from models.training import AssessedCaseStudy, TrainingCourse, TrainingHoursEntry, UniversitySupervision

COURSE_KINDS: dict[str, str] = {
    "pg_dip_hi_cbt": "PG Diploma in CBT (high intensity)",
    "pg_cert_pwp": "PG Certificate for Psychological Wellbeing Practitioners",
    "grad_cert_pwp": "Graduate Certificate for Psychological Wellbeing Practitioners",
    "babcp_level2": "BABCP Level 2 accredited course",
    "babcp_level1": "BABCP Level 1 course",
    "supervisor_training": "Supervisor training",
    "other": "Other",
}

STATUSES: dict[str, str] = {"in_progress": "In progress", "passed": "Passed", "failed": "Failed",
                            "withdrawn": "Withdrawn"}

#: The kinds BABCP's Minimum Training Standards count hours by (competences.evidence.TrainingHours).
HOUR_KINDS: dict[str, str] = {
    "taught_live": "Taught live (face to face or live-streamed)",
    "online_interactive": "Online with interaction",
    "self_directed": "Self-directed study",
}

#: The pathway whose training-hours requirements the course page shows.
MTS_PATHWAY = "babcp-practitioner-accreditation"

MAX_TITLE = 255
MAX_NAME = 120
MAX_TEXT = 5000
MAX_HOURS = Decimal(100)
QUARTER = Decimal("0.25")


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _text(value: str | None, field: str, limit: int, missing: str | None = None) -> str | None:
    text = _clean(value)
    if text is None:
        if missing:
            raise DomainError(missing, field=field)
        return None
    if len(text) > limit:
        raise DomainError(f"This must be {limit:,} characters or fewer", field=field)
    refuse_patient_identifiers(text, field)
    return text


def minutes_from_hours(hours: Decimal, field: str = "hours") -> int:
    """Quarter hours, more than none and at most 100 hours for one entry."""
    if not hours.is_finite():
        raise DomainError("Enter the hours as a number, like 1.5", field=field)
    if hours <= 0:
        raise DomainError("Hours must be more than 0", field=field)
    if hours % QUARTER:
        raise DomainError("Enter hours in quarter hours, like 1.25, 1.5 or 1.75", field=field)
    if hours > MAX_HOURS:
        raise DomainError("One entry cannot be more than 100 hours; record a long block as several entries",
                          field=field)
    return int(hours * 60)


def _live_course(entry_course: TrainingCourse) -> None:
    if entry_course.deleted_at is not None:
        raise DomainError("This course has been deleted; restore it before changing it")


# --- the course --------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CourseInput:
    title: str
    kind: str
    started_on: dt.date
    ended_on: dt.date | None = None
    provider: str | None = None
    status: str = "in_progress"
    ctsr_pass_mark: int | None = None
    recordings_required: int | None = None
    notes: str | None = None


def _check_course(details: CourseInput, catalogue: Catalogue) -> None:
    _text(details.title, "title", MAX_TITLE, "Enter the name of the course")
    if details.kind not in COURSE_KINDS:
        raise DomainError("Choose the kind of course", field="kind")
    _text(details.provider, "provider", MAX_TITLE)
    if details.ended_on is not None and details.ended_on < details.started_on:
        raise DomainError("The end date must be the same as or after the start date", field="ended_on")
    if details.status not in STATUSES:
        raise DomainError("Choose the course's status", field="status")
    scale = ctsr_scale(catalogue)
    mark = details.ctsr_pass_mark
    if mark is not None and not scale.min_total <= mark <= scale.max_total:
        raise DomainError(f"The CTS-R pass mark must be a whole number from {scale.min_total} to {scale.max_total}",
                          field="ctsr_pass_mark")
    if details.recordings_required is not None and details.recordings_required < 1:
        raise DomainError("The number of recordings must be 1 or more", field="recordings_required")
    _text(details.notes, "notes", MAX_TEXT)


def _apply_course(course: TrainingCourse, details: CourseInput) -> None:
    course.title = (details.title or "").strip()
    course.kind, course.status = details.kind, details.status
    course.provider = _clean(details.provider)
    course.started_on, course.ended_on = details.started_on, details.ended_on
    course.ctsr_pass_mark, course.recordings_required = details.ctsr_pass_mark, details.recordings_required
    course.notes = _clean(details.notes)


def create_course(session: Session, owner: User, details: CourseInput, *, catalogue: Catalogue) -> TrainingCourse:
    _check_course(details, catalogue)
    course = TrainingCourse(owner_id=owner.id)
    _apply_course(course, details)
    session.add(course)
    session.flush()
    return course


def update_course(session: Session, course: TrainingCourse, details: CourseInput, *,
                  catalogue: Catalogue) -> TrainingCourse:
    """Change a course; a changed CTS-R pass mark re-judges the ratings that name the course."""
    _live_course(course)
    _check_course(details, catalogue)
    old_mark = course.ctsr_pass_mark
    _apply_course(course, details)
    session.flush()
    if old_mark != course.ctsr_pass_mark:
        rejudge_course_ratings(session, course, ctsr_scale(catalogue))
    return course


def delete_course(session: Session, course: TrainingCourse) -> None:
    logs.soft_delete(session, course)


def undo_delete_course(session: Session, course: TrainingCourse) -> None:
    logs.undo_delete(session, course)


# --- learning hours ----------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class HoursInput:
    start_on: dt.date
    hours: Decimal
    kind: str
    topic: str
    end_on: dt.date | None = None
    skills_focused: bool = False


def _check_hours(details: HoursInput, today: dt.date) -> tuple[dt.date, int]:
    end_on = details.end_on or details.start_on
    if end_on < details.start_on:
        raise DomainError("The end date must be the same as or after the start date", field="end_on")
    if end_on > today:
        raise DomainError("The date cannot be in the future; record training once it has happened",
                          field="end_on" if details.end_on else "start_on")
    _text(details.topic, "topic", MAX_TITLE, "Enter the topic")
    if details.kind not in HOUR_KINDS:
        raise DomainError("Choose the kind of learning", field="kind")
    minutes = minutes_from_hours(details.hours)
    days = (end_on - details.start_on).days + 1
    if minutes > days * 24 * 60:
        raise DomainError(f"That is more than 24 hours a day over {days} day{'s' if days != 1 else ''}", field="hours")
    return end_on, minutes


def save_hours(session: Session, course: TrainingCourse, entry: TrainingHoursEntry | None, details: HoursInput, *,
               today: dt.date) -> TrainingHoursEntry:
    """Record hours on `course`, or change `entry`."""
    _live_course(course)
    end_on, minutes = _check_hours(details, today)
    if entry is None:
        entry = TrainingHoursEntry(course_id=course.id)
        session.add(entry)
    elif entry.deleted_at is not None:
        raise DomainError("This entry has been deleted; restore it before changing it")
    entry.start_on, entry.end_on, entry.minutes = details.start_on, end_on, minutes
    entry.kind, entry.skills_focused = details.kind, details.skills_focused
    entry.topic = (details.topic or "").strip()
    session.flush()
    return entry


# --- assessed case studies ---------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CaseStudyInput:
    title: str
    submitted_on: dt.date
    case_ref: str | None = None
    word_count: int | None = None
    mark: str | None = None
    #: "passed", "not_passed" or "awaiting".
    result: str = "awaiting"


CASE_STUDY_RESULTS: dict[str, str] = {"awaiting": "Awaiting the mark", "passed": "Passed", "not_passed": "Not passed"}


def save_case_study(session: Session, course: TrainingCourse, entry: AssessedCaseStudy | None,
                    details: CaseStudyInput, *, today: dt.date) -> AssessedCaseStudy:
    """Record or change a case study; a case reference links the case of that reference in the cases log."""
    _live_course(course)
    if entry is not None and entry.deleted_at is not None:
        raise DomainError("This entry has been deleted; restore it before changing it")
    _text(details.title, "title", MAX_TITLE, "Enter the title of the case study")
    if details.submitted_on > today:
        raise DomainError("The date submitted cannot be in the future", field="submitted_on")
    ref = _clean(details.case_ref)
    if ref is not None:
        if len(ref) > 40:
            raise DomainError("The case reference must be 40 characters or fewer", field="case_ref")
        check_case_reference(ref, "case_ref")
    if details.word_count is not None and details.word_count < 1:
        raise DomainError("The word count must be 1 or more", field="word_count")
    _text(details.mark, "mark", 40)
    if details.result not in CASE_STUDY_RESULTS:
        raise DomainError("Say whether it passed", field="result")
    if entry is None:
        entry = AssessedCaseStudy(course_id=course.id)
        session.add(entry)
    entry.title, entry.submitted_on = (details.title or "").strip(), details.submitted_on
    entry.case_ref, entry.word_count, entry.mark = ref, details.word_count, _clean(details.mark)
    entry.passed = {"awaiting": None, "passed": True, "not_passed": False}[details.result]
    entry.case_id = None if ref is None else session.scalar(select(ClinicalCase.id).where(
        ClinicalCase.owner_id == course.owner_id, ClinicalCase.case_ref == ref, ClinicalCase.deleted_at.is_(None)))
    session.flush()
    return entry


# --- university supervision --------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class UniversitySupervisionInput:
    occurred_on: dt.date
    hours: Decimal
    supervisor_name: str
    group_size: int = 1


def save_university_supervision(session: Session, course: TrainingCourse, entry: UniversitySupervision | None,
                                 details: UniversitySupervisionInput, *, today: dt.date) -> UniversitySupervision:
    _live_course(course)
    if entry is not None and entry.deleted_at is not None:
        raise DomainError("This entry has been deleted; restore it before changing it")
    if details.occurred_on > today:
        raise DomainError("The date cannot be in the future", field="occurred_on")
    minutes = minutes_from_hours(details.hours)
    if minutes > 10 * 60:
        raise DomainError("One supervision session cannot be more than 10 hours", field="hours")
    _text(details.supervisor_name, "supervisor_name", MAX_NAME, "Enter the supervisor's name")
    if details.group_size < 1:
        raise DomainError("The group size must be 1 or more", field="group_size")
    if entry is None:
        entry = UniversitySupervision(course_id=course.id)
        session.add(entry)
    entry.occurred_on, entry.minutes, entry.group_size = details.occurred_on, minutes, details.group_size
    entry.supervisor_name = (details.supervisor_name or "").strip()
    session.flush()
    return entry


def delete_entry(session: Session, entry: logs.SoftDeletable) -> None:
    logs.soft_delete(session, entry)


def undo_delete_entry(session: Session, entry: logs.SoftDeletable) -> None:
    logs.undo_delete(session, entry)


# --- totals ------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class HoursTotals:
    """Minutes by kind, and skills-focused minutes, over one course or all of them."""

    by_kind: dict[str, int]
    skills_minutes: int

    @property
    def minutes(self) -> int:
        return sum(self.by_kind.values())


def hours_totals_by_course(session: Session, owner_id: int) -> dict[int | None, HoursTotals]:
    """{course id: totals} for the person's live courses, and {None: totals over all of them}, in one query."""
    rows = session.execute(
        select(TrainingHoursEntry.course_id, TrainingHoursEntry.kind, func.sum(TrainingHoursEntry.minutes),
               func.sum(case((TrainingHoursEntry.skills_focused.is_(True), TrainingHoursEntry.minutes), else_=0)))
        .join(TrainingCourse, TrainingCourse.id == TrainingHoursEntry.course_id)
        .where(TrainingCourse.owner_id == owner_id, TrainingCourse.deleted_at.is_(None),
               TrainingHoursEntry.deleted_at.is_(None))
        .group_by(TrainingHoursEntry.course_id, TrainingHoursEntry.kind)).all()
    kinds: dict[int | None, dict[str, int]] = {}
    skills: dict[int | None, int] = {}
    for course_id, kind, minutes, skill in rows:
        for key in (course_id, None):
            bucket = kinds.setdefault(key, dict.fromkeys(HOUR_KINDS, 0))
            bucket[kind] = bucket.get(kind, 0) + int(minutes or 0)
            skills[key] = skills.get(key, 0) + int(skill or 0)
    return {key: HoursTotals(by_kind=value, skills_minutes=skills.get(key, 0)) for key, value in kinds.items()}


def empty_totals() -> HoursTotals:
    return HoursTotals(by_kind=dict.fromkeys(HOUR_KINDS, 0), skills_minutes=0)


def mts_results(catalogue: Catalogue, hours: Sequence[ev.TrainingHours], today: dt.date) -> list[RequirementResult]:
    """The Minimum Training Standards' training-hours requirements judged on these hours; [] if the data has none."""
    if not catalogue.has(MTS_PATHWAY):
        return []
    pathway = catalogue.current(MTS_PATHWAY).content
    report = evaluate(pathway, ev.Snapshot(person_id="training", today=today, training=tuple(hours)), catalogue)
    return [r for r in report.requirements if pathway.record_kinds.get(r.id) == "training"]
