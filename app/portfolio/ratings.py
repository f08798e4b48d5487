"""CTS-R ratings of recordings and PWP live assessments.

Like the other logs: the person and their current supervisors or tutors read them (load_person),
only the person records, changes, deletes or restores them.
"""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.portfolio import bp
from app.portfolio.common import load_person, may_change, today
from app.portfolio.ratings_forms import LiveAssessmentForm, ctsr_form_class
from app.security import ensure, requires, signed_in
from app.services import ratings as service
from app.services.errors import DomainError
from competences.frameworks import RatingScale, pass_mark
from exports import charts
from models import User
from models.reference_data import catalogue_for
from models.training import CtsrRating, PwpLiveAssessment, TrainingCourse


def _scale() -> RatingScale:
    return service.ctsr_scale(catalogue_for(db()))


def _load_rating(person: User, rating_id: int, *, live: bool = False) -> CtsrRating:
    rating = db().scalar(select(CtsrRating).where(CtsrRating.id == rating_id, CtsrRating.owner_id == person.id)
                         .options(selectinload(CtsrRating.course)))
    ensure(rating is not None and not (live and rating.is_deleted), hide=True)
    assert rating is not None
    return rating


def _scored(rating: CtsrRating, scale: RatingScale) -> charts.ScoredRating:
    return charts.ScoredRating(date=rating.rated_on, rater_role=rating.rater_role, total=rating.total,
                               scores=tuple(int(rating.scores.get(i.id, 0)) for i in scale.items),
                               label=rating.recording_ref)


def _courses(person: User) -> list[TrainingCourse]:
    return list(db().scalars(select(TrainingCourse).where(TrainingCourse.owner_id == person.id,
                                                          TrainingCourse.deleted_at.is_(None))
                             .order_by(TrainingCourse.started_on.desc(), TrainingCourse.id.desc())))


@bp.route("/ctsr")
@requires(signed_in, "can_read_log")
def ctsr(user_id: int) -> str:
    person = load_person(user_id)
    scale = _scale()
    ratings = list(db().scalars(select(CtsrRating).where(CtsrRating.owner_id == person.id,
                                                         CtsrRating.deleted_at.is_(None))
                                .options(selectinload(CtsrRating.course))
                                .order_by(CtsrRating.rated_on.desc(), CtsrRating.id.desc())))
    scored = [_scored(r, scale) for r in ratings]
    marks = {r.pass_mark_used for r in ratings}
    # One line on the chart only when every rating was judged against the same mark.
    line = marks.pop() if len(marks) == 1 else (pass_mark(scale) if not marks else None)
    return render_template(
        "portfolio/ctsr_list.html", person=person, can_change=may_change(person), ratings=ratings, scale=scale,
        roles=service.RATER_ROLES, totals_chart=charts.ctsr_totals_chart(scored, scale.max_total, line),
        item_charts=charts.ctsr_item_charts(scored, [(i.number, i.title) for i in scale.items], scale.max_score),
        default_pass_mark=pass_mark(scale), mixed_marks=line is None)


@bp.route("/ctsr/<int:rating_id>")
@requires(signed_in, "can_read_log")
def ctsr_entry(user_id: int, rating_id: int) -> str:
    person = load_person(user_id)
    return render_template("portfolio/ctsr_entry.html", person=person, can_change=may_change(person),
                           rating=_load_rating(person, rating_id), scale=_scale(), roles=service.RATER_ROLES)


