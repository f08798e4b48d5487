"""Choosing what a document shows before asking for it: which evidence to showcase, and over what period.

The person picks the evidence the pack lists (the totals still count everything). Only the
subject's own live evidence can be chosen; the job then runs exactly as a plain request does.
"""
from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from flask_login import current_user
from app.forms import WaymarkForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, RadioField, SelectChoice, SelectMultipleField
from wtforms.validators import InputRequired

from app.config import evidence_dir
from app.database import db
from app.documents import bp
from app.documents.views import _job_kind, _person, today
from app.jobs.runner import enqueue
from app.security import ensure, requires, signed_in
from app.services import documents, jobs
from app.services.document_kinds.portfolio import PERIODS, evidence_items
from models import User


class DocumentOptionsForm(WaymarkForm):
    evidence = SelectMultipleField("Evidence to list", coerce=int, choices=[],
                                   invalid_choice_message="Choose only evidence from this person's own library")
    attach = BooleanField("Attach the chosen evidence files inside the PDF")
    period = RadioField("Period", choices=[SelectChoice(k, v) for k, v in PERIODS.items()], default="all",
                        validators=[InputRequired(message="Choose the period the document covers")])


def _kind(kind_id: str) -> documents.Kind:
    kind = documents.KINDS.get(kind_id)
    ensure(kind is not None and kind.showcase, hide=True)
    assert kind is not None
    return kind


def _evidence_label(item: object) -> str:
    return f"{getattr(item, 'title')} ({getattr(item, 'dated_on'):%-d %B %Y}, {getattr(item, 'file_name')})"


@bp.route("/people/<int:user_id>/documents/<kind_id>/options", methods=["GET", "POST"])
@requires(signed_in, "may_issue_document")
def document_options(user_id: int, kind_id: str) -> tuple[str, int] | Response:
    person: User = _person(user_id)
    kind = _kind(kind_id)
    ensure(documents.may_issue(db(), current_user, person, kind, today()))
    items = evidence_items(db(), person.id)
    form = DocumentOptionsForm()
    form.evidence.choices = [SelectChoice(e.id, _evidence_label(e)) for e in items]
    if not form.is_submitted():
        form.evidence.data = [e.id for e in items]
    if form.validate_on_submit():
        options = {"evidence_ids": sorted(set(form.evidence.data or [])), "period": form.period.data,
                   "attach_evidence": bool(form.attach.data)}
        job = jobs.create(db(), kind=_job_kind(), title=f"{kind.title} for {person.full_name}", actor=current_user,
                          items=[(str(person.id), person.full_name)],
                          params={"kind": kind.id, "options": options,
                                  "evidence_dir": str(evidence_dir(current_app.config))})
        db().commit()
        enqueue(job.id)
        return redirect(url_for("jobs.show", job_id=job.id))
    return render_template("documents/options.html", person=person, kind=kind, form=form,
                           total=len(items)), 400 if form.errors else 200
