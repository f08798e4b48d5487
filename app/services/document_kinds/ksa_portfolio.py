"""The KSA portfolio as BABCP asks for it: the forms KSA1–KSA7 filled from what the person keeps in Waymark.

The criterion checklist (KSA1) comes from app.services.ksa.checklist, as on the KSA page; each
criterion's claim gives its self-statement (KSA2) or countersigned self-statement (KSA3) with the
four parts BABCP asks for; completed reference requests give the references and countersignatures
(KSA3, KSA4); then the self-directed study record (KSA5), the biography with the experience log
(KSA6, criterion 14) and the document list (KSA7). Private: it holds the person's own statements.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.services import claims as claims_service
from app.services import ksa
from app.services.documents import PRIVATE, Kind, register
from competences.claims import ClaimStatus
from competences.frameworks import Framework, Item, evidence_type_ids, items
from exports.documents import DocumentContent, Section
from exports.manifest import ManifestBuilder
from models import ClaimStatusChange, CompetenceClaim, User
from models.ksa import KsaPortfolio, KsaStudy, ReferenceStatus

COUNTERSIGNED = "countersigned-self-statement"
#: The claim moves whose comment the person must act on (competences.claims.ClaimAction values).
RETURNING_ACTIONS = ("return", "withdraw_sign_off")


@dataclasses.dataclass(frozen=True)
class Statement:
    """One criterion's claim as KSA2 or KSA3 shows it."""

    item: Item
    claim: CompetenceClaim
    #: "KSA3" for criteria needing a countersigned self-statement (skills), else "KSA2".
    form: str
    #: (component title, text) in the framework's order.
    parts: tuple[tuple[str, str], ...]
    #: The latest return or withdrawal, while the claim stands returned.
    returned: ClaimStatusChange | None
    documents: tuple[int, ...]


def _form_of(item: Item) -> str:
    return "KSA3" if item.evidence_rule and COUNTERSIGNED in evidence_type_ids(item.evidence_rule) else "KSA2"


def _load_claims(session: Session, claims: Sequence[CompetenceClaim]) -> dict[int, ClaimStatusChange]:
    """Signatories and the latest returning move of each returned claim, in two queries however many claims."""
    ids = [c.id for c in claims]
    if not ids:
        return {}
    session.scalars(select(CompetenceClaim).where(CompetenceClaim.id.in_(ids))
                    .options(selectinload(CompetenceClaim.signed_by))).all()
    returned = [c.id for c in claims if c.status is ClaimStatus.RETURNED]
    latest: dict[int, ClaimStatusChange] = {}
    if returned:
        for change in session.scalars(select(ClaimStatusChange).where(
                ClaimStatusChange.claim_id.in_(returned), ClaimStatusChange.action.in_(RETURNING_ACTIONS))
                .options(selectinload(ClaimStatusChange.actor)).order_by(ClaimStatusChange.id)):
            latest[change.claim_id] = change
    return latest


def _statements(session: Session, builder: ManifestBuilder, framework: Framework, checklist: ksa.Checklist,
                documents: Sequence[ksa.Document]) -> list[Statement]:
    rows = [r for r in checklist.rows if r.claim is not None]
    returned = _load_claims(session, [r.claim for r in rows if r.claim is not None])
    parts = claims_service.components(framework)
    found = []
    for row in rows:
        claim = row.claim
        assert claim is not None
        builder.record(claim)
        if claim.status is ClaimStatus.SIGNED_OFF:
            builder.signoff(claim.id, claim.status.value)
        change = returned.get(claim.id)
        if change is not None:
            builder.record(change)
        statement = claim.statement or {}
        found.append(Statement(row.item, claim, _form_of(row.item),
                               tuple((c.title, str(statement.get(c.id) or "").strip()) for c in parts), change,
                               tuple(d.number for d in documents if row.item.id in d.criteria)))
    return found


def _shown_documents(builder: ManifestBuilder, documents: Sequence[ksa.Document],
                     evidence_ids: set[int] | None) -> list[ksa.Document]:
    """The documents chosen for the pack (all when none were chosen), numbered again in the same order."""
    chosen = [d for d in documents if evidence_ids is None or d.evidence.id in evidence_ids]
    shown = [dataclasses.replace(d, number=n) for n, d in enumerate(chosen, start=1)]
    for d in shown:
        builder.record(d.evidence)
        builder.evidence(d.evidence.file_sha256, d.evidence.file_name)
    return shown


