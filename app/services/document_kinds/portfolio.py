"""The full portfolio: everything the person's logs hold, as one PDF they can hand to a panel or keep.

Private (it holds reflective statements and supervision themes): the person, or their current
supervisor or tutor. Every figure comes from the service the matching web page calls, so the PDF
and the page agree. The person may showcase some evidence (options["evidence_ids"]): the evidence
index lists only those, the totals still count everything. options["period"] is "all" (default)
or "12m": the logs list the last 12 months' entries (the evidence index is the showcase's);
totals stay as the pages show them.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.services import claims, clinical_log, contracts, cpd, credentials, employment, pay_steps, ratings, readiness
from app.services import evidence as evidence_service
from app.services import ksa as ksa_service
from app.services import supervision_log as supervision
from app.services.documents import PRIVATE, Kind, register
from competences.claims import ClaimStatus
from competences.frameworks import pass_mark
from exports import charts
from exports.documents import DocumentContent, Section
from exports.manifest import ManifestBuilder
from models import ClinicalCase, ClinicalContact, CpdActivity, SupervisionSession, User
from models.claims import ClaimStatusChange, CompetenceClaim
from models.evidence import EvidenceItem
from models.reference_data import catalogue_for
from models.training import CtsrRating

KIND_ID = "portfolio"
PERIODS = {"all": "All records", "12m": "The last 12 months"}
SECTIONS = "pdf/sections/portfolio_"


def period_start(period: str, today: dt.date) -> dt.date | None:
    """The first day listed: None for "all", a year back (the day after) for "12m"."""
    if period != "12m":
        return None
    try:
        return today.replace(year=today.year - 1) + dt.timedelta(days=1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28) + dt.timedelta(days=1)


def showcased(options: Mapping[str, Any]) -> set[int] | None:
    """The evidence ids the person chose, or None for all of it."""
    chosen = options.get("evidence_ids")
    if chosen is None:
        return None
    return {int(i) for i in chosen}


def evidence_items(session: Session, owner_id: int) -> list[EvidenceItem]:
    """The person's live evidence, newest first: what the index lists and what the options page offers."""
    return list(session.scalars(select(EvidenceItem).where(EvidenceItem.owner_id == owner_id,
                                                           EvidenceItem.deleted_at.is_(None))
                                .order_by(EvidenceItem.dated_on.desc(), EvidenceItem.id.desc())))


@dataclasses.dataclass(frozen=True)
class ClaimRow:
    framework: str
    code: str
    title: str
    claim: CompetenceClaim

    @property
    def method(self) -> str:
        return claims.SIGN_OFF_METHODS.get(self.claim.sign_off_method or "", self.claim.sign_off_method or "")


def _cover(subject: User, period: str, start: dt.date | None, today: dt.date) -> list[tuple[str, str]]:
    profile = subject.profile
    band = "Not recorded"
    if profile is not None and profile.band:
        band = f"Band {profile.band}" + (f", step {profile.pay_step}" if profile.pay_step else "")
    service = "Not recorded"
    if profile is not None and profile.team is not None:
        service = f"{profile.team.service.name} ({profile.team.name})"
    period_text = "All records" if start is None else f"{start:%-d %B %Y} to {today:%-d %B %Y} (the last 12 months)"
    return [("Role", (profile.job_title if profile else None) or "Not recorded"), ("Band", band),
            ("Service", service), ("Period", period_text)]


def _readiness(assessment: readiness.Assessment) -> Section:
    return Section("readiness", "Readiness", f"{SECTIONS}readiness.html", {"pathways": assessment.pathways})


def _pay(session: Session, subject: User, builder: ManifestBuilder, today: dt.date) -> Section:
    profile = subject.profile
    if profile is None:
        return Section("pay", "Band and pay-step history", f"{SECTIONS}pay.html",
                       {"position": None, "career": None, "history": [], "today": today})
    builder.record(profile)
    catalogue = catalogue_for(session)
    position = pay_steps.positions(session, [profile.id], today, catalogue).get(profile.id)
    history = builder.records(employment.history(session, profile))
    return Section("pay", "Band and pay-step history", f"{SECTIONS}pay.html",
                   {"position": position, "career": employment.career(session, subject, profile, catalogue, today),
                    "history": history, "today": today})


