"""The service dashboard at /dashboard and the people behind each of its figures at /dashboard/people."""
from __future__ import annotations

import datetime as dt
import re

from flask import abort, current_app, render_template, request
from flask_login import current_user
from app.forms import WaymarkForm
from werkzeug.wrappers import Response
from wtforms import SelectChoice, SelectField
from wtforms.validators import Optional

from app.database import db
from app.security import requires
from app.services import service_dashboard as service
from app.services.staff_scope import Scope, has_staff_lists, scope_of
from app.staff import bp
from app.staff.download import FORMATS, table_response
from models import Service

#: A drill-down key as the dashboard makes them: "2026-10", "band-8a", "due-babcp_accreditation", "gap-3".
KEY = re.compile(r"[a-z0-9_-]{1,60}")


def today() -> dt.date:
    return dt.date.today()


#: This worker's last few dashboards (service_dashboard.DashboardCache: keyed on the audit chain, never the truth).
_CACHE = service.DashboardCache()


def _board(scope: Scope, day: dt.date, service_id: int | None, only: list[str] | None = None) -> service.Dashboard:
    """The cache is on unless DASHBOARD_CACHE says otherwise; off by default under test, where rolled-back data
    could come back with an audit seq already seen."""
    if current_app.config.get("DASHBOARD_CACHE", not current_app.testing):
        return _CACHE.dashboard(db(), scope, day, service_id=service_id, only=only)
    return service.dashboard(db(), scope, day, service_id=service_id, only=only)


class DashboardFilterForm(WaymarkForm):
    """Sent with GET, so a filtered dashboard can be bookmarked."""

    class Meta:
        csrf = False

    service = SelectField("Service", validators=[Optional()], invalid_choice_message="Choose a service from the list")

    def set_services(self, services: list[Service]) -> None:
        self.service.choices = [SelectChoice("", "All services you can see"),
                                *(SelectChoice(str(s.id), s.name) for s in services)]


def _filtered(scope: Scope) -> tuple[DashboardFilterForm, list[Service], int | None, bool]:
    """The filter form, the services it offers, the service chosen, and whether the choice was valid."""
    services = service.services_in_view(db(), scope)
    form = DashboardFilterForm(request.args)
    form.set_services(services)
    valid = form.validate()
    return form, services, int(form.service.data) if valid and form.service.data else None, valid


@bp.route("/dashboard")
@requires(has_staff_lists, "can_view_service_dashboard")
def dashboard() -> tuple[str, int]:
    session, day = db(), today()
    scope = scope_of(session, current_user, day)
    form, services, service_id, valid = _filtered(scope)
    board = _board(scope, day, service_id)
    filters = {"service": str(service_id)} if service_id else {}
    return render_template("staff/dashboard.html", form=form, board=board, services=services, scope=scope,
                           filters=filters), 200 if valid else 400


@bp.route("/dashboard/people")
@requires(has_staff_lists, "can_view_service_dashboard")
def dashboard_people() -> str | Response:
    section, key = request.args.get("section", ""), request.args.get("key", "")
    if section not in service.SECTIONS or not KEY.fullmatch(key):
        abort(404)
    session, day = db(), today()
    scope = scope_of(session, current_user, day)
    _form, _services, service_id, valid = _filtered(scope)
    if not valid:
        abort(404)
    board = _board(scope, day, service_id, [section])
    found = board.people_list(section, key)
    fmt = request.args.get("format")
    if fmt is not None:
        if fmt not in FORMATS or found is None:
            abort(404)
        return table_response(f"dashboard-{section}-{key}", found.headings, found.export_rows(), fmt,
                              title=service.SECTIONS[section][:31])
    filters = {"service": str(service_id)} if service_id else {}
    return render_template("staff/dashboard_people.html", found=found, section=section, key=key,
                           heading=service.SECTIONS[section], filters=filters, board=board)
