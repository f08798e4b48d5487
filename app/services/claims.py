"""Competence claims: writing the statement a framework asks for, linking evidence, and every move of its status.

The statuses and which moves are allowed live in competences.claims; this module adds who may
make each move and what a claim needs before it is submitted, and it writes the history: every
move appends a ClaimStatusChange holding a digest of the claim as it then stood, so a sign-off
can be checked against the words and files that were signed.

Field names in DomainError match the claim form (app/portfolio/claims_forms.py): one
"statement_<component>" per statement component, "evidence", "level", "comment", "method".
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services import logs
from app.services.access import can_supervise
from app.services.errors import DomainError, NotPermitted
from app.services.privacy import refuse_patient_identifiers
from competences.catalogue import Catalogue
from competences.claims import TRANSITIONS, ClaimAction, ClaimStatus, TransitionRefused, next_status
from competences.frameworks import EvidenceRule, Framework, Item, StatementComponent, applicable_items, items, \
    missing_evidence
from models import User
from models.base import utcnow
from models.claims import ClaimEvidence, ClaimStatusChange, CompetenceClaim
from models.evidence import EvidenceItem
from models.reference_data import catalogue_for

#: How a supervisor saw the competence when signing it off.
SIGN_OFF_METHODS: Mapping[str, str] = {
    "live_observation": "Live observation",
    "recording": "Recording",
    "case_report": "Case report",
    "discussion": "Discussion",
}

MAX_STATEMENT = 5000
MAX_COMMENT = 5000
#: The one part of the statement for a framework that defines no components (UCL maps, the KSF).
PLAIN_STATEMENT = StatementComponent(id="statement", title="Statement")

#: The evidence types a claim's own statement provides (KSA forms KSA2 and KSA3); see have_types().
SELF_STATEMENT = "self-statement"
COUNTERSIGNED_SELF_STATEMENT = "countersigned-self-statement"

#: A numbered or bulleted line: "1.", "2)", "-", "*", "•".
_LIST_MARKER = re.compile(r"^\s*(\d+[.)]|[-*•])\s+")
_BLANK_LINE = re.compile(r"\n\s*\n")


@dataclasses.dataclass(frozen=True)
class ClaimInput:
    """What a person writes for a claim: {component id: text} and {evidence item id: evidence type id or None}."""

    statement: Mapping[str, str | None]
    evidence: Mapping[int, str | None] = dataclasses.field(default_factory=dict)


class ClaimIncomplete(DomainError):
    """A claim not ready to submit; `problems` holds one DomainError per field, so each shows beside its own."""

    def __init__(self, problems: Sequence[DomainError]) -> None:
        super().__init__(problems[0].message, field=problems[0].field)
        self.problems = tuple(problems)


# --- frameworks --------------------------------------------------------------------------------

def statement_field(component_id: str) -> str:
    """The form field for a statement component: "how-learned" → "statement_how_learned"."""
    return "statement_" + component_id.replace("-", "_")


def components(framework: Framework) -> tuple[StatementComponent, ...]:
    """The parts a statement must cover: the framework's own, or one plain statement."""
    return framework.statement_components or (PLAIN_STATEMENT,)


def framework_ids(catalogue: Catalogue) -> list[str]:
    return catalogue.ids("framework")


def current_framework(catalogue: Catalogue, framework_id: str, on: dt.date | None = None) -> Framework:
    """The version in force on `on`; KeyError for an unknown id or one that is not a framework."""
    loaded = catalogue.current(framework_id, on)
    if loaded.meta.kind != "framework":
        raise KeyError(f"{framework_id} is not a framework")
    framework: Framework = loaded.content
    return framework


def framework_of(catalogue: Catalogue, claim: CompetenceClaim) -> Framework:
    """The framework version the claim was written against."""
    framework: Framework = catalogue.version(claim.framework_id, claim.framework_version).content
    return framework


def find_item(framework: Framework, item_id: str) -> Item | None:
    return next((i for i in items(framework) if i.id == item_id), None)


def item_levels(framework: Framework, item: Item) -> tuple[int, ...]:
    """The levels a claim to `item` may name (levelled frameworks only; empty otherwise)."""
    if framework.structure != "levelled":
        return ()
    return tuple(level.number for level in (item.levels or framework.levels))


