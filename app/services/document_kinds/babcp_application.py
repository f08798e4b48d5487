"""BABCP applications, laid out as BABCP asks: practitioner accreditation (the Minimum Training Standards) and
supervisor accreditation.

Both are private (the person, their current supervisor or tutor). Every figure comes from the service the
matching page uses: the readiness engine (app.services.readiness) for each requirement's have/need/met,
app.services.training for the hours by kind, app.services.supervision_given for supervision given. Supervision
minutes per training case are counted with the training-cases requirement's own counting, so the per-case table
and the readiness report cannot disagree. Decisions a reviewer would ask about:

* The practitioner application is offered to people with a CBT training course (not a PWP certificate or a
  supervisor-training course) or with the practitioner-accreditation pathway in their readiness; when the
  pathway does not apply to the post, it is still judged, with the person's own settings, for the report.
* Up to 8 training cases are listed (BABCP's form has 8): those meeting every criterion first, then the rest,
  by start date; the figures still count every case.
* Only ratings that count are shown: a supervisor's once confirmed, and a course marker's; never self-ratings.
* Supervisee feedback is shown as counts only (answers are anonymous), and only the requests are recorded in the
  manifest; reports the applicant wrote on supervisees are dated, never quoted or named.
* options["evidence_ids"] limits the evidence listed (showcase); totals never change.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.services import (credentials, evidence, feedback_forms, ksa, readiness, supervision_given,
                          supervisor_reports, training)
from app.services.documents import OWN, PRIVATE, Kind, register
from app.services.ratings import RATER_ROLES, ctsr_scale
from competences.engine import evaluate
from competences.evidence import Snapshot
from competences.rules import PLAIN
from exports import charts
from exports.documents import DocumentContent, Section
from exports.manifest import ManifestBuilder
from models import ClinicalCase, ClinicalContact, CpdActivity, EvidenceItem, Role, SupervisionKind, \
    SupervisionSession, User
from models.countersigning import CountersignStatus
from models.reference_data import catalogue_for
from models.supervisor_work import OutsideSupervisionGiven, SupervisionTraining, SupervisorReport
from models.training import AssessedCaseStudy, CtsrRating, TrainingCourse, TrainingHoursEntry, UniversitySupervision

PRACTITIONER_KIND = "babcp_application"
SUPERVISOR_KIND = "babcp_supervisor_application"
#: BABCP's application form has room for 8 training cases.
CASES_LISTED = 8
#: Course kinds (app.services.training.COURSE_KINDS) that lead towards practitioner accreditation.
CBT_COURSE_KINDS = ("pg_dip_hi_cbt", "babcp_level2", "babcp_level1", "other")
#: Supervision given is judged over the last 2 years (pathway_babcp_supervisor_accreditation.toml).
MONTHS_OF_GIVEN_SHOWN = 24
SECTIONS = "pdf/sections/babcp_app_"
#: Kinds of learning in a few words, for the narrow column of the training log (the totals use the full wording).
SHORT_HOUR_KINDS = {"taught_live": "Taught live", "online_interactive": "Online", "self_directed": "Self-directed"}


# --- shared pieces -------------------------------------------------------------------------------

def _judged(session: Session, subject: User, today: dt.date,
            pathway_id: str) -> tuple[readiness.PathwayView | None, readiness.Assessment]:
    """The pathway as the dashboard judges it; judged the same way here when it does not apply to the post."""
    assessment = readiness.assess(session, subject, today)
    for view in assessment.pathways:
        if view.report.pathway_id == pathway_id:
            return view, assessment
    catalogue = catalogue_for(session)
    if not catalogue.has(pathway_id):
        return None, assessment
    try:
        pathway = catalogue.current(pathway_id, today).content
    except KeyError:
        return None, assessment
    settings = readiness.pathway_settings(pathway_id, readiness.choices_of(session, subject))
    report = evaluate(pathway, assessment.snapshot, catalogue, settings)
    views = tuple(readiness.requirement_view(pathway, report, r) for r in report.requirements)
    return readiness.PathwayView(report=report, pathway=pathway, requirements=views), assessment


def _requirement(view: readiness.PathwayView | None, requirement_id: str) -> readiness.RequirementView | None:
    if view is None:
        return None
    return next((r for r in view.requirements if r.result.id == requirement_id), None)


def _readiness_section(view: readiness.PathwayView | None, today: dt.date) -> Section:
    return Section("readiness", "Readiness against BABCP's requirements", f"{SECTIONS}readiness.html",
                   {"view": view, "today": today, "horizon_years": readiness.EXPECTED_HORIZON_YEARS})


def _evidence_section(session: Session, subject: User, builder: ManifestBuilder,
                      options: Mapping[str, Any]) -> Section:
    items = showcased_evidence(session, subject.id, options)
    builder.records(items)
    for item in items:
        builder.evidence(item.file_sha256, item.file_name)
    return Section("evidence", "Evidence index", f"{SECTIONS}evidence.html",
                   {"evidence_items": items, "labels": evidence.KIND_LABELS, "chosen": options.get("evidence_ids") is not None})


def _chosen_ids(options: Mapping[str, Any]) -> set[int] | None:
    chosen = options.get("evidence_ids")
    return None if chosen is None else {int(i) for i in chosen}


def showcased_evidence(session: Session, owner_id: int, options: Mapping[str, Any]) -> list[EvidenceItem]:
    """The person's live evidence, oldest first; only the chosen items when options["evidence_ids"] is given."""
    stmt = select(EvidenceItem).where(EvidenceItem.owner_id == owner_id, EvidenceItem.deleted_at.is_(None))
    chosen = _chosen_ids(options)
    if chosen is not None:
        stmt = stmt.where(EvidenceItem.id.in_(sorted(chosen)))
    return list(session.scalars(stmt.order_by(EvidenceItem.dated_on, EvidenceItem.id)))


