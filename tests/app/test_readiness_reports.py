"""A supervisor's report reaches the readiness rules once every report a pathway needs is in."""
import datetime as dt

from app.services import readiness
from app.services import supervisor_reports as reports
from competences.evidence import Snapshot
from models import Role
from tests.factories import make_organisation, make_relationship, make_user

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)


def report(session, supervisor, person, days_ago):
    return reports.write_report(session, supervisor, person, reports.ReportInput(
        period_from=TODAY - (days_ago + 180) * DAY, period_to=TODAY - days_ago * DAY, caseload="Twelve cases",
        competence="Competent in CBT for anxiety", recommendation=next(iter(reports.RECOMMENDATIONS))),
        today=TODAY - days_ago * DAY)


def kinds(session, person):
    snapshot = readiness.with_supervisor_reports(session, person, Snapshot(person_id=str(person.id), today=TODAY))
    return [(c.kind, c.awarded_on) for c in snapshot.credentials]


def test_a_report_from_a_supervisor_of_over_six_months_is_enough(session):
    org = make_organisation(session)
    person = make_user(session, organisation=org)
    sam = make_user(session, organisation=org, roles=(Role.SUPERVISOR,))
    make_relationship(session, senior=sam, junior=person, starts_on=TODAY - 400 * DAY)
    assert kinds(session, person) == []
    report(session, sam, person, days_ago=30)
    assert kinds(session, person) == [("supervisor_report", TODAY - 30 * DAY)]


def test_under_six_months_the_previous_supervisors_report_is_needed_too(session):
    org = make_organisation(session)
    person = make_user(session, organisation=org)
    old = make_user(session, organisation=org, roles=(Role.SUPERVISOR,))
    new = make_user(session, organisation=org, roles=(Role.SUPERVISOR,))
    make_relationship(session, senior=old, junior=person, starts_on=TODAY - 500 * DAY, ends_on=TODAY - 61 * DAY)
    make_relationship(session, senior=new, junior=person, starts_on=TODAY - 60 * DAY)
    report(session, new, person, days_ago=5)
    assert kinds(session, person) == []  # the previous supervisor's is missing
    report(session, old, person, days_ago=70)
    # Dated by the older of the two: it leaves the rolling 12 months first.
    assert kinds(session, person) == [("supervisor_report", TODAY - 70 * DAY)]
