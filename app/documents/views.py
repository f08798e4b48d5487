"""Ask for a document about a person (or one each for a team): a job does the work and its page follows it.

Who may ask for which kind is app.services.documents.may_issue, checked here and again when the
job runs. A person sees every document issued about them; others see those of kinds they may issue.
"""
from __future__ import annotations

import datetime as dt

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from app.forms import WaymarkForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import SelectField

from app.database import db
from app.documents import bp
from app.jobs.runner import enqueue
from app.security import ensure, requires, signed_in
from app.services import documents, jobs, staff_scope
from app.services.access import can_view_person
from app.services.errors import DomainError
from models import StaffProfile, Team, User
from models.documents import IssuedDocument


def today() -> dt.date:
    return dt.date.today()


class ConfirmForm(WaymarkForm):
    """A button only: the CSRF token is the whole form."""


def _person(user_id: int) -> User:
    person = db().scalar(select(User).where(User.id == user_id).options(
        selectinload(User.role_grants), selectinload(User.profile)))
    ensure(person is not None and can_view_person(db(), current_user, person, today()), hide=True)
    assert person is not None
    return person


@bp.route("/people/<int:user_id>/documents")
@requires(signed_in, "can_view_person")
def person_documents(user_id: int) -> str:
    person = _person(user_id)
    kinds = documents.kinds_for(db(), current_user, person, today())
    allowed = {k.id for k in kinds}
    issued = [d for d in db().scalars(select(IssuedDocument).where(IssuedDocument.subject_id == person.id)
                                      .options(selectinload(IssuedDocument.issued_by))
                                      .order_by(IssuedDocument.issued_at.desc()).limit(100))
              if person.id == current_user.id or d.kind in allowed]
    return render_template("documents/person.html", person=person, kinds=kinds, issued=issued, form=ConfirmForm(),
                           titles={k.id: k.title for k in documents.KINDS.values()})


@bp.route("/people/<int:user_id>/documents/<kind_id>", methods=["POST"])
@requires(signed_in, "may_issue_document")
def request_document(user_id: int, kind_id: str) -> Response:
    person = _person(user_id)
    kind = documents.KINDS.get(kind_id)
    ensure(kind is not None, hide=True)
    assert kind is not None
    ensure(documents.may_issue(db(), current_user, person, kind, today()))
    ensure(ConfirmForm().validate_on_submit())
    job = jobs.create(db(), kind=_job_kind(), title=f"{kind.title} for {person.full_name}", actor=current_user,
                      items=[(str(person.id), person.full_name)], params={"kind": kind.id})
    db().commit()
    enqueue(job.id)
    return redirect(url_for("jobs.show", job_id=job.id))


def _job_kind() -> str:
    from app.services.job_kinds import DOCUMENTS

    return DOCUMENTS


class BulkForm(WaymarkForm):
    kind = SelectField("Document")
    team = SelectField("Team", coerce=str)


@bp.route("/documents/bulk", methods=["GET", "POST"])
@requires(staff_scope.has_staff_lists, "can_view_staff_lists")
def bulk() -> tuple[str, int] | Response:
    """One document each for everyone in the viewer's scope (or one team of it), as a ZIP with an index."""
    session, day = db(), today()
    scope = staff_scope.scope_of(session, current_user, day)
    hr_kinds = [k for k in documents.KINDS.values() if k.audience == documents.HR]
    form = BulkForm()
    form.kind.choices = [(k.id, k.title) for k in hr_kinds]
    teams = list(session.scalars(staff_scope.people_in(scope).with_only_columns(Team).where(Team.id.is_not(None))
                                 .distinct().order_by(Team.name)))
    form.team.choices = [("", "Everyone you can see")] + [(str(t.id), t.name) for t in teams]
    if form.validate_on_submit():
        stmt = staff_scope.people_in(scope).order_by(User.full_name)
        if form.team.data:
            stmt = stmt.where(StaffProfile.team_id == int(form.team.data))
        people = list(session.scalars(stmt))
        kind = documents.KINDS[form.kind.data or ""]
        # Everyone in the scope is someone the viewer covers for HR; each item is checked again when it runs.
        allowed = people
        try:
            job = jobs.create(session, kind=_job_kind(), title=f"{kind.title}: {len(allowed)} people",
                              actor=current_user, items=[(str(p.id), p.full_name) for p in allowed],
                              params={"kind": kind.id})
        except DomainError as err:
            form.team.errors = [str(err)]
        else:
            session.commit()
            enqueue(job.id)
            return redirect(url_for("jobs.show", job_id=job.id))
    if request.method == "POST" and not form.errors:
        abort(400)
    return render_template("documents/bulk.html", form=form), 400 if form.errors else 200
