"""Supervisee feedback on a supervisor's supervision: the supervisor asks 2 to 5 current supervisees and
reads the results; each supervisee answers once, on their own portfolio.

Both sides are the signed-in person's own pages (everyone else gets 404). Anonymity is the service's
(app.services.feedback_forms.results): the supervisor's page shows what it returns and, for an anonymous
request, not even which of those asked have answered.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.portfolio import bp
from app.portfolio.common import today
from app.portfolio.feedback_forms import RATING_TEXT, AnswerForm, RequestForm
from app.portfolio.supervision_given import load_owner
from app.security import ensure, requires, signed_in
from app.services import feedback_forms as service
from app.services.errors import DomainError
from app.services.team_views import people_looked_after
from models import RelationshipKind, User
from models.supervisor_work import FeedbackInvitee, FeedbackRequest


def _current_supervisees(person: User) -> list[User]:
    found: dict[int, User] = {}
    for relationship in people_looked_after(db(), person, RelationshipKind.SUPERVISION, today()):
        found.setdefault(relationship.junior.id, relationship.junior)
    return sorted(found.values(), key=lambda p: p.full_name)


@bp.route("/feedback", methods=["GET", "POST"])
@requires(signed_in, "can_read_own_work")
def feedback(user_id: int) -> tuple[str, int] | Response:
    person = load_owner(user_id)
    supervisees = _current_supervisees(person)
    form = RequestForm(supervisees=supervisees)
    if form.validate_on_submit():
        by_id = {p.id: p for p in supervisees}
        chosen = [by_id[i] for i in form.supervisees.data or ()]
        try:
            service.request_feedback(db(), person, chosen, anonymous=form.anonymous.data == "yes", today=today())
        except DomainError as err:
            db().rollback()
            attach_error(form, err)
        else:
            db().commit()
            flash(f"Feedback requested from {len(chosen)} supervisees. They will see it on their feedback page.")
            return redirect(url_for("portfolio.feedback", user_id=person.id))
    requests = service.requests_of(db(), person.id)
    shown = [(r, service.results(r, {} if r.anonymous else {i.supervisee_id: i.supervisee.full_name
                                                              for i in r.invitees})) for r in requests]
    return render_template("portfolio/feedback.html", person=person, form=form, requests=shown,
                           supervisees=supervisees, questions=service.QUESTIONS, minimum=service.MIN_ANSWERS_SHOWN,
                           ), 400 if form.errors else 200


@bp.route("/feedback/asked")
@requires(signed_in, "can_read_own_work")
def feedback_asked(user_id: int) -> str:
    person = load_owner(user_id)
    return render_template("portfolio/feedback_asked.html", person=person, asked=service.requests_for(db(), person.id))


def _load_asked(person: User, request_id: int) -> FeedbackRequest:
    """A request `person` was asked to answer; 404 for any other."""
    found = db().scalar(
        select(FeedbackRequest).join(FeedbackInvitee, FeedbackInvitee.request_id == FeedbackRequest.id)
        .where(FeedbackRequest.id == request_id, FeedbackInvitee.supervisee_id == person.id)
        .options(selectinload(FeedbackRequest.supervisor), selectinload(FeedbackRequest.invitees),
                 selectinload(FeedbackRequest.answers)))
    ensure(found is not None, hide=True)
    assert found is not None
    return found


@bp.route("/feedback/asked/<int:request_id>", methods=["GET", "POST"])
@requires(signed_in, "can_read_own_work")
def feedback_answer(user_id: int, request_id: int) -> tuple[str, int] | Response:
    person = load_owner(user_id)
    asked = _load_asked(person, request_id)
    answer = next((a for a in asked.answers if a.respondent_id == person.id), None)
    form = AnswerForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            service.answer_feedback(db(), asked, person, form.ratings(), form.comments.data, today=today())
        except DomainError as err:
            db().rollback()
            attach_error(form, err)
        else:
            db().commit()
            flash(f"Thank you. Your feedback on {asked.supervisor.full_name}’s supervision has been sent.")
            return redirect(url_for("portfolio.feedback_asked", user_id=person.id))
    return render_template("portfolio/feedback_answer.html", person=person, asked=asked, answer=answer, form=form,
                           questions=service.QUESTIONS, rating_text=RATING_TEXT), 400 if form.errors else 200
