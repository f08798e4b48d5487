"""A person's profile: post, band and step, working pattern, leave, registrations and relationships."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.database import db
from app.portfolio.dashboard import readiness_panel
from app.security import ensure, requires, signed_in
from app.services import evidence as evidence_service, staff_scope
from app.services.access import can_manage_relationship_of, can_view_person
from models import StaffProfile, StaffRelationship, User

bp = Blueprint("people", __name__, url_prefix="/people")


@bp.route("/<int:user_id>")
@requires(signed_in, "can_view_person")
def profile(user_id: int) -> str:
    session = db()
    person = session.scalar(select(User).where(User.id == user_id).options(
        selectinload(User.role_grants),
        selectinload(User.profile).options(
            selectinload(StaffProfile.team), selectinload(StaffProfile.working_patterns),
            selectinload(StaffProfile.leave_periods), selectinload(StaffProfile.registrations))))
    today = dt.date.today()
    ensure(person is not None and can_view_person(session, current_user, person, today), hide=True)
    assert person is not None
    relationships = list(session.scalars(
        select(StaffRelationship).where(StaffRelationship.junior_id == person.id)
        .options(selectinload(StaffRelationship.senior)).order_by(StaffRelationship.starts_on.desc())))
    return render_template("people/profile.html", person=person, profile=person.profile, today=today,
                           relationships=relationships, panel=readiness_panel(person),
                           can_manage=can_manage_relationship_of(session, current_user, person),
                           hr_visible=staff_scope.covers(session, current_user, person, today),
                           evidence_access=evidence_service.evidence_access(session, current_user, person, today).name)