def _competences(session: Session, subject: User, builder: ManifestBuilder, today: dt.date) -> Section:
    catalogue = catalogue_for(session)
    portfolio = ksa_service.portfolio_of(session, subject.id)
    variants = {"ksa": portfolio.route} if portfolio is not None and portfolio.route else None
    summary = claims.frameworks_coverage(session, subject.id, catalogue=catalogue, on=today, variants=variants)
    live = {c.id: c for c in session.scalars(
        select(CompetenceClaim).where(CompetenceClaim.owner_id == subject.id, CompetenceClaim.deleted_at.is_(None))
        .options(selectinload(CompetenceClaim.signed_by)).order_by(CompetenceClaim.id))}
    frameworks = []
    for fw in summary:
        if not fw.counts.claimed:
            continue
        found = claims.coverage(session, subject.id, fw.id, variant_id=(variants or {}).get(fw.id),
                                catalogue=catalogue, on=today)
        rows = [ClaimRow(fw.title, ic.item.code, ic.item.title, live[c.id])
                for group in found.groups for ic in group.items for c in ic.claims if c.id in live]
        for row in rows:
            builder.record(row.claim)
            if row.claim.status is ClaimStatus.SIGNED_OFF:
                builder.signoff(row.claim.id, row.claim.status.value)
        frameworks.append((fw, rows))
    return Section("competences", "Competence matrix", f"{SECTIONS}competences.html", {"frameworks": frameworks})


def _cpd(session: Session, subject: User, builder: ManifestBuilder, start: dt.date | None,
         today: dt.date, chart: charts.Chart) -> Section:
    stmt = select(CpdActivity).where(CpdActivity.owner_id == subject.id, CpdActivity.deleted_at.is_(None))
    if start is not None:
        stmt = stmt.where(CpdActivity.end_on >= start)
    entries = builder.records(session.scalars(stmt.order_by(CpdActivity.end_on.desc(), CpdActivity.id.desc())))
    return Section("cpd", "CPD log", f"{SECTIONS}cpd.html",
                   {"summary": cpd.cpd_summary(session, subject.id, today), "entries": entries,
                    "categories": cpd.CATEGORIES, "chart": chart})


def _supervision(session: Session, subject: User, builder: ManifestBuilder, start: dt.date | None,
                 today: dt.date, assessment: readiness.Assessment) -> Section:
    # The 12 complete months exactly as the supervision page counts them (app/portfolio/supervision.py).
    ending = supervision.last_complete_month_end(today)
    totals = supervision.monthly_totals(session, subject.id, ending)
    wte = supervision.wte_on(subject.profile, ending)
    minimum = supervision.monthly_target(wte)
    agreed = contracts.contract_targets(session, subject, [t.month for t in totals])
    targets = {t.month: max(minimum, agreed.get(t.month, 0)) for t in totals}
    target = assessment.monthly_supervision_target()
    chart = charts.supervision_chart(assessment.snapshot, target if target is not None else minimum)
    stmt = select(SupervisionSession).where(SupervisionSession.supervisee_id == subject.id,
                                            SupervisionSession.deleted_at.is_(None))
    if start is not None:
        stmt = stmt.where(SupervisionSession.occurred_on >= start)
    sessions = builder.records(session.scalars(
        stmt.options(selectinload(SupervisionSession.supervisor))
        .order_by(SupervisionSession.occurred_on.desc(), SupervisionSession.id.desc())))
    return Section("supervision", "Supervision log", f"{SECTIONS}supervision.html",
                   {"chart": chart, "totals": totals, "targets": targets, "minimum": minimum,
                    "grand_total": sum(t.total for t in totals), "needed": sum(targets.values()),
                    "sessions": sessions})


def _clinical(session: Session, subject: User, builder: ManifestBuilder, start: dt.date | None,
              today: dt.date, assessment: readiness.Assessment) -> Section:
    data = catalogue_for(session).current("outcome-measures").content
    cases = builder.records(session.scalars(select(ClinicalCase).where(
        ClinicalCase.owner_id == subject.id, ClinicalCase.deleted_at.is_(None)).order_by(ClinicalCase.id)))
    c = ClinicalContact
    where = [c.owner_id == subject.id, c.deleted_at.is_(None), c.occurred_on <= today]
    if start is not None:
        where.append(c.occurred_on >= start)
    contacts, minutes = session.execute(select(func.coalesce(func.sum(c.count), 0),
                                               func.coalesce(func.sum(c.minutes), 0)).where(*where)).one()
    return Section("clinical", "Clinical activity", f"{SECTIONS}clinical.html",
                   {"caseload": clinical_log.caseload_summary(cases, data),
                    "weekly": clinical_log.weekly_contact_totals(session, subject, today),
                    "chart": charts.contacts_chart(assessment.snapshot, assessment.weekly_contacts_target()),
                    "contacts": int(contacts), "minutes": int(minutes), "all_time": start is None})


