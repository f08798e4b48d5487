"""The NMC revalidation pack: the 3-year evidence a nurse takes to revalidation, in the NMC's order.

Private (it holds the written reflective accounts and feedback): the nurse, or their current
supervisor or tutor. Practice hours, feedback, reflective accounts and the reflective discussion
are counted by app.services.nmc.totals, CPD by app.services.cpd.cpd_totals over the same 3 years,
exactly as the NMC page and the CPD log count them; the readiness report is the one the dashboard
shows for nmc-revalidation. The parts shared with the PWP register renewal pack (readiness,
credentials, evidence) live here too.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services import cpd, credentials, nmc, readiness
from app.services.documents import PRIVATE, Kind, register
from app.services.evidence import KIND_LABELS
from exports import charts
from exports.documents import DocumentContent, Section
from exports.manifest import ManifestBuilder
from models import CpdActivity, User
from models.evidence import EvidenceItem

KIND_ID = "nmc_revalidation"
NMC_CREDENTIAL = "nmc"
SECTIONS = "pdf/sections/nmc_"


# --- parts shared with the PWP register renewal pack -------------------------------------------

def showcased(options: Mapping[str, Any]) -> set[int] | None:
    """The evidence ids the person chose to showcase, or None for all of it."""
    chosen = options.get("evidence_ids")
    return None if chosen is None else {int(i) for i in chosen}


def cover_rows(subject: User, period: str) -> list[tuple[str, str]]:
    profile = subject.profile
    rows = [("Role", (profile.job_title if profile else None) or "Not recorded")]
    if profile is not None and profile.team is not None:
        rows.append(("Service", f"{profile.team.service.name} ({profile.team.name})"))
    rows.append(("Period", period))
    return rows


def credential_section(session: Session, subject: User, builder: ManifestBuilder, kinds: Iterable[str],
                       today: dt.date, title: str) -> Section:
    """The registrations of these kinds, with the flags the credentials page shows."""
    wanted = set(kinds)
    regs = [r for r in (subject.profile.registrations if subject.profile else []) if r.kind in wanted]
    rule_set = credentials.rules(session, today)
    rows = [(builder.record(r), credentials.tags(credentials.flags_of(r, rule_set, today))) for r in regs]
    return Section("registration", title, "pdf/sections/credentials.html", {"rows": rows})


def readiness_section(assessment: readiness.Assessment, pathway_ids: Sequence[str], title: str) -> Section:
    views = [p for p in assessment.pathways if p.pathway.meta.id in pathway_ids]
    return Section("readiness", title, f"{SECTIONS}readiness.html", {"pathways": views})


def evidence_section(session: Session, subject: User, builder: ManifestBuilder, options: Mapping[str, Any],
                     start: dt.date, end: dt.date, period: str) -> Section:
    """The person's live evidence dated in the period, limited to what they chose to showcase."""
    chosen = showcased(options)
    stmt = (select(EvidenceItem).where(EvidenceItem.owner_id == subject.id, EvidenceItem.deleted_at.is_(None),
                                       EvidenceItem.dated_on.between(start, end))
            .order_by(EvidenceItem.dated_on.asc(), EvidenceItem.id.asc()))
    if chosen is not None:
        stmt = stmt.where(EvidenceItem.id.in_(sorted(chosen)))
    items = builder.records(session.scalars(stmt))
    for item in items:
        builder.evidence(item.file_sha256, item.file_name)
    return Section("evidence", "Evidence", f"{SECTIONS}evidence.html",
                   {"evidence": items, "kinds": KIND_LABELS, "period": period, "chosen": chosen is not None})


def cpd_activities(session: Session, builder: ManifestBuilder, owner_id: int, start: dt.date,
                   end: dt.date) -> list[CpdActivity]:
    """The live activities cpd_totals counts over these dates (ending within them), oldest first."""
    return builder.records(session.scalars(
        select(CpdActivity).where(CpdActivity.owner_id == owner_id, CpdActivity.deleted_at.is_(None),
                                  CpdActivity.end_on >= start, CpdActivity.end_on <= end)
        .order_by(CpdActivity.end_on.asc(), CpdActivity.id.asc())))


def period_text(start: dt.date, end: dt.date) -> str:
    return f"{start:%-d %B %Y} to {end:%-d %B %Y}"


