"""Skill mix pages: a person's skills (they record their own), and a service's matrix and targets.

The person's page is read by anyone who may see them (line manager, service lead, HR covering
them, current supervisor or tutor); others get 404. Only the person adds, changes or deletes.
The matrix and its targets belong to the service's lead and HR covering the service.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.security import ensure, requires, signed_in
from app.services import skill_mix as service
from app.services.errors import DomainError
from app.services.staff_scope import has_staff_lists
from app.staff import bp
from app.staff.download import FORMATS, table_response
from app.staff.skills_forms import DeleteSkillForm, RemoveTargetForm, SkillRecordForm, TargetForm
from competences.skills import CATEGORIES, CATEGORY_LABELS, RATED_CATEGORIES
from models import Service, SkillRecord, SkillTarget, User

ADD_LABELS = {"modality": "Add a modality", "specialism": "Add a specialism", "champion": "Add a champion role",
              "development": "Add service-development work"}


def today() -> dt.date:
    return dt.date.today()


# --- a person's skills ---------------------------------------------------------------------------

def _load_person(user_id: int, *, for_change: bool = False) -> User:
    """The person if the signed-in user may see them (404 otherwise); 403 to change someone else's."""
    person = db().scalar(select(User).where(User.id == user_id).options(
        selectinload(User.role_grants), selectinload(User.profile)))
    ensure(person is not None and service.can_view_skills(db(), current_user, person, today()), hide=True)
    assert person is not None
    if for_change and not service.can_change_skills(current_user, person):
        abort(403)
    return person


def _load_record(person: User, record_id: int) -> SkillRecord:
    record = service.record_of(db(), person, record_id)
    ensure(record is not None, hide=True)
    assert record is not None
    return record


@bp.route("/people/<int:user_id>/skills")
@requires(signed_in, "can_view_skills")
def skills(user_id: int) -> str:
    person = _load_person(user_id)
    return render_template("staff/skills.html", person=person, summary=service.person_skills(db(), person, today()),
                           can_change=service.can_change_skills(current_user, person), add_labels=ADD_LABELS,
                           rated=RATED_CATEGORIES)


def _save(person: User, category: str, record: SkillRecord | None) -> tuple[str, int] | Response:
    session = db()
    vocab = service.vocabulary(session, today())
    form = SkillRecordForm.for_category(category, vocab, record)
    if form.validate_on_submit():
        try:
            if record is None:
                saved = service.record_skill(session, current_user, person, category, form.details(), today=today(),
                                             vocab=vocab)
            else:
                saved = service.change_skill(session, current_user, person, record, form.details(), today=today(),
                                             vocab=vocab)
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(f"{vocab.title(category, saved.code)} {'saved' if record else 'recorded'}.")
            return redirect(url_for("staff.skills", user_id=person.id))
    heading = (f"Change {vocab.title(category, record.code)}" if record is not None else ADD_LABELS[category])
    return render_template("staff/skill_form.html", person=person, form=form, record=record, category=category,
                           heading=heading, category_label=CATEGORY_LABELS[category]), 400 if form.errors else 200


@bp.route("/people/<int:user_id>/skills/new/<category>", methods=["GET", "POST"])
@requires(signed_in, "can_change_skills")
def skill_new(user_id: int, category: str) -> tuple[str, int] | Response:
    person = _load_person(user_id, for_change=True)
    ensure(category in CATEGORIES and person.profile is not None, hide=True)
    return _save(person, category, None)


@bp.route("/people/<int:user_id>/skills/<int:record_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_change_skills")
def skill_edit(user_id: int, record_id: int) -> tuple[str, int] | Response:
    person = _load_person(user_id, for_change=True)
    record = _load_record(person, record_id)
    return _save(person, record.category, record)


