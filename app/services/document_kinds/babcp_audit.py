"""The BABCP audit sets: what an accredited therapist sends when BABCP audits their First Accreditation or a declaration.

BABCP asks for three named files (anchors §1.7, facts §4.4): the Collaborative Supervision Summary
("CSS": every session of the last 12 months, countersigned), the supervisor's report ("Sup Rep")
and the CBT CPD Summary ("CPD SA": each activity with its reflective statement). Each is gathered
with the service its web page uses (countersigning.supervision_summary, cpd, supervisor_reports),
followed by the readiness report for the audit's pathway. Private: it holds reflective statements.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services import countersigning, cpd, readiness
from app.services import evidence as evidence_service
from app.services import supervisor_reports
from app.services.documents import PRIVATE, Kind, register
from app.services.errors import DomainError
from competences.engine import evaluate
from competences.windows import add_months
from exports import charts
from exports.documents import DocumentContent, Section
from exports.manifest import ManifestBuilder
from models import CpdActivity, ProfessionalRegistration, User
from models.countersigning import CountersignStatus
from models.reference_data import catalogue_for
from models.snapshot import build_snapshot, credential_kind

FIRST = "first"
REACCREDITATION = "reaccreditation"
#: Audit option → (pathway id, the audit's name).
AUDITS: dict[str, tuple[str, str]] = {
    FIRST: ("babcp-first-accreditation-audit", "BABCP First Accreditation Audit"),
    REACCREDITATION: (readiness.REACCREDITATION, "BABCP reaccreditation audit"),
}
ACCREDITATION_KIND = "babcp_accreditation"
#: The First Accreditation Audit falls 12 months after the award and may be extended to 18 (facts §4.3):
#: until then the audit a person faces is that one, afterwards a declaration's.
FIRST_AUDIT_WITHIN_MONTHS = 18
#: BABCP allows one non-CBT activity among the five (facts §4.4); it cannot be the skills part.
NON_CBT_ALLOWED = 1
CPD_ACTIVITIES_NEEDED = 5
CPD_SKILLS_MINUTES_NEEDED = 360


def accreditation_of(subject: User) -> ProfessionalRegistration | None:
    profile = subject.profile
    if profile is None:
        return None
    return next((r for r in profile.registrations if credential_kind(r) == ACCREDITATION_KIND), None)


def default_audit(accreditation: ProfessionalRegistration | None, today: dt.date) -> str:
    """The First Accreditation Audit within 18 months of the award, a reaccreditation audit after (or undated)."""
    awarded = accreditation.registered_on if accreditation is not None else None
    if awarded is not None and today <= add_months(awarded, FIRST_AUDIT_WITHIN_MONTHS):
        return FIRST
    return REACCREDITATION


def audit_of(options: Mapping[str, Any], accreditation: ProfessionalRegistration | None, today: dt.date) -> str:
    chosen = options.get("audit")
    if not chosen:
        return default_audit(accreditation, today)
    if chosen not in AUDITS:
        raise DomainError("Choose the First Accreditation Audit or a reaccreditation audit", field="audit")
    return str(chosen)


def cpd_period(audit: str, anchor: dt.date | None, options: Mapping[str, Any], today: dt.date) -> cpd.Period:
    """The declaration year the CPD summary covers.

    A First Accreditation Audit covers the first year after the award; a reaccreditation audit the
    declaration year holding today (the CPD page's "this year"). options["year"] = "previous" takes the
    year before instead (an audit arriving just after the declaration it checks).
    """
    year = options.get("year") or "current"
    if year not in ("current", "previous"):
        raise DomainError("Choose this declaration year or the one before", field="year")
    day = anchor if audit == FIRST and anchor is not None and anchor <= today else today
    period = cpd.period_containing(day, anchor)
    if year == "previous":
        period = cpd.period_containing(period.start - dt.timedelta(days=1), anchor)
    return period


# --- the collaborative supervision summary -----------------------------------------------------------------

def _supervision_section(session: Session, subject: User, builder: ManifestBuilder, today: dt.date) -> Section:
    summary = countersigning.supervision_summary(session, subject, countersigning.summary_start(today))
    builder.records(summary.sessions)
    targets = {m.target for m in summary.months}
    target = targets.pop() if len(targets) == 1 else None
    title = "Supervision received per month"
    svg = charts.monthly_bar_chart([(m.total.month, m.total.total) for m in summary.months], target, title, "minutes",
                                   ident="chart-audit-supervision")
    rows = [(s, countersigning.status_text(s.countersign_status, s.countersigned_by, s.countersigned_outside_name))
            for s in summary.sessions]
    return Section("css", "Collaborative Supervision Summary (CSS)", "pdf/sections/audit_supervision.html",
                   {"summary": summary, "svg": svg, "chart_title": title, "rows": rows,
                    "awaiting": sum(1 for s in summary.sessions
                                    if s.countersign_status is CountersignStatus.AWAITING)})


# --- the CBT CPD summary -----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CpdRow:
    activity: CpdActivity
    category: str
    evidence: Sequence[evidence_service.LinkedEvidence]


def _cpd_section(session: Session, subject: User, builder: ManifestBuilder, period: cpd.Period,
                 evidence_ids: set[int] | None) -> Section:
    activities = builder.records(session.scalars(
        select(CpdActivity).where(CpdActivity.owner_id == subject.id, CpdActivity.deleted_at.is_(None),
                                  CpdActivity.end_on >= period.start, CpdActivity.end_on <= period.end)
        .order_by(CpdActivity.end_on, CpdActivity.start_on, CpdActivity.id)))
    linked = evidence_service.evidence_for_cpd(session, [a.id for a in activities])
    rows = []
    for a in activities:
        shown = [e for e in linked.get(a.id, []) if evidence_ids is None or e.evidence_id in evidence_ids]
        for e in shown:
            builder.evidence(e.sha256, e.file_name)
        rows.append(CpdRow(a, cpd.CATEGORIES.get(a.category, (a.category, ""))[0], shown))
    totals = cpd.cpd_totals(session, subject.id, period.start, period.end)
    by_category = [(cpd.CATEGORIES.get(c, (c, ""))[0], t)
                   for c, t in cpd.cpd_totals_by_category(session, subject.id, period.start, period.end).items()]
    non_cbt = [a for a in activities if not a.cbt]
    return Section("cpd-sa", "CBT CPD Summary (CPD SA)", "pdf/sections/audit_cpd.html",
                   {"period": period, "totals": totals, "by_category": by_category, "rows": rows,
                    "non_cbt": len(non_cbt), "non_cbt_allowed": NON_CBT_ALLOWED,
                    "activities_needed": CPD_ACTIVITIES_NEEDED, "skills_needed": CPD_SKILLS_MINUTES_NEEDED,
                    "showcase": evidence_ids is not None})


# --- the supervisor's reports and the readiness report -----------------------------------------------------

def _reports_section(session: Session, subject: User, builder: ManifestBuilder, today: dt.date) -> Section:
    required = supervisor_reports.reports_required(session, subject, today)
    for r in required:
        if r.report is not None:
            builder.record(r.report)
    return Section("sup-rep", "Supervisor's report (Sup Rep)", "pdf/sections/audit_reports.html",
                   {"required": required, "recommendations": supervisor_reports.RECOMMENDATIONS})


def pathway_view(session: Session, subject: User, pathway_id: str, today: dt.date) -> readiness.PathwayView | None:
    """The pathway judged as readiness.assess judges it (same snapshot, catalogue and settings), even when
    it is not among the pathways offered automatically (the First Accreditation Audit is not)."""
    catalogue = catalogue_for(session)
    if not catalogue.has(pathway_id):
        return None
    try:
        pathway = catalogue.current(pathway_id, today).content
    except KeyError:
        return None
    snapshot = readiness.with_supervisor_reports(session, subject, build_snapshot(session, subject.id, today))
    settings = readiness.pathway_settings(pathway_id, readiness.choices_of(session, subject))
    report = evaluate(pathway, snapshot, catalogue, settings)
    return readiness.PathwayView(report=report, pathway=pathway, requirements=tuple(
        readiness.requirement_view(pathway, report, r) for r in report.requirements))


def gather(session: Session, subject: User, builder: ManifestBuilder, options: Mapping[str, Any],
           today: dt.date) -> DocumentContent:
    builder.record(subject)
    accreditation = accreditation_of(subject)
    audit = audit_of(options, accreditation, today)
    pathway_id, name = AUDITS[audit]
    raw_ids = options.get("evidence_ids")
    evidence_ids = None if raw_ids is None else {int(i) for i in raw_ids}
    period = cpd_period(audit, cpd.babcp_anchor(session, subject.id), options, today)
    cover: list[tuple[str, str]] = [("Audit", name)]
    if subject.profile is not None:
        builder.record(subject.profile)
        cover.append(("Job title", subject.profile.job_title or "Not recorded"))
    if accreditation is not None:
        builder.record(accreditation)
        cover.append(("BABCP accreditation", " ".join(filter(None, [
            accreditation.registration_number,
            f"awarded {accreditation.registered_on:%-d %B %Y}" if accreditation.registered_on else None]))
            or "Recorded"))
        if accreditation.renewal_due_on:
            cover.append(("Next declaration", f"{accreditation.renewal_due_on:%-d %B %Y}"))
    cover.append(("CPD declaration year", period.label))
    view = pathway_view(session, subject, pathway_id, today)
    sections = [
        _supervision_section(session, subject, builder, today),
        _reports_section(session, subject, builder, today),
        _cpd_section(session, subject, builder, period, evidence_ids),
        Section("readiness", f"Readiness: {view.report.title if view else name}", "pdf/sections/audit_readiness.html",
                {"view": view, "today": today}),
    ]
    return DocumentContent(kind="babcp_audit", title=f"{name} set", subject_name=subject.full_name,
                           subtitle=f"as at {today:%-d %B %Y}", cover_rows=cover, sections=sections)


register(Kind("babcp_audit", "BABCP audit set", PRIVATE, gather, showcase=True,
              applies=lambda _s, person, _d: accreditation_of(person) is not None,
              description="What BABCP asks for at the First Accreditation Audit or a reaccreditation audit: the "
                          "Collaborative Supervision Summary, the supervisor's report and the CBT CPD Summary with "
                          "reflective statements, and readiness against the audit's requirements."))
