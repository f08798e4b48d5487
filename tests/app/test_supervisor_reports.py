"""Supervisor reports: who may write and acknowledge them, which reports a pathway needs, and the queue of reports due."""
import datetime as dt

import pytest

from app.services import supervisor_reports as reports
from app.services.errors import DomainError
from models import Role
from tests.factories import make_relationship, make_user

TODAY = dt.date(2025, 7, 15)
SUPERVISOR = (Role.PRACTITIONER, Role.SUPERVISOR)


def details(**overrides):
    values = {"period_from": dt.date(2025, 1, 1), "period_to": dt.date(2025, 6, 30),
              "caseload": "Twelve step 3 cases, mostly depression and GAD", "competence": "Sound CBT formulation",
              "recommendation": "ready"}
    return reports.ReportInput(**(values | overrides))


@pytest.fixture
def pat(session):
    return make_user(session, full_name="Pat Practitioner")


@pytest.fixture
def sam(session, pat):
    sam = make_user(session, organisation=pat.organisation, full_name="Sam Supervisor", roles=SUPERVISOR)
    make_relationship(session, senior=sam, junior=pat, starts_on=dt.date(2024, 1, 1))
    return sam


def supervisor(session, pat, name, starts_on, ends_on=None):
    person = make_user(session, organisation=pat.organisation, full_name=name, roles=SUPERVISOR)
    make_relationship(session, senior=person, junior=pat, starts_on=starts_on, ends_on=ends_on)
    return person


def test_current_supervisor_writes_a_report_dated_today(session, pat, sam):
    report = reports.write_report(session, sam, pat, details(concerns="  "), today=TODAY)
    assert (report.written_on, report.supervisor_id, report.supervisee_id) == (TODAY, sam.id, pat.id)
    assert report.concerns is None and report.acknowledged_at is None


def test_someone_not_supervising_the_person_today_cannot_write_a_report(session, pat):
    former = supervisor(session, pat, "Former", dt.date(2024, 1, 1), ends_on=TODAY - dt.timedelta(days=1))
    stranger = make_user(session, organisation=pat.organisation, roles=SUPERVISOR)
    for who in (former, stranger):
        with pytest.raises(DomainError, match="not supervising"):
            reports.write_report(session, who, pat, details(), today=TODAY)


def test_nobody_writes_a_report_about_themselves(session, sam):
    with pytest.raises(DomainError, match="yourself"):
        reports.write_report(session, sam, sam, details(), today=TODAY)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"period_to": dt.date(2024, 12, 31)}, "period_to"),
    ({"period_to": TODAY + dt.timedelta(days=1)}, "period_to"),
    ({"caseload": " "}, "caseload"),
    ({"competence": ""}, "competence"),
    ({"recommendation": "maybe"}, "recommendation"),
    ({"recommendation": "concerns"}, "concerns"),
    ({"concerns": "Client NHS number 943 476 5919 discussed"}, "concerns"),
])
def test_a_report_with_a_problem_names_the_field(session, pat, sam, overrides, field):
    with pytest.raises(DomainError) as err:
        reports.write_report(session, sam, pat, details(**overrides), today=TODAY)
    assert err.value.field == field


def test_the_supervisee_acknowledges_once_with_a_comment_and_nobody_else_can(session, pat, sam):
    report = reports.write_report(session, sam, pat, details(), today=TODAY)
    with pytest.raises(DomainError, match="Only the person"):
        reports.acknowledge_report(session, report, sam, None)
    reports.acknowledge_report(session, report, pat, "  Agreed, thank you ")
    assert report.acknowledged_at is not None and report.supervisee_comment == "Agreed, thank you"
    with pytest.raises(DomainError, match="already"):
        reports.acknowledge_report(session, report, pat, None)


def test_hr_and_other_supervisors_cannot_read_a_report(session, pat, sam):
    report = reports.write_report(session, sam, pat, details(), today=TODAY)
    hr = make_user(session, organisation=pat.organisation, roles=(Role.HR,))
    other = make_user(session, organisation=pat.organisation, roles=SUPERVISOR)
    assert reports.can_read_report(session, pat, report, TODAY)
    assert reports.can_read_report(session, sam, report, TODAY)
    assert not reports.can_read_report(session, hr, report, TODAY)
    assert not reports.can_read_report(session, other, report, TODAY)


# --- reports_required: the 6-month rule ---------------------------------------------------------

