"""The readiness dashboard: each applicable pathway's report, three charts, and the way into each log.

Also the two template helpers other pages use: `has_endpoint` (a link to a log only once that log
exists) and `readiness_panel` (on a profile page, the dashboard link for the person and their
supervisor or tutor, or the statuses-only summary for HR, service leads and line managers).
"""
from __future__ import annotations

import dataclasses

from flask import render_template, url_for
from flask_login import current_user

from app.database import db
from app.portfolio import bp
from app.portfolio.common import load_person, today
from app.security import requires, signed_in
from app.services import readiness
from app.services.access import can_view_person
from app.services.logs import can_read_log
from exports import charts
from models import Regulator, User
from models.snapshot import NOT_RECORDED

#: The logs, in the order the dashboard and the home page list them: (endpoint, link text).
LOGS = (
    ("portfolio.cpd", "CPD log"),
    ("portfolio.supervision", "Supervision received"),
    ("portfolio.cases", "Cases"),
    ("portfolio.contacts", "Clinical contacts"),
    ("portfolio.nmc", "NMC revalidation evidence"),
)


@bp.app_template_global()
@dataclasses.dataclass(frozen=True)
class ReadinessPanel:
    #: The dashboard's URL for those who may read the logs; None for statuses-only viewers.
    dashboard_url: str | None
    rows: tuple[readiness.SummaryRow, ...] = ()


def readiness_panel(person: User) -> ReadinessPanel | None:
    """What a profile page shows about readiness to the signed-in user (None: nothing)."""
    session, day = db(), today()
    if can_read_log(session, current_user, person, day):
        return ReadinessPanel(dashboard_url=url_for("portfolio.dashboard", user_id=person.id))
    if can_view_person(session, current_user, person, day):
        return ReadinessPanel(dashboard_url=None,
                              rows=tuple(readiness.summary_rows(readiness.readiness_for(session, person, day))))
    return None


def log_links(person: User) -> list[tuple[str, str]]:
    """(URL, text) of each log that exists; the NMC log only for NMC registrants."""
    nurse = person.profile is not None and any(r.regulator is Regulator.NMC for r in person.profile.registrations)
    return [(url_for(endpoint, user_id=person.id), text) for endpoint, text in LOGS
            if endpoint != "portfolio.nmc" or nurse]


@bp.route("/dashboard")
@requires(signed_in, "can_read_log")
def dashboard(user_id: int) -> str:
    person = load_person(user_id)
    assessment = readiness.assess(db(), person, today())
    snapshot = assessment.snapshot
    chart_list = [
        charts.supervision_chart(snapshot, assessment.monthly_supervision_target()),
        charts.contacts_chart(snapshot, assessment.weekly_contacts_target()),
        charts.cpd_chart(snapshot),
    ]
    return render_template("portfolio/dashboard.html", person=person, assessment=assessment, charts=chart_list,
                           summary=readiness.summary_rows(assessment.reports), logs=log_links(person),
                           not_recorded=NOT_RECORDED, is_self=person.id == current_user.id, today=today(),
                           horizon_years=readiness.EXPECTED_HORIZON_YEARS)
