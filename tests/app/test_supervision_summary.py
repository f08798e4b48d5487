"""The BABCP collaborative supervision summary for a 12-month period: totals by hand, and who may read it."""
import datetime as dt

import pytest

from app.services import countersigning as cs
from models import Role, SupervisionKind, SupervisionSession
from tests.factories import PASSWORD, make_organisation, make_relationship, make_user

START = dt.date(2025, 4, 1)


@pytest.fixture
def t(session):
    org = make_organisation(session)

    class T:
        pat = make_user(session, organisation=org, full_name="Pat Practitioner")
        sam = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), full_name="Sam Supervisor")
        olive = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), full_name="Olive Earlier")
        hr = make_user(session, organisation=org, roles=(Role.HR,), full_name="Harriet HR")

    T.olive_rel = make_relationship(session, senior=T.olive, junior=T.pat, starts_on=dt.date(2024, 1, 1),
                                    ends_on=dt.date(2025, 6, 30))
    T.sam_rel = make_relationship(session, senior=T.sam, junior=T.pat, starts_on=dt.date(2025, 7, 1))
    session.commit()
    return T


def add(session, t, day, minutes, rel=None, group_size=1, outside=None):
    session.add(SupervisionSession(
        supervisee_id=t.pat.id, occurred_on=day, minutes=minutes, kind=SupervisionKind.CLINICAL,
        group_size=group_size, relationship_=rel, supervisor=rel.senior if rel else None,
        outside_supervisor_name=outside, outside_supervisor_credentials="BABCP-accredited" if outside else None))


def test_ten_individual_hours_and_two_groups_of_four_count_twelve_hours(session, t):
    # 10 × 60 min individual = 600; 2 × 120 min in groups of 4 count (120 ÷ 4) × 2 = 60 each → 720 min = 12 h.
    for i in range(10):
        add(session, t, dt.date(2025, 8, 1) + dt.timedelta(days=7 * i), 60, t.sam_rel)
    add(session, t, dt.date(2025, 4, 10), 120, t.olive_rel, group_size=4)
    add(session, t, dt.date(2025, 5, 10), 120, outside="Orla Outside", group_size=4)
    add(session, t, dt.date(2025, 3, 31), 60, t.olive_rel)  # the day before the period
    add(session, t, dt.date(2026, 4, 1), 60, t.sam_rel)  # the day after it
    session.commit()
    summary = cs.supervision_summary(session, t.pat, START)
    assert (summary.start, summary.end) == (START, dt.date(2026, 3, 31))
    assert len(summary.sessions) == 12
    assert summary.total_minutes == 840
    assert (summary.individual_minutes, summary.group_minutes, summary.group_counted_minutes) == (600, 240, 60 * 2)
    assert summary.counted_minutes == 720
    months = {m.total.month: (m.total.total, m.target, m.met) for m in summary.months}
    assert len(months) == 12
    assert months[dt.date(2025, 4, 1)] == (120, 90, True)
    assert months[dt.date(2025, 6, 1)] == (0, 90, False)
    assert months[dt.date(2025, 8, 1)] == (300, 90, True)  # 1, 8, 15, 22 and 29 August


def test_a_larger_group_counts_nothing_under_the_training_formula(session, t):
    add(session, t, dt.date(2025, 9, 1), 120, t.sam_rel, group_size=6)
    session.commit()
    summary = cs.supervision_summary(session, t.pat, dt.date(2025, 4, 17))
    assert summary.start == START
    assert (summary.group_minutes, summary.group_counted_minutes, summary.counted_minutes) == (120, 0, 0)


def test_the_page_shows_earlier_and_outside_supervisors_to_the_owner_and_current_supervisor(app, client, session, t):
    add(session, t, dt.date(2025, 4, 10), 60, t.olive_rel)
    add(session, t, dt.date(2025, 5, 10), 60, outside="Orla Outside")
    add(session, t, dt.date(2025, 8, 10), 60, t.sam_rel)
    session.commit()
    for user in (t.pat, t.sam):
        c = app.test_client()
        c.submit("/login", {"email": user.email, "password": PASSWORD})
        response = c.get(f"/people/{t.pat.id}/supervision/summary?from=2025-04")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "Olive Earlier" in html and "Orla Outside (outside Waymark)" in html and "Sam Supervisor" in html
        assert "April 2025 to March 2026" in html


def test_hr_and_a_former_supervisor_get_404(app, client, session, t):
    for user in (t.hr, t.olive):
        c = app.test_client()
        c.submit("/login", {"email": user.email, "password": PASSWORD})
        assert c.get(f"/people/{t.pat.id}/supervision/summary").status_code == 404


def test_a_start_that_is_not_a_month_is_refused_with_the_default_period(app, client, session, t):
    c = app.test_client()
    c.submit("/login", {"email": t.pat.email, "password": PASSWORD})
    response = c.get(f"/people/{t.pat.id}/supervision/summary?from=April")
    assert response.status_code == 400
    assert "The first month must be a real month" in response.get_data(as_text=True)