# --- the NMC pack -------------------------------------------------------------------------------

def _in_window(kind: nmc.Kind, owner_id: int, session: Session, window: Any,
               builder: ManifestBuilder) -> list[Any]:
    """The entries nmc.totals counts: dated (practice hours: ending) within the 3 years."""
    last = kind.end_attr or kind.date_attr
    found = session.scalars(nmc.entries(kind, owner_id, since=window.start, until=window.end, oldest_first=True))
    return builder.records(e for e in found if window.start <= getattr(e, last) <= window.end)


def gather(session: Session, subject: User, builder: ManifestBuilder, options: Mapping[str, Any],
           today: dt.date) -> DocumentContent:
    builder.record(subject)
    totals = nmc.totals(session, subject.id, today)
    window = totals.window
    period = period_text(window.start, window.end)
    cpd_total = cpd.cpd_totals(session, subject.id, window.start, window.end)
    kinds = nmc.KINDS
    practice = _in_window(kinds["practice"], subject.id, session, window, builder)
    feedback = _in_window(kinds["feedback"], subject.id, session, window, builder)
    accounts = _in_window(kinds["account"], subject.id, session, window, builder)
    discussions = _in_window(kinds["discussion"], subject.id, session, window, builder)
    activities = cpd_activities(session, builder, subject.id, window.start, window.end)
    assessment = readiness.assess(session, subject, today)
    progress = totals.progress
    summary = [progress["practice"],
               nmc.Progress("Hours of CPD", cpd_total.minutes, nmc.CPD_HOURS_TARGET * 60, in_minutes=True),
               nmc.Progress("Hours of participatory CPD", cpd_total.participatory_minutes,
                            nmc.CPD_PARTICIPATORY_HOURS_TARGET * 60, in_minutes=True),
               progress["feedback"], progress["account"], progress["discussion"]]
    sections = [
        Section("summary", "Revalidation at a glance", f"{SECTIONS}summary.html",
                {"summary": summary, "period": period}),
        credential_section(session, subject, builder, [NMC_CREDENTIAL], today, "NMC registration"),
        Section("practice", "1. Practice hours", f"{SECTIONS}practice.html",
                {"entries": practice, "total": totals.practice_minutes, "target": nmc.PRACTICE_HOURS_TARGET}),
        Section("cpd", "2. Continuing professional development", f"{SECTIONS}cpd.html",
                {"activities": activities, "totals": cpd_total, "target": nmc.CPD_HOURS_TARGET,
                 "participatory_target": nmc.CPD_PARTICIPATORY_HOURS_TARGET,
                 "chart": charts.cpd_chart(assessment.snapshot, years=nmc.CYCLE_YEARS + 1)}),
        Section("feedback", "3. Practice-related feedback", f"{SECTIONS}feedback.html",
                {"entries": feedback, "sources": nmc.FEEDBACK_SOURCES, "target": nmc.FEEDBACK_TARGET}),
        Section("accounts", "4. Written reflective accounts", f"{SECTIONS}accounts.html",
                {"entries": accounts, "themes": nmc.CODE_THEMES, "target": nmc.ACCOUNTS_TARGET}),
        Section("discussion", "5. Reflective discussion", f"{SECTIONS}discussion.html", {"entries": discussions}),
        Section("declarations", "6. Health and character, indemnity and confirmation",
                f"{SECTIONS}declarations.html", {}),
        readiness_section(assessment, [readiness.NMC_REVALIDATION], "Readiness report"),
        evidence_section(session, subject, builder, options, window.start, window.end, period),
    ]
    return DocumentContent(kind=KIND_ID, title="NMC revalidation pack", subject_name=subject.full_name,
                           subtitle=f"The 3 years from {period}", cover_rows=cover_rows(subject, period),
                           sections=sections)


def holds(subject: User, kinds: Iterable[str]) -> bool:
    wanted = set(kinds)
    return subject.profile is not None and any(r.kind in wanted for r in subject.profile.registrations)


register(Kind(KIND_ID, "NMC revalidation pack", PRIVATE, gather,
              applies=lambda _s, person, _d: holds(person, [NMC_CREDENTIAL]),
              description="The 3 years' evidence for NMC revalidation in the NMC's order: practice hours, CPD "
                          "(participatory hours), feedback, reflective accounts and the reflective discussion, "
                          "with the readiness report."))