def _credentials_rows(session: Session, subject: User, builder: ManifestBuilder,
                      today: dt.date) -> list[tuple[Any, list[tuple[str, str]]]]:
    profile = subject.profile
    if profile is None:
        return []
    rule_set = credentials.rules(session, today)
    regs = builder.records(sorted(profile.registrations, key=lambda r: (r.registered_on or dt.date.min, r.id)))
    return [(reg, credentials.tags(credentials.flags_of(reg, rule_set, today))) for reg in regs]


def _cover(subject: User) -> list[tuple[str, str]]:
    profile = subject.profile
    if profile is None:
        return []
    rows = [("Job title", profile.job_title or "Not recorded")]
    if profile.team is not None:
        rows.append(("Team", f"{profile.team.name}, {profile.team.service.name}"))
    return rows


def _share(part: int, whole: int) -> str:
    """Whole per cent, rounded half up: 13 500 of 27 000 → "50%"; nothing of nothing → "–"."""
    if whole <= 0:
        return "–"
    return f"{(Decimal(part) * 100 / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def years_held(since: dt.date | None, today: dt.date) -> int | None:
    """Whole years from `since` to `today` (29 February counts from 28 February in other years)."""
    if since is None:
        return None
    years = today.year - since.year
    if (today.month, today.day) < (since.month, since.day):
        years -= 1
    return max(years, 0)


# --- the practitioner accreditation application ------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CaseRow:
    case: ClinicalCase
    problem: str
    group: str
    #: Supervision minutes logged on the case, and the minutes BABCP's training formula counts.
    logged_minutes: int
    counted_minutes: int
    meets_every_criterion: bool
    evidence: Sequence[evidence.LinkedEvidence]


@dataclasses.dataclass(frozen=True)
class RatedCase:
    case_ref: str
    case: ClinicalCase | None
    ratings: Sequence[CtsrRating]


