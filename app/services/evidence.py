"""The evidence library's use cases: upload, describe, link, delete, and who may see which item.

An item belongs to one person. They and their current supervisors and course tutors read all of
their items; HR, service leads and line managers who may see the person read only the items the
person shared with HR, and then only the metadata (never the description) and the file. Deleting
an item that supports a signed-off claim is refused: the signature covers that file.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from app.services import logs
from app.services.access import can_view_person
from app.services.errors import DomainError
from app.services.evidence_store import Readable, safe_file_name, store, type_for_name
from app.services.privacy import refuse_patient_identifiers
from competences.catalogue import Catalogue
from competences.claims import ClaimStatus
from competences.frameworks import item as framework_item
from models import CpdActivity, User
from models.claims import ClaimEvidence, CompetenceClaim
from models.evidence import CaseEvidence, CpdEvidence, EvidenceItem, StoredFile
from models.portfolio import ClinicalCase
from models.reference_data import catalogue_for

#: What a piece of evidence is, as stored in EvidenceItem.kind, with its label.
KINDS: tuple[tuple[str, str], ...] = (
    ("certificate", "Certificate"),
    ("reflective_account", "Reflective account"),
    ("reference", "Reference"),
    ("case_study", "Case study"),
    ("recording_rating", "Recording rating"),
    ("supervisor_report", "Supervisor report"),
    ("transcript", "Transcript"),
    ("other", "Other"),
)
KIND_LABELS = dict(KINDS)
#: A claim with one of these statuses carries a signature over its evidence.
SIGNED = (ClaimStatus.SIGNED_OFF, ClaimStatus.NEEDS_RESIGNING)
#: Evidence behind these claims cannot be deleted: a signature covers it, or a supervisor is reading it to sign.
PROTECTED = (ClaimStatus.SUBMITTED, *SIGNED)
MAX_TITLE = 255
MAX_DESCRIPTION = 5000


class Access(enum.Enum):
    """How much of a person's library a viewer reaches."""

    NONE = "none"
    #: HR, service leads, line managers: items shared with HR, metadata and file only.
    SHARED = "shared"
    #: The person, their current supervisors and course tutors.
    FULL = "full"


@dataclasses.dataclass(frozen=True)
class EvidenceDetails:
    """What a person types about a file."""

    title: str
    kind: str
    dated_on: dt.date | None
    description: str | None = None
    shared_with_hr: bool = False


# --- who sees what ---------------------------------------------------------------------------------

def evidence_access(session: Session, viewer: User, owner: User, today: dt.date) -> Access:
    if logs.can_read_log(session, viewer, owner, today):
        return Access.FULL
    if can_view_person(session, viewer, owner, today):
        return Access.SHARED
    return Access.NONE


def can_see_shared(session: Session, viewer: User, owner: User, today: dt.date) -> bool:
    """Reach at least the items `owner` shared with HR (everyone who may see the person does)."""
    return evidence_access(session, viewer, owner, today) is not Access.NONE


def can_read_evidence(session: Session, viewer: User, item: EvidenceItem, today: dt.date) -> bool:
    """Open the item and its file. A deleted item is the owner's alone, until they restore it."""
    if item.deleted_at is not None:
        return viewer.id == item.owner_id
    access = evidence_access(session, viewer, item.owner, today)
    return access is Access.FULL or (access is Access.SHARED and item.shared_with_hr)


def can_change_evidence(viewer: User, item: EvidenceItem) -> bool:
    return logs.can_change_log(viewer, item.owner)


# --- creating and changing -------------------------------------------------------------------------

