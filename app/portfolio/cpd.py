"""The CPD log: the list with this year's totals, one activity with its reflective statement, and changes to them.

Reflective statements are private: only the person and their current supervisor or tutor reach
these pages (load_person), and only the person records, changes, deletes or restores.
"""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import Select, select
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.pagination import page_number, paginate
from app.portfolio import bp
from app.portfolio.common import load_person, may_change, today
from app.portfolio.cpd_forms import CpdFilterForm, CpdForm
from app.security import ensure, requires, signed_in
from app.services import cpd as cpd_service
from app.services import evidence as evidence_service
from app.services.errors import DomainError
from models import CpdActivity, User

CPD_PER_PAGE = 25
FILTER_ARGS = ("from", "to", "category", "cbt", "cbt_skills", "participatory", "sort")
SORTS = {
    "newest": (CpdActivity.end_on.desc(), CpdActivity.start_on.desc(), CpdActivity.id.desc()),
    "oldest": (CpdActivity.end_on, CpdActivity.start_on, CpdActivity.id),
    "longest": (CpdActivity.minutes.desc(), CpdActivity.end_on.desc(), CpdActivity.id.desc()),
}


def _render(template: str, person: User, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, person=person, can_change=may_change(person),
                           categories=cpd_service.CATEGORIES, **context), status


def _load_entry(person: User, entry_id: int, *, live: bool = False) -> CpdActivity:
    """One of the person's activities (404 for anyone else's; with `live`, 404 once deleted too)."""
    entry = db().scalar(select(CpdActivity).where(CpdActivity.id == entry_id, CpdActivity.owner_id == person.id))
    ensure(entry is not None and not (live and entry.is_deleted), hide=True)
    assert entry is not None
    return entry


def _listing(person: User, form: CpdFilterForm | None, deleted: bool) -> Select[Any]:
    stmt = select(CpdActivity).where(CpdActivity.owner_id == person.id,
                                     CpdActivity.deleted_at.is_not(None) if deleted else CpdActivity.deleted_at.is_(None))
    if form is not None:
        if form.date_from.data:
            stmt = stmt.where(CpdActivity.end_on >= form.date_from.data)
        if form.date_to.data:
            stmt = stmt.where(CpdActivity.start_on <= form.date_to.data)
        if form.category.data:
            stmt = stmt.where(CpdActivity.category == form.category.data)
        for name in ("cbt", "cbt_skills", "participatory"):
            if form[name].data:
                stmt = stmt.where(getattr(CpdActivity, name).is_(form[name].data == "yes"))
    sort = form.sort.data if form is not None and form.sort.data in SORTS else "newest"
    return stmt.order_by(*SORTS[sort])


@bp.route("/cpd")
@requires(signed_in, "can_read_log")
def cpd(user_id: int) -> tuple[str, int]:
    person = load_person(user_id)
    form = CpdFilterForm(request.args)
    valid = form.validate()
    deleted = request.args.get("deleted") == "1"
    page = paginate(db(), _listing(person, form if valid else None, deleted), page_number(), CPD_PER_PAGE)
    filters: dict[str, Any] = {k: request.args[k] for k in FILTER_ARGS if valid and request.args.get(k)}
    if deleted:
        filters["deleted"] = "1"
    return _render("portfolio/cpd_list.html", person, 200 if valid else 400, form=form, page=page, filters=filters,
                   deleted=deleted, summary=cpd_service.cpd_summary(db(), person.id, today()))


@bp.route("/cpd/<int:entry_id>")
@requires(signed_in, "can_read_log")
def cpd_entry(user_id: int, entry_id: int) -> tuple[str, int]:
    person = load_person(user_id)
    entry = _load_entry(person, entry_id)
    names = {c.id: c for c in cpd_service.linkable_competences()}
    return _render("portfolio/cpd_entry.html", person, entry=entry, competences=names,
                   standards=cpd_service.HCPC_STANDARDS,
                   evidence=evidence_service.evidence_for_cpd(db(), [entry.id]).get(entry.id, []))


def _save_form(person: User, entry: CpdActivity | None) -> tuple[str, int] | Response:
    """Record a new activity or change `entry`: shown again with the problem beside its field, or saved."""
    session = db()
    held = entry.competences if entry else ()
    form = CpdForm(held=held, data=CpdForm.data_of(entry) if entry and request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            if entry is None:
                entry = cpd_service.create_cpd(session, person, form.details(), today=today())
                message = f"CPD activity “{entry.title}” recorded."
            else:
                cpd_service.update_cpd(session, entry, form.details(), today=today())
                message = f"CPD activity “{entry.title}” saved."
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(message)
            return redirect(url_for("portfolio.cpd_entry", user_id=person.id, entry_id=entry.id))
    return _render("portfolio/cpd_form.html", person, 400 if form.errors else 200, form=form, entry=entry,
                   competences=cpd_service.linkable_competences())


@bp.route("/cpd/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def cpd_new(user_id: int) -> tuple[str, int] | Response:
    return _save_form(load_person(user_id, for_change=True), None)


@bp.route("/cpd/<int:entry_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def cpd_edit(user_id: int, entry_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id, for_change=True)
    return _save_form(person, _load_entry(person, entry_id, live=True))


@bp.route("/cpd/<int:entry_id>/delete", methods=["POST"])
@requires(signed_in, "can_read_log")
def cpd_delete(user_id: int, entry_id: int) -> Response:
    person = load_person(user_id, for_change=True)
    entry = _load_entry(person, entry_id)
    try:
        cpd_service.delete_cpd(db(), entry)
    except DomainError as err:
        db().rollback()
        flash(err.message)
    else:
        db().commit()
        # The list shows flashes of this category with an Undo button that restores the entry.
        flash(f"CPD activity “{entry.title}” deleted.",
              "undo:" + url_for("portfolio.cpd_undo", user_id=person.id, entry_id=entry.id))
    return redirect(url_for("portfolio.cpd", user_id=person.id))


@bp.route("/cpd/<int:entry_id>/undo", methods=["POST"])
@requires(signed_in, "can_read_log")
def cpd_undo(user_id: int, entry_id: int) -> Response:
    person = load_person(user_id, for_change=True)
    entry = _load_entry(person, entry_id)
    try:
        cpd_service.undo_delete_cpd(db(), entry)
    except DomainError as err:
        db().rollback()
        flash(err.message)
    else:
        db().commit()
        flash(f"CPD activity “{entry.title}” restored.")
    return redirect(url_for("portfolio.cpd_entry", user_id=person.id, entry_id=entry.id))