def _supervision_by_case(snapshot: Snapshot, counting: Any) -> tuple[dict[str, int], dict[str, int]]:
    """(logged, counted) minutes per case reference, as the training-cases requirement adds them up."""
    logged: dict[str, int] = {}
    counted: dict[str, int] = {}
    for row in snapshot.supervision:
        if row.date > snapshot.today:
            continue
        for share in row.cases:
            logged[share.case_ref] = logged.get(share.case_ref, 0) + share.minutes
            counted[share.case_ref] = counted.get(share.case_ref, 0) + counting.minutes(share.minutes, row.group_size)
    return logged, counted


def _rule(view: readiness.PathwayView | None, requirement_id: str) -> Any:
    if view is None:
        return None
    return next((r for r in view.pathway.requirements if r.id == requirement_id), None)


def _training_section(session: Session, subject: User, builder: ManifestBuilder,
                      view: readiness.PathwayView | None) -> Section:
    courses = builder.records(session.scalars(
        select(TrainingCourse).where(TrainingCourse.owner_id == subject.id, TrainingCourse.deleted_at.is_(None))
        .order_by(TrainingCourse.started_on, TrainingCourse.id)))
    entries = builder.records(session.scalars(
        select(TrainingHoursEntry).join(TrainingCourse, TrainingCourse.id == TrainingHoursEntry.course_id)
        .where(TrainingCourse.owner_id == subject.id, TrainingCourse.deleted_at.is_(None),
               TrainingHoursEntry.deleted_at.is_(None))
        .order_by(TrainingHoursEntry.start_on, TrainingHoursEntry.id)))
    by_course = training.hours_totals_by_course(session, subject.id)
    totals = by_course.get(None, training.empty_totals())
    split = [(label, totals.by_kind.get(kind, 0), _share(totals.by_kind.get(kind, 0), totals.minutes))
             for kind, label in training.HOUR_KINDS.items()]
    taught = totals.by_kind.get("taught_live", 0) + totals.by_kind.get("online_interactive", 0)
    return Section("training", "CBT training hours", f"{SECTIONS}training.html", {
        "courses": [(c, by_course.get(c.id, training.empty_totals()),
                     [e for e in entries if e.course_id == c.id]) for c in courses],
        "totals": totals, "split": split, "taught": taught, "taught_share": _share(taught, totals.minutes),
        "skills_share": _share(totals.skills_minutes, totals.minutes),
        "requirements": [r for r in (view.requirements if view else ()) if r.record == "training"],
        "short_kinds": SHORT_HOUR_KINDS, "course_kinds": training.COURSE_KINDS, "statuses": training.STATUSES})


def _practice_section(session: Session, subject: User, builder: ManifestBuilder, view: readiness.PathwayView | None,
                      assessment: readiness.Assessment) -> Section:
    builder.records(session.scalars(select(ClinicalContact).where(
        ClinicalContact.owner_id == subject.id, ClinicalContact.deleted_at.is_(None),
        ClinicalContact.individual.is_(True), ClinicalContact.cbt.is_(True)).order_by(ClinicalContact.id)))
    sessions = builder.records(session.scalars(select(SupervisionSession).where(
        SupervisionSession.supervisee_id == subject.id, SupervisionSession.deleted_at.is_(None))
        .options(selectinload(SupervisionSession.cases), selectinload(SupervisionSession.supervisor))
        .order_by(SupervisionSession.occurred_on, SupervisionSession.id)))
    for row in sessions:
        builder.records(row.cases)
    counting = getattr(_rule(view, "supervision-hours"), "counting", PLAIN)
    university = builder.records(session.scalars(
        select(UniversitySupervision).join(TrainingCourse, TrainingCourse.id == UniversitySupervision.course_id)
        .where(TrainingCourse.owner_id == subject.id, TrainingCourse.deleted_at.is_(None),
               UniversitySupervision.deleted_at.is_(None))
        .order_by(UniversitySupervision.occurred_on, UniversitySupervision.id)))
    chart = charts.supervision_chart(assessment.snapshot, assessment.monthly_supervision_target())
    return Section("practice", "Supervised practice and supervision", f"{SECTIONS}practice.html", {
        "practice": _requirement(view, "supervised-practice"), "supervision": _requirement(view, "supervision-hours"),
        "sessions": [(s, counting.minutes(s.minutes, s.group_size)) for s in sessions],
        "university": university, "university_minutes": sum(u.minutes for u in university), "chart": chart})


