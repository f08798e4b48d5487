"""Recording CTS-R ratings of recordings and PWP live assessments, and judging a rating against the pass mark in force.

Totals and passes come from competences.frameworks (total, pass_mark) so the page, the readiness
rules and the tests agree. Both are stored on the rating when it is saved, with the pass mark used:
the course's own when the rating names a course that sets one, else the scale's default.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services import logs
from app.services.errors import DomainError
from app.services.privacy import check_case_reference, refuse_patient_identifiers
from competences.catalogue import Catalogue
from competences.frameworks import RatingScale, ScaleItem, pass_mark, total
from models import User
from models.countersigning import CountersignStatus
from models.training import CtsrRating, PwpLiveAssessment, TrainingCourse

CTSR_SCALE_ID = "ctsr"

RATER_ROLES: dict[str, str] = {"self": "Self-rating", "supervisor": "Supervisor", "course_tutor": "Course tutor"}

#: PWP interventions a live assessment may be of (facts.md §6), plus "other".
INTERVENTIONS: dict[str, str] = {
    "assessment": "Assessment",
    "behavioural_activation": "Behavioural activation",
    "exposure": "Exposure",
    "erp": "Exposure and response prevention",
    "worry_management": "Worry management",
    "cognitive_restructuring": "Cognitive restructuring",
    "panic_management": "Guided self-help for panic",
    "problem_solving": "Problem solving",
    "sleep": "Sleep hygiene",
    "medication_support": "Medication support",
    "group": "Group or psychoeducation session",
    "other": "Other",
}

OUTCOMES: dict[str, str] = {"pass": "Pass", "refer": "Refer", "fail": "Fail"}  # nosec B105  # a rating outcome, not a password

MAX_COMMENT = 2000
MAX_REF = 40
MAX_NAME = 120
MAX_TOOL = 255
_WHOLE = re.compile(r"[+-]?\d+")


def ctsr_scale(catalogue: Catalogue) -> RatingScale:
    """The current CTS-R from the catalogue (an admin's correction wins over the built-in file)."""
    scale: RatingScale = catalogue.current(CTSR_SCALE_ID).content
    return scale


def score_field(scale_item: ScaleItem) -> str:
    return f"score_{scale_item.number}"


def comment_field(scale_item: ScaleItem) -> str:
    return f"comment_{scale_item.number}"


@dataclasses.dataclass(frozen=True)
class CtsrInput:
    rated_on: dt.date
    recording_ref: str
    rater_role: str
    #: item id → the score as typed ("3") or given (3); every item is required.
    scores: Mapping[str, object]
    comments: Mapping[str, str | None] = dataclasses.field(default_factory=dict)
    course_id: int | None = None
    case_ref: str | None = None
    rater_name: str | None = None


@dataclasses.dataclass(frozen=True)
class Judgement:
    total: int
    passed: bool
    pass_mark: int


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def read_score(scale: RatingScale, scale_item: ScaleItem, raw: object) -> int:
    """A whole number within the scale's range; anything else (missing, 7, -1, 2.5) is refused beside the item."""
    value: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and _WHOLE.fullmatch(raw.strip()):
        value = int(raw.strip())
    if value is None or not scale.min_score <= value <= scale.max_score:
        raise DomainError(f"Score for item {scale_item.number} ({scale_item.title}) must be a whole number from "
                          f"{scale.min_score} to {scale.max_score}", field=score_field(scale_item))
    return value


def read_scores(scale: RatingScale, raw: Mapping[str, object]) -> dict[str, int]:
    """Every item of the scale scored once: fewer items, or an item the scale lacks, is refused."""
    unknown = sorted(set(raw) - {i.id for i in scale.items})
    if unknown:
        raise DomainError(f"{scale.meta.title} has no item {unknown[0]!r}")
    return {i.id: read_score(scale, i, raw.get(i.id)) for i in scale.items}


def judge(scale: RatingScale, scores: Mapping[str, int], course: TrainingCourse | None) -> Judgement:
    """Total, pass and the pass mark in force: the course's own if it sets one, else the scale's default."""
    mark = pass_mark(scale, course.ctsr_pass_mark if course is not None else None)
    got = total(scale, scores)
    return Judgement(total=got, passed=got >= mark, pass_mark=mark)


def _course(session: Session, owner: User, course_id: int | None) -> TrainingCourse | None:
    if course_id is None:
        return None
    course = session.scalar(select(TrainingCourse).where(TrainingCourse.id == course_id,
                                                         TrainingCourse.owner_id == owner.id,
                                                         TrainingCourse.deleted_at.is_(None)))
    if course is None:
        raise DomainError("Choose one of your courses, or no course", field="course_id")
    return course


def _check_ctsr(session: Session, owner: User, details: CtsrInput, scale: RatingScale,
                today: dt.date) -> tuple[dict[str, int], dict[str, str], TrainingCourse | None]:
    if details.rated_on > today:
        raise DomainError("The date of the rating cannot be in the future", field="rated_on")
    ref = _clean(details.recording_ref)
    if ref is None:
        raise DomainError("Enter the recording reference", field="recording_ref")
    if len(ref) > MAX_REF:
        raise DomainError(f"The recording reference must be {MAX_REF} characters or fewer", field="recording_ref")
    check_case_reference(ref, "recording_ref")
    case_ref = _clean(details.case_ref)
    if case_ref is not None:
        if len(case_ref) > MAX_REF:
            raise DomainError(f"The case reference must be {MAX_REF} characters or fewer", field="case_ref")
        check_case_reference(case_ref, "case_ref")
    if details.rater_role not in RATER_ROLES:
        raise DomainError("Choose who rated the recording", field="rater_role")
    name = _clean(details.rater_name)
    if name and len(name) > MAX_NAME:
        raise DomainError(f"The rater's name must be {MAX_NAME} characters or fewer", field="rater_name")
    course = _course(session, owner, details.course_id)
    scores = read_scores(scale, details.scores)
    comments: dict[str, str] = {}
    for scale_item in scale.items:
        comment = _clean(details.comments.get(scale_item.id))
        if comment is None:
            continue
        if len(comment) > MAX_COMMENT:
            raise DomainError(f"The comment on item {scale_item.number} must be {MAX_COMMENT:,} characters or fewer",
                              field=comment_field(scale_item))
        refuse_patient_identifiers(comment, comment_field(scale_item))
        comments[scale_item.id] = comment
    return scores, comments, course


def _apply_ctsr(rating: CtsrRating, owner: User, details: CtsrInput, scale: RatingScale, scores: dict[str, int],
                comments: dict[str, str], course: TrainingCourse | None) -> None:
    verdict = judge(scale, scores, course)
    rating.rated_on = details.rated_on
    rating.recording_ref = (details.recording_ref or "").strip()
    rating.case_ref = _clean(details.case_ref)
    rating.course_id = course.id if course is not None else None
    rating.course = course
    rating.rater_role = details.rater_role
    rating.rater_id = owner.id if details.rater_role == "self" else None
    rating.rater_name = _clean(details.rater_name)
    rating.scale_id, rating.scale_version = scale.meta.id, scale.meta.version
    rating.scores, rating.comments = scores, comments
    rating.total, rating.passed, rating.pass_mark_used = verdict.total, verdict.passed, verdict.pass_mark


def create_ctsr(session: Session, owner: User, details: CtsrInput, *, scale: RatingScale,
                today: dt.date) -> CtsrRating:
    scores, comments, course = _check_ctsr(session, owner, details, scale, today)
    rating = CtsrRating(owner_id=owner.id)
    _apply_ctsr(rating, owner, details, scale, scores, comments, course)
    session.add(rating)
    session.flush()
    return rating


def update_ctsr(session: Session, rating: CtsrRating, owner: User, details: CtsrInput, *, scale: RatingScale,
                today: dt.date) -> CtsrRating:
    if rating.deleted_at is not None:
        raise DomainError("This rating has been deleted; restore it before changing it")
    scores, comments, course = _check_ctsr(session, owner, details, scale, today)
    before = _confirmed_content(rating)
    _apply_ctsr(rating, owner, details, scale, scores, comments, course)
    if rating.confirm_status is not CountersignStatus.AWAITING and _confirmed_content(rating) != before:
        # What the supervisor confirmed (or disputed) has changed: it waits for them again.
        rating.confirm_status = CountersignStatus.AWAITING
        rating.confirmed_by_id, rating.confirmed_at = None, None
    session.flush()
    return rating


def _confirmed_content(rating: CtsrRating) -> tuple[object, ...]:
    """What a supervisor's confirmation covers: everything the practitioner can change on a rating."""
    return (rating.rated_on, rating.recording_ref, rating.case_ref, rating.course_id, rating.rater_role,
            rating.rater_name, sorted((rating.scores or {}).items()), sorted((rating.comments or {}).items()))


def rejudge_course_ratings(session: Session, course: TrainingCourse, scale: RatingScale) -> int:
    """After a course's pass mark changes, re-judge its ratings (totals stay); returns how many changed."""
    changed = 0
    for rating in session.scalars(select(CtsrRating).where(CtsrRating.course_id == course.id)):
        verdict = judge(scale, {k: int(v) for k, v in rating.scores.items()}, course)
        if (rating.passed, rating.pass_mark_used) != (verdict.passed, verdict.pass_mark):
            rating.passed, rating.pass_mark_used = verdict.passed, verdict.pass_mark
            changed += 1
    session.flush()
    return changed


def delete_ctsr(session: Session, rating: CtsrRating) -> None:
    logs.soft_delete(session, rating)


def undo_delete_ctsr(session: Session, rating: CtsrRating) -> None:
    logs.undo_delete(session, rating)


# --- PWP live assessments ----------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class LiveAssessmentInput:
    assessed_on: dt.date
    intervention: str
    assessor_name: str
    tool: str
    outcome: str
    intervention_other: str | None = None
    comment: str | None = None


def _check_live(details: LiveAssessmentInput, today: dt.date) -> None:
    if details.assessed_on > today:
        raise DomainError("The date of the assessment cannot be in the future", field="assessed_on")
    if details.intervention not in INTERVENTIONS:
        raise DomainError("Choose the intervention assessed", field="intervention")
    other = _clean(details.intervention_other)
    if details.intervention == "other" and other is None:
        raise DomainError("Name the intervention assessed", field="intervention_other")
    for name, text, limit, missing in (
            ("intervention_other", other, MAX_NAME, None),
            ("assessor_name", _clean(details.assessor_name), MAX_NAME, "Enter the assessor's name"),
            ("tool", _clean(details.tool), MAX_TOOL, "Enter the tool the assessor used"),
            ("comment", _clean(details.comment), 5000, None)):
        if text is None:
            if missing:
                raise DomainError(missing, field=name)
            continue
        if len(text) > limit:
            raise DomainError(f"This must be {limit:,} characters or fewer", field=name)
        refuse_patient_identifiers(text, name)
    if details.outcome not in OUTCOMES:
        raise DomainError("Choose the outcome", field="outcome")


def _apply_live(entry: PwpLiveAssessment, details: LiveAssessmentInput) -> None:
    entry.assessed_on = details.assessed_on
    entry.intervention = details.intervention
    entry.intervention_other = _clean(details.intervention_other) if details.intervention == "other" else None
    entry.assessor_name = (details.assessor_name or "").strip()
    entry.tool = (details.tool or "").strip()
    entry.outcome = details.outcome
    entry.comment = _clean(details.comment)


def create_live_assessment(session: Session, owner: User, details: LiveAssessmentInput, *,
                           today: dt.date) -> PwpLiveAssessment:
    _check_live(details, today)
    entry = PwpLiveAssessment(owner_id=owner.id)
    _apply_live(entry, details)
    session.add(entry)
    session.flush()
    return entry


def update_live_assessment(session: Session, entry: PwpLiveAssessment, details: LiveAssessmentInput, *,
                           today: dt.date) -> PwpLiveAssessment:
    if entry.deleted_at is not None:
        raise DomainError("This assessment has been deleted; restore it before changing it")
    _check_live(details, today)
    _apply_live(entry, details)
    session.flush()
    return entry


def delete_live_assessment(session: Session, entry: PwpLiveAssessment) -> None:
    logs.soft_delete(session, entry)


def undo_delete_live_assessment(session: Session, entry: PwpLiveAssessment) -> None:
    logs.undo_delete(session, entry)


def intervention_label(entry: PwpLiveAssessment) -> str:
    if entry.intervention == "other":
        return entry.intervention_other or "Other"
    return INTERVENTIONS.get(entry.intervention, entry.intervention)
