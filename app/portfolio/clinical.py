"""Clinical activity pages: a person's cases with their outcomes, and their clinical contacts.

Readers are the person and their current supervisor; a course tutor sees training cases only and
no contacts. Only the person changes anything. Deletes are soft, with an Undo on the list.
"""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.pagination import page_number, paginate
from app.portfolio import bp
from app.portfolio.clinical_forms import (CaseFilterForm, CaseForm, ContactFilterForm, ContactForm, case_filter_form,
                                          case_form, contact_form, problem_label, score_inputs, scores_from)
from app.portfolio.common import load_person, may_change, today
from app.security import ensure, requires, signed_in
from app.services import clinical_log, logs
from app.services import evidence as evidence_service
from app.services.errors import DomainError
from app.templating import format_date
from competences.outcomes import Outcome, OutcomeMeasures
from models import ClinicalCase, ClinicalContact, User
from models.reference_data import catalogue_for

PER_PAGE = 25


def _data() -> OutcomeMeasures:
    """The outcome-measures data in force, admin corrections included."""
    data: OutcomeMeasures = catalogue_for(db()).current("outcome-measures").content
    return data


def _viewer() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _sees_every_case(person: User) -> bool:
    """The person and their supervisor; a tutor sees training cases only (and so no contacts)."""
    return logs.can_read_case(db(), _viewer(), person, False, today())


def _case(person: User, case_id: int, *, deleted: bool = False) -> ClinicalCase:
    case = db().get(ClinicalCase, case_id)
    ensure(case is not None and case.owner_id == person.id and (deleted or case.deleted_at is None)
           and logs.can_read_case(db(), _viewer(), person, case.training_case, today()), hide=True)
    assert case is not None
    return case


def _contact(person: User, contact_id: int, *, deleted: bool = False) -> ClinicalContact:
    contact = db().get(ClinicalContact, contact_id)
    ensure(contact is not None and contact.owner_id == person.id and (deleted or contact.deleted_at is None),
           hide=True)
    assert contact is not None
    return contact


def _outcome(case: ClinicalCase, data: OutcomeMeasures) -> Outcome | None:
    try:
        return clinical_log.case_outcome(case, data)
    except DomainError:
        return None


def _save(form: Any, action: Any) -> Any:
    """Run a service call; on a DomainError put it beside its field and return None (nothing saved)."""
    try:
        return action()
    except DomainError as err:
        db().rollback()
        attach_error(form, err)
        return None


def _filters(names: tuple[str, ...], valid: bool) -> dict[str, str]:
    kept = {k: request.args[k] for k in names if valid and request.args.get(k)}
    if request.args.get("deleted") == "1":
        kept["deleted"] = "1"
    return kept


# --- cases -------------------------------------------------------------------------------------

def _visible_cases(person: User, training_only: bool, *, deleted: bool = False) -> Select[Any]:
    c = ClinicalCase
    stmt = select(c).where(c.owner_id == person.id, c.deleted_at.is_not(None) if deleted else c.deleted_at.is_(None))
    return stmt.where(c.training_case.is_(True)) if training_only else stmt


def _filtered_cases(stmt: Select[Any], form: CaseFilterForm, valid: bool) -> Select[Any]:
    c = ClinicalCase
    if valid:
        if form.status.data:
            stmt = stmt.where(c.ended_on.is_(None) if form.status.data == "open" else c.ended_on.is_not(None))
        if form.step.data:
            stmt = stmt.where(c.step == int(form.step.data))
        if form.problem.data:
            stmt = stmt.where(c.problem == form.problem.data)
        if form.training.data:
            stmt = stmt.where(c.training_case.is_(True))
    if valid and form.sort.data == "oldest":
        return stmt.order_by(c.started_on, c.id)
    return stmt.order_by(c.started_on.desc(), c.id.desc())


@bp.route("/cases")
@requires(signed_in, "can_read_log")
def cases(user_id: int) -> tuple[str, int]:
    person = load_person(user_id)
    session, data = db(), _data()
    form = case_filter_form(data, request.args)
    valid = form.validate()
    training_only = not _sees_every_case(person)
    deleted = request.args.get("deleted") == "1" and may_change(person)  # deleted entries are the owner's alone
    page = paginate(session, _filtered_cases(_visible_cases(person, training_only, deleted=deleted), form, valid),
                    page_number(), PER_PAGE)
    caseload = clinical_log.caseload_summary(session.scalars(_visible_cases(person, training_only)), data)
    return render_template(
        "portfolio/cases_list.html", person=person, form=form, page=page, caseload=caseload, deleted=deleted,
        training_only=training_only, outcomes={c.id: _outcome(c, data) for c in page.items},
        problems={p.id: p.title for p in data.problems}, modalities=clinical_log.MODALITIES,
        filters=_filters(("status", "step", "problem", "training", "sort"), valid),
        min_sessions=data.min_attended_treatment_sessions, can_change=may_change(person)), 200 if valid else 400


