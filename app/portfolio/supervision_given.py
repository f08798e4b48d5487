"""A supervisor's own work: "Supervision I give" with its totals and pathway figures, and the two logs
only they keep (supervision given outside the service, supervision training).

These pages are the supervisor's alone (app.services.supervision_given.can_read_own_work): everyone
else, their own supervisors included, gets 404.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.pagination import page_number, paginate
from app.portfolio import bp
from app.portfolio.common import today
from app.portfolio.supervision_given_forms import GivenForm, TrainingForm
from app.security import ensure, requires, signed_in
from app.services import supervision_given as service
from app.services.errors import DomainError
from competences.requirements import RequirementResult
from competences.rules import minutes_text
from models import User
from models.reference_data import catalogue_for
from models.supervisor_work import OutsideSupervisionGiven, SupervisionTraining

PER_PAGE = 25
#: Months shown in the monthly table, newest first (the yearly table covers everything).
MONTHS_SHOWN = 24
Entry = OutsideSupervisionGiven | SupervisionTraining


def load_owner(user_id: int) -> User:
    """The supervisor whose own work this is, when it is the signed-in user; 404 for anyone else."""
    person = db().get(User, user_id)
    ensure(person is not None and service.can_read_own_work(current_user, person), hide=True)
    assert person is not None
    return person


def figure_text(result: RequirementResult) -> str:
    """"3 h 30 min of 80 h" for minutes; "2 of 5 activities" otherwise."""
    have = result.have if result.have is not None else 0
    if result.need is None:
        return minutes_text(int(have)) if result.unit == "minutes" else f"{have} {result.unit}"
    if result.unit == "minutes":
        return f"{minutes_text(int(have))} of {minutes_text(int(result.need))}"
    return f"{have} of {result.need} {result.unit}"


@bp.route("/supervision-given")
@requires(signed_in, "can_read_own_work")
def supervision_given(user_id: int) -> str:
    person = load_owner(user_id)
    summary = service.given_summary(db(), person.id, today(), catalogue_for(db()))
    return render_template("portfolio/given.html", person=person, summary=summary,
                           months=summary.by_month[:MONTHS_SHOWN], months_shown=MONTHS_SHOWN, figure_text=figure_text)


# --- the two logs: one set of views, told apart by a LogKind -----------------------------------------

@dataclasses.dataclass(frozen=True)
class LogKind:
    model: type[OutsideSupervisionGiven | SupervisionTraining]
    form: type[GivenForm | TrainingForm]
    #: The list's endpoint; the others are it plus _new, _edit, _delete, _undo.
    endpoint: str
    list_template: str
    form_template: str
    #: How a flash message names one entry.
    describe: Callable[[Any], str]
    order: tuple[Any, ...]


GIVEN = LogKind(OutsideSupervisionGiven, GivenForm, "portfolio.given_outside", "portfolio/given_outside.html",
                "portfolio/given_outside_form.html",
                lambda e: f"Supervision on {e.given_on:%-d %B %Y} at {e.setting}",
                (OutsideSupervisionGiven.given_on.desc(), OutsideSupervisionGiven.id.desc()))
TRAINING = LogKind(SupervisionTraining, TrainingForm, "portfolio.supervisor_training", "portfolio/given_training.html",
                   "portfolio/given_training_form.html", lambda e: f"Supervision training “{e.title}”",
                   (SupervisionTraining.end_on.desc(), SupervisionTraining.id.desc()))


def _load_entry(kind: LogKind, person: User, entry_id: int, *, live: bool = False) -> Any:
    entry = db().scalar(select(kind.model).where(kind.model.id == entry_id, kind.model.owner_id == person.id))
    ensure(entry is not None and not (live and entry.is_deleted), hide=True)
    return entry


def _list(kind: LogKind, user_id: int) -> str:
    person = load_owner(user_id)
    deleted = request.args.get("deleted") == "1"
    live = kind.model.deleted_at.is_not(None) if deleted else kind.model.deleted_at.is_(None)
    stmt = select(kind.model).where(kind.model.owner_id == person.id, live).order_by(*kind.order)
    total = db().scalar(select(func.coalesce(func.sum(kind.model.minutes), 0)).where(
        kind.model.owner_id == person.id, kind.model.deleted_at.is_(None)))
    return render_template(kind.list_template, person=person, deleted=deleted, total_minutes=total,
                           page=paginate(db(), stmt, page_number(), PER_PAGE), args={"deleted": 1} if deleted else {})


def _save(kind: LogKind, user_id: int, entry_id: int | None) -> tuple[str, int] | Response:
    person = load_owner(user_id)
    entry = _load_entry(kind, person, entry_id, live=True) if entry_id is not None else None
    form = kind.form(data=kind.form.data_of(entry) if entry is not None and request.method == "GET" else None)
    if form.validate_on_submit():
        record, update = ((service.record_given, service.update_given) if kind is GIVEN
                          else (service.record_training, service.update_training))
        try:
            if entry is None:
                entry = record(db(), person, form.details(), today=today())  # type: ignore[arg-type]
                message = f"{kind.describe(entry)} recorded."
            else:
                update(db(), entry, form.details(), today=today())  # type: ignore[arg-type]
                message = f"{kind.describe(entry)} saved."
        except DomainError as err:
            db().rollback()
            attach_error(form, err)
        else:
            db().commit()
            flash(message)
            return redirect(url_for(kind.endpoint, user_id=person.id))
    return render_template(kind.form_template, person=person, form=form, entry=entry), 400 if form.errors else 200


def _delete(kind: LogKind, user_id: int, entry_id: int, *, undo: bool) -> Response:
    person = load_owner(user_id)
    entry = _load_entry(kind, person, entry_id)
    try:
        (service.undo_delete_entry if undo else service.delete_entry)(db(), entry)
    except DomainError as err:
        db().rollback()
        flash(err.message)
    else:
        db().commit()
        if undo:
            flash(f"{kind.describe(entry)} restored.")
        else:
            # base.html shows this category's message with an Undo button that restores the entry.
            flash(f"{kind.describe(entry)} deleted.",
                  "undo:" + url_for(kind.endpoint + "_undo", user_id=person.id, entry_id=entry.id))
    return redirect(url_for(kind.endpoint, user_id=person.id))


@bp.route("/supervision-given/outside")
@requires(signed_in, "can_read_own_work")
def given_outside(user_id: int) -> str:
    return _list(GIVEN, user_id)


@bp.route("/supervision-given/outside/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_own_work")
def given_outside_new(user_id: int) -> tuple[str, int] | Response:
    return _save(GIVEN, user_id, None)


@bp.route("/supervision-given/outside/<int:entry_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_own_work")
def given_outside_edit(user_id: int, entry_id: int) -> tuple[str, int] | Response:
    return _save(GIVEN, user_id, entry_id)


@bp.route("/supervision-given/outside/<int:entry_id>/delete", methods=["POST"])
@requires(signed_in, "can_read_own_work")
def given_outside_delete(user_id: int, entry_id: int) -> Response:
    return _delete(GIVEN, user_id, entry_id, undo=False)


@bp.route("/supervision-given/outside/<int:entry_id>/undo", methods=["POST"])
@requires(signed_in, "can_read_own_work")
def given_outside_undo(user_id: int, entry_id: int) -> Response:
    return _delete(GIVEN, user_id, entry_id, undo=True)


@bp.route("/supervisor-training")
@requires(signed_in, "can_read_own_work")
def supervisor_training(user_id: int) -> str:
    return _list(TRAINING, user_id)


@bp.route("/supervisor-training/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_own_work")
def supervisor_training_new(user_id: int) -> tuple[str, int] | Response:
    return _save(TRAINING, user_id, None)


@bp.route("/supervisor-training/<int:entry_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_own_work")
def supervisor_training_edit(user_id: int, entry_id: int) -> tuple[str, int] | Response:
    return _save(TRAINING, user_id, entry_id)


@bp.route("/supervisor-training/<int:entry_id>/delete", methods=["POST"])
@requires(signed_in, "can_read_own_work")
def supervisor_training_delete(user_id: int, entry_id: int) -> Response:
    return _delete(TRAINING, user_id, entry_id, undo=False)


@bp.route("/supervisor-training/<int:entry_id>/undo", methods=["POST"])
@requires(signed_in, "can_read_own_work")
def supervisor_training_undo(user_id: int, entry_id: int) -> Response:
    return _delete(TRAINING, user_id, entry_id, undo=True)
