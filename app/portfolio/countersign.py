"""Countersigning supervision sessions and CTS-R ratings; the BABCP collaborative supervision summary."""
from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.portfolio import bp
from app.portfolio.common import load_person, today
from app.portfolio.countersign_forms import BulkConfirmForm, DecisionForm
from app.security import ensure, requires, signed_in
from app.services import countersigning as cs
from app.services.access import can_supervise
from app.services.errors import DomainError
from app.templating import format_date
from models import SupervisionSession, User
from models.training import CtsrRating


def _supervisee(user_id: int) -> User:
    """The person, only for someone supervising them today (404 for everyone else, the person included)."""
    person = db().scalar(select(User).where(User.id == user_id).options(selectinload(User.role_grants)))
    ensure(person is not None and can_supervise(db(), current_user, person, today()), hide=True)
    assert person is not None
    return person


def _session_entry(person: User, entry_id: int) -> SupervisionSession:
    entry = db().scalar(select(SupervisionSession).where(
        SupervisionSession.id == entry_id, SupervisionSession.supervisee_id == person.id).options(
        selectinload(SupervisionSession.cases), selectinload(SupervisionSession.relationship_),
        selectinload(SupervisionSession.supervisor), selectinload(SupervisionSession.countersigned_by)))
    ensure(entry is not None and cs.may_countersign_session(db(), current_user, entry, today()), hide=True)
    assert entry is not None
    return entry


@bp.route("/supervision/countersign", methods=["GET", "POST"], endpoint="countersign_list")
@requires(signed_in, "can_supervise")
def countersign_list(user_id: int) -> tuple[str, int] | Response:
    session = db()
    person = _supervisee(user_id)
    waiting = cs.sessions_awaiting(session, current_user, person)
    form = BulkConfirmForm()
    form.sessions.choices = [(e.id, f"{format_date(e.occurred_on)}, {e.minutes} minutes") for e in waiting]
    if form.validate_on_submit():
        chosen = [e for e in waiting if e.id in set(form.sessions.data or [])]
        try:
            done = cs.confirm_sessions(session, current_user, chosen, today=today())
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(f"{done} supervision session{'s' if done != 1 else ''} confirmed.")
            return redirect(url_for("portfolio.countersign_list", user_id=person.id))
    return render_template("portfolio/countersign_list.html", person=person, waiting=waiting,
                           form=form), 400 if form.errors else 200


@bp.route("/supervision/<int:entry_id>/countersign", methods=["GET", "POST"], endpoint="countersign_session")
@requires(signed_in, "can_countersign_session")
def countersign_session(user_id: int, entry_id: int) -> tuple[str, int] | Response:
    session = db()
    person = _supervisee(user_id)
    entry = _session_entry(person, entry_id)
    form = DecisionForm(data=None if request.method == "POST" else {"seen": entry.updated_at.isoformat()})
    if form.validate_on_submit():
        try:
            cs.countersign_session(session, current_user, entry, form.decided(), today=today(), seen=form.seen_at())
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(f"The supervision session on {format_date(entry.occurred_on)} has been "
                  f"{'confirmed' if form.decided().confirm else 'disputed'}.")
            return redirect(url_for("portfolio.countersign_list", user_id=person.id))
    return render_template("portfolio/countersign_session.html", person=person, entry=entry, form=form,
                           status=cs.status_text(entry.countersign_status, entry.countersigned_by,
                                                 entry.countersigned_outside_name)), 400 if form.errors else 200


@bp.route("/ctsr/<int:rating_id>/countersign", methods=["GET", "POST"], endpoint="countersign_rating")
@requires(signed_in, "can_confirm_rating")
def countersign_rating(user_id: int, rating_id: int) -> tuple[str, int] | Response:
    session = db()
    person = _supervisee(user_id)
    rating = session.scalar(select(CtsrRating).where(CtsrRating.id == rating_id, CtsrRating.owner_id == person.id)
                            .options(selectinload(CtsrRating.rater), selectinload(CtsrRating.confirmed_by)))
    ensure(rating is not None and cs.may_confirm_rating(session, current_user, rating, today()), hide=True)
    assert rating is not None
    form = DecisionForm(data=None if request.method == "POST" else {"seen": rating.updated_at.isoformat()})
    if form.validate_on_submit():
        try:
            cs.confirm_rating(session, current_user, rating, form.decided(), today=today(), seen=form.seen_at())
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(f"The CTS-R rating of recording {rating.recording_ref} has been "
                  f"{'confirmed' if form.decided().confirm else 'disputed'}.")
            return redirect(url_for("portfolio.countersign_list", user_id=person.id))
    return render_template("portfolio/countersign_rating.html", person=person, rating=rating, form=form,
                           status=cs.status_text(rating.confirm_status, rating.confirmed_by, None)), \
        400 if form.errors else 200


def _period_start() -> tuple[dt.date, str | None]:
    """?from=YYYY-MM-DD or YYYY-MM; the default period (12 months ending this month) when absent or not a date."""
    raw = (request.args.get("from") or "").strip()
    if not raw:
        return cs.summary_start(today()), None
    for fmt in ("%Y-%m-%d", "%Y-%m"):
        try:
            return dt.datetime.strptime(raw, fmt).date(), None
        except ValueError:
            continue
    return cs.summary_start(today()), "The first month must be a real month, like 2025-04"


@bp.route("/supervision/summary", endpoint="supervision_summary")
@requires(signed_in, "can_read_log")
def supervision_summary(user_id: int) -> tuple[str, int]:
    person = load_person(user_id)
    start, error = _period_start()
    summary = cs.supervision_summary(db(), person, start)
    return render_template("portfolio/supervision_summary.html", person=person, summary=summary, error=error,
                           status_text=cs.status_text, chosen=f"{summary.start:%Y-%m}"), 400 if error else 200


from app.portfolio import contracts  # noqa: E402,F401