def count_examples(text: str | None) -> int:
    """Examples in a statement part: paragraphs (split by a blank line) or numbered/bulleted lines, whichever is more.

    Deliberately simple, and the form's hint says how to write them so they are counted.
    """
    text = (text or "").strip()
    if not text:
        return 0
    paragraphs = [p for p in _BLANK_LINE.split(text) if p.strip()]
    marked = sum(1 for line in text.splitlines() if _LIST_MARKER.match(line))
    return max(len(paragraphs), marked)


def statement_written(framework: Framework, statement: Mapping[str, Any]) -> bool:
    return all(str(statement.get(c.id) or "").strip() for c in components(framework))


def have_types(framework: Framework, statement: Mapping[str, Any], linked: Collection[str | None],
               *, asking_for_sign_off: bool = False, signed: bool = False) -> set[str]:
    """The evidence types a claim holds: its linked evidence's types, plus what its own statement provides.

    The KSA asks for a self-statement (KSA2) for knowledge and attitudes criteria, and a
    countersigned self-statement (KSA3) for skills criteria. A claim's own statement is its
    self-statement once every part is written, and its countersigned self-statement once a
    supervisor signs it off (`signed`). Submitting is asking for that countersignature, so when
    checking a claim before it is submitted (`asking_for_sign_off`) the written statement counts
    as both; every other type must come from linked evidence.
    """
    have = {t for t in linked if t}
    if statement_written(framework, statement):
        have.add(SELF_STATEMENT)
        if asking_for_sign_off or signed:
            have.add(COUNTERSIGNED_SELF_STATEMENT)
    return have


def type_titles(framework: Framework, type_ids: Sequence[str]) -> list[str]:
    titles = {t.id: t.title for t in framework.evidence_types}
    return [titles.get(t, t) for t in type_ids]


# --- the digest --------------------------------------------------------------------------------

def claim_digest(claim: CompetenceClaim) -> str:
    """SHA-256 of canonical JSON: framework, version, item, level, statement and the linked files.

    Files are (SHA-256 of the content, evidence type) pairs, sorted, so re-linking a file as a
    different evidence type also changes the digest; a title change in the library does not.
    """
    statement = {k: str(v).strip() for k, v in sorted((claim.statement or {}).items()) if str(v or "").strip()}
    files = sorted([link.evidence.file_sha256, link.evidence_type or ""] for link in claim.evidence_links)
    document = {"framework": claim.framework_id, "framework_version": claim.framework_version,
                "item": claim.item_id, "level": claim.level, "statement": statement, "evidence": files}
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- moves -------------------------------------------------------------------------------------

def _allowed(claim: CompetenceClaim, action: ClaimAction) -> None:
    """DomainError saying why, when `action` is never allowed from the claim's status (whatever the comment)."""
    if claim.deleted_at is not None:
        raise DomainError("This claim has been deleted; restore it first")
    if (claim.status, action) not in TRANSITIONS:
        try:
            next_status(claim.status, action)
        except TransitionRefused as err:
            raise DomainError(str(err)) from err


def _move(session: Session, claim: CompetenceClaim, actor: User, action: ClaimAction, *,
          comment: str | None = None, method: str | None = None) -> ClaimStatus:
    """Apply `action` (competences.claims decides whether it is allowed) and append it to the history."""
    _allowed(claim, action)
    try:
        new = next_status(claim.status, action, comment=comment)
    except TransitionRefused as err:  # allowed from this status, so it is the missing comment
        raise DomainError(str(err), field="comment") from err
    old = claim.status
    claim.status = new
    session.flush()
    claim.history.append(ClaimStatusChange(
        actor_id=actor.id, action=action.value, from_status=old.value, to_status=new.value,
        comment=(comment or "").strip() or None, method=method, claim_digest=claim_digest(claim)))
    session.flush()
    return new


def _owner_only(claim: CompetenceClaim, actor: User) -> None:
    if actor.id != claim.owner_id:
        raise NotPermitted("Only the person who made this claim can do that")


