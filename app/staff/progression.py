"""Pay-step progression pages: the round (who is due), HR's oversight of decisions, and one person's progression
with the forms to record an appraisal, HR standing, a decision and a correction.

Scope comes from app.services.staff_scope: a person outside it does not exist for the viewer (404), and a
visible person's action that is not theirs to take is a 403. Every HR view of someone else's progression data (their
page, the HR standing form, the correction form) is audited, in `_audit_hr_view`.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app.database import db
from app.forms import attach_error
from app.pagination import Page, page_number, paginate
from app.security import ensure, requires, signed_in
from app.services import progression as service
from app.services.errors import DomainError
from app.services.staff_scope import (Scope, can_correct_progression, can_decide_progression, can_record_hr_standing,
                                      covers, has_staff_lists, is_hr, people_in, scope_of)
from app.staff import bp
from app.staff.download import FORMATS, table_response
from app.staff.progression_forms import (TRI_STATE, AppraisalForm, CorrectionForm, DecisionFilterForm, DecisionForm,
                                        RoundFilterForm, StandingForm)
from models import audit
from models.hr import AppraisalOutcome, ProgressionDecision
from models.organisation import Team
from models.people import StaffProfile, User
from models.reference_data import catalogue_for

DECISIONS_PER_PAGE = 50
#: As the staff directory: a round over a custom window can list most of a Trust.
ROUND_PER_PAGE = 50


def _export_headers(session: Session) -> tuple[str, ...]:
    """The columns of the round's export; the standards' titles come from the pay data."""
    titles = service.standard_rules(catalogue_for(session), today()).titles
    return ("Name", "Team", "Band", "Step", "Next step date", "Days deferred by leave", "Status", *titles.values(),
            "Decision", "Decided on", "Review date")


def today() -> dt.date:
    return dt.date.today()


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


# --- the round ---------------------------------------------------------------------------------

def _team_choices(session: Session, scope: Scope) -> list[SelectChoice]:
    ids = people_in(scope).with_only_columns(StaffProfile.team_id).where(StaffProfile.team_id.is_not(None))
    teams = session.scalars(select(Team).where(Team.id.in_(ids.scalar_subquery())).order_by(Team.name))
    return [SelectChoice("", "All teams"), *(SelectChoice(str(t.id), t.name) for t in teams)]


def _round_filters(form: RoundFilterForm) -> tuple[dt.date | None, dt.date | None, dict[str, Any]]:
    start, end = service.default_window(today())
    if form.window.data == "custom":
        start, end = form.start.data, form.end.data
    return start, end, {"search": form.q.data, "team_id": int(form.team.data) if form.team.data else None,
                        "overdue_only": form.window.data == "overdue"}


def _export_row(row: service.DueRow) -> list[Any]:
    d = row.decision
    return [row.name, row.team, row.position.band, row.position.step_text, row.position.next_step_on,
            row.position.deferred_days, row.status_text, *(s.status_text for s in row.standards),
            d.outcome.label if d else None, d.decided_at.date() if d else None, d.review_on if d else None]


@bp.route("/progression")
@requires(has_staff_lists, "can_view_progression_round")
def progression_round() -> tuple[str, int] | Response:
    session = db()
    scope = scope_of(session, _actor(), today())
    form = RoundFilterForm(request.args)
    form.team.choices = _team_choices(session, scope)
    valid = form.validate()
    if not valid:
        return render_template("staff/progression_round.html", form=form, page=None, filters={},
                               decide_days=service.DECIDE_DAYS_BEFORE, show_oversight=is_hr(_actor())), 400
    start, end, chosen = _round_filters(form)
    fmt = request.args.get("format")
    if fmt in FORMATS:
        rows = service.due_list(session, scope, today(), start, end, **chosen)
        audit.record(session, "progression_round_exported", "users", current_user.id, detail={"rows": len(rows)})
        session.commit()
        return table_response("pay-step-progression", _export_headers(session), [_export_row(r) for r in rows], fmt,
                              title="Pay-step progression")
    items, total, number = service.due_page(session, scope, today(), start, end, page_number(), ROUND_PER_PAGE,
                                            **chosen)
    filters = {k: request.args[k] for k in ("window", "start", "end", "team", "q") if request.args.get(k)}
    return render_template("staff/progression_round.html", form=form, filters=filters,
                           page=Page(items=items, number=number, per_page=ROUND_PER_PAGE, total=total),
                           show_oversight=is_hr(_actor()), decide_days=service.DECIDE_DAYS_BEFORE), 200


# --- HR oversight ------------------------------------------------------------------------------

@bp.route("/progression/decisions")
@requires(is_hr, "can_oversee_progression")
def progression_decisions() -> tuple[str, int]:
    session = db()
    form = DecisionFilterForm(request.args)
    valid = form.validate()
    stmt = service.decisions_in(scope_of(session, _actor(), today()), outcome=form.outcome.data if valid else None)
    page = paginate(session, stmt, page_number(), DECISIONS_PER_PAGE)
    filters = {"outcome": form.outcome.data} if valid and form.outcome.data else {}
    return render_template("staff/progression_decisions.html", form=form, page=page, filters=filters), \
        200 if valid else 400


# --- one person --------------------------------------------------------------------------------

def _load_person(user_id: int) -> User:
    """The person, if the viewer's HR scope covers them (themselves included); nobody else exists here."""
    session = db()
    person = session.scalar(select(User).where(User.id == user_id).options(
        selectinload(User.role_grants), selectinload(User.profile).selectinload(StaffProfile.working_patterns)))
    ensure(person is not None and person.organisation_id == current_user.organisation_id
           and covers(session, _actor(), person, today()), hide=True)
    assert person is not None
    return person


