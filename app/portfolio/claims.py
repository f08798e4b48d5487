"""Competence claims and the framework coverage view.

A claim's statement is private: only the person and their current supervisor or tutor reach these
pages (load_person); only the person writes, submits, recalls or deletes. Signing off, returning
and withdrawing are the supervisor's (app.services.claims; their pages come with the review queue).
"""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.portfolio import bp
from app.portfolio.claims_forms import claim_form, evidence_field_name
from app.portfolio.common import load_person, may_change, today
from app.security import ensure, requires, signed_in
from app.services import claims as service
from app.services import ksa as ksa_service
from app.services.errors import DomainError
from competences.catalogue import Catalogue
from competences.claims import ClaimStatus
from competences.frameworks import Framework, Item
from models import User
from models.claims import ClaimEvidence, ClaimStatusChange, CompetenceClaim
from models.evidence import EvidenceItem
from models.reference_data import catalogue_for

#: NHS.UK tag colour for each status; "none" is an item with no claim yet.
STATUS_TAGS = {"none": "white", ClaimStatus.DRAFT: "grey", ClaimStatus.SUBMITTED: "blue",
               ClaimStatus.RETURNED: "orange", ClaimStatus.SIGNED_OFF: "green", ClaimStatus.NEEDS_RESIGNING: "yellow"}


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _render(template: str, person: User, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, person=person, can_change=may_change(person), status_tags=STATUS_TAGS,
                           methods=service.SIGN_OFF_METHODS, **context), status


def _current(catalogue: Catalogue, framework_id: str) -> Framework:
    try:
        return service.current_framework(catalogue, framework_id, today())
    except KeyError:
        abort(404)


def _held_elsewhere(person: User, framework: Framework) -> dict[str, set[str]]:
    """Evidence types the KSA route holds per criterion outside any claim (study records, references …)."""
    if framework.meta.id != "ksa":
        return {}
    return ksa_service.route_evidence_of(db(), person.id, framework)


def _chosen_variant(person: User, framework: Framework) -> str | None:
    """The person's route through the framework: the KSA route they chose (the condensed KSA, say), else none."""
    if framework.meta.id != "ksa":
        return None
    portfolio = ksa_service.portfolio_of(db(), person.id)
    return portfolio.route if portfolio is not None else None


def _load_claim(person: User, claim_id: int, *, live: bool = False) -> CompetenceClaim:
    """One of the person's claims, with its evidence and history (404 for anyone else's; with `live`, once deleted too).

    A deleted claim is the owner's alone until restored, as deleted evidence is: supervisors get 404.
    """
    claim = db().scalar(select(CompetenceClaim).where(CompetenceClaim.id == claim_id,
                                                      CompetenceClaim.owner_id == person.id).options(
        selectinload(CompetenceClaim.evidence_links).selectinload(ClaimEvidence.evidence)
        .selectinload(EvidenceItem.file),
        selectinload(CompetenceClaim.history).selectinload(ClaimStatusChange.actor),
        selectinload(CompetenceClaim.signed_by)))
    ensure(claim is not None and not ((live or _actor().id != person.id) and claim.is_deleted), hide=True)
    assert claim is not None
    return claim


def _library(person: User, claim: CompetenceClaim | None) -> list[EvidenceItem]:
    """The person's evidence that can be linked: every live item, and any deleted one the claim still links."""
    linked = [link.evidence_id for link in claim.evidence_links] if claim else []
    return list(db().scalars(select(EvidenceItem).where(
        EvidenceItem.owner_id == person.id, or_(EvidenceItem.deleted_at.is_(None), EvidenceItem.id.in_(linked)))
        .order_by(EvidenceItem.dated_on.desc(), EvidenceItem.id.desc())))


# --- coverage ----------------------------------------------------------------------------------

@bp.route("/frameworks")
@requires(signed_in, "can_read_log")
def frameworks(user_id: int) -> tuple[str, int]:
    person = load_person(user_id)
    portfolio = ksa_service.portfolio_of(db(), person.id)
    variants = {"ksa": portfolio.route} if portfolio is not None and portfolio.route else None
    return _render("portfolio/coverage_frameworks.html", person,
                   frameworks=service.frameworks_coverage(db(), person.id, catalogue=catalogue_for(db()), on=today(),
                                                          variants=variants))


@bp.route("/frameworks/<framework_id>")
@requires(signed_in, "can_read_log")
def framework_coverage(user_id: int, framework_id: str) -> tuple[str, int]:
    person = load_person(user_id)
    catalogue = catalogue_for(db())
    framework = _current(catalogue, framework_id)
    found = service.coverage(db(), person.id, framework_id, variant_id=_chosen_variant(person, framework),
                             catalogue=catalogue, on=today(), held_elsewhere=_held_elsewhere(person, framework))
    return _render("portfolio/coverage.html", person, coverage=found, framework=framework)


# --- writing a claim ---------------------------------------------------------------------------