# --- writing a claim ---------------------------------------------------------------------------

def _check_statement(framework: Framework, statement: Mapping[str, str | None]) -> dict[str, str]:
    known = {c.id for c in components(framework)}
    strange = sorted(set(statement) - known)
    if strange:
        raise DomainError(f"{strange[0]} is not part of this framework's statement")
    kept: dict[str, str] = {}
    for component in components(framework):
        text = (statement.get(component.id) or "").strip()
        field = statement_field(component.id)
        if len(text) > MAX_STATEMENT:
            raise DomainError(f"{component.title} must be {MAX_STATEMENT:,} characters or fewer", field=field)
        refuse_patient_identifiers(text, field)
        if text:
            kept[component.id] = text
    return kept


def _check_evidence(session: Session, framework: Framework, owner_id: int, evidence: Mapping[int, str | None],
                    already: Collection[int]) -> dict[int, EvidenceItem]:
    """The owner's evidence items to link; deleted ones only if already linked (so an edit does not drop them)."""
    found = {e.id: e for e in session.scalars(select(EvidenceItem).where(
        EvidenceItem.id.in_(list(evidence)), EvidenceItem.owner_id == owner_id))} if evidence else {}
    types = {t.id for t in framework.evidence_types}
    for evidence_id, type_id in evidence.items():
        item = found.get(evidence_id)
        if item is None or (item.deleted_at is not None and evidence_id not in already):
            raise DomainError("Choose evidence from your own evidence library", field="evidence")
        if types and type_id not in types:
            raise DomainError(f"Say which kind of evidence “{item.title}” is", field=f"evidence_{evidence_id}")
        if not types and type_id is not None:
            raise DomainError("This framework does not name kinds of evidence", field=f"evidence_{evidence_id}")
    return found


def _apply(session: Session, claim: CompetenceClaim, framework: Framework, details: ClaimInput) -> None:
    claim.statement = _check_statement(framework, details.statement)
    already = {link.evidence_id for link in claim.evidence_links}
    found = _check_evidence(session, framework, claim.owner_id, details.evidence, already)
    for link in list(claim.evidence_links):
        if link.evidence_id not in details.evidence:
            claim.evidence_links.remove(link)
        else:
            link.evidence_type = details.evidence[link.evidence_id]
    for evidence_id, type_id in details.evidence.items():
        if evidence_id not in already:
            claim.evidence_links.append(ClaimEvidence(evidence=found[evidence_id], evidence_type=type_id))


def create_claim(session: Session, owner: User, framework_id: str, item_id: str, level: int | None,
                 details: ClaimInput, *, on: dt.date, catalogue: Catalogue | None = None) -> CompetenceClaim:
    """A draft claim to one item of the framework version in force on `on`."""
    catalogue = catalogue or catalogue_for(session)
    try:
        framework = current_framework(catalogue, framework_id, on)
    except KeyError as err:
        raise DomainError("Choose a framework from the list", field="item") from err
    item = find_item(framework, item_id)
    if item is None:
        raise DomainError(f"{framework.meta.title} has no item {item_id}", field="item")
    levels = item_levels(framework, item)
    if levels and level not in levels:
        raise DomainError("Choose the level you are claiming", field="level")
    if not levels and level is not None:
        raise DomainError("This framework has no levels", field="level")
    if existing_claim(session, owner.id, framework_id, item_id, level) is not None:
        what = f"{item.code} {item.title}" + (f" at level {level}" if level else "")
        raise DomainError(f"You already have a claim for {what}: change that one instead",
                          field="level" if levels else "item")
    claim = CompetenceClaim(owner_id=owner.id, framework_id=framework_id, framework_version=framework.meta.version,
                            item_id=item_id, level=level, status=ClaimStatus.DRAFT, statement={})
    _apply(session, claim, framework, details)  # checks everything before the claim joins the session
    session.add(claim)
    session.flush()
    return claim


