"""Supervision received: the list with its month-by-month totals, one session, and recording, changing and deleting."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.pagination import page_number, paginate
from app.portfolio import bp
from app.portfolio.common import load_person, may_change, today
from app.portfolio.supervision_forms import SupervisionFilterForm, SupervisionForm, entry_data, supervisor_choices
from app.security import requires, signed_in
from app.services import contracts, countersigning, logs
from app.services import supervision_log as log
from app.services.access import can_supervise
from app.services.errors import DomainError
from app.templating import format_date
from models import SupervisionKind, SupervisionSession, User

PER_PAGE = 25
FILTER_ARGS = ("from", "to", "kind", "format", "sort")


def _entry(session: Session, person: User, entry_id: int, *, deleted_ok: bool = False) -> SupervisionSession:
    """One of the person's sessions; a deleted one exists only for its owner (and only where undo needs it)."""
    entry = log.load_entry(session, person.id, entry_id)
    if entry is None or (entry.is_deleted and not (deleted_ok and may_change(person))):
        abort(404)
    return entry


def _when(entry: SupervisionSession) -> str:
    return format_date(entry.occurred_on)


# --- the list ----------------------------------------------------------------------------------

def _months(session: Session, person: User) -> dict[str, Any]:
    """The last 12 complete months against BABCP's monthly minimum, with the WTE the target depends on.

    Where a supervision contract is in force on the first of a month, the month is judged against the higher of
    BABCP's minimum and the agreed minutes (one query for the 12 months).
    """
    ending = log.last_complete_month_end(today())
    totals = log.monthly_totals(session, person.id, ending)
    wte = log.wte_on(person.profile, ending)
    minimum = log.monthly_target(wte)
    agreed = contracts.contract_targets(session, person, [t.month for t in totals])
    targets = {t.month: max(minimum, agreed.get(t.month, 0)) for t in totals}
    return {"totals": totals, "sums": log.sum_by_kind(totals), "grand_total": sum(t.total for t in totals),
            "ending": ending, "wte": wte, "target": minimum, "agreed": agreed, "targets": targets,
            "needed": sum(targets.values()), "part_time": wte is not None and wte < log.PART_TIME_BELOW_WTE}


def _undoable(session: Session, person: User) -> SupervisionSession | None:
    """The entry just deleted (?undo=<id>), offered back with an Undo button while it stays deleted."""
    undo = request.args.get("undo", type=int)
    if undo is None or not may_change(person):
        return None
    entry = log.load_entry(session, person.id, undo)
    return entry if entry is not None and entry.is_deleted else None


@bp.route("/supervision", endpoint="supervision")
@requires(signed_in, "can_read_log")
def supervision_list(user_id: int) -> tuple[str, int]:
    session = db()
    person = load_person(user_id)
    form = SupervisionFilterForm(request.args)
    valid = form.validate()
    deleted = may_change(person) and request.args.get("deleted") == "1"
    filters = form.filters(deleted=deleted) if valid else log.SupervisionFilters(deleted=deleted)
    listing = log.list_statement(person.id, filters).options(selectinload(SupervisionSession.countersigned_by))
    page = paginate(session, listing, page_number(), PER_PAGE)
    args = {k: request.args[k] for k in FILTER_ARGS if valid and request.args.get(k)} | (
        {"deleted": "1"} if deleted else {})
    return render_template(
        "portfolio/supervision_list.html", person=person, form=form, page=page, filters=args, deleted=deleted,
        filtered=any(k != "deleted" for k in args),
        can_change=may_change(person), months=_months(session, person), kinds=list(SupervisionKind),
        undo_entry=_undoable(session, person), status_text=countersigning.status_text,
        supervising=can_supervise(session, current_user, person, today())), 200 if valid else 400


# --- one session -------------------------------------------------------------------------------

@bp.route("/supervision/<int:entry_id>", endpoint="supervision_entry")
@requires(signed_in, "can_read_log")
def supervision_entry(user_id: int, entry_id: int) -> str:
    session = db()
    person = load_person(user_id)
    entry = _entry(session, person, entry_id, deleted_ok=True)
    status = countersigning.status_text(entry.countersign_status, entry.countersigned_by,
                                        entry.countersigned_outside_name)
    may_countersign = countersigning.may_countersign_session(session, current_user, entry, today())
    return render_template("portfolio/supervision_entry.html", person=person, entry=entry, status=status,
                           can_change=may_change(person), may_countersign=may_countersign)


