"""Admin pages for the organisation's structure: its details, its services and their teams.

Each page holds more than one small form; a hidden `action` field says which one was sent, and
only that form reads the request, so the others keep showing the saved values.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from app.admin import bp
from app.admin.structure_forms import AddServiceForm, AddTeamForm, OrganisationForm, ServiceForm, TeamForm
from app.database import db
from app.forms import attach_error
from app.security import ensure, requires
from app.services import organisation as structure_service
from app.services.access import can_manage_organisation
from app.services.errors import DomainError
from models import Organisation, Service, StaffProfile, Team, User

Page = str | Response | tuple[str, int]
TOGGLES = frozenset({"deactivate", "reactivate"})


def submitted_action(allowed: set[str] | frozenset[str]) -> str | None:
    """The form that was posted, or None on GET; an unknown action is a malformed request."""
    if request.method != "POST":
        return None
    action = request.form.get("action", "")
    if action not in allowed:
        abort(400)
    return action


def formdata_for(action: str | None, name: str) -> MultiDict[str, str] | None:
    return request.form if action == name else None


def apply_change(change: Callable[[], object], form: FlaskForm | None, message: str, target: str) -> Response | str:
    """Run one service call, then commit and redirect; or roll back and return the error message.

    With a form, the message is also placed beside the field it names.
    """
    session = db()
    try:
        change()
    except DomainError as err:
        session.rollback()
        if form is not None:
            attach_error(form, err)
        return err.message
    session.commit()
    flash(message)
    return redirect(target)


def _render(template: str, result: Response | str | None, form: FlaskForm | None, **context: object) -> Page:
    if isinstance(result, Response):
        return result
    failed = bool(result) or bool(form is not None and form.errors)
    return render_template(template, form=form, problem=result if form is None else None, **context), \
        400 if failed else 200


@bp.route("/organisation", methods=["GET", "POST"])
@requires(can_manage_organisation)
def organisation() -> Page:
    session = db()
    org = session.get(Organisation, current_user.organisation_id)
    ensure(org is not None, hide=True)
    assert org is not None
    action = submitted_action({"details", "add_service"})
    details = OrganisationForm(formdata=formdata_for(action, "details"), obj=org)
    add = AddServiceForm(formdata=formdata_for(action, "add_service"))
    here = url_for("admin.organisation")
    result: Response | str | None = None
    if action == "details" and details.validate():
        result = apply_change(lambda: structure_service.rename_organisation(
            session, org, name=details.name.data or "", ods_code=details.ods_code.data), details,
            "The organisation's details have been saved.", here)
    elif action == "add_service" and add.validate():
        result = apply_change(lambda: structure_service.add_service(session, org, name=add.service_name.data or ""),
                              add, "The service has been added.", here)
    form = add if action == "add_service" else details
    return _render("admin/organisation.html", result, form, organisation=org, details=details, add=add,
                   structure=structure_service.structure(session, org.id))


def _own_service(service_id: int) -> Service:
    service = db().scalar(select(Service).where(Service.id == service_id).options(selectinload(Service.teams)))
    ensure(service is not None and service.organisation_id == current_user.organisation_id, hide=True)
    assert service is not None
    return service


@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@requires(can_manage_organisation)
def service(service_id: int) -> Page:
    session = db()
    svc = _own_service(service_id)
    action = submitted_action({"rename", "add_team", *TOGGLES})
    rename = ServiceForm(formdata=formdata_for(action, "rename"), obj=svc)
    add = AddTeamForm(formdata=formdata_for(action, "add_team"))
    here = url_for("admin.service", service_id=svc.id)
    result: Response | str | None = None
    if action == "rename" and rename.validate():
        result = apply_change(lambda: structure_service.update_service(session, svc, name=rename.name.data or ""),
                              rename, "The service has been renamed.", here)
    elif action == "add_team" and add.validate():
        result = apply_change(lambda: structure_service.add_team(session, svc, name=add.team_name.data or ""),
                              add, "The team has been added.", here)
    elif action in TOGGLES:
        result = apply_change(lambda: structure_service.update_service(session, svc, active=action == "reactivate"),
                              None, f"The service has been {action}d.", here)
    form = add if action == "add_team" else None if action in TOGGLES else rename
    return _render("admin/service.html", result, form, service=svc, rename=rename, add=add,
                   teams=structure_service.teams_with_counts(session, svc))


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@requires(can_manage_organisation)
def team(team_id: int) -> Page:
    session = db()
    team = session.scalar(select(Team).where(Team.id == team_id).options(selectinload(Team.service)))
    ensure(team is not None and team.service.organisation_id == current_user.organisation_id, hide=True)
    assert team is not None
    action = submitted_action({"rename", *TOGGLES})
    rename = TeamForm(formdata=formdata_for(action, "rename"), obj=team)
    here = url_for("admin.team", team_id=team.id)
    result: Response | str | None = None
    if action == "rename" and rename.validate():
        result = apply_change(lambda: structure_service.update_team(session, team, name=rename.name.data or ""),
                              rename, "The team has been renamed.", here)
    elif action in TOGGLES:
        result = apply_change(lambda: structure_service.update_team(session, team, active=action == "reactivate"),
                              None, f"The team has been {action}d.", here)
    staff = list(session.scalars(select(User).join(StaffProfile, StaffProfile.user_id == User.id)
                                 .where(StaffProfile.team_id == team.id, User.active.is_(True))
                                 .order_by(User.full_name)))
    return _render("admin/team.html", result, None if action in TOGGLES else rename,
                   team=team, rename=rename, staff=staff)