def existing_claim(session: Session, owner_id: int, framework_id: str, item_id: str,
                   level: int | None) -> CompetenceClaim | None:
    """The person's live claim to this item (at this level), if any: one claim per item, whatever the version."""
    stmt = select(CompetenceClaim).where(
        CompetenceClaim.owner_id == owner_id, CompetenceClaim.framework_id == framework_id,
        CompetenceClaim.item_id == item_id, CompetenceClaim.deleted_at.is_(None))
    stmt = stmt.where(CompetenceClaim.level.is_(None) if level is None else CompetenceClaim.level == level)
    return session.scalars(stmt.limit(1)).first()


def update_claim(session: Session, claim: CompetenceClaim, actor: User, details: ClaimInput, *,
                 catalogue: Catalogue | None = None) -> bool:
    """Change the statement or the evidence; True if anything changed.

    A change is a move (ClaimAction.CHANGE): a signed-off claim then needs signing again. It is
    recorded in the history unless the claim is a draft, whose changes are work in progress.
    """
    _owner_only(claim, actor)
    if claim.deleted_at is not None:
        raise DomainError("This claim has been deleted; restore it before changing it")
    framework = framework_of(catalogue or catalogue_for(session), claim)
    before = claim_digest(claim)
    _apply(session, claim, framework, details)
    session.flush()
    if claim_digest(claim) == before:
        return False
    if claim.status is ClaimStatus.DRAFT:
        claim.status = next_status(claim.status, ClaimAction.CHANGE)
    else:
        _move(session, claim, actor, ClaimAction.CHANGE)
    return True


# --- the owner's moves -------------------------------------------------------------------------

def submission_problems(framework: Framework, claim: CompetenceClaim,
                        held_elsewhere: Collection[str] = ()) -> list[DomainError]:
    """What stops the claim being submitted, one problem per field, in the form's order.

    `held_elsewhere`: evidence types the person holds for this item outside the claim's links (the
    KSA route's study records and completed references: app.services.ksa.route_evidence).
    """
    problems: list[DomainError] = []
    statement = claim.statement or {}
    for component in components(framework):
        text = str(statement.get(component.id) or "").strip()
        field = statement_field(component.id)
        if not text:
            problems.append(DomainError(f"Write “{component.title}” before submitting", field=field))
        elif component.min_count and count_examples(text) < component.min_count:
            problems.append(DomainError(
                f"Give at least {component.min_count} {component.title.lower()}, each in its own paragraph or "
                f"numbered (1., 2.): Waymark found {count_examples(text)}", field=field))
    item = find_item(framework, claim.item_id)
    rule: EvidenceRule | None = item.evidence_rule if item else None
    if rule is not None:
        linked = [link.evidence_type for link in claim.evidence_links if link.evidence.deleted_at is None]
        have = have_types(framework, statement, linked, asking_for_sign_off=True) | set(held_elsewhere)
        missing = missing_evidence(rule, have)
        # The statement's own part is reported above; here only what must be linked.
        missing = tuple(t for t in missing if t not in (SELF_STATEMENT, COUNTERSIGNED_SELF_STATEMENT))
        if missing:
            problems.append(DomainError(
                "Link evidence for: " + ", ".join(type_titles(framework, missing)), field="evidence"))
    return problems


def submit_claim(session: Session, claim: CompetenceClaim, actor: User, *,
                 catalogue: Catalogue | None = None, held_elsewhere: Collection[str] = ()) -> None:
    """Send the claim for sign-off; ClaimIncomplete names every missing piece."""
    _owner_only(claim, actor)
    # Whether the move is allowed at all comes first: a signed claim is not "missing" anything.
    _allowed(claim, ClaimAction.SUBMIT)
    problems = submission_problems(framework_of(catalogue or catalogue_for(session), claim), claim, held_elsewhere)
    if problems:
        raise ClaimIncomplete(problems)
    _move(session, claim, actor, ClaimAction.SUBMIT)
    claim.submitted_at = utcnow()
    session.flush()


def recall_claim(session: Session, claim: CompetenceClaim, actor: User) -> None:
    """Take a submitted claim back to a draft before anyone has reviewed it."""
    _owner_only(claim, actor)
    _move(session, claim, actor, ClaimAction.RECALL)
    claim.submitted_at = None
    session.flush()


DELETABLE = frozenset({ClaimStatus.DRAFT, ClaimStatus.RETURNED})


