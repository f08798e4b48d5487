"""Supervisor report pages: the supervisor writes, the supervisee reads and acknowledges, and nobody else gets in."""
import datetime as dt

import pytest
from sqlalchemy import select

from models import Role
from models.supervisor_work import SupervisorReport
from tests.factories import make_relationship, make_user

SUPERVISOR = (Role.PRACTITIONER, Role.SUPERVISOR)
FORM = {"period_from": "2024-01-01", "period_to": "2024-06-30", "caseload": "Ten step 3 cases",
        "competence": "Good formulation", "recommendation": "ready"}


@pytest.fixture
def pat(session):
    person = make_user(session, full_name="Pat Practitioner")
    session.commit()
    return person


@pytest.fixture
def sam(session, pat):
    sam = make_user(session, organisation=pat.organisation, full_name="Sam Supervisor", roles=SUPERVISOR)
    make_relationship(session, senior=sam, junior=pat, starts_on=dt.date(2024, 1, 1))
    session.commit()
    return sam


def test_supervisor_writes_a_report_and_the_supervisee_acknowledges_it(client, login_as, session, pat, sam):
    login_as(sam)
    response = client.submit(f"/people/{pat.id}/reports/new", FORM)
    assert response.status_code == 302 and response.location.endswith(f"/people/{pat.id}/reports")
    report = session.scalar(select(SupervisorReport))
    assert (report.supervisor_id, report.caseload) == (sam.id, "Ten step 3 cases")
    client.submit("/logout", form_url="/account/password")
    login_as(pat)
    page = client.get(f"/people/{pat.id}/reports").get_data(as_text=True)
    assert "Ten step 3 cases" in page and "I have read this report" in page
    response = client.submit(f"/people/{pat.id}/reports/{report.id}/acknowledge", {"comment": "Thanks"},
                             form_url=f"/people/{pat.id}/reports")
    assert response.status_code == 302
    session.refresh(report)
    assert report.acknowledged_at is not None and report.supervisee_comment == "Thanks"


def test_a_report_with_a_problem_is_shown_again_with_the_message_and_nothing_saved(client, login_as, session, pat, sam):
    login_as(sam)
    response = client.submit(f"/people/{pat.id}/reports/new", FORM | {"recommendation": "concerns"})
    assert response.status_code == 400 and "Describe the concerns" in response.get_data(as_text=True)
    assert session.scalar(select(SupervisorReport)) is None


def test_hr_and_a_supervisor_of_someone_else_get_404(client, login_as, session, pat, sam):
    hr = make_user(session, organisation=pat.organisation, roles=(Role.HR,))
    other = make_user(session, organisation=pat.organisation, roles=SUPERVISOR)
    session.commit()
    for outsider in (hr, other):
        login_as(outsider)
        assert client.get(f"/people/{pat.id}/reports").status_code == 404
        assert client.get(f"/people/{pat.id}/reports/new").status_code == 404
        client.submit("/logout", form_url="/account/password")


def test_the_supervisee_cannot_write_a_report_on_themselves_nor_the_supervisor_acknowledge(client, login_as, session,
                                                                                           pat, sam):
    login_as(pat)
    assert client.get(f"/people/{pat.id}/reports/new").status_code == 403
    client.submit("/logout", form_url="/account/password")
    login_as(sam)
    client.submit(f"/people/{pat.id}/reports/new", FORM)
    report = session.scalar(select(SupervisorReport))
    response = client.submit(f"/people/{pat.id}/reports/{report.id}/acknowledge", {},
                             form_url=f"/people/{pat.id}/reports")
    assert response.status_code == 403
