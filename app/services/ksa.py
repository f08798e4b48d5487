"""The KSA route's use cases: choosing the route, the biography, experience and study logs, reference requests, and the checklist.

Per-criterion statements are competence claims (models.claims, framework "ksa"); this module reads
them directly and never writes them. Services flush; the caller commits.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from collections.abc import Collection, Sequence
from decimal import ROUND_HALF_UP, Decimal

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from app.services import logs
from app.services.access import can_supervise
from app.services.errors import DomainError
from app.services.privacy import refuse_patient_identifiers
from competences.claims import ClaimStatus
from competences.frameworks import Framework, Item, Variant, applicable_items, items, missing_evidence, variant
from models import (ClaimEvidence, CompetenceClaim, EvidenceItem, RelationshipKind, Role, StaffRelationship,
                    User)
from models.base import utcnow
from models.ksa import (ExperienceKind, KsaExperience, KsaPortfolio, KsaStudy, ReferenceKind, ReferenceRequest,
                        ReferenceStatus)
from models.reference_data import catalogue_for

FRAMEWORK_ID = "ksa"
MAX_TEXT = 5000
MAX_BIOGRAPHY = 20000
MAX_LINE = 255
MAX_HOURS_PER_WEEK = Decimal(60)
#: One study record may cover at most 100 hours; a longer course is several records.
MAX_STUDY_MINUTES = 6000
QUARTER = Decimal("0.25")
CENT = Decimal("0.01")


class NoKsaPortfolio(LookupError):
    """The person has not started a KSA portfolio, so the KSA pathway does not apply to them."""


def ksa_framework(session: Session) -> Framework:
    """The KSA framework in force (an admin's correction wins over the built-in file)."""
    framework: Framework = catalogue_for(session).current(FRAMEWORK_ID).content
    return framework


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _check_text(text: str | None, field: str, limit: int, *, private: bool = True) -> str | None:
    text = _clean(text)
    if text and len(text) > limit:
        raise DomainError(f"This must be {limit:,} characters or fewer", field=field)
    if private:
        refuse_patient_identifiers(text, field)
    return text


def _check_criteria(framework: Framework, criteria: Sequence[str], field: str = "criteria",
                    held: Collection[str] = ()) -> list[str]:
    """At least one criterion, each in the framework (or already `held`, if a corrected framework dropped it)."""
    chosen = list(dict.fromkeys(criteria))
    if not chosen:
        raise DomainError("Choose at least one KSA criterion", field=field)
    order = {i.id: n for n, i in enumerate(items(framework))}
    strange = [c for c in chosen if c not in order and c not in held]
    if strange:
        raise DomainError(f"{strange[0]} is not a KSA criterion", field=field)
    return sorted(chosen, key=lambda c: (order.get(c, len(order)), c))


def word_count(text: str | None) -> int:
    return len(re.findall(r"\S+", text or ""))


# --- the portfolio and its route -----------------------------------------------------------------

def portfolio_of(session: Session, owner_id: int) -> KsaPortfolio | None:
    return session.scalar(select(KsaPortfolio).where(KsaPortfolio.owner_id == owner_id))


def ksa_route(session: Session, owner_id: int) -> str | None:
    """The person's KSA route: a variant id ("condensed-pwp") or None for the full KSA.

    Raises NoKsaPortfolio when they have not started one (the KSA pathway then does not apply).
    """
    row = session.execute(select(KsaPortfolio.route).where(KsaPortfolio.owner_id == owner_id)).first()
    if row is None:
        raise NoKsaPortfolio(owner_id)
    route: str | None = row[0]
    return route


def route_variant(framework: Framework, route: str | None) -> Variant | None:
    if route is None:
        return None
    try:
        return variant(framework, route)
    except KeyError:
        return None


def choose_route(session: Session, owner: User, route: str | None, background: str | None, *, today: dt.date,
                 framework: Framework) -> KsaPortfolio:
    """Start the portfolio or change its route; a condensed route needs the background that qualifies for it.

    The route may change at any time: claims already signed off stay valid on either route, and
    criteria the new route exempts are shown as not needed rather than lost.
    """
    if route is not None and route not in {v.id for v in framework.variants}:
        raise DomainError("Choose the full KSA or one of the condensed routes", field="route")
    background = _check_text(background, "background", MAX_LINE)
    if route is not None and background is None:
        raise DomainError("Say which part of your background qualifies you for the condensed route", field="background")
    portfolio = portfolio_of(session, owner.id)
    if portfolio is None:
        portfolio = KsaPortfolio(owner_id=owner.id, started_on=today)
        session.add(portfolio)
    portfolio.route, portfolio.background = route, background
    session.flush()
    return portfolio


def save_biography(session: Session, portfolio: KsaPortfolio, text: str | None) -> KsaPortfolio:
    portfolio.biography = _check_text(text, "biography", MAX_BIOGRAPHY)
    session.flush()
    return portfolio


# --- experience (criterion 14) -------------------------------------------------------------------

def experience_hours(started_on: dt.date, ended_on: dt.date | None, hours_per_week: Decimal, today: dt.date) -> Decimal:
    """Hours worked over a period: hours a week × days ÷ 7, counting both the first and last day.

    A continuing role (no end date) runs to `today`. The result is rounded to the hundredth of an
    hour (half up), so 37.5 h a week from 1 January to 31 December 2024 (366 days) is
    37.5 × 366 ÷ 7 = 1,960.71 hours.
    """
    end = ended_on if ended_on is not None else today
    days = (end - started_on).days + 1
    if days <= 0:
        return Decimal(0)
    return (hours_per_week * days / 7).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclasses.dataclass(frozen=True)
class ExperienceInput:
    kind: str
    organisation: str
    role_title: str
    started_on: dt.date
    ended_on: dt.date | None
    hours_per_week: Decimal
    mental_health_setting: bool = False
    description: str | None = None
    accountable_to: str | None = None


def _check_dates(started_on: dt.date, ended_on: dt.date | None, today: dt.date, start_field: str = "started_on",
                 end_field: str = "ended_on") -> None:
    if started_on > today:
        raise DomainError("The start date cannot be in the future", field=start_field)
    if ended_on is not None and ended_on > today:
        raise DomainError("The end date cannot be in the future", field=end_field)
    if ended_on is not None and ended_on < started_on:
        raise DomainError("The end date must be the same as or after the start date", field=end_field)


def _apply_experience(entry: KsaExperience, details: ExperienceInput, today: dt.date) -> None:
    try:
        kind = ExperienceKind(details.kind)
    except ValueError:
        raise DomainError("Choose employment, volunteering or placement", field="kind") from None
    organisation = _check_text(details.organisation, "organisation", MAX_LINE, private=False)
    if organisation is None:
        raise DomainError("Enter the organisation", field="organisation")
    role_title = _check_text(details.role_title, "role_title", 120, private=False)
    if role_title is None:
        raise DomainError("Enter your role", field="role_title")
    _check_dates(details.started_on, details.ended_on, today)
    hours = details.hours_per_week
    if not hours.is_finite() or hours <= 0:
        raise DomainError("Hours a week must be more than 0", field="hours_per_week")
    if hours > MAX_HOURS_PER_WEEK:
        raise DomainError("Hours a week must be 60 or fewer", field="hours_per_week")
    if hours != hours.quantize(CENT):
        raise DomainError("Enter hours a week to at most two decimal places, like 37.5", field="hours_per_week")
    entry.kind, entry.organisation, entry.role_title = kind, organisation, role_title
    entry.started_on, entry.ended_on, entry.hours_per_week = details.started_on, details.ended_on, hours
    entry.mental_health_setting = details.mental_health_setting
    entry.description = _check_text(details.description, "description", MAX_TEXT)
    entry.accountable_to = _check_text(details.accountable_to, "accountable_to", MAX_LINE)


def create_experience(session: Session, owner: User, details: ExperienceInput, *, today: dt.date) -> KsaExperience:
    entry = KsaExperience(owner_id=owner.id)
    _apply_experience(entry, details, today)
    session.add(entry)
    session.flush()
    return entry


def update_experience(session: Session, entry: KsaExperience, details: ExperienceInput, *, today: dt.date) -> KsaExperience:
    if entry.deleted_at is not None:
        raise DomainError("This entry has been deleted; restore it before changing it")
    _apply_experience(entry, details, today)
    session.flush()
    return entry


@dataclasses.dataclass(frozen=True)
class ExperienceTotals:
    by_kind: dict[ExperienceKind, Decimal]
    mental_health: Decimal

    @property
    def total(self) -> Decimal:
        return sum(self.by_kind.values(), Decimal(0))


def experience_totals(entries: Sequence[KsaExperience], today: dt.date) -> ExperienceTotals:
    """Hours by kind (in the kinds' order, only kinds with entries) and in mental health settings."""
    by_kind: dict[ExperienceKind, Decimal] = {}
    mental_health = Decimal(0)
    for e in entries:
        hours = experience_hours(e.started_on, e.ended_on, e.hours_per_week, today)
        by_kind[e.kind] = by_kind.get(e.kind, Decimal(0)) + hours
        if e.mental_health_setting:
            mental_health += hours
    return ExperienceTotals({k: by_kind[k] for k in ExperienceKind if k in by_kind}, mental_health)


def live_experience(session: Session, owner_id: int, *, deleted: bool = False) -> list[KsaExperience]:
    return list(session.scalars(select(KsaExperience).where(
        KsaExperience.owner_id == owner_id,
        KsaExperience.deleted_at.is_not(None) if deleted else KsaExperience.deleted_at.is_(None),
    ).order_by(KsaExperience.started_on.desc(), KsaExperience.id.desc())))


# --- self-directed study (KSA5) ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class StudyInput:
    started_on: dt.date
    ended_on: dt.date | None
    topic: str
    hours: Decimal
    criteria: Sequence[str]
    source: str | None = None
    learned: str | None = None


def study_minutes(hours: Decimal, days: int) -> int:
    """Quarter hours, more than none, at most 100 hours for one record and 24 hours a day."""
    if not hours.is_finite() or hours <= 0:
        raise DomainError("Hours must be more than 0", field="hours")
    if hours % QUARTER:
        raise DomainError("Enter hours in quarter hours, like 1.25, 1.5 or 1.75", field="hours")
    minutes = int(hours * 60)
    if minutes > MAX_STUDY_MINUTES:
        raise DomainError("One record cannot be more than 100 hours; record a long piece of study as several",
                          field="hours")
    if minutes > days * 24 * 60:
        raise DomainError(f"That is more than 24 hours a day over {days} day{'s' if days != 1 else ''}", field="hours")
    return minutes


def _apply_study(entry: KsaStudy, details: StudyInput, today: dt.date, framework: Framework,
                 held: Collection[str] = ()) -> None:
    _check_dates(details.started_on, details.ended_on, today)
    ended_on = details.ended_on or details.started_on
    topic = _check_text(details.topic, "topic", MAX_LINE)
    if topic is None:
        raise DomainError("Enter the topic you studied", field="topic")
    minutes = study_minutes(details.hours, (ended_on - details.started_on).days + 1)
    criteria = _check_criteria(framework, details.criteria, held=held)
    entry.started_on, entry.ended_on, entry.minutes, entry.topic = details.started_on, ended_on, minutes, topic
    entry.source = _check_text(details.source, "source", MAX_LINE)
    entry.learned = _check_text(details.learned, "learned", MAX_TEXT)
    entry.criteria = criteria


def create_study(session: Session, owner: User, details: StudyInput, *, today: dt.date,
                 framework: Framework) -> KsaStudy:
    entry = KsaStudy(owner_id=owner.id)
    _apply_study(entry, details, today, framework)
    session.add(entry)
    session.flush()
    return entry


def update_study(session: Session, entry: KsaStudy, details: StudyInput, *, today: dt.date,
                 framework: Framework) -> KsaStudy:
    if entry.deleted_at is not None:
        raise DomainError("This entry has been deleted; restore it before changing it")
    _apply_study(entry, details, today, framework, held=entry.criteria)
    session.flush()
    return entry


@dataclasses.dataclass(frozen=True)
class StudyTotals:
    records: int
    minutes: int
    #: Records per criterion id.
    by_criterion: dict[str, int]


def study_totals(session: Session, owner_id: int) -> StudyTotals:
    """One query over the live records' minutes and criteria, whatever their number."""
    rows = session.execute(select(KsaStudy.minutes, KsaStudy.criteria).where(
        KsaStudy.owner_id == owner_id, KsaStudy.deleted_at.is_(None))).all()
    counts: Counter[str] = Counter(c for _, criteria in rows for c in set(criteria or ()))
    return StudyTotals(len(rows), sum(int(m) for m, _ in rows), dict(counts))


def delete_entry(session: Session, entry: KsaExperience | KsaStudy) -> None:
    logs.soft_delete(session, entry)


def undo_delete_entry(session: Session, entry: KsaExperience | KsaStudy) -> None:
    logs.undo_delete(session, entry)


# --- reference requests --------------------------------------------------------------------------

def current_supervisors(session: Session, owner: User, today: dt.date) -> list[User]:
    """People supervising `owner` today who hold the supervisor role, by name."""
    seniors = session.scalars(select(User).join(StaffRelationship, StaffRelationship.senior_id == User.id).where(
        StaffRelationship.junior_id == owner.id,
        StaffRelationship.kind == RelationshipKind.SUPERVISION,
        StaffRelationship.starts_on <= today,
        or_(StaffRelationship.ends_on.is_(None), StaffRelationship.ends_on >= today),
        User.id != owner.id,
    ).options(joinedload(User.role_grants)).order_by(User.full_name, User.id)).unique()
    return [u for u in dict.fromkeys(seniors) if u.has_role(Role.SUPERVISOR)]


@dataclasses.dataclass(frozen=True)
class ReferenceInput:
    kind: str
    criteria: Sequence[str]
    #: A supervisor in Waymark …
    referee_id: int | None = None
    #: … or an outside referee.
    referee_name: str | None = None
    referee_email: str | None = None
    referee_role: str | None = None
    message: str | None = None
    claim_id: int | None = None


def _outside_referee(owner: User, details: ReferenceInput) -> tuple[str, str, str]:
    name = _check_text(details.referee_name, "referee_name", 120, private=False)
    if name is None:
        raise DomainError("Enter the referee's name", field="referee_name")
    email = _clean(details.referee_email)
    if email is None:
        raise DomainError("Enter the referee's e-mail address", field="referee_email")
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        raise DomainError("Enter an e-mail address in the correct format, like name@nhs.net",
                          field="referee_email") from None
    if len(email) > MAX_LINE:
        raise DomainError(f"This must be {MAX_LINE} characters or fewer", field="referee_email")
    if email.lower() == owner.email.lower():
        raise DomainError("You cannot be your own referee", field="referee_email")
    role = _check_text(details.referee_role, "referee_role", MAX_LINE, private=False)
    if role is None:
        raise DomainError("Say who the referee is and how they know your work", field="referee_role")
    return name, email, role


def request_reference(session: Session, owner: User, details: ReferenceInput, *, today: dt.date,
                      framework: Framework) -> ReferenceRequest:
    """Ask a current supervisor, or an outside referee, for a reference or a countersignature."""
    try:
        kind = ReferenceKind(details.kind)
    except ValueError:
        raise DomainError("Choose a reference or a countersignature", field="kind") from None
    criteria = _check_criteria(framework, details.criteria)
    request = ReferenceRequest(owner_id=owner.id, kind=kind, criteria=criteria, status=ReferenceStatus.REQUESTED)
    if details.referee_id is not None:
        if details.referee_id == owner.id:
            raise DomainError("You cannot be your own referee", field="referee_id")
        referee = session.get(User, details.referee_id)
        if referee is None or not can_supervise(session, referee, owner, today):
            raise DomainError("Choose someone who supervises you now, or name an outside referee",
                              field="referee_id")
        request.referee_id = referee.id
    else:
        request.referee_name, request.referee_email, request.referee_role = _outside_referee(owner, details)
    if details.claim_id is not None:
        claim = session.get(CompetenceClaim, details.claim_id)
        if (claim is None or claim.owner_id != owner.id or claim.framework_id != FRAMEWORK_ID
                or claim.deleted_at is not None):
            raise DomainError("Choose one of your KSA claims", field="claim_id")
        request.claim_id = claim.id
    request.message = _check_text(details.message, "message", MAX_TEXT)
    session.add(request)
    session.flush()
    return request


def cancel_reference(session: Session, request: ReferenceRequest) -> None:
    if request.status is not ReferenceStatus.REQUESTED:
        raise DomainError(f"This request is {request.status.label.lower()}; only an open request can be cancelled")
    request.status, request.cancelled_at = ReferenceStatus.CANCELLED, utcnow()
    session.flush()


def reference_requests(session: Session, owner_id: int) -> list[ReferenceRequest]:
    return list(session.scalars(select(ReferenceRequest).where(ReferenceRequest.owner_id == owner_id)
                                .options(joinedload(ReferenceRequest.referee))
                                .order_by(ReferenceRequest.requested_at.desc(), ReferenceRequest.id.desc())))


# --- the document list (KSA7) --------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Document:
    number: int
    evidence: EvidenceItem
    #: The KSA criteria it supports (framework order), and the evidence types it stands for.
    criteria: tuple[str, ...]
    evidence_types: tuple[str, ...]


def document_list(session: Session, owner_id: int, framework: Framework) -> list[Document]:
    """Every live evidence item linked to a live KSA claim, numbered by date, in one query."""
    rows = session.execute(
        select(EvidenceItem, CompetenceClaim.item_id, ClaimEvidence.evidence_type)
        .join(ClaimEvidence, ClaimEvidence.evidence_id == EvidenceItem.id)
        .join(CompetenceClaim, CompetenceClaim.id == ClaimEvidence.claim_id)
        .where(CompetenceClaim.owner_id == owner_id, CompetenceClaim.framework_id == FRAMEWORK_ID,
               CompetenceClaim.deleted_at.is_(None), EvidenceItem.deleted_at.is_(None),
               EvidenceItem.owner_id == owner_id)
        .order_by(EvidenceItem.dated_on, EvidenceItem.title, EvidenceItem.id)).all()
    order = {i.id: n for n, i in enumerate(items(framework))}
    found: dict[int, tuple[EvidenceItem, list[str], list[str]]] = {}
    for evidence, item_id, evidence_type in rows:
        _, criteria, types = found.setdefault(evidence.id, (evidence, [], []))
        criteria.append(item_id)
        if evidence_type:
            types.append(evidence_type)
    return [Document(n, evidence, tuple(sorted(set(criteria), key=lambda c: (order.get(c, len(order)), c))),
                     tuple(dict.fromkeys(types)))
            for n, (evidence, criteria, types) in enumerate(found.values(), start=1)]


# --- the checklist (KSA1) ------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ChecklistRow:
    item: Item
    #: False for criteria the person's route exempts ("not needed on the condensed route").
    applicable: bool
    claim: CompetenceClaim | None
    have: frozenset[str]
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return self.applicable and not self.missing

    @property
    def signed_off(self) -> bool:
        return self.claim is not None and self.claim.status is ClaimStatus.SIGNED_OFF


@dataclasses.dataclass(frozen=True)
class Checklist:
    rows: list[ChecklistRow]
    route: Variant | None

    @property
    def applicable(self) -> list[ChecklistRow]:
        return [r for r in self.rows if r.applicable]

    @property
    def started(self) -> int:
        return sum(1 for r in self.applicable if r.claim is not None)

    @property
    def evidence_complete(self) -> int:
        return sum(1 for r in self.applicable if r.complete)

    @property
    def signed_off(self) -> int:
        return sum(1 for r in self.applicable if r.signed_off)


def route_evidence(session: Session, owner_id: int, framework: Framework, *, biography: bool,
                   experience: bool) -> dict[str, set[str]]:
    """The evidence types the KSA route itself holds for each criterion, outside any claim's links.

    - "self-directed-study" when a live KsaStudy record lists the criterion;
    - "reference" when a reference request for the criterion is completed, and
      "countersigned-self-statement" when a countersignature request is;
    - "experience-log" for ksa-14 when the experience log has a live entry (`experience`);
    - "biography" for every criterion once the biography (KSA6) is written (only ksa-14's rule asks for it).
    The coverage page and the submit check (app.services.claims) add these to what a claim links,
    so they agree with the checklist. Two queries however many rows.
    """
    held: dict[str, set[str]] = {i.id: ({"biography"} if biography else set()) for i in items(framework)}
    for criteria in session.scalars(select(KsaStudy.criteria).where(KsaStudy.owner_id == owner_id,
                                                                    KsaStudy.deleted_at.is_(None))):
        for c in criteria or ():
            held.setdefault(c, set()).add("self-directed-study")
    for kind, criteria in session.execute(select(ReferenceRequest.kind, ReferenceRequest.criteria).where(
            ReferenceRequest.owner_id == owner_id, ReferenceRequest.status == ReferenceStatus.COMPLETED)):
        evidence_type = "reference" if kind is ReferenceKind.REFERENCE else "countersigned-self-statement"
        for c in criteria or ():
            held.setdefault(c, set()).add(evidence_type)
    if experience:
        held.setdefault("ksa-14", set()).add("experience-log")
    return held


def route_evidence_of(session: Session, owner_id: int, framework: Framework) -> dict[str, set[str]]:
    """route_evidence with the biography and experience looked up (two more queries)."""
    portfolio = portfolio_of(session, owner_id)
    has_experience = session.scalar(select(KsaExperience.id).where(
        KsaExperience.owner_id == owner_id, KsaExperience.deleted_at.is_(None)).limit(1)) is not None
    written = portfolio is not None and bool((portfolio.biography or "").strip())
    return route_evidence(session, owner_id, framework, biography=written, experience=has_experience)


def latest_claims(session: Session, owner_id: int) -> dict[str, CompetenceClaim]:
    """The newest live KSA claim for each criterion."""
    claims = session.scalars(select(CompetenceClaim).where(
        CompetenceClaim.owner_id == owner_id, CompetenceClaim.framework_id == FRAMEWORK_ID,
        CompetenceClaim.deleted_at.is_(None)).order_by(CompetenceClaim.id))
    return {c.item_id: c for c in claims}


def evidence_held(session: Session, owner_id: int, framework: Framework, claims: dict[str, CompetenceClaim], *,
                  biography: bool, experience: bool) -> dict[str, set[str]]:
    """The evidence types each KSA criterion has: its claim's (app.services.claims.have_types: the
    linked live evidence, and the statement as self-statement, countersigned once signed off) and
    the route's own (route_evidence). Three queries however many rows."""
    from app.services.claims import have_types

    held = route_evidence(session, owner_id, framework, biography=biography, experience=experience)
    claim_ids = {c.id: item_id for item_id, c in claims.items()}
    linked: dict[int, list[str | None]] = {}
    if claim_ids:
        for claim_id, evidence_type in session.execute(
                select(ClaimEvidence.claim_id, ClaimEvidence.evidence_type)
                .join(EvidenceItem, EvidenceItem.id == ClaimEvidence.evidence_id)
                .where(ClaimEvidence.claim_id.in_(list(claim_ids)), EvidenceItem.deleted_at.is_(None))):
            linked.setdefault(claim_id, []).append(evidence_type)
    for item_id, claim in claims.items():
        held.setdefault(item_id, set()).update(have_types(framework, claim.statement or {}, linked.get(claim.id, []),
                                                          signed=claim.status is ClaimStatus.SIGNED_OFF))
    return held


def checklist(session: Session, owner_id: int, framework: Framework, route: str | None, *, biography: bool,
              experience: bool) -> Checklist:
    """KSA1: every criterion with its claim, the evidence held and what is still missing for the route."""
    claims = latest_claims(session, owner_id)
    held = evidence_held(session, owner_id, framework, claims, biography=biography, experience=experience)
    applicable = {i.id for i in applicable_items(framework, route if route_variant(framework, route) else None)}
    rows = []
    for item in items(framework):
        have = frozenset(held.get(item.id, set()))
        missing = missing_evidence(item.evidence_rule, have) if item.evidence_rule else ()
        rows.append(ChecklistRow(item, item.id in applicable, claims.get(item.id), have,
                                 missing if item.id in applicable else ()))
    return Checklist(rows, route_variant(framework, route))