def delete_claim(session: Session, claim: CompetenceClaim, actor: User) -> None:
    """Soft delete a draft or returned claim; a submitted or signed one is part of the record."""
    _owner_only(claim, actor)
    if claim.status not in DELETABLE:
        raise DomainError(f"Only a draft or a returned claim can be deleted. This one is {claim.status.label.lower()}.")
    logs.soft_delete(session, claim)


def undo_delete_claim(session: Session, claim: CompetenceClaim, actor: User) -> None:
    _owner_only(claim, actor)
    if existing_claim(session, claim.owner_id, claim.framework_id, claim.item_id, claim.level) is not None:
        raise DomainError("You have written another claim for this item since; delete that one first")
    logs.undo_delete(session, claim)


# --- the supervisor's moves --------------------------------------------------------------------

class ClaimChanged(DomainError):
    """The claim is no longer as the reviewer saw it: someone acted on it, or the owner changed it, meanwhile."""

    def __init__(self, what: str) -> None:
        super().__init__(f"This claim changed while you were looking: {what}. Read it again below before you act.")


#: The message when the database refuses a stale write (StaleDataError: another reviewer committed first).
CHANGED_MEANWHILE = "someone else acted on it at the same moment"


_DONE = {"submit": "submitted it", "recall": "recalled it", "return": "returned it", "sign_off": "signed it off",
         "withdraw_sign_off": "withdrew the sign-off", "change": "changed it"}


def check_unchanged(claim: CompetenceClaim, version: int | None, digest: str | None) -> None:
    """ClaimChanged unless the claim still has the version and digest the reviewer's page showed.

    The version moves with every change to the claim's row (status, statement, sign-off); the
    digest also covers the linked files, so relinking evidence is caught too. None skips a check
    (callers other than the review page, such as the CLI and older tests).
    """
    if version is not None and claim.version != version:
        latest = claim.history[-1] if claim.history else None
        what = (f"{latest.actor.full_name} {_DONE.get(latest.action, 'changed it')}" if latest is not None
                and latest.actor is not None else "it was updated")
        raise ClaimChanged(f"{what}; it is now {claim.status.label.lower()}")
    if digest is not None and claim_digest(claim) != digest:
        raise ClaimChanged("its statement or evidence is different now")


def _reviewer(session: Session, claim: CompetenceClaim, actor: User, on: dt.date, *,
              item_date: bool = False) -> None:
    """Nobody reviews their own claim; the reviewer supervises the owner on `on` and, with `item_date`,
    also on the day the claim was submitted (a supervisor cannot vouch for work from before or after
    their supervision)."""
    if actor.id == claim.owner_id:
        raise NotPermitted("Nobody can sign off, return or withdraw their own claim")
    owner = session.get(User, claim.owner_id)
    assert owner is not None
    if not can_supervise(session, actor, owner, on):
        raise NotPermitted(f"Only a current supervisor of {owner.full_name} can review this claim")
    submitted = claim.submitted_at.date() if item_date and claim.submitted_at is not None else None
    if submitted is not None and not can_supervise(session, actor, owner, submitted):
        raise NotPermitted(
            f"{owner.full_name} submitted this claim on {submitted:%-d %B %Y}, when you were not their supervisor. "
            "Only a supervisor on that date can review it; they can recall it and submit it again for you")


def _clear_sign_off(claim: CompetenceClaim) -> None:
    claim.signed_by_id, claim.signed_on, claim.sign_off_method = None, None, None


def sign_off(session: Session, claim: CompetenceClaim, actor: User, method: str, comment: str | None,
             on: dt.date, *, version: int | None = None, digest: str | None = None) -> None:
    """Sign the claim off as seen by `method` on day `on`.

    The supervision must be current on `on` and on the day the claim was submitted. `version` and
    `digest`: what the reviewer's page showed (check_unchanged).
    """
    check_unchanged(claim, version, digest)
    _reviewer(session, claim, actor, on, item_date=True)
    if method not in SIGN_OFF_METHODS:
        raise DomainError("Choose how you saw this competence", field="method")
    submitted = claim.submitted_at.date() if claim.submitted_at is not None else None
    if on > dt.date.today() or (submitted is not None and on < submitted):
        # A sign-off is dated when it is given: never ahead, never before the claim was submitted.
        raise DomainError("A sign-off is dated between the day the claim was submitted and today")
    if comment and len(comment.strip()) > MAX_COMMENT:
        raise DomainError(f"The comment must be {MAX_COMMENT:,} characters or fewer", field="comment")
    _move(session, claim, actor, ClaimAction.SIGN_OFF, comment=comment, method=method)
    claim.signed_by_id, claim.signed_on, claim.sign_off_method = actor.id, on, method
    session.flush()


