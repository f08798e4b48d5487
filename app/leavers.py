"""Leavers for HR: the people who have left in their scope, and producing a leaver's personal data export.

The leaver's own export-only access is enforced in app.security (the leaver gate); administrators
record the leaving date on the account page (app.admin.accounts, with LeavingDateForm from here).
Register with `app.register_blueprint(app.leavers.bp)`.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user
from app.forms import WaymarkForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import DateField
from wtforms.validators import Optional

from app.config import evidence_dir
from app.database import db
from app.jobs.runner import enqueue
from app.pagination import page_number, paginate
from app.security import ensure, requires
from app.services import leavers, staff_scope
from models import StaffProfile, Team, User

bp = Blueprint("leavers", __name__)
PER_PAGE = 50


class LeavingDateForm(WaymarkForm):
    """The day the person left (leave empty to remove it)."""

    left_on = DateField("Leaving date", validators=[Optional()],
                        invalid_value_message="Leaving date must be a real date, like 2026-03-31")


class ConfirmForm(WaymarkForm):
    """A button only: the CSRF token is the whole form."""


def today() -> dt.date:
    return dt.date.today()


def export_days() -> int:
    return int(current_app.config["LEAVER_EXPORT_DAYS"])


@bp.route("/leavers")
@requires(staff_scope.is_hr, "is_hr")
def leaver_list() -> str:
    session = db()
    stmt = leavers.leavers_in(session, current_user, today()).options(
        selectinload(User.profile).selectinload(StaffProfile.team).selectinload(Team.service))
    page = paginate(session, stmt, page_number(), PER_PAGE)
    standings = {u.id: leavers.standing(u, today(), export_days()) for u in page.items}
    return render_template("leavers/list.html", page=page, standings=standings, form=ConfirmForm())


@bp.route("/people/<int:user_id>/personal-data", methods=["GET", "POST"])
@requires(staff_scope.is_hr, "can_export_for_leaver")
def personal_data(user_id: int) -> str | Response:
    session = db()
    person = session.scalar(select(User).where(User.id == user_id).options(selectinload(User.profile)))
    ensure(person is not None and staff_scope.covers(session, current_user, person, today()), hide=True)
    assert person is not None
    ensure(leavers.can_export_for(session, current_user, person, today()))
    form = ConfirmForm()
    if form.validate_on_submit():
        job = leavers.start_export_for(session, current_user._get_current_object(), person,
                                       evidence_dir=evidence_dir(current_app.config), today=today())
        session.commit()
        enqueue(job.id)
        return redirect(url_for("jobs.show", job_id=job.id))
    return render_template("leavers/personal_data.html", person=person, form=form,
                           standing=leavers.standing(person, today(), export_days()))