def _listed_cases(cases: Sequence[ClinicalCase], qualifying: Collection[str]) -> list[ClinicalCase]:
    chosen = sorted(cases, key=lambda c: (c.case_ref not in qualifying, c.started_on, c.id))[:CASES_LISTED]
    return sorted(chosen, key=lambda c: (c.started_on, c.id))


def _cases_section(session: Session, subject: User, builder: ManifestBuilder, view: readiness.PathwayView | None,
                   snapshot: Snapshot, options: Mapping[str, Any]) -> tuple[Section, dict[str, ClinicalCase]]:
    catalogue = catalogue_for(session)
    problems = {p.id: p.title for p in catalogue.current("outcome-measures").content.problems}
    groups = {c.ref: c.presentation_group for c in snapshot.cases}
    all_cases = list(session.scalars(select(ClinicalCase).where(
        ClinicalCase.owner_id == subject.id, ClinicalCase.deleted_at.is_(None), ClinicalCase.training_case.is_(True))
        .order_by(ClinicalCase.started_on, ClinicalCase.id)))
    requirement = _requirement(view, "training-cases")
    qualifying = set(requirement.result.counted) if requirement is not None else set()
    listed = builder.records(_listed_cases(all_cases, qualifying))
    logged, counted = _supervision_by_case(snapshot, getattr(_rule(view, "training-cases"), "counting", PLAIN))
    chosen = _chosen_ids(options)
    linked = evidence.evidence_for_cases(session, [c.id for c in listed])
    rows = [CaseRow(case=c, problem=problems.get(c.problem, c.problem), group=groups.get(c.case_ref, ""),
                    logged_minutes=logged.get(c.case_ref, 0), counted_minutes=counted.get(c.case_ref, 0),
                    meets_every_criterion=c.case_ref in qualifying,
                    evidence=[e for e in linked.get(c.id, []) if chosen is None or e.evidence_id in chosen])
            for c in listed]
    rule = _rule(view, "training-cases")
    section = Section("cases", "Training cases and supervision per case", f"{SECTIONS}cases.html", {
        "rows": rows, "requirement": requirement, "not_listed": len(all_cases) - len(listed), "limit": CASES_LISTED,
        "min_sessions": getattr(rule, "min_sessions", 0), "min_supervision": getattr(rule, "min_supervision_minutes", 0),
        "total_logged": sum(r.logged_minutes for r in rows), "total_counted": sum(r.counted_minutes for r in rows)})
    return section, {c.case_ref: c for c in all_cases}


def counting_ratings(session: Session, owner_id: int) -> list[CtsrRating]:
    """CTS-R ratings that count: a supervisor's once confirmed, a course marker's; never a self-rating."""
    return list(session.scalars(select(CtsrRating).where(
        CtsrRating.owner_id == owner_id, CtsrRating.deleted_at.is_(None),
        or_(CtsrRating.rater_role == "course_tutor",
            (CtsrRating.rater_role == "supervisor") & (CtsrRating.confirm_status == CountersignStatus.CONFIRMED)))
        .options(selectinload(CtsrRating.rater), selectinload(CtsrRating.course))
        .order_by(CtsrRating.rated_on, CtsrRating.id)))