def return_claim(session: Session, claim: CompetenceClaim, actor: User, comment: str, *,
                 on: dt.date | None = None, version: int | None = None, digest: str | None = None) -> None:
    """Send the claim back with comments for the person to act on; any earlier sign-off no longer stands.

    The same supervision rule as sign_off: current on `on` and on the day the claim was submitted.
    """
    check_unchanged(claim, version, digest)
    _reviewer(session, claim, actor, on or dt.date.today(), item_date=True)
    if len((comment or "").strip()) > MAX_COMMENT:
        raise DomainError(f"The comment must be {MAX_COMMENT:,} characters or fewer", field="comment")
    _move(session, claim, actor, ClaimAction.RETURN, comment=comment)
    _clear_sign_off(claim)
    session.flush()


def withdraw_sign_off(session: Session, claim: CompetenceClaim, actor: User, reason: str, *,
                      on: dt.date | None = None, version: int | None = None, digest: str | None = None) -> None:
    """The signer takes back their sign-off, with a reason; the claim goes back to the person as returned."""
    check_unchanged(claim, version, digest)
    _reviewer(session, claim, actor, on or dt.date.today())
    if claim.signed_by_id is not None and claim.signed_by_id != actor.id:
        raise NotPermitted("Only the supervisor who signed this claim off can withdraw the sign-off")
    _move(session, claim, actor, ClaimAction.WITHDRAW_SIGN_OFF, comment=reason)
    _clear_sign_off(claim)
    session.flush()


# --- coverage ----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ClaimSummary:
    id: int
    level: int | None
    status: ClaimStatus
    evidence_count: int


@dataclasses.dataclass(frozen=True)
class ItemCoverage:
    item: Item
    claims: tuple[ClaimSummary, ...]
    #: Evidence type titles still needed (frameworks with evidence rules), counting the statement as KSA2/KSA3 do.
    missing: tuple[str, ...]
    #: Exempt on the person's route (a variant such as the condensed KSA).
    exempt: bool

    @property
    def evidence_count(self) -> int:
        return sum(c.evidence_count for c in self.claims)


@dataclasses.dataclass(frozen=True)
class GroupCoverage:
    id: str
    title: str
    items: tuple[ItemCoverage, ...]


@dataclasses.dataclass(frozen=True)
class Counts:
    items: int = 0
    claimed: int = 0
    submitted: int = 0
    signed_off: int = 0


@dataclasses.dataclass(frozen=True)
class Coverage:
    framework: Framework
    variant_id: str | None
    groups: tuple[GroupCoverage, ...]
    counts: Counts


def _live_claims(session: Session, owner_id: int, framework_id: str | None = None) -> list[CompetenceClaim]:
    stmt = select(CompetenceClaim).where(CompetenceClaim.owner_id == owner_id, CompetenceClaim.deleted_at.is_(None))
    if framework_id is not None:
        stmt = stmt.where(CompetenceClaim.framework_id == framework_id)
    return list(session.scalars(stmt.order_by(CompetenceClaim.level, CompetenceClaim.id)))


def _linked_types(session: Session, owner_id: int, framework_id: str) -> dict[int, list[str | None]]:
    """Evidence types linked to each of the person's live claims to the framework (live evidence only): one query."""
    rows = session.execute(
        select(ClaimEvidence.claim_id, ClaimEvidence.evidence_type)
        .join(CompetenceClaim, CompetenceClaim.id == ClaimEvidence.claim_id)
        .join(EvidenceItem, EvidenceItem.id == ClaimEvidence.evidence_id)
        .where(CompetenceClaim.owner_id == owner_id, CompetenceClaim.framework_id == framework_id,
               CompetenceClaim.deleted_at.is_(None), EvidenceItem.deleted_at.is_(None)))
    found: dict[int, list[str | None]] = {}
    for claim_id, type_id in rows:
        found.setdefault(claim_id, []).append(type_id)
    return found