def _ctsr(session: Session, subject: User, builder: ManifestBuilder, start: dt.date | None) -> Section:
    # As the CTS-R page draws it (app/portfolio/ratings.py): one pass line only when every rating used the same mark.
    scale = ratings.ctsr_scale(catalogue_for(session))
    stmt = select(CtsrRating).where(CtsrRating.owner_id == subject.id, CtsrRating.deleted_at.is_(None))
    if start is not None:
        stmt = stmt.where(CtsrRating.rated_on >= start)
    rows = builder.records(session.scalars(stmt.order_by(CtsrRating.rated_on.desc(), CtsrRating.id.desc())))
    scored = [charts.ScoredRating(date=r.rated_on, rater_role=r.rater_role, total=r.total,
                                  scores=tuple(int(r.scores.get(i.id, 0)) for i in scale.items),
                                  label=r.recording_ref) for r in rows]
    marks = {r.pass_mark_used for r in rows}
    line = marks.pop() if len(marks) == 1 else (pass_mark(scale) if not marks else None)
    return Section("ctsr", "CTS-R ratings", f"{SECTIONS}ctsr.html",
                   {"ratings": rows, "chart": charts.ctsr_totals_chart(scored, scale.max_total, line) if rows else None,
                    "maximum": scale.max_total, "roles": ratings.RATER_ROLES})


def _credentials(session: Session, subject: User, builder: ManifestBuilder, today: dt.date) -> Section:
    profile = subject.profile
    regs = builder.records(profile.registrations) if profile is not None else []
    rule_set = credentials.rules(session, today)
    rows = [(reg, credentials.tags(credentials.flags_of(reg, rule_set, today))) for reg in regs]
    return Section("credentials", "Accreditations and registrations", "pdf/sections/credentials.html", {"rows": rows})


def _evidence(session: Session, subject: User, builder: ManifestBuilder, options: Mapping[str, Any]) -> Section:
    """The chosen evidence whatever its date (a diploma from years ago still matters), or all of it."""
    every = evidence_items(session, subject.id)
    chosen = showcased(options)
    shown = [e for e in every if chosen is None or e.id in chosen]
    for item in builder.records(shown):
        builder.evidence(item.file_sha256, item.file_name)
    return Section("evidence", "Evidence index", f"{SECTIONS}evidence.html",
                   {"shown": shown, "total": len(every), "chosen": chosen is not None,
                    "kinds": evidence_service.KIND_LABELS})


def _signoffs(session: Session, subject: User, builder: ManifestBuilder, start: dt.date | None) -> Section:
    catalogue = catalogue_for(session)
    stmt = (select(ClaimStatusChange).join(CompetenceClaim, CompetenceClaim.id == ClaimStatusChange.claim_id)
            .where(CompetenceClaim.owner_id == subject.id)
            .options(selectinload(ClaimStatusChange.actor), selectinload(ClaimStatusChange.claim)))
    if start is not None:
        stmt = stmt.where(ClaimStatusChange.occurred_at >= dt.datetime.combine(start, dt.time(), dt.UTC))
    changes = builder.records(session.scalars(stmt.order_by(ClaimStatusChange.occurred_at, ClaimStatusChange.id)))
    rows = [(change, _item_text(catalogue, change.claim)) for change in changes]
    return Section("sign-offs", "Sign-off history", f"{SECTIONS}signoffs.html",
                   {"rows": rows, "methods": claims.SIGN_OFF_METHODS})


def _item_text(catalogue: Any, claim: CompetenceClaim) -> str:
    try:
        framework = claims.framework_of(catalogue, claim)
    except KeyError:
        return claim.item_id
    item = claims.find_item(framework, claim.item_id)
    return f"{framework.meta.title}: {item.code} {item.title}" if item else f"{framework.meta.title}: {claim.item_id}"


def gather(session: Session, subject: User, builder: ManifestBuilder, options: Mapping[str, Any],
           today: dt.date) -> DocumentContent:
    period = str(options.get("period") or "all")
    start = period_start(period, today)
    builder.record(subject)
    assessment = readiness.assess(session, subject, today)
    cpd_chart = charts.cpd_chart(assessment.snapshot)
    sections: Sequence[Section] = [
        _readiness(assessment),
        _pay(session, subject, builder, today),
        _competences(session, subject, builder, today),
        _cpd(session, subject, builder, start, today, cpd_chart),
        _supervision(session, subject, builder, start, today, assessment),
        _clinical(session, subject, builder, start, today, assessment),
        _ctsr(session, subject, builder, start),
        _credentials(session, subject, builder, today),
        _evidence(session, subject, builder, options),
        _signoffs(session, subject, builder, start),
    ]
    return DocumentContent(kind=KIND_ID, title="Full portfolio", subject_name=subject.full_name,
                           subtitle=f"as at {today:%-d %B %Y}", cover_rows=_cover(subject, period, start, today),
                           sections=sections)


register(Kind(KIND_ID, "Full portfolio", PRIVATE, gather, showcase=True,
              description="Everything in the logs: readiness, pay history, competences, CPD, supervision, clinical "
                          "activity, CTS-R, credentials, an evidence index and the sign-off history."))