def _ratings_section(session: Session, subject: User, builder: ManifestBuilder, view: readiness.PathwayView | None,
                     cases: Mapping[str, ClinicalCase]) -> Section:
    scale = ctsr_scale(catalogue_for(session))
    rated = builder.records(counting_ratings(session, subject.id))
    close = builder.records(c for c in cases.values() if c.closely_supervised)
    by_ref: dict[str, list[CtsrRating]] = {}
    for rating in rated:
        by_ref.setdefault(rating.case_ref or "", []).append(rating)
    closely = [RatedCase(c.case_ref, c, by_ref.pop(c.case_ref, [])) for c in close]
    others = [RatedCase(ref, cases.get(ref), rows) for ref, rows in sorted(by_ref.items())]
    marks = {r.pass_mark_used for r in rated}
    scored = [charts.ScoredRating(date=r.rated_on, rater_role=r.rater_role, total=r.total,
                                  scores=tuple(int(r.scores.get(i.id, 0)) for i in scale.items), label=r.recording_ref)
              for r in rated]
    chart = charts.ctsr_totals_chart(scored, scale.max_total, marks.pop() if len(marks) == 1 else None,
                                     title="CTS-R totals of the ratings that count") if scored else None
    return Section("close-supervision", "Closely supervised cases and CTS-R ratings", f"{SECTIONS}ratings.html", {
        "closely": closely, "others": others, "maximum": scale.max_total, "roles": RATER_ROLES, "chart": chart,
        "close_requirement": _requirement(view, "closely-supervised-cases"),
        "ratings_requirement": _requirement(view, "ctsr-passes")})


def _case_studies_section(session: Session, subject: User, builder: ManifestBuilder,
                          view: readiness.PathwayView | None) -> Section:
    studies = builder.records(session.scalars(
        select(AssessedCaseStudy).join(TrainingCourse, TrainingCourse.id == AssessedCaseStudy.course_id)
        .where(TrainingCourse.owner_id == subject.id, TrainingCourse.deleted_at.is_(None),
               AssessedCaseStudy.deleted_at.is_(None))
        .options(selectinload(AssessedCaseStudy.course))
        .order_by(AssessedCaseStudy.submitted_on, AssessedCaseStudy.id)))
    return Section("case-studies", "Assessed case studies", f"{SECTIONS}case_studies.html", {
        "studies": studies, "requirement": _requirement(view, "assessed-case-studies"),
        "results": training.CASE_STUDY_RESULTS})


def _background_section(session: Session, subject: User, builder: ManifestBuilder, view: readiness.PathwayView | None,
                        assessment: readiness.Assessment, today: dt.date) -> Section:
    portfolio = ksa.portfolio_of(session, subject.id)
    if portfolio is not None:
        builder.record(portfolio)
    ksa_view = next((p for p in assessment.pathways if p.report.pathway_id == readiness.KSA_PORTFOLIO), None)
    core = _rule(view, "core-profession")
    return Section("background", "Background: core profession or KSA", f"{SECTIONS}background.html", {
        "core": _requirement(view, "core-profession"), "core_kinds": tuple(getattr(core, "credential_kinds", ())),
        "ksa": portfolio, "ksa_view": ksa_view, "rows": _credentials_rows(session, subject, builder, today)})


def gather_practitioner(session: Session, subject: User, builder: ManifestBuilder, options: Mapping[str, Any],
                        today: dt.date) -> DocumentContent:
    builder.record(subject)
    if subject.profile is not None:
        builder.record(subject.profile)
    view, assessment = _judged(session, subject, today, readiness.PRACTITIONER_ACCREDITATION)
    cases, by_ref = _cases_section(session, subject, builder, view, assessment.snapshot, options)
    sections = [
        _readiness_section(view, today),
        _background_section(session, subject, builder, view, assessment, today),
        _training_section(session, subject, builder, view),
        _practice_section(session, subject, builder, view, assessment),
        cases,
        _ratings_section(session, subject, builder, view, by_ref),
        _case_studies_section(session, subject, builder, view),
        _evidence_section(session, subject, builder, options),
    ]
    status = f"{view.status_text}: {view.report.met} of {view.applicable_total} requirements met" if view else \
        "Not judged: the pathway is not in the catalogue"
    return DocumentContent(kind=PRACTITIONER_KIND, title="BABCP practitioner accreditation application",
                           subject_name=subject.full_name, subtitle=f"as at {today:%-d %B %Y}",
                           cover_rows=[*_cover(subject), ("Readiness", status)], sections=sections)