def _counts(framework: Framework, applicable: Collection[str], claims: Sequence[CompetenceClaim]) -> Counts:
    """Items of the route, and how many have a claim, one awaiting review, one signed off (an item counts once)."""
    by_item: dict[str, set[ClaimStatus]] = {}
    for claim in claims:
        if claim.item_id in applicable:
            by_item.setdefault(claim.item_id, set()).add(claim.status)
    return Counts(items=len(applicable), claimed=len(by_item),
                  submitted=sum(1 for s in by_item.values() if any(x.awaiting_review for x in s)),
                  signed_off=sum(1 for s in by_item.values() if ClaimStatus.SIGNED_OFF in s))


def coverage(session: Session, owner_id: int, framework_id: str, *, variant_id: str | None = None,
             catalogue: Catalogue | None = None, on: dt.date | None = None,
             held_elsewhere: Mapping[str, Collection[str]] | None = None) -> Coverage:
    """Every group and item of the current framework with the person's claims: three queries, however many claims.

    `variant_id` is the person's route through the framework (the condensed KSA, say): exempt
    items are shown as such and left out of the counts. `held_elsewhere`: evidence types held per
    item outside any claim (the KSA route's, app.services.ksa.route_evidence), so this page and the
    KSA checklist agree. KeyError for an unknown framework or variant.
    """
    catalogue = catalogue or catalogue_for(session)
    framework = current_framework(catalogue, framework_id, on)
    applicable = {i.id for i in applicable_items(framework, variant_id)}
    claims = _live_claims(session, owner_id, framework_id)
    linked = _linked_types(session, owner_id, framework_id)
    by_item: dict[str, list[CompetenceClaim]] = {}
    for claim in claims:
        by_item.setdefault(claim.item_id, []).append(claim)

    def item_coverage(item: Item) -> ItemCoverage:
        mine = by_item.get(item.id, [])
        summaries = tuple(ClaimSummary(c.id, c.level, c.status, len(linked.get(c.id, []))) for c in mine)
        missing: tuple[str, ...] = ()
        if item.evidence_rule is not None:
            have: set[str] = set((held_elsewhere or {}).get(item.id, ()))
            for c in mine:
                have |= have_types(framework, c.statement or {}, linked.get(c.id, []),
                                   signed=c.status is ClaimStatus.SIGNED_OFF)
            missing = tuple(type_titles(framework, missing_evidence(item.evidence_rule, have)))
        return ItemCoverage(item=item, claims=summaries, missing=missing, exempt=item.id not in applicable)

    groups = tuple(GroupCoverage(g.id, g.title, tuple(item_coverage(i) for i in g.items)) for g in framework.groups)
    return Coverage(framework=framework, variant_id=variant_id, groups=groups,
                    counts=_counts(framework, applicable, claims))


@dataclasses.dataclass(frozen=True)
class FrameworkCoverage:
    id: str
    title: str
    structure: str
    counts: Counts


def frameworks_coverage(session: Session, owner_id: int, *, catalogue: Catalogue | None = None,
                        on: dt.date | None = None,
                        variants: Mapping[str, str] | None = None) -> list[FrameworkCoverage]:
    """Each current framework with the person's counts (one query for all their claims); `variants`: framework → route."""
    catalogue = catalogue or catalogue_for(session)
    claims = _live_claims(session, owner_id)
    found = []
    for framework_id in framework_ids(catalogue):
        framework = current_framework(catalogue, framework_id, on)
        applicable = {i.id for i in applicable_items(framework, (variants or {}).get(framework_id))}
        mine = [c for c in claims if c.framework_id == framework_id]
        found.append(FrameworkCoverage(framework_id, framework.meta.title, framework.structure,
                                       _counts(framework, applicable, mine)))
    return found