def _case_values(form: CaseForm, data: OutcomeMeasures) -> clinical_log.CaseValues:
    return clinical_log.CaseValues(
        case_ref=form.case_ref.data or "", problem=form.problem.data or "", step=int(form.step.data),
        modality=form.modality.data or "", started_on=form.started_on.data, ended_on=form.ended_on.data,
        training_case=bool(form.training_case.data), closely_supervised=bool(form.closely_supervised.data),
        assessed_case_study=bool(form.assessed_case_study.data), attended_sessions=form.attended_sessions.data,
        first_scores=scores_from(form, data, "first"), last_scores=scores_from(form, data, "last"))


def _case_form_page(person: User, form: CaseForm, data: OutcomeMeasures, case: ClinicalCase | None) -> tuple[str, int]:
    shown, others = score_inputs(data)
    # The details opens by itself when something is typed in it, so nothing typed is ever hidden.
    typed = any(field.errors or field.data is not None or any((field.raw_data or [""])[:1])
                for item in others for field in (form[item.first], form[item.last]))
    return render_template("portfolio/case_form.html", person=person, form=form, case=case, shown=shown,
                           others=others, open_others=typed, min_sessions=data.min_attended_treatment_sessions), \
        400 if form.errors else 200


@bp.route("/cases/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def case_new(user_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id, for_change=True)
    data = _data()
    form = case_form(data)
    if form.validate_on_submit() and (case := _save(form, lambda: clinical_log.create_case(
            db(), person, _case_values(form, data), data, today()))):
        db().commit()
        flash(f"Case {case.case_ref} has been added.")
        return redirect(url_for("portfolio.case_entry", user_id=person.id, case_id=case.id))
    return _case_form_page(person, form, data, None)


@bp.route("/cases/<int:case_id>")
@requires(signed_in, "can_read_log")
def case_entry(user_id: int, case_id: int) -> str:
    person = load_person(user_id)
    case = _case(person, case_id, deleted=may_change(person))
    data = _data()
    try:
        result: Outcome | None = clinical_log.case_outcome(case, data)
        problem = None
    except DomainError as err:
        result, problem = None, err.message
    return render_template(
        "portfolio/case_entry.html", person=person, case=case, outcome=result, problem=problem,
        explained=clinical_log.explain_outcome(result, data) if result else (),
        scored=[(m, (case.first_scores or {}).get(m.id), (case.last_scores or {}).get(m.id)) for m in data.measures
                if m.id in (case.first_scores or {}) or m.id in (case.last_scores or {})],
        problem_label=problem_label(data, case.problem),
        modalities=clinical_log.MODALITIES, can_change=may_change(person),
        evidence=evidence_service.evidence_for_cases(db(), [case.id]).get(case.id, []))


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def case_edit(user_id: int, case_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id)
    case = _case(person, case_id)
    ensure(may_change(person))
    data = _data()
    form = case_form(data, case)
    if form.validate_on_submit() and _save(form, lambda: clinical_log.update_case(
            db(), case, _case_values(form, data), data, today())):
        db().commit()
        flash(f"Case {case.case_ref} has been changed.")
        return redirect(url_for("portfolio.case_entry", user_id=person.id, case_id=case.id))
    return _case_form_page(person, form, data, case)


@bp.route("/cases/<int:case_id>/delete", methods=["POST"])
@requires(signed_in, "can_read_log")
def case_delete(user_id: int, case_id: int) -> Response:
    person = load_person(user_id)
    case = _case(person, case_id)
    ensure(may_change(person))
    logs.soft_delete(db(), case)
    db().commit()
    # The list shows flashes of this category with an Undo button that restores the case.
    flash(f"Case {case.case_ref} has been deleted.",
          "undo:" + url_for("portfolio.case_undo", user_id=person.id, case_id=case.id))
    return redirect(url_for("portfolio.cases", user_id=person.id))


@bp.route("/cases/<int:case_id>/undo", methods=["POST"])
@requires(signed_in, "can_read_log")
def case_undo(user_id: int, case_id: int) -> Response:
    person = load_person(user_id)
    case = _case(person, case_id, deleted=True)
    ensure(may_change(person))
    if case.deleted_at is not None:
        logs.undo_delete(db(), case)
        db().commit()
    flash(f"Case {case.case_ref} has been restored.")
    return redirect(url_for("portfolio.case_entry", user_id=person.id, case_id=case.id))


# --- contacts ----------------------------------------------------------------------------------

def _load_for_contacts(user_id: int, *, for_change: bool = False) -> User:
    """Contacts are for the person and their supervisor: a tutor gets 404, like a stranger."""
    person = load_person(user_id)
    ensure(_sees_every_case(person), hide=True)
    if for_change:
        ensure(may_change(person))
    return person


def _filtered_contacts(person: User, form: ContactFilterForm, valid: bool,
                       deleted: bool) -> Select[Any]:
    c = ClinicalContact
    stmt = select(c).where(c.owner_id == person.id, c.deleted_at.is_not(None) if deleted else c.deleted_at.is_(None))
    if valid:
        if form.start.data:
            stmt = stmt.where(c.occurred_on >= form.start.data)
        if form.end.data:
            stmt = stmt.where(c.occurred_on <= form.end.data)
        if form.step.data:
            stmt = stmt.where(c.step == int(form.step.data))
        if form.format.data:
            stmt = stmt.where(c.format == form.format.data)
    order = (c.occurred_on, c.id) if valid and form.sort.data == "oldest" else (c.occurred_on.desc(), c.id.desc())
    return stmt.options(selectinload(c.case)).order_by(*order)


@bp.route("/contacts")
@requires(signed_in, "can_read_log")
def contacts(user_id: int) -> tuple[str, int]:
    person = _load_for_contacts(user_id)
    session = db()
    form = ContactFilterForm(request.args)
    valid = form.validate()
    deleted = request.args.get("deleted") == "1" and may_change(person)  # deleted entries are the owner's alone
    page = paginate(session, _filtered_contacts(person, form, valid, deleted), page_number(), PER_PAGE)
    return render_template(
        "portfolio/contacts_list.html", person=person, form=form, page=page, deleted=deleted,
        totals=clinical_log.weekly_contact_totals(session, person, today()),
        formats=clinical_log.FORMATS, filters=_filters(("start", "end", "step", "format", "sort"), valid),
        can_change=may_change(person), log=clinical_log), \
        200 if valid else 400


def _when(contact: ClinicalContact) -> str:
    day = format_date(contact.occurred_on)
    return f"the week beginning {day}" if contact.count > 1 else day


def _case_choices(person: User, keep: int | None = None) -> list[ClinicalCase]:
    """The person's open cases, and the one already chosen (which may have closed since)."""
    c = ClinicalCase
    return list(db().scalars(select(c).where(
        c.owner_id == person.id, c.deleted_at.is_(None), or_(c.ended_on.is_(None), c.id == (keep or 0)))
        .order_by(c.case_ref)))


def _contact_values(form: ContactForm) -> clinical_log.ContactValues:
    return clinical_log.ContactValues(
        occurred_on=form.occurred_on.data, week=form.entry.data == "week", count=form.count.data,
        minutes=form.minutes.data, step=int(form.step.data), format=form.format.data or "",
        individual=form.individual.data == "individual", cbt=form.cbt.data == "yes",
        case_id=int(form.case_id.data) if form.case_id.data else None)


def _contact_form_page(person: User, form: ContactForm, contact: ClinicalContact | None) -> tuple[str, int]:
    return render_template("portfolio/contact_form.html", person=person, form=form, contact=contact,
                           log=clinical_log), 400 if form.errors else 200


def _contacts_saved(person: User, message: str) -> Response:
    db().commit()
    flash(message)
    return redirect(url_for("portfolio.contacts", user_id=person.id))


@bp.route("/contacts/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def contact_new(user_id: int) -> tuple[str, int] | Response:
    person = _load_for_contacts(user_id, for_change=True)
    form = contact_form(_case_choices(person))
    if form.validate_on_submit() and (contact := _save(form, lambda: clinical_log.record_contacts(
            db(), person, _contact_values(form), today()))):
        noun = "contact has" if contact.count == 1 else f"{contact.count} contacts have"
        return _contacts_saved(person, f"The {noun} been recorded.")
    return _contact_form_page(person, form, None)


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def contact_edit(user_id: int, contact_id: int) -> tuple[str, int] | Response:
    person = _load_for_contacts(user_id, for_change=True)
    contact = _contact(person, contact_id)
    form = contact_form(_case_choices(person, contact.case_id), contact)
    if form.validate_on_submit() and _save(form, lambda: clinical_log.update_contacts(
            db(), contact, _contact_values(form), today())):
        return _contacts_saved(person, "The contacts have been changed.")
    return _contact_form_page(person, form, contact)


@bp.route("/contacts/<int:contact_id>/delete", methods=["POST"])
@requires(signed_in, "can_read_log")
def contact_delete(user_id: int, contact_id: int) -> Response:
    person = _load_for_contacts(user_id, for_change=True)
    contact = _contact(person, contact_id)
    logs.soft_delete(db(), contact)
    db().commit()
    what = "contact" if contact.count == 1 else f"{contact.count} contacts"
    flash(f"The {what} of {_when(contact)} {'has' if contact.count == 1 else 'have'} been deleted.",
          "undo:" + url_for("portfolio.contact_undo", user_id=person.id, contact_id=contact.id))
    return redirect(url_for("portfolio.contacts", user_id=person.id))


@bp.route("/contacts/<int:contact_id>/undo", methods=["POST"])
@requires(signed_in, "can_read_log")
def contact_undo(user_id: int, contact_id: int) -> Response:
    person = _load_for_contacts(user_id, for_change=True)
    contact = _contact(person, contact_id, deleted=True)
    if contact.deleted_at is not None:
        logs.undo_delete(db(), contact)
    return _contacts_saved(person, "The contacts have been restored.")