def practitioner_applies(session: Session, person: User, today: dt.date) -> bool:
    has_course = session.scalar(select(TrainingCourse.id).where(
        TrainingCourse.owner_id == person.id, TrainingCourse.deleted_at.is_(None),
        TrainingCourse.kind.in_(CBT_COURSE_KINDS)).limit(1)) is not None
    if has_course:
        return True
    ids = readiness.applicable_pathway_ids(person, person.profile, readiness.choices_of(session, person))
    return readiness.PRACTITIONER_ACCREDITATION in ids


# --- the supervisor accreditation application --------------------------------------------------

def _months_back(today: dt.date, months: int) -> dt.date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return dt.date(year, month + 1, 1)


def _accreditation_section(session: Session, subject: User, builder: ManifestBuilder,
                           view: readiness.PathwayView | None, today: dt.date) -> Section:
    rows = _credentials_rows(session, subject, builder, today)
    babcp = [reg for reg, _tags in rows if reg.kind == "babcp_accreditation"]
    held = [(reg, years_held(reg.registered_on, today)) for reg in babcp]
    return Section("accreditation", "BABCP accreditation held", f"{SECTIONS}accreditation.html", {
        "held": held, "rows": rows, "requirement": _requirement(view, "accredited-three-years")})


def _given_section(session: Session, subject: User, builder: ManifestBuilder, view: readiness.PathwayView | None,
                   today: dt.date) -> Section:
    builder.records(session.scalars(select(SupervisionSession).where(
        SupervisionSession.supervisor_id == subject.id, SupervisionSession.deleted_at.is_(None),
        SupervisionSession.countersign_status == CountersignStatus.CONFIRMED).order_by(SupervisionSession.id)))
    builder.records(session.scalars(select(OutsideSupervisionGiven).where(
        OutsideSupervisionGiven.owner_id == subject.id, OutsideSupervisionGiven.deleted_at.is_(None))
        .order_by(OutsideSupervisionGiven.id)))
    summary = supervision_given.given_summary(session, subject.id, today, catalogue_for(session))
    since = _months_back(today, MONTHS_OF_GIVEN_SHOWN - 1)
    return Section("supervision-given", "Supervision given", f"{SECTIONS}given.html", {
        "requirement": _requirement(view, "supervision-given"), "summary": summary,
        "months": [(m, t) for m, t in summary.by_month if m >= since], "months_shown": MONTHS_OF_GIVEN_SHOWN})


def _supervisory_supervision_section(session: Session, subject: User, builder: ManifestBuilder,
                                     view: readiness.PathwayView | None, today: dt.date) -> Section:
    since = _months_back(today, MONTHS_OF_GIVEN_SHOWN - 1)
    sessions = builder.records(session.scalars(select(SupervisionSession).where(
        SupervisionSession.supervisee_id == subject.id, SupervisionSession.deleted_at.is_(None),
        SupervisionSession.kind == SupervisionKind.SUPERVISION_OF_SUPERVISION,
        SupervisionSession.occurred_on >= since, SupervisionSession.occurred_on <= today)
        .options(selectinload(SupervisionSession.supervisor))
        .order_by(SupervisionSession.occurred_on, SupervisionSession.id)))
    return Section("supervisory-supervision", "Supervision of supervision received",
                   f"{SECTIONS}supervisory_supervision.html", {
                       "requirement": _requirement(view, "supervision-of-supervision"), "sessions": sessions,
                       "since": since, "total": sum(s.minutes for s in sessions)})