def _save_form(person: User, framework: Framework, item: Item, claim: CompetenceClaim | None) -> tuple[str, int] | Response:
    """A new claim (claim None) or a change: shown again with each problem beside its field, or saved (and submitted)."""
    session = db()
    library = _library(person, claim)
    form = claim_form(framework, library, item=item if claim is None else None,
                      filled_from=claim if claim is not None and request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            details = form.details(framework, library)
            if claim is None:
                level = form.level.data if "level" in form else None
                saved = service.create_claim(session, person, framework.meta.id, item.id, level, details, on=today(),
                                             catalogue=catalogue_for(session))
            else:
                saved = claim
                service.update_claim(session, claim, _actor(), details, catalogue=catalogue_for(session))
            if form.submitting:
                service.submit_claim(session, saved, _actor(), catalogue=catalogue_for(session),
                                     held_elsewhere=_held_elsewhere(person, framework).get(item.id, set()))
        except service.ClaimIncomplete as err:
            session.rollback()
            for problem in err.problems:
                attach_error(form, problem)
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(f"Claim for {item.code} {item.title} " + ("submitted for sign-off." if form.submitting else "saved."))
            return redirect(url_for("portfolio.claim", user_id=person.id, claim_id=saved.id))
    return _form_page(person, framework, item, claim, form, library)


def _form_page(person: User, framework: Framework, item: Item, claim: CompetenceClaim | None, form: Any,
               library: list[EvidenceItem]) -> tuple[str, int]:
    evidence = [(entry, form[evidence_field_name(entry.id)]) for entry in library]
    return _render("portfolio/claim_form.html", person, 400 if form.errors else 200, form=form, framework=framework,
                   item=item, claim=claim, evidence=evidence, components=service.components(framework),
                   statement_field=service.statement_field)


@bp.route("/claims/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def claim_new(user_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id, for_change=True)
    framework = _current(catalogue_for(db()), request.args.get("framework", ""))
    item = service.find_item(framework, request.args.get("item", ""))
    ensure(item is not None, hide=True)
    assert item is not None
    if framework.structure != "levelled" and request.method == "GET":
        existing = service.existing_claim(db(), person.id, framework.meta.id, item.id, None)
        if existing is not None:
            flash(f"You already have a claim for {item.code} {item.title}: change it here.")
            return redirect(url_for("portfolio.claim", user_id=person.id, claim_id=existing.id))
    return _save_form(person, framework, item, None)


def _framework_and_item(claim: CompetenceClaim) -> tuple[Framework, Item | None]:
    framework = service.framework_of(catalogue_for(db()), claim)
    return framework, service.find_item(framework, claim.item_id)


@bp.route("/claims/<int:claim_id>")
@requires(signed_in, "can_read_log")
def claim(user_id: int, claim_id: int) -> tuple[str, int]:
    person = load_person(user_id)
    found = _load_claim(person, claim_id)
    framework, item = _framework_and_item(found)
    return _render("portfolio/claim.html", person, claim=found, framework=framework, item=item,
                   components=service.components(framework), digest=service.claim_digest(found),
                   problems=service.submission_problems(
                       framework, found, _held_elsewhere(person, framework).get(found.item_id, set())) if found.status in (
                       ClaimStatus.DRAFT, ClaimStatus.RETURNED) else [],
                   type_titles=dict((t.id, t.title) for t in framework.evidence_types))


@bp.route("/claims/<int:claim_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def claim_edit(user_id: int, claim_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id, for_change=True)
    found = _load_claim(person, claim_id, live=True)
    framework, item = _framework_and_item(found)
    ensure(item is not None, hide=True)
    assert item is not None
    return _save_form(person, framework, item, found)


@bp.route("/claims/<int:claim_id>/submit", methods=["POST"])
@requires(signed_in, "can_read_log")
def claim_submit(user_id: int, claim_id: int) -> tuple[str, int] | Response:
    """Submit as it stands; if pieces are missing, the claim's form shows each beside its field."""
    person = load_person(user_id, for_change=True)
    found = _load_claim(person, claim_id, live=True)
    framework, item = _framework_and_item(found)
    try:
        service.submit_claim(db(), found, _actor(), catalogue=catalogue_for(db()),
                             held_elsewhere=_held_elsewhere(person, framework).get(found.item_id, set()))
    except service.ClaimIncomplete as err:
        db().rollback()
        assert item is not None
        library = _library(person, found)
        form = claim_form(framework, library, filled_from=found, formdata=None)
        for problem in err.problems:
            attach_error(form, problem)
        return _form_page(person, framework, item, found, form, library)
    except DomainError as err:
        db().rollback()
        flash(err.message)
    else:
        db().commit()
        flash("Claim submitted for sign-off.")
    return redirect(url_for("portfolio.claim", user_id=person.id, claim_id=found.id))


def _owner_move(user_id: int, claim_id: int, move: str, done: str) -> Response:
    person = load_person(user_id, for_change=True)
    found = _load_claim(person, claim_id)
    try:
        getattr(service, move)(db(), found, _actor())
    except DomainError as err:
        db().rollback()
        flash(err.message)
    else:
        db().commit()
        if move == "delete_claim":
            flash(done, "undo:" + url_for("portfolio.claim_undo", user_id=person.id, claim_id=found.id))
            return redirect(url_for("portfolio.framework_coverage", user_id=person.id,
                                    framework_id=found.framework_id))
        flash(done)
    return redirect(url_for("portfolio.claim", user_id=person.id, claim_id=found.id))


@bp.route("/claims/<int:claim_id>/recall", methods=["POST"])
@requires(signed_in, "can_read_log")
def claim_recall(user_id: int, claim_id: int) -> Response:
    return _owner_move(user_id, claim_id, "recall_claim", "Claim recalled: it is a draft again.")


@bp.route("/claims/<int:claim_id>/delete", methods=["POST"])
@requires(signed_in, "can_read_log")
def claim_delete(user_id: int, claim_id: int) -> Response:
    return _owner_move(user_id, claim_id, "delete_claim", "Claim deleted.")


@bp.route("/claims/<int:claim_id>/undo", methods=["POST"])
@requires(signed_in, "can_read_log")
def claim_undo(user_id: int, claim_id: int) -> Response:
    return _owner_move(user_id, claim_id, "undo_delete_claim", "Claim restored.")
