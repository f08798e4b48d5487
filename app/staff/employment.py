"""A person's pay and career at /people/<id>/employment, and HR recording a band, step or post change."""
from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.security import ensure, requires, signed_in
from app.services import employment as employment_service
from app.services.errors import DomainError
from app.services.logs import can_read_log
from app.services.pay_steps import pay_scale, positions
from app.services.posts import editable_services
from app.services.staff_scope import can_record_hr_standing, covers, is_hr
from app.staff import bp
from app.staff.employment_forms import EmploymentChangeForm
from models import Post, StaffProfile, Team, User, audit
from models.reference_data import catalogue_for


def today() -> dt.date:
    return dt.date.today()


def _load(session: Session, user_id: int, day: dt.date) -> User:
    """The person, if the viewer covers them (404 otherwise)."""
    person = session.scalar(select(User).where(User.id == user_id).options(
        selectinload(User.role_grants),
        selectinload(User.profile).options(
            selectinload(StaffProfile.team), selectinload(StaffProfile.working_patterns),
            selectinload(StaffProfile.registrations),
            selectinload(StaffProfile.post).selectinload(Post.team).selectinload(Team.service))))
    ensure(person is not None and person.organisation_id == current_user.organisation_id
           and covers(session, current_user, person, day), hide=True)
    assert person is not None
    return person


@bp.route("/people/<int:user_id>/employment")
@requires(signed_in, "covers")
def employment(user_id: int) -> str:
    session, day = db(), today()
    person = _load(session, user_id, day)
    profile = person.profile
    context: dict[str, object] = {}
    if profile is not None:
        catalogue = catalogue_for(session)
        context = {"pay": employment_service.pay_today(profile, catalogue, day),
                   "position": positions(session, [profile.id], day, catalogue).get(profile.id),
                   "career": employment_service.career(session, person, profile, catalogue, day),
                   "history": employment_service.history(session, profile)}
    if is_hr(current_user) and current_user.id != person.id:
        audit.record(session, "hr_viewed_progression", "users", person.id, actor_id=current_user.id)
        session.commit()
    return render_template("staff/employment.html", person=person, profile=profile, today=day,
                           can_change=can_record_hr_standing(session, current_user, person),
                           can_read_report=can_read_log(session, current_user, person, day), **context)


def _posts(session: Session, profile: StaffProfile) -> dict[int, Post]:
    """Active posts the HR officer may place the person in, and the one they hold now (whatever it is)."""
    services = editable_services(current_user)
    stmt = (select(Post).join(Team, Post.team_id == Team.id)
            .where(Post.organisation_id == current_user.organisation_id,
                   or_(Post.active.is_(True), Post.id == (profile.post_id or -1)))
            .options(selectinload(Post.team)).order_by(Post.number))
    if services is not None:
        stmt = stmt.where(or_(Team.service_id.in_(sorted(services)), Post.id == (profile.post_id or -1)))
    return {p.id: p for p in session.scalars(stmt)}


@bp.route("/people/<int:user_id>/employment/change", methods=["GET", "POST"])
@requires(is_hr)
def employment_change(user_id: int) -> tuple[str, int] | Response:
    session, day = db(), today()
    person = _load(session, user_id, day)
    ensure(can_record_hr_standing(session, current_user, person))
    profile = person.profile
    ensure(profile is not None, hide=True)
    assert profile is not None
    posts = _posts(session, profile)
    form = EmploymentChangeForm()
    form.set_posts(posts.values())
    if request.method == "GET":
        form.band.data, form.pay_step.data = profile.band or "", str(profile.pay_step or "")
        form.post_id.data, form.job_title.data = str(profile.post_id or ""), profile.job_title
    if form.validate_on_submit():
        try:
            employment_service.record_change(session, profile, form.values(), actor=current_user, posts=posts,
                                             scale=pay_scale(catalogue_for(session), day), today=day)
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(f"Change recorded for {person.full_name}.")
            return redirect(url_for("staff.employment", user_id=person.id))
    return render_template("staff/employment_change.html", form=form, person=person, profile=profile,
                           today=day), 400 if form.errors else 200