def required(session, pat, today=TODAY):
    return [(r.supervisor_name, r.role, r.present) for r in reports.reports_required(session, pat, today)]


def test_a_current_supervisor_of_6_months_or_more_is_the_only_report_needed(session, pat):
    supervisor(session, pat, "Previous", dt.date(2023, 1, 1), ends_on=dt.date(2025, 1, 14))
    # Started 15 January 2025: exactly 6 months before 15 July 2025, so not "under 6 months".
    supervisor(session, pat, "Current", dt.date(2025, 1, 15))
    assert required(session, pat) == [("Current", "current", False)]


def test_a_current_supervisor_of_under_6_months_needs_the_previous_supervisors_report_too(session, pat):
    supervisor(session, pat, "Older", dt.date(2022, 1, 1), ends_on=dt.date(2023, 1, 1))
    supervisor(session, pat, "Previous", dt.date(2023, 1, 2), ends_on=dt.date(2025, 1, 15))
    # Started 16 January 2025: one day short of 6 months on 15 July 2025.
    supervisor(session, pat, "Current", dt.date(2025, 1, 16))
    assert required(session, pat) == [("Current", "current", False), ("Previous", "previous", False)]
    # The next day the current supervisor has supervised for 6 months.
    assert required(session, pat, TODAY + dt.timedelta(days=1)) == [("Current", "current", False)]


def test_reports_count_for_12_months_from_their_writing(session, pat):
    previous = supervisor(session, pat, "Previous", dt.date(2023, 1, 1), ends_on=dt.date(2025, 5, 31))
    current = supervisor(session, pat, "Current", dt.date(2025, 6, 1))
    # The previous supervisor wrote on 15 July 2024 (exactly 12 months ago: too old) and on 16 July 2024.
    old = reports.write_report(session, previous, pat, details(period_from=dt.date(2023, 7, 1),
                                                               period_to=dt.date(2024, 6, 30)), today=dt.date(2024, 7, 15))
    assert required(session, pat) == [("Current", "current", False), ("Previous", "previous", False)]
    recent = reports.write_report(session, previous, pat, details(period_from=dt.date(2023, 7, 1),
                                                                  period_to=dt.date(2024, 6, 30)), today=dt.date(2024, 7, 16))
    reports.write_report(session, current, pat, details(period_from=dt.date(2025, 6, 1)), today=TODAY)
    found = reports.reports_required(session, pat, TODAY)
    assert [(r.role, r.present) for r in found] == [("current", True), ("previous", True)]
    assert found[1].report.id == recent.id != old.id


def test_nobody_supervising_needs_no_report(session, pat):
    assert reports.reports_required(session, pat, TODAY) == []


# --- the queue ---------------------------------------------------------------------------------

def test_reports_are_due_for_supervisees_without_a_report_from_this_supervisor_in_12_months(session, pat, sam):
    ann = make_user(session, organisation=pat.organisation, full_name="Ann Able")
    bob = make_user(session, organisation=pat.organisation, full_name="Bob Brown")
    for person in (ann, bob):
        make_relationship(session, senior=sam, junior=person, starts_on=dt.date(2024, 1, 1))
    reports.write_report(session, sam, ann, details(period_from=dt.date(2024, 1, 1), period_to=dt.date(2024, 6, 30)),
                         today=dt.date(2024, 7, 16))
    reports.write_report(session, sam, bob, details(period_from=dt.date(2024, 1, 1), period_to=dt.date(2024, 6, 30)),
                         today=dt.date(2024, 7, 15))
    other = supervisor(session, pat, "Other", dt.date(2024, 1, 1))
    reports.write_report(session, other, pat, details(), today=TODAY)
    items = reports.reports_due(session, sam, [pat, bob, ann], TODAY)
    assert [(i.supervisee_name, i.waiting_since, i.kind) for i in items] == [
        ("Bob Brown", dt.date(2025, 7, 15), "report"), ("Pat Practitioner", None, "report")]
    assert items[0].endpoint == "portfolio.report_new" and items[0].args == {"user_id": bob.id}


def test_the_reports_due_queue_takes_one_query_however_many_supervisees(session, sam, pat, count_queries):
    few = [pat]
    many = [pat] + [make_user(session, organisation=pat.organisation) for _ in range(8)]
    session.flush()
    with count_queries() as q_few:
        reports.reports_due(session, sam, few, TODAY)
    with count_queries() as q_many:
        reports.reports_due(session, sam, many, TODAY)
    assert q_few.count == q_many.count == 1