def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _check(details: EvidenceDetails, today: dt.date) -> tuple[str, str | None]:
    title = _clean(details.title)
    if title is None:
        raise DomainError("Enter a title for the evidence", field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(f"The title must be {MAX_TITLE} characters or fewer", field="title")
    refuse_patient_identifiers(title, "title")
    if details.kind not in KIND_LABELS:
        raise DomainError("Choose what kind of evidence this is", field="kind")
    if details.dated_on is None:
        raise DomainError("Enter the date on the evidence", field="dated_on")
    if details.dated_on > today:
        raise DomainError("The date cannot be in the future", field="dated_on")
    description = _clean(details.description)
    if description and len(description) > MAX_DESCRIPTION:
        raise DomainError(f"The description must be {MAX_DESCRIPTION:,} characters or fewer", field="description")
    refuse_patient_identifiers(description, "description")
    return title, description


def _apply(item: EvidenceItem, details: EvidenceDetails, title: str, description: str | None) -> None:
    assert details.dated_on is not None
    item.title, item.kind, item.dated_on = title, details.kind, details.dated_on
    item.description, item.shared_with_hr = description, details.shared_with_hr


def store_upload(session: Session, owner: User, stream: Readable, filename: str | None, *, store_dir: Path,
                 max_bytes: int, details: EvidenceDetails, today: dt.date) -> EvidenceItem:
    """Check the description and the file, write the file into the store, and record the item.

    Everything that can be refused without the file is checked first, so a refusal never leaves
    a file behind; the store removes its own temporary file when the content is refused.
    """
    title, description = _check(details, today)
    name = safe_file_name(filename)
    type_for_name(name)
    stored = store(stream, name, store_dir, max_bytes)
    if session.get(StoredFile, stored.sha256) is None:
        session.add(StoredFile(sha256=stored.sha256, size=stored.size, media_type=stored.file_type.media_type))
    item = EvidenceItem(owner_id=owner.id, file_sha256=stored.sha256, file_name=name)
    _apply(item, details, title, description)
    session.add(item)
    session.flush()
    return item


def update(session: Session, item: EvidenceItem, details: EvidenceDetails, *, today: dt.date) -> EvidenceItem:
    """Change what is said about the file; the file itself never changes (upload a new item instead)."""
    if item.deleted_at is not None:
        raise DomainError("This evidence has been deleted; restore it before changing it")
    title, description = _check(details, today)
    _apply(item, details, title, description)
    session.flush()
    return item


def _same_owner(item: EvidenceItem, owner_id: int, what: str, field: str) -> None:
    if item.deleted_at is not None:
        raise DomainError("This evidence has been deleted; restore it before linking it", field=field)
    if owner_id != item.owner_id:
        raise DomainError(f"Evidence can only support your own {what}", field=field)


def link_cpd(session: Session, item: EvidenceItem, cpd: CpdActivity) -> CpdEvidence:
    _same_owner(item, cpd.owner_id, "CPD activities", "cpd_ids")
    if cpd.deleted_at is not None:
        raise DomainError(f"The CPD activity “{cpd.title}” has been deleted", field="cpd_ids")
    link = session.scalar(select(CpdEvidence).where(CpdEvidence.cpd_id == cpd.id, CpdEvidence.evidence_id == item.id))
    if link is None:
        link = CpdEvidence(cpd_id=cpd.id, evidence_id=item.id)
        session.add(link)
        session.flush()
    return link


def unlink_cpd(session: Session, item: EvidenceItem, cpd: CpdActivity) -> None:
    _same_owner(item, cpd.owner_id, "CPD activities", "cpd_ids")
    link = session.scalar(select(CpdEvidence).where(CpdEvidence.cpd_id == cpd.id, CpdEvidence.evidence_id == item.id))
    if link is not None:
        session.delete(link)
        session.flush()


def link_case(session: Session, item: EvidenceItem, case: ClinicalCase) -> CaseEvidence:
    _same_owner(item, case.owner_id, "cases", "case_ids")
    if case.deleted_at is not None:
        raise DomainError(f"The case {case.case_ref} has been deleted", field="case_ids")
    link = session.scalar(select(CaseEvidence).where(CaseEvidence.case_id == case.id,
                                                     CaseEvidence.evidence_id == item.id))
    if link is None:
        link = CaseEvidence(case_id=case.id, evidence_id=item.id)
        session.add(link)
        session.flush()
    return link


def unlink_case(session: Session, item: EvidenceItem, case: ClinicalCase) -> None:
    _same_owner(item, case.owner_id, "cases", "case_ids")
    link = session.scalar(select(CaseEvidence).where(CaseEvidence.case_id == case.id,
                                                     CaseEvidence.evidence_id == item.id))
    if link is not None:
        session.delete(link)
        session.flush()


def set_links(session: Session, item: EvidenceItem, *, cpd_ids: Collection[int], case_ids: Collection[int]) -> None:
    """Make the item support exactly these of the owner's live CPD activities and cases.

    Links to entries since deleted are kept: they were not offered, so not choosing them is no choice.
    An id that is not one of the owner's live entries is refused (a form tampered with, or a stale page).
    """
    cpds = {c.id: c for c in session.scalars(select(CpdActivity).where(
        CpdActivity.owner_id == item.owner_id, CpdActivity.deleted_at.is_(None)))}
    cases = {c.id: c for c in session.scalars(select(ClinicalCase).where(
        ClinicalCase.owner_id == item.owner_id, ClinicalCase.deleted_at.is_(None)))}
    if set(cpd_ids) - set(cpds):
        raise DomainError("Choose from your own CPD activities", field="cpd_ids")
    if set(case_ids) - set(cases):
        raise DomainError("Choose from your own cases", field="case_ids")
    linked_cpd = set(session.scalars(select(CpdEvidence.cpd_id).where(CpdEvidence.evidence_id == item.id)))
    linked_cases = set(session.scalars(select(CaseEvidence.case_id).where(CaseEvidence.evidence_id == item.id)))
    for cpd_id in sorted(set(cpd_ids) - linked_cpd):
        link_cpd(session, item, cpds[cpd_id])
    for cpd_id in sorted((linked_cpd & set(cpds)) - set(cpd_ids)):
        unlink_cpd(session, item, cpds[cpd_id])
    for case_id in sorted(set(case_ids) - linked_cases):
        link_case(session, item, cases[case_id])
    for case_id in sorted((linked_cases & set(cases)) - set(case_ids)):
        unlink_case(session, item, cases[case_id])


# --- deleting --------------------------------------------------------------------------------------

def claim_label(catalogue: Catalogue, claim: CompetenceClaim) -> str:
    """"KSA: KSA 8 Title" from the catalogue, or the framework and item ids if the item is unknown there."""
    try:
        framework = catalogue.version(claim.framework_id, claim.framework_version).content
        found = framework_item(framework, claim.item_id)
    except (KeyError, AttributeError):
        return f"{claim.framework_id} {claim.item_id}"
    return f"{framework.meta.title}: {found.code} {found.title}"


def protecting_claims(session: Session, item: EvidenceItem) -> list[CompetenceClaim]:
    """Live claims signed off, awaiting re-signing or submitted for sign-off that link the item."""
    return list(session.scalars(
        select(CompetenceClaim).join(ClaimEvidence, ClaimEvidence.claim_id == CompetenceClaim.id)
        .where(ClaimEvidence.evidence_id == item.id, CompetenceClaim.status.in_(PROTECTED),
               CompetenceClaim.deleted_at.is_(None))
        .order_by(CompetenceClaim.framework_id, CompetenceClaim.item_id, CompetenceClaim.id)))


def delete(session: Session, item: EvidenceItem) -> None:
    """Soft delete, refused while a claim signed off, awaiting re-signing or submitted for sign-off relies on it."""
    protecting = protecting_claims(session, item)
    if protecting:
        catalogue = catalogue_for(session)
        names = "; ".join(claim_label(catalogue, c) for c in protecting)
        raise DomainError(f"This evidence supports claims that are signed off or waiting for sign-off, so it "
                          f"cannot be deleted: {names}. Recall a submitted claim, or ask for a sign-off to be "
                          "withdrawn, or link other evidence and have the claim signed again, first.")
    logs.soft_delete(session, item)


def undo_delete(session: Session, item: EvidenceItem) -> None:
    logs.undo_delete(session, item)


# --- what an item supports -------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Supports:
    """What one item is evidence for, as its page lists it."""

    claims: list[CompetenceClaim]
    cpd: list[CpdActivity]
    cases: list[ClinicalCase]


def supports(session: Session, item: EvidenceItem, *, every_case: bool = True) -> Supports:
    """The live claims, CPD activities and cases the item supports; `every_case` False: training cases only."""
    claims = list(session.scalars(
        select(CompetenceClaim).join(ClaimEvidence, ClaimEvidence.claim_id == CompetenceClaim.id)
        .where(ClaimEvidence.evidence_id == item.id, CompetenceClaim.deleted_at.is_(None))
        .order_by(CompetenceClaim.framework_id, CompetenceClaim.item_id, CompetenceClaim.id)))
    cpd = list(session.scalars(
        select(CpdActivity).join(CpdEvidence, CpdEvidence.cpd_id == CpdActivity.id)
        .where(CpdEvidence.evidence_id == item.id, CpdActivity.deleted_at.is_(None))
        .order_by(CpdActivity.end_on.desc(), CpdActivity.id.desc())))
    case_stmt = (select(ClinicalCase).join(CaseEvidence, CaseEvidence.case_id == ClinicalCase.id)
                 .where(CaseEvidence.evidence_id == item.id, ClinicalCase.deleted_at.is_(None)))
    if not every_case:
        case_stmt = case_stmt.where(ClinicalCase.training_case.is_(True))
    cases = list(session.scalars(case_stmt.order_by(ClinicalCase.case_ref)))
    return Supports(claims, cpd, cases)


@dataclasses.dataclass(frozen=True)
class Counts:
    claims: int = 0
    cpd: int = 0
    cases: int = 0

    @property
    def anything(self) -> bool:
        return bool(self.claims or self.cpd or self.cases)


def support_counts(session: Session, item_ids: Sequence[int], *, every_case: bool = True) -> dict[int, Counts]:
    """For a page of the list: how many live claims, CPD activities and cases each item supports (3 queries)."""
    if not item_ids:
        return {}
    ids = list(item_ids)
    claims: dict[int, int] = dict(session.execute(
        select(ClaimEvidence.evidence_id, func.count()).join(CompetenceClaim, ClaimEvidence.claim_id == CompetenceClaim.id)
        .where(ClaimEvidence.evidence_id.in_(ids), CompetenceClaim.deleted_at.is_(None))
        .group_by(ClaimEvidence.evidence_id)).all())
    cpd: dict[int, int] = dict(session.execute(
        select(CpdEvidence.evidence_id, func.count()).join(CpdActivity, CpdEvidence.cpd_id == CpdActivity.id)
        .where(CpdEvidence.evidence_id.in_(ids), CpdActivity.deleted_at.is_(None))
        .group_by(CpdEvidence.evidence_id)).all())
    case_cond = and_(CaseEvidence.evidence_id.in_(ids), ClinicalCase.deleted_at.is_(None))
    if not every_case:
        case_cond = and_(case_cond, ClinicalCase.training_case.is_(True))
    cases: dict[int, int] = dict(session.execute(
        select(CaseEvidence.evidence_id, func.count()).join(ClinicalCase, CaseEvidence.case_id == ClinicalCase.id)
        .where(case_cond).group_by(CaseEvidence.evidence_id)).all())
    return {i: Counts(claims.get(i, 0), cpd.get(i, 0), cases.get(i, 0)) for i in ids}


@dataclasses.dataclass(frozen=True)
class LinkedEvidence:
    """An item as a CPD or case page lists it."""

    entry_id: int
    evidence_id: int
    title: str
    kind: str
    file_name: str
    sha256: str
    shared_with_hr: bool


def _linked(session: Session, link: type[CpdEvidence] | type[CaseEvidence], column: str,
            entry_ids: Iterable[int]) -> dict[int, list[LinkedEvidence]]:
    ids = list(entry_ids)
    found: dict[int, list[LinkedEvidence]] = {i: [] for i in ids}
    if not ids:
        return found
    entry_col = getattr(link, column)
    rows = session.execute(
        select(entry_col, EvidenceItem.id, EvidenceItem.title, EvidenceItem.kind, EvidenceItem.file_name,
               EvidenceItem.file_sha256, EvidenceItem.shared_with_hr)
        .join(EvidenceItem, EvidenceItem.id == link.evidence_id)
        .where(entry_col.in_(ids), EvidenceItem.deleted_at.is_(None))
        .order_by(EvidenceItem.dated_on.desc(), EvidenceItem.id.desc())).all()
    for row in rows:
        found[row[0]].append(LinkedEvidence(*row))
    return found


def evidence_for_cpd(session: Session, cpd_ids: Iterable[int]) -> dict[int, list[LinkedEvidence]]:
    """The live evidence each CPD activity links, in one query (for the CPD pages)."""
    return _linked(session, CpdEvidence, "cpd_id", cpd_ids)


def evidence_for_cases(session: Session, case_ids: Iterable[int]) -> dict[int, list[LinkedEvidence]]:
    """The live evidence each case links, in one query (for the case pages)."""
    return _linked(session, CaseEvidence, "case_id", case_ids)
