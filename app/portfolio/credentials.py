"""Accreditations, registrations and qualifications, with their renewal flags.

Anyone who may see the person reads the list (status is not private): the person, their
supervisors and tutors, and HR, service leads and line managers who may see them; linked evidence
shows only where the viewer may see it (app.services.credentials.can_see_evidence). The person
alone records, changes, deletes and links evidence; an administrator corrects from the account page.
"""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.portfolio import bp
from app.portfolio.common import today
from app.portfolio.credentials_forms import CredentialEvidenceForm, CredentialForm, DeleteCredentialForm
from app.security import ensure, requires, signed_in
from app.services import credentials as service
from app.services.errors import DomainError
from competences.windows import long_date
from models import ProfessionalRegistration, StaffProfile, User


def _load_person(user_id: int, *, for_change: bool = False) -> User:
    """The holder if the signed-in user may see them (404 otherwise); 403 to change someone else's."""
    person = db().scalar(select(User).where(User.id == user_id).options(
        selectinload(User.role_grants), selectinload(User.profile).selectinload(StaffProfile.registrations)))
    ensure(person is not None and service.can_read_credentials(db(), current_user, person, today()), hide=True)
    assert person is not None
    if for_change and not service.can_change_credentials(current_user, person):
        abort(403)
    return person


def _load_credential(person: User, credential_id: int) -> ProfessionalRegistration:
    credential = next((c for c in (person.profile.registrations if person.profile else []) if c.id == credential_id),
                      None)
    ensure(credential is not None, hide=True)
    assert credential is not None
    return credential


def _render(template: str, person: User, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, person=person,
                           can_change=service.can_change_credentials(current_user, person), **context), status


@bp.route("/credentials")
@requires(signed_in, "can_read_credentials")
def credentials(user_id: int) -> tuple[str, int]:
    person = _load_person(user_id)
    rows = service.credential_rows(db(), current_user, person, today())
    return _render("portfolio/credential_list.html", person, rows=rows, has_profile=person.profile is not None)


def _save_form(person: User, credential: ProfessionalRegistration | None) -> tuple[str, int] | Response:
    """Record a new credential or change one: shown again with the problem beside its field, or saved."""
    session = db()
    ensure(person.profile is not None, hide=True)
    assert person.profile is not None
    form = CredentialForm(data=CredentialForm.data_of(credential) if credential else None)
    if form.validate_on_submit():
        try:
            saved = service.save_credential(session, person.profile, form.details(), today=today(),
                                            credential=credential)
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(f"{saved.kind_label} {'saved' if credential else 'recorded'}.")
            return redirect(url_for("portfolio.credentials", user_id=person.id))
    return _render("portfolio/credential_form.html", person, 400 if form.errors else 200, form=form,
                   credential=credential)


@bp.route("/credentials/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_credentials")
def credential_new(user_id: int) -> tuple[str, int] | Response:
    return _save_form(_load_person(user_id, for_change=True), None)


@bp.route("/credentials/<int:credential_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_credentials")
def credential_edit(user_id: int, credential_id: int) -> tuple[str, int] | Response:
    person = _load_person(user_id, for_change=True)
    return _save_form(person, _load_credential(person, credential_id))


@bp.route("/credentials/<int:credential_id>/delete", methods=["GET", "POST"])
@requires(signed_in, "can_read_credentials")
def credential_delete(user_id: int, credential_id: int) -> tuple[str, int] | Response:
    """A confirmation page first: a deleted credential is gone (the audit trail keeps that it was)."""
    person = _load_person(user_id, for_change=True)
    credential = _load_credential(person, credential_id)
    form = DeleteCredentialForm()
    if form.validate_on_submit():
        label = credential.kind_label
        service.delete_credential(db(), credential)
        db().commit()
        flash(f"{label} deleted.")
        return redirect(url_for("portfolio.credentials", user_id=person.id))
    return _render("portfolio/credential_delete.html", person, credential=credential, form=form)


@bp.route("/credentials/<int:credential_id>/evidence", methods=["GET", "POST"])
@requires(signed_in, "can_read_credentials")
def credential_evidence(user_id: int, credential_id: int) -> tuple[str, int] | Response:
    person = _load_person(user_id, for_change=True)
    credential = _load_credential(person, credential_id)
    session = db()
    items = service.linkable_evidence(session, person)
    form = CredentialEvidenceForm(data={"evidence": service.linked_evidence_ids(session, credential)})
    form.evidence.choices = [(item.id, f"{item.title} ({long_date(item.dated_on)})") for item in items]
    if form.validate_on_submit():
        try:
            linked = service.set_evidence(session, credential, person, form.evidence.data or [])
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(f"{credential.kind_label}: {len(linked)} evidence item{'' if len(linked) == 1 else 's'} linked.")
            return redirect(url_for("portfolio.credentials", user_id=person.id))
    return _render("portfolio/credential_evidence.html", person, 400 if form.errors else 200, form=form,
                   credential=credential, items=items)
