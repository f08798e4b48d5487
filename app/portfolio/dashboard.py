"""The readiness dashboard: each applicable pathway's report, three charts, and the way into each log.

Also what other pages use: `log_links` (the logs that apply to a person, for the home page) and
`readiness_panel` (on a profile page, the dashboard link for the person and their supervisor or
tutor, or the statuses-only summary for HR, service leads and line managers).
"""
from __future__ import annotations

import dataclasses

from flask import render_template, url_for
from flask_login import current_user

from app.database import db
from app.portfolio import bp
from app.portfolio.common import load_person, today
from app.security import requires, signed_in
from app.services import ksa as ksa_service
from app.services import readiness
from app.services.access import can_view_person
from app.services.logs import can_read_log
from exports import charts
from models import User
from models.snapshot import NOT_RECORDED, is_wellbeing_practitioner

#: The logs, in the order the dashboard and the home page list them: (endpoint, link text).
LOGS = (
    ("portfolio.cpd", "CPD log"),
    ("portfolio.supervision", "Supervision received"),
    ("portfolio.supervision_summary", "Supervision summary for BABCP (any 12 months)"),
    ("portfolio.reports", "Supervisor reports"),
    ("portfolio.cases", "Cases"),
    ("portfolio.contacts", "Clinical contacts"),
    ("portfolio.nmc", "NMC revalidation evidence"),
    ("portfolio.evidence", "Evidence library"),
    ("portfolio.frameworks", "Competence frameworks and claims"),
    ("portfolio.levels_index", "Level ratings (self and supervisor)"),
    ("portfolio.ksa", "KSA portfolio"),
    ("portfolio.training", "Training courses"),
    ("portfolio.ctsr", "CTS-R ratings"),
    ("portfolio.live_assessments", "PWP live assessments"),
    ("portfolio.credentials", "Accreditations, registrations and qualifications"),
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
    """(URL, text) of each log that applies to the person.

    The NMC log only for NMC registrants; PWP live assessments for wellbeing practitioners and CTS-R
    ratings for everyone else; the KSA portfolio for trainee HI therapists and anyone who has
    started one (people with a core profession do not need it).
    """
    profile = person.profile
    nurse = profile is not None and any(r.kind == "nmc" for r in profile.registrations)
    band, title = (profile.band, profile.job_title) if profile is not None else (None, None)
    pwp = is_wellbeing_practitioner(band, title)
    skip = {"portfolio.live_assessments" if not pwp else "portfolio.ctsr"}
    if not nurse:
        skip.add("portfolio.nmc")
    if not ("trainee" in (title or "").lower() and band == "6") and ksa_service.portfolio_of(db(), person.id) is None:
        skip.add("portfolio.ksa")
    return [(url_for(endpoint, user_id=person.id), text) for endpoint, text in LOGS if endpoint not in skip]


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