@bp.route("/people/<int:user_id>/skills/<int:record_id>/delete", methods=["GET", "POST"])
@requires(signed_in, "can_change_skills")
def skill_delete(user_id: int, record_id: int) -> str | Response:
    """A confirmation page first; the audit trail keeps that it was there."""
    person = _load_person(user_id, for_change=True)
    record = _load_record(person, record_id)
    title = service.vocabulary(db(), today()).title(record.category, record.code)
    form = DeleteSkillForm()
    if form.validate_on_submit():
        service.delete_skill(db(), current_user, person, record)
        db().commit()
        flash(f"{title} deleted.")
        return redirect(url_for("staff.skills", user_id=person.id))
    return render_template("staff/skill_delete.html", person=person, record=record, title=title, form=form)


# --- a service's skill mix -----------------------------------------------------------------------

def _load_service(service_id: int) -> Service:
    """The service if the signed-in user leads it or is HR covering it; 404 otherwise."""
    found = db().get(Service, service_id)
    ensure(found is not None and service.can_manage_skill_mix(current_user, found), hide=True)
    assert found is not None
    return found


def _filter(m: service.Matrix) -> tuple[service.Column | None, str | None]:
    column = m.column(request.args.get("column", ""))
    state = request.args.get("status")
    return column, state if column is not None and state in (service.HELD, service.TRAINING) else None


@bp.route("/services/<int:service_id>/skill-mix")
@requires(has_staff_lists, "can_manage_skill_mix")
def skill_mix(service_id: int) -> str | Response:
    found = _load_service(service_id)
    m = service.matrix(db(), found.id, today())
    column, state = _filter(m)
    fmt = request.args.get("format")
    if fmt is not None:
        if fmt not in FORMATS:
            abort(404)
        headers, rows = service.export_table(m, m.rows_for(column, state) if column else m.rows)
        return table_response("skill-mix", headers, rows, fmt, title="Skill mix")
    args: dict[str, Any] = {"column": column.key} if column else {}
    if state:
        args["status"] = state
    return render_template("staff/skill_mix.html", service=found, matrix=m, column=column, state=state,
                           shown=m.rows_for(column, state) if column else (), filters=args,
                           cell_labels=service.CELL_LABELS, HELD=service.HELD, TRAINING=service.TRAINING)


def _targets_page(found: Service, form: TargetForm, status: int = 200) -> tuple[str, int]:
    session = db()
    vocab = service.vocabulary(session, today())
    rows = [(t, f"{CATEGORY_LABELS.get(t.category, t.category)}: {vocab.title(t.category, t.code)}")
            for t in service.targets_of(session, found)]
    return render_template("staff/skill_targets.html", service=found, form=form, rows=rows), status


@bp.route("/services/<int:service_id>/skill-mix/targets", methods=["GET", "POST"])
@requires(has_staff_lists, "can_manage_skill_mix")
def skill_targets(service_id: int) -> tuple[str, int] | Response:
    found = _load_service(service_id)
    session = db()
    vocab = service.vocabulary(session, today())
    form = TargetForm()
    form.set_choices(vocab)
    if form.validate_on_submit():
        category, code = form.target()
        try:
            service.set_target(session, current_user, found, category=category, code=code,
                               minimum=form.minimum.data, note=form.note.data, today=today(), vocab=vocab)
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(f"Target saved: at least {form.minimum.data} for {vocab.title(category, code)}.")
            return redirect(url_for("staff.skill_targets", service_id=found.id))
    return _targets_page(found, form, 400 if form.errors else 200)


@bp.route("/services/<int:service_id>/skill-mix/targets/<int:target_id>/remove", methods=["POST"])
@requires(has_staff_lists, "can_manage_skill_mix")
def skill_target_remove(service_id: int, target_id: int) -> Response:
    found = _load_service(service_id)
    session = db()
    target = session.get(SkillTarget, target_id)
    ensure(target is not None and target.service_id == found.id, hide=True)
    assert target is not None
    if RemoveTargetForm().validate_on_submit():
        title = service.vocabulary(session, today()).title(target.category, target.code)
        service.remove_target(session, current_user, found, target)
        session.commit()
        flash(f"Target for {title} removed.")
    else:
        flash("The form had expired; nothing was removed. Try again.")
    return redirect(url_for("staff.skill_targets", service_id=found.id))
