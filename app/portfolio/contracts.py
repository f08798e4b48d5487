"""Supervision contracts: each supervision relationship of a person with what was agreed, and the forms to agree it.

Those who may read the supervision log (the person, their current supervisors and tutors) see the
page; only the two parties of a relationship record or change its contract. HR, managers, admins
and everyone else are told nothing exists.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.portfolio import bp
from app.portfolio.common import load_person, today
from app.portfolio.contracts_forms import ContractForm
from app.security import ensure, requires, signed_in
from app.services import contracts as service
from app.services.errors import DomainError
from models import StaffRelationship, User
from models.countersigning import SupervisionContract


@bp.route("/supervision/contracts", endpoint="contracts")
@requires(signed_in, "can_read_log")
def contract_list(user_id: int) -> str:
    person = load_person(user_id)
    groups = service.relationships_with_contracts(db(), person, today())
    editable = {g.relationship.id for g in groups if service.can_edit_contract(current_user, g.relationship, today())}
    return render_template("portfolio/contract_list.html", person=person, groups=groups, editable=editable,
                           today=today())


def _relationship(person: User, relationship_id: int) -> StaffRelationship:
    """One of the person's supervision relationships: 404 if not theirs, 403 for a reader who is not a party to it."""
    rel = service.load_relationship(db(), person, relationship_id)
    ensure(rel is not None, hide=True)
    assert rel is not None
    ensure(service.can_edit_contract(current_user, rel, today()))
    return rel


def _save(person: User, rel: StaffRelationship, contract: SupervisionContract | None) -> tuple[str, int] | Response:
    session = db()
    if request.method == "POST":
        form = ContractForm()
    else:
        form = ContractForm(data=ContractForm.data_of(contract) if contract else ContractForm.new_data(rel, today()))
    if form.validate_on_submit():
        try:
            service.save_contract(session, current_user, rel, form.details(), contract, today=today())
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(f"The supervision contract with {rel.senior.full_name} has been "
                  f"{'saved' if contract else 'recorded'}.")
            return redirect(url_for("portfolio.contracts", user_id=person.id, _anchor=f"relationship-{rel.id}"))
    return render_template("portfolio/contract_form.html", person=person, rel=rel, contract=contract,
                           form=form), 400 if form.errors else 200


@bp.route("/supervision/relationships/<int:relationship_id>/contracts/new", methods=["GET", "POST"],
          endpoint="contract_new")
@requires(signed_in, "can_edit_contract")
def contract_new(user_id: int, relationship_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id)
    return _save(person, _relationship(person, relationship_id), None)


@bp.route("/supervision/contracts/<int:contract_id>/edit", methods=["GET", "POST"], endpoint="contract_edit")
@requires(signed_in, "can_edit_contract")
def contract_edit(user_id: int, contract_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id)
    contract = service.load_contract(db(), person, contract_id)
    ensure(contract is not None, hide=True)
    assert contract is not None
    return _save(person, _relationship(person, contract.relationship_id), contract)
