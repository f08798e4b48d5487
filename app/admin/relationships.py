"""Admin and HR pages for recording supervision, line-management and tutoring relationships.

Access to people's records follows these relationships and their dates, so every change goes
through app.services.relationships and is re-checked there against the actor's scope.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from app.admin import bp
from app.admin.relationship_forms import (EndRelationshipForm, RelationshipDatesForm, RelationshipFilterForm,
                                          RelationshipForm, person_choices)
from app.database import db
from app.forms import attach_error
from app.security import ensure, requires
from app.services import relationships as rules
from app.services.access import can_manage_relationships
from app.services.errors import DomainError, NotPermitted
from models import RelationshipKind, Role, StaffRelationship, SupervisionKind, User

Page = str | Response | tuple[str, int]
KIND_VALUES = frozenset(k.value for k in RelationshipKind)


def today() -> dt.date:
    return dt.date.today()


def _person(session: Session, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    return session.scalar(select(User).where(User.id == user_id).options(selectinload(User.role_grants)))


def _visible_person(session: Session, user_id: int | None) -> User | None:
    """The person named in ?person=, or 404 when they are not within the actor's scope."""
    person = _person(session, user_id)
    ensure(user_id is None or (person is not None and rules.can_see_relationships_of(session, current_user, person)),
           hide=True)
    return person


def _chosen(session: Session, user_id: int | None, field: str) -> User:
    person = _person(session, user_id)
    if person is None:
        raise DomainError("Choose a person from the list", field=field)
    return person


def _save(form: FlaskForm, change: Callable[[], object]) -> bool:
    """Commit after a service call, or roll back and show its error; NotPermitted is a 403."""
    session = db()
    try:
        change()
    except NotPermitted:
        session.rollback()
        abort(403)
    except DomainError as err:
        session.rollback()
        attach_error(form, err)
        return False
    session.commit()
    return True


@bp.route("/relationships")
@requires(can_manage_relationships)
def relationships() -> str:
    session, on = db(), today()
    person = _visible_person(session, request.args.get("person", type=int))
    filters = RelationshipFilterForm(formdata=request.args)
    kind = RelationshipKind(filters.kind.data) if filters.kind.data in KIND_VALUES else None
    status = filters.status.data if filters.status.data in rules.STATUSES else "current"
    filters.kind.data, filters.status.data = kind.value if kind else "", status
    result = rules.list_relationships(session, current_user, on=on, person=person, kind=kind, status=status,
                                      page=request.args.get("page", 1, type=int))

    def page_url(n: int) -> str:
        return url_for("admin.relationships", person=person.id if person else None, kind=kind.value if kind else None,
                       status=status, page=n)

    return render_template("admin/relationships.html", result=result, person=person, filters=filters,
                           page_url=page_url, today=on,
                           self_id=None if current_user.has_role(Role.ADMIN) else current_user.id)


@bp.route("/relationships/new", methods=["GET", "POST"])
@requires(can_manage_relationships)
def relationship_new() -> Page:
    session = db()
    people = rules.people_in_scope(session, current_user)
    form = RelationshipForm()
    form.junior_id.choices = person_choices(people, blank="Choose a person")
    form.senior_id.choices = person_choices(rules.eligible_seniors(session, current_user), blank="Choose a person",
                                            roles=tuple(rules.SENIOR_ROLE.values()))
    if not form.is_submitted():
        prefill = _visible_person(session, request.args.get("person", type=int))
        form.junior_id.data = prefill.id if prefill else None
        form.starts_on.data = today()
    if form.validate_on_submit() and _save(form, lambda: rules.create_relationship(
            session, current_user, kind=RelationshipKind(form.kind.data),
            supervision_kind=SupervisionKind(form.supervision_kind.data) if form.supervision_kind.data else None,
            senior=_chosen(session, form.senior_id.data, "senior_id"),
            junior=_chosen(session, form.junior_id.data, "junior_id"),
            starts_on=form.starts_on.data, ends_on=form.ends_on.data)):
        flash("The relationship has been recorded.")
        return redirect(url_for("admin.relationships", person=form.junior_id.data, status="all"))
    return render_template("admin/relationship_new.html", form=form), 400 if form.errors else 200


def _manageable(session: Session, rel_id: int) -> StaffRelationship:
    """404 for a relationship outside the actor's scope; 403 for one they can see but not change (their own)."""
    rel = session.scalar(select(StaffRelationship).where(StaffRelationship.id == rel_id).options(
        selectinload(StaffRelationship.junior).selectinload(User.role_grants),
        selectinload(StaffRelationship.senior).selectinload(User.role_grants)))
    ensure(rel is not None and rules.can_see_relationships_of(session, current_user, rel.junior), hide=True)
    assert rel is not None
    ensure(rules.may_manage(session, current_user, rel))
    return rel


def _edit_page(rel: StaffRelationship, form: FlaskForm, *, dates: RelationshipDatesForm | None = None,
               end: EndRelationshipForm | None = None) -> tuple[str, int]:
    on = today()
    dates = dates or RelationshipDatesForm(formdata=None, obj=rel)
    end = end or EndRelationshipForm(formdata=None, last_day=max(on, rel.starts_on))
    return render_template("admin/relationship_edit.html", rel=rel, form=form, dates=dates, end=end, today=on,
                           can_end=rel.ends_on is None or rel.ends_on >= on), 400 if form.errors else 200


def _done(rel: StaffRelationship, message: str) -> Response:
    flash(message)
    return redirect(url_for("admin.relationships", person=rel.junior_id, status="all"))


@bp.route("/relationships/<int:rel_id>", methods=["GET", "POST"])
@requires(can_manage_relationships)
def relationship_edit(rel_id: int) -> Page:
    session = db()
    rel = _manageable(session, rel_id)
    dates = RelationshipDatesForm(obj=rel)
    if dates.validate_on_submit() and _save(dates, lambda: rules.update_relationship_dates(
            session, current_user, rel, starts_on=dates.starts_on.data, ends_on=dates.ends_on.data)):
        return _done(rel, "The relationship's dates have been corrected.")
    return _edit_page(rel, dates, dates=dates)


@bp.route("/relationships/<int:rel_id>/end", methods=["POST"])
@requires(can_manage_relationships)
def relationship_end(rel_id: int) -> Page:
    session = db()
    rel = _manageable(session, rel_id)
    end = EndRelationshipForm()
    if end.validate_on_submit() and _save(end, lambda: rules.end_relationship(
            session, current_user, rel, ends_on=end.last_day.data)):
        return _done(rel, f"The relationship has been ended. Its last day is {end.last_day.data:%-d %B %Y}.")
    return _edit_page(rel, end, end=end)