def _training_and_cpd_section(session: Session, subject: User, builder: ManifestBuilder,
                              view: readiness.PathwayView | None, today: dt.date) -> Section:
    courses = builder.records(session.scalars(select(SupervisionTraining).where(
        SupervisionTraining.owner_id == subject.id, SupervisionTraining.deleted_at.is_(None))
        .order_by(SupervisionTraining.start_on, SupervisionTraining.id)))
    since = _months_back(today, MONTHS_OF_GIVEN_SHOWN - 1)
    cpd = builder.records(session.scalars(select(CpdActivity).where(
        CpdActivity.owner_id == subject.id, CpdActivity.deleted_at.is_(None), CpdActivity.category == "professional",
        CpdActivity.end_on >= since, CpdActivity.end_on <= today).order_by(CpdActivity.end_on, CpdActivity.id)))
    return Section("supervisor-training", "Supervisor training and supervisory CPD", f"{SECTIONS}supervisor_cpd.html", {
        "courses": courses, "course_minutes": sum(c.minutes for c in courses), "cpd": cpd, "since": since,
        "cpd_minutes": sum(c.minutes for c in cpd), "requirement": _requirement(view, "supervisory-cpd")})


def _feedback_and_reports_section(session: Session, subject: User, builder: ManifestBuilder) -> Section:
    requests = builder.records(feedback_forms.requests_of(session, subject.id))
    asked = [(r, len(r.invitees), len(r.answers)) for r in requests]
    about = builder.records(supervisor_reports.reports_about(session, subject.id))
    written = builder.records(session.scalars(select(SupervisorReport).where(SupervisorReport.supervisor_id == subject.id)
                                              .order_by(SupervisorReport.written_on, SupervisorReport.id)))
    return Section("feedback", "Supervisee feedback and supervisor reports", f"{SECTIONS}feedback.html", {
        "asked": asked, "answered_total": sum(n for _r, _a, n in asked),
        "minimum": feedback_forms.MIN_SUPERVISEES, "maximum": feedback_forms.MAX_SUPERVISEES,
        "about": about, "written": written, "recommendations": supervisor_reports.RECOMMENDATIONS})


def gather_supervisor(session: Session, subject: User, builder: ManifestBuilder, options: Mapping[str, Any],
                      today: dt.date) -> DocumentContent:
    builder.record(subject)
    if subject.profile is not None:
        builder.record(subject.profile)
    view, _assessment = _judged(session, subject, today, readiness.SUPERVISOR_ACCREDITATION)
    sections = [
        _readiness_section(view, today),
        _accreditation_section(session, subject, builder, view, today),
        _given_section(session, subject, builder, view, today),
        _supervisory_supervision_section(session, subject, builder, view, today),
        _training_and_cpd_section(session, subject, builder, view, today),
        _feedback_and_reports_section(session, subject, builder),
        _evidence_section(session, subject, builder, options),
    ]
    status = f"{view.status_text}: {view.report.met} of {view.applicable_total} requirements met" if view else \
        "Not judged: the pathway is not in the catalogue"
    return DocumentContent(kind=SUPERVISOR_KIND, title="BABCP supervisor accreditation application",
                           subject_name=subject.full_name, subtitle=f"as at {today:%-d %B %Y}",
                           cover_rows=[*_cover(subject), ("Readiness", status)], sections=sections)


register(Kind(PRACTITIONER_KIND, "BABCP practitioner accreditation application", PRIVATE, gather_practitioner,
              showcase=True,
              applies=practitioner_applies,
              description="The application against BABCP's Minimum Training Standards: training hours by kind, "
                          "supervised practice, the 8 training cases with supervision per case, closely supervised "
                          "cases with their CTS-R ratings, assessed case studies, credentials and evidence."))
register(Kind(SUPERVISOR_KIND, "BABCP supervisor accreditation application", OWN, gather_supervisor,
              applies=lambda _s, person, _d: person.has_role(Role.SUPERVISOR),
              description="The supervisor accreditation application: accreditation held, supervision given in the "
                          "last 2 years, supervision of supervision, supervisor training and supervisory CPD, "
                          "supervisee feedback (counts only) and supervisor reports."))
