"""Supervisor reports (written by the supervisor, acknowledged by the supervisee) and supervision given.

Reports are private like the logs: load_person lets only the person and their current supervisors
or tutors in (HR, managers and admins get 404); only a current supervisor writes one, and only the
person acknowledges it.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.portfolio import bp
from app.portfolio.common import load_person, today
from app.portfolio.supervisor_reports_forms import AcknowledgeForm, ReportForm
from app.security import ensure, requires, signed_in
from app.services import supervisor_reports as service
from app.services.access import can_supervise
from app.services.errors import DomainError
from models import User
from models.supervisor_work import SupervisorReport


def _load_report(person: User, report_id: int) -> SupervisorReport:
    report = db().scalar(select(SupervisorReport).where(SupervisorReport.id == report_id,
                                                        SupervisorReport.supervisee_id == person.id))
    ensure(report is not None, hide=True)
    assert report is not None
    return report


@bp.route("/reports")
@requires(signed_in, "can_read_log")
def reports(user_id: int) -> str:
    person = load_person(user_id)
    return render_template("portfolio/reports_list.html", person=person,
                           reports=service.reports_about(db(), person.id),
                           required=service.reports_required(db(), person, today()),
                           recommendations=service.RECOMMENDATIONS, is_self=current_user.id == person.id,
                           can_write=can_supervise(db(), current_user, person, today()), form=AcknowledgeForm())


@bp.route("/reports/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def report_new(user_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id)
    ensure(can_supervise(db(), current_user, person, today()))
    form = ReportForm()
    if form.validate_on_submit():
        try:
            service.write_report(db(), current_user, person, form.details(), today=today())
        except DomainError as err:
            db().rollback()
            attach_error(form, err)
        else:
            db().commit()
            flash(f"Report on {person.full_name} saved. They will see it on their reports page.")
            return redirect(url_for("portfolio.reports", user_id=person.id))
    return render_template("portfolio/report_form.html", person=person, form=form), 400 if form.errors else 200


@bp.route("/reports/<int:report_id>/acknowledge", methods=["POST"])
@requires(signed_in, "can_read_log")
def report_acknowledge(user_id: int, report_id: int) -> Response:
    person = load_person(user_id, for_change=True)
    report = _load_report(person, report_id)
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0])
        return redirect(url_for("portfolio.reports", user_id=person.id))
    try:
        service.acknowledge_report(db(), report, current_user, form.comment.data)
    except DomainError as err:
        db().rollback()
        flash(err.message)
    else:
        db().commit()
        flash("Report acknowledged.")
    return redirect(url_for("portfolio.reports", user_id=person.id))
from app.portfolio import feedback, supervision_given  # noqa: E402,F401