def gather(session: Session, subject: User, builder: ManifestBuilder, options: Mapping[str, Any],
           today: dt.date) -> DocumentContent:
    builder.record(subject)
    framework = ksa.ksa_framework(session)
    portfolio = ksa.portfolio_of(session, subject.id)
    if portfolio is not None:
        builder.record(portfolio)
    experience = builder.records(ksa.live_experience(session, subject.id))
    checklist = ksa.checklist(session, subject.id, framework, portfolio.route if portfolio else None,
                              biography=bool(portfolio and portfolio.biography), experience=bool(experience))
    raw_ids = options.get("evidence_ids")
    all_documents = ksa.document_list(session, subject.id, framework)
    documents = _shown_documents(builder, all_documents, None if raw_ids is None else {int(i) for i in raw_ids})
    names = {i.id: f"{i.code}. {i.title}" for i in items(framework)}
    titles = {e.id: e.title for e in framework.evidence_types}
    statements = _statements(session, builder, framework, checklist, documents)
    requests = ksa.reference_requests(session, subject.id)
    completed = builder.records(r for r in requests if r.status is ReferenceStatus.COMPLETED)
    waiting = builder.records(r for r in requests if r.status is ReferenceStatus.REQUESTED)
    studies = builder.records(session.scalars(select(KsaStudy).where(
        KsaStudy.owner_id == subject.id, KsaStudy.deleted_at.is_(None))
        .order_by(KsaStudy.started_on, KsaStudy.ended_on, KsaStudy.id)))
    route = checklist.route.title if checklist.route else "The full KSA (all 14 criteria)"
    cover = [("Route", route)]
    if portfolio is not None:
        if portfolio.background:
            cover.append(("Background", portfolio.background))
        cover.append(("Started", f"{portfolio.started_on:%-d %B %Y}"))
    cover.append(("Criteria signed off", f"{checklist.signed_off} of {len(checklist.applicable)}"))
    common = {"names": names, "titles": titles}
    sections = [
        Section("ksa1", "Criterion checklist (KSA1)", "pdf/sections/ksa_checklist.html",
                {**common, "checklist": checklist, "route": route, "statements": {s.item.id: s for s in statements}}),
        Section("ksa2", "Self-statements (KSA2 and KSA3)", "pdf/sections/ksa_statements.html",
                {**common, "statements": statements, "methods": claims_service.SIGN_OFF_METHODS}),
        Section("ksa4", "Countersignatures and references (KSA3 and KSA4)", "pdf/sections/ksa_references.html",
                {**common, "completed": completed, "waiting": waiting}),
        Section("ksa5", "Self-directed study (KSA5)", "pdf/sections/ksa_study.html",
                {**common, "studies": studies, "totals": ksa.study_totals(session, subject.id)}),
        Section("ksa6", "Biography and experience (KSA6)", "pdf/sections/ksa_biography.html",
                {"portfolio": portfolio, "words": ksa.word_count(portfolio.biography if portfolio else None),
                 "experience": [(e, ksa.experience_hours(e.started_on, e.ended_on, e.hours_per_week, today))
                                for e in experience],
                 "totals": ksa.experience_totals(experience, today)}),
        Section("ksa7", "Document list (KSA7)", "pdf/sections/ksa_documents.html",
                {**common, "documents": documents, "total": len(all_documents)}),
    ]
    return DocumentContent(kind="ksa_portfolio", title="KSA portfolio", subject_name=subject.full_name,
                           subtitle=f"as at {today:%-d %B %Y}", cover_rows=cover, sections=sections)


def _has_portfolio(session: Session, person: User, _today: dt.date) -> bool:
    return session.scalar(select(KsaPortfolio.id).where(KsaPortfolio.owner_id == person.id)) is not None


register(Kind("ksa_portfolio", "KSA portfolio", PRIVATE, gather, applies=_has_portfolio,
              showcase=True,
              description="The BABCP Knowledge, Skills and Attitudes portfolio: criterion checklist, self-statements, "
                          "countersignatures and references, self-directed study, biography and document list."))