def _save_ctsr(person: User, rating: CtsrRating | None) -> tuple[str, int] | Response:
    session, scale = db(), _scale()
    form_class = ctsr_form_class(scale)
    form = form_class(courses=_courses(person),
                      data=form_class.data_of(rating, scale) if rating is not None and request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            if rating is None:
                rating = service.create_ctsr(session, person, form.details(), scale=scale, today=today())
                message = f"CTS-R rating of {rating.recording_ref} recorded: {rating.total} of {scale.max_total}."
            else:
                service.update_ctsr(session, rating, person, form.details(), scale=scale, today=today())
                message = f"CTS-R rating of {rating.recording_ref} saved: {rating.total} of {scale.max_total}."
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(message)
            return redirect(url_for("portfolio.ctsr_entry", user_id=person.id, rating_id=rating.id))
    return render_template("portfolio/ctsr_form.html", person=person, form=form, rating=rating,
                           scale=scale), 400 if form.errors else 200


@bp.route("/ctsr/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def ctsr_new(user_id: int) -> tuple[str, int] | Response:
    return _save_ctsr(load_person(user_id, for_change=True), None)


@bp.route("/ctsr/<int:rating_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def ctsr_edit(user_id: int, rating_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id, for_change=True)
    return _save_ctsr(person, _load_rating(person, rating_id, live=True))


def change_and_flash(action: Any, entry: Any, done: str, undo_url: str | None = None) -> None:
    """Run a delete or restore, commit, and flash what happened (with an Undo button after a delete)."""
    try:
        action(db(), entry)
    except DomainError as err:
        db().rollback()
        flash(err.message)
    else:
        db().commit()
        if undo_url:
            flash(done, "undo:" + undo_url)
        else:
            flash(done)


@bp.route("/ctsr/<int:rating_id>/delete", methods=["POST"])
@requires(signed_in, "can_read_log")
def ctsr_delete(user_id: int, rating_id: int) -> Response:
    person = load_person(user_id, for_change=True)
    rating = _load_rating(person, rating_id)
    change_and_flash(service.delete_ctsr, rating, f"CTS-R rating of {rating.recording_ref} deleted.",
            url_for("portfolio.ctsr_undo", user_id=person.id, rating_id=rating.id))
    return redirect(url_for("portfolio.ctsr", user_id=person.id))


@bp.route("/ctsr/<int:rating_id>/undo", methods=["POST"])
@requires(signed_in, "can_read_log")
def ctsr_undo(user_id: int, rating_id: int) -> Response:
    person = load_person(user_id, for_change=True)
    rating = _load_rating(person, rating_id)
    change_and_flash(service.undo_delete_ctsr, rating, f"CTS-R rating of {rating.recording_ref} restored.")
    return redirect(url_for("portfolio.ctsr_entry", user_id=person.id, rating_id=rating.id))


# --- PWP live assessments ----------------------------------------------------------------------

def _load_live(person: User, entry_id: int, *, live: bool = False) -> PwpLiveAssessment:
    entry = db().scalar(select(PwpLiveAssessment).where(PwpLiveAssessment.id == entry_id,
                                                        PwpLiveAssessment.owner_id == person.id))
    ensure(entry is not None and not (live and entry.is_deleted), hide=True)
    assert entry is not None
    return entry


@bp.route("/live-assessments")
@requires(signed_in, "can_read_log")
def live_assessments(user_id: int) -> str:
    person = load_person(user_id)
    entries = list(db().scalars(select(PwpLiveAssessment).where(PwpLiveAssessment.owner_id == person.id,
                                                                PwpLiveAssessment.deleted_at.is_(None))
                                .order_by(PwpLiveAssessment.assessed_on.desc(), PwpLiveAssessment.id.desc())))
    return render_template("portfolio/live_assessment_list.html", person=person, can_change=may_change(person),
                           entries=entries, outcomes=service.OUTCOMES, label=service.intervention_label)


def _save_live(person: User, entry: PwpLiveAssessment | None) -> tuple[str, int] | Response:
    session = db()
    form = LiveAssessmentForm(data=LiveAssessmentForm.data_of(entry) if entry is not None and request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            if entry is None:
                entry = service.create_live_assessment(session, person, form.details(), today=today())
                message = "Live assessment recorded."
            else:
                service.update_live_assessment(session, entry, form.details(), today=today())
                message = "Live assessment saved."
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(message)
            return redirect(url_for("portfolio.live_assessments", user_id=person.id))
    action = (url_for("portfolio.live_assessment_edit", user_id=person.id, entry_id=entry.id) if entry is not None
              else url_for("portfolio.live_assessment_new", user_id=person.id))
    return render_template("portfolio/live_assessment_form.html", person=person, form=form, action=action,
                           heading="Change a live assessment" if entry else "Record a live assessment",
                           back_url=url_for("portfolio.live_assessments", user_id=person.id),
                           back_text="PWP live assessments",
                           submit_text="Save changes" if entry else "Record assessment"), 400 if form.errors else 200


@bp.route("/live-assessments/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def live_assessment_new(user_id: int) -> tuple[str, int] | Response:
    return _save_live(load_person(user_id, for_change=True), None)


@bp.route("/live-assessments/<int:entry_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def live_assessment_edit(user_id: int, entry_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id, for_change=True)
    return _save_live(person, _load_live(person, entry_id, live=True))


@bp.route("/live-assessments/<int:entry_id>/delete", methods=["POST"])
@requires(signed_in, "can_read_log")
def live_assessment_delete(user_id: int, entry_id: int) -> Response:
    person = load_person(user_id, for_change=True)
    entry = _load_live(person, entry_id)
    change_and_flash(service.delete_live_assessment, entry, f"Live assessment of {service.intervention_label(entry)} deleted.",
            url_for("portfolio.live_assessment_undo", user_id=person.id, entry_id=entry.id))
    return redirect(url_for("portfolio.live_assessments", user_id=person.id))


@bp.route("/live-assessments/<int:entry_id>/undo", methods=["POST"])
@requires(signed_in, "can_read_log")
def live_assessment_undo(user_id: int, entry_id: int) -> Response:
    person = load_person(user_id, for_change=True)
    entry = _load_live(person, entry_id)
    change_and_flash(service.undo_delete_live_assessment, entry,
            f"Live assessment of {service.intervention_label(entry)} restored.")
    return redirect(url_for("portfolio.live_assessments", user_id=person.id))