def _audit_hr_view(session: Session, person: User) -> None:
    """Record (and commit) an HR viewer's GET of someone else's progression data, once they are authorised."""
    actor = _actor()
    if request.method == "GET" and is_hr(actor) and actor.id != person.id:
        audit.record(session, "hr_viewed_progression", "users", person.id, actor_id=actor.id)
        session.commit()


@bp.route("/people/<int:user_id>/progression")
@requires(signed_in, "can_view_progression")
def person_progression(user_id: int) -> str:
    session = db()
    person = _load_person(user_id)
    actor = _actor()
    _audit_hr_view(session, person)
    view = service.person_progression(session, person, today())
    return render_template(
        "staff/progression_person.html", view=view, person=person, today=today(), is_self=actor.id == person.id,
        can_decide=can_decide_progression(session, actor, person, today()),
        can_stand=can_record_hr_standing(session, actor, person),
        can_correct=can_correct_progression(session, actor, person), actor_id=actor.id)


def _saved(person: User, message: str) -> Response:
    flash(message)
    return redirect(url_for("staff.person_progression", user_id=person.id))


@bp.route("/people/<int:user_id>/progression/appraisal", methods=["GET", "POST"])
@requires(signed_in, "can_decide_progression")
def progression_appraisal(user_id: int) -> tuple[str, int] | Response:
    session = db()
    person = _load_person(user_id)
    ensure(can_decide_progression(session, _actor(), person, today()))
    form = AppraisalForm()
    if form.validate_on_submit():
        try:
            service.record_appraisal(session, person, held_on=form.held_on.data,
                                     outcome=AppraisalOutcome(form.outcome.data), summary=form.summary.data,
                                     actor=_actor(), today=today())
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            return _saved(person, f"Appraisal of {person.full_name} recorded.")
    return render_template("staff/progression_appraisal.html", form=form, person=person), 400 if form.errors else 200


@bp.route("/people/<int:user_id>/progression/hr-standing", methods=["GET", "POST"])
@requires(signed_in, "can_record_hr_standing")
def progression_standing(user_id: int) -> tuple[str, int] | Response:
    session = db()
    person = _load_person(user_id)
    ensure(can_record_hr_standing(session, _actor(), person))
    _audit_hr_view(session, person)
    view = service.person_progression(session, person, today())
    form = StandingForm(data=StandingForm.data_of(view.standing))
    if form.validate_on_submit():
        try:
            service.save_standing(
                session, person, mandatory_training_complete=TRI_STATE[form.mandatory_training.data],
                checked_on=form.checked_on.data, capability_process=TRI_STATE[form.capability.data],
                disciplinary_sanction=TRI_STATE[form.disciplinary.data],
                sanction_live_until=form.sanction_live_until.data, actor=_actor(), today=today())
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            return _saved(person, f"HR standing of {person.full_name} saved.")
    return render_template("staff/progression_standing.html", form=form, person=person), 400 if form.errors else 200


@bp.route("/people/<int:user_id>/progression/decision", methods=["GET", "POST"])
@requires(signed_in, "can_decide_progression")
def progression_decide(user_id: int) -> tuple[str, int] | Response:
    session = db()
    person = _load_person(user_id)
    ensure(can_decide_progression(session, _actor(), person, today()))
    view = service.person_progression(session, person, today())
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            decision = service.decide(session, person, **form.values(), override=bool(form.override.data),
                                      actor=_actor(), today=today())
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            return _saved(person, f"Step {decision.to_step} for {person.full_name}: {decision.outcome.label.lower()}.")
    return render_template("staff/progression_decide.html", form=form, person=person, view=view), \
        400 if form.errors else 200


@bp.route("/progression/decisions/<int:decision_id>/correct", methods=["GET", "POST"])
@requires(signed_in, "can_correct_progression")
def progression_correct(decision_id: int) -> tuple[str, int] | Response:
    session = db()
    decision = session.get(ProgressionDecision, decision_id)
    ensure(decision is not None, hide=True)
    assert decision is not None
    profile = session.get(StaffProfile, decision.profile_id)
    assert profile is not None
    person = _load_person(profile.user_id)
    ensure(service.may_correct(session, _actor(), person, decision))
    _audit_hr_view(session, person)
    form = CorrectionForm(data=CorrectionForm.data_of(decision))
    if form.validate_on_submit():
        try:
            service.correct(session, decision, **form.values(), override=bool(form.override.data),
                            correction_reason=form.correction_reason.data, actor=_actor(), today=today())
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            return _saved(person, f"Decision corrected for {person.full_name}.")
    latest = service.latest_decision(session, profile.id)
    return render_template("staff/progression_correct.html", form=form, person=person, decision=decision,
                           is_latest=latest is not None and latest.id == decision.id), 400 if form.errors else 200