# --- recording and changing --------------------------------------------------------------------

def _attach(form: SupervisionForm, err: DomainError) -> None:
    """Like app.forms.attach_error, but a `cases-<row>-<field>` error goes beside that row's input."""
    if not (err.field or "").startswith("cases-"):
        attach_error(form, err)
        return
    _, row, name = (err.field or "").split("-", 2)
    field = form.cases.entries[int(row)].form[name]
    field.errors = [*field.errors, err.message]
    form.cases.errors = [entry.errors for entry in form.cases.entries]


def _form_page(person: User, form: SupervisionForm, entry: SupervisionSession | None) -> tuple[str, int]:
    """The form, with the supervisors whose relationship covers the date it holds (and the one chosen)."""
    on = form.occurred_on.data if isinstance(form.occurred_on.data, dt.date) else today()
    relationships = log.supervision_relationships(db(), person.id, covering=on, also=form.relationship_id())
    form.supervisor.choices = supervisor_choices(relationships)
    return render_template("portfolio/supervision_form.html", person=person, form=form, entry=entry,
                           on=on), 400 if form.errors else 200


def _save(person: User, form: SupervisionForm, entry: SupervisionSession | None) -> Response | None:
    """Record or change the session; None when the form goes back with its problems."""
    session = db()
    if not form.validate_on_submit():
        return None
    try:
        if entry is None:
            entry, done = log.record_supervision(session, person, form.details(), today=today()), "recorded"
        else:
            entry, done = log.update_supervision(session, entry, form.details(), today=today()), "saved"
    except DomainError as err:
        session.rollback()
        _attach(form, err)
        return None
    session.commit()
    flash(f"The supervision session on {_when(entry)} has been {done}.")
    return redirect(url_for("portfolio.supervision_entry", user_id=person.id, entry_id=entry.id))


@bp.route("/supervision/new", methods=["GET", "POST"], endpoint="supervision_new")
@requires(signed_in, "can_read_log")
def supervision_new(user_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id, for_change=True)
    form = SupervisionForm(data=None if request.method == "POST" else {"occurred_on": today()})
    return _save(person, form, None) or _form_page(person, form, None)


@bp.route("/supervision/<int:entry_id>/edit", methods=["GET", "POST"], endpoint="supervision_edit")
@requires(signed_in, "can_read_log")
def supervision_edit(user_id: int, entry_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id, for_change=True)
    entry = _entry(db(), person, entry_id)
    form = SupervisionForm(data=entry_data(entry))
    return _save(person, form, entry) or _form_page(person, form, entry)


# --- delete and undo ---------------------------------------------------------------------------

@bp.route("/supervision/<int:entry_id>/delete", methods=["POST"], endpoint="supervision_delete")
@requires(signed_in, "can_read_log")
def supervision_delete(user_id: int, entry_id: int) -> Response:
    session = db()
    person = load_person(user_id, for_change=True)
    entry = _entry(session, person, entry_id, deleted_ok=True)
    try:
        logs.soft_delete(session, entry)
    except DomainError as err:
        flash(f"{err.message}.")
    else:
        session.commit()
        flash(f"The supervision session on {_when(entry)} has been deleted.")
    return redirect(url_for("portfolio.supervision", user_id=person.id, undo=entry.id))


@bp.route("/supervision/<int:entry_id>/undo", methods=["POST"], endpoint="supervision_undo")
@requires(signed_in, "can_read_log")
def supervision_undo(user_id: int, entry_id: int) -> Response:
    session = db()
    person = load_person(user_id, for_change=True)
    entry = _entry(session, person, entry_id, deleted_ok=True)
    try:
        logs.undo_delete(session, entry)
    except DomainError as err:
        flash(f"{err.message}: nothing to undo.")
    else:
        session.commit()
        flash(f"The supervision session on {_when(entry)} has been restored.")
    return redirect(url_for("portfolio.supervision_entry", user_id=person.id, entry_id=entry.id))
