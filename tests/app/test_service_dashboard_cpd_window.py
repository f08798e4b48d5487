"""The CPD section reads only the activities that can count (its people's declaration years, extended for leave,
up to today) and judges everyone exactly as the rules do on the person's full snapshot (models.snapshot)."""
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app.services import service_dashboard as sd
from app.services.readiness import applicable_pathways
from competences.requirements import Context
from app.services.staff_scope import scope_of
from models import LeaveKind, LeaveOfAbsence, Regulator, Role, Team, User
from models.reference_data import catalogue_for
from models.snapshot import build_snapshot
from tests.app.test_service_dashboard import TODAY, accredited, board, person, reflective
from tests.factories import make_organisation, make_service, make_team, make_user
from tests.models.test_snapshot import add_cpd, add_registration


@pytest.fixture
def org(session):
    return make_organisation(session)


@pytest.fixture
def team_a(session, org):
    return make_team(session, service=make_service(session, organisation=org, name="Service A"), name="Team A")


@pytest.fixture
def hr(session, org):
    return make_user(session, roles=(Role.HR,), organisation=org, profile=False, full_name="Hana HR")


def _expected(session, users, today=TODAY):
    """{user id: the dashboard's entry cells}, judged on build_snapshot's full snapshot with every CPD record."""
    catalogue = catalogue_for(session)
    out = {}
    for user in users:
        snapshot = build_snapshot(session, user.id, today)
        statuses, year_end = [], None
        for pw, rule in sd._cpd_rules(applicable_pathways(catalogue, user, user.profile, today)):
            result = rule.evaluate(snapshot, Context(catalogue=catalogue, settings=pw.settings))
            if result.window is None:
                continue
            year_end = result.window.end
            statuses.append((sd.cpd_status(result.met, result.have, result.need, result.window.start,
                                           result.window.end, today), rule.title))
        if statuses:
            worst = min((s for s, _ in statuses), key=sd.CPD_ORDER.index)
            out[user.id] = (sd.CPD_LABELS[worst], year_end,
                            "; ".join(sorted({t for s, t in statuses if s != "met"})))
    return out


def test_leave_extended_years_and_future_activities_are_judged_as_on_the_full_snapshot(session, team_a, hr):
    # Declaration year 1 June 2026 – 31 May 2027; five months of maternity leave in it move its start back to
    # the end of December 2025, so an activity in January 2026 counts and one in November 2025 does not.
    on_leave = accredited(session, team_a, "Leave Lea")
    on_leave.profile.leave_periods.append(LeaveOfAbsence(kind=LeaveKind.MATERNITY, starts_on=dt.date(2026, 6, 1),
                                                         ends_on=dt.date(2026, 10, 31)))
    for day in (dt.date(2025, 11, 1), dt.date(2026, 1, 15), dt.date(2026, 2, 1), dt.date(2026, 3, 1)):
        reflective(session, on_leave, day, 360, cbt_skills=True, cbt=True)
    # A year starting in December 2025: activities from then count, one after today does not (yet).
    later = accredited(session, team_a, "Later Lou", anchor=dt.date(2021, 12, 10))
    for day in (dt.date(2025, 12, 9), dt.date(2025, 12, 10), dt.date(2026, 11, 30), dt.date(2026, 12, 1)):
        reflective(session, later, day, 120, cbt_skills=True)
    plain = accredited(session, team_a, "Plain Pat", anchor=dt.date(2019, 9, 1))
    reflective(session, plain, dt.date(2026, 10, 1), 60)
    person(session, team_a, "No Anchor")  # no declaration year: not in the section
    session.flush()
    users = [on_leave, later, plain]

    section = board(session, hr, only=["cpd"]).section("cpd")

    got = {e.user_id: e.cells for people in section.lists.values() for e in people.entries}
    want = _expected(session, users)
    assert got == want
    assert set(got) == {u.id for u in users}
    # The leave moved the year back: Lea's January activity met the 6 hours, so they are not behind on it.
    assert "CBT skills" not in want[on_leave.id][2]


days = st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2027, 12, 31))
quarter_hours = st.integers(min_value=1, max_value=40).map(lambda q: q * 15)
activities = st.lists(st.tuples(days, quarter_hours, st.booleans(), st.booleans(), st.booleans(), st.booleans()),
                      max_size=10)
leave = st.lists(st.tuples(st.sampled_from(list(LeaveKind)), days, st.integers(min_value=0, max_value=400)),
                 max_size=2)
#: (band, job title, credential kind): a BABCP-accredited HI therapist, or a PWP on either register.
posts = st.sampled_from([("7", "High intensity CBT therapist", None),
                         ("5", "Psychological wellbeing practitioner", "babcp_pwp_register"),
                         ("5", "Psychological wellbeing practitioner", "bps_wpwr")])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(st.tuples(posts, st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2027, 6, 30)),
                                 leave, activities), min_size=1, max_size=3),
       today=st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 6, 30)))
def test_the_cpd_section_equals_the_rules_on_every_record_whatever_the_years_leave_and_dates(session, team_a, hr,
                                                                                             people, today):
    team, viewer = session.get(Team, team_a.id), session.get(User, hr.id)
    nested = session.begin_nested()
    try:
        users = []
        for (band, title, kind), anchor, absences, rows in people:
            user = person(session, team, f"Person {len(users)}", band=band, job_title=title)
            add_registration(session, user, Regulator.BPS if kind == "bps_wpwr" else Regulator.BABCP, kind=kind,
                             registered_on=anchor, due=None)
            for leave_kind, start, length in absences:
                user.profile.leave_periods.append(LeaveOfAbsence(kind=leave_kind, starts_on=start,
                                                                 ends_on=start + dt.timedelta(days=length)))
            for on, minutes, statement, cbt, skills, deleted in rows:
                add_cpd(session, user, on, minutes, cbt=cbt, cbt_skills=skills,
                        reflection_learned="Learned" if statement else " ", reflection_practice="Apply",
                        deleted_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) if deleted else None)
            users.append(user)
        session.flush()
        section = sd.dashboard(session, scope_of(session, viewer, today), today, only=["cpd"]).section("cpd")
        got = {e.user_id: e.cells for listed in section.lists.values() for e in listed.entries}
        assert got == _expected(session, users, today)
    finally:
        nested.rollback()
        session.expunge_all()  # SQLite hands the rolled-back ids out again: start each example afresh
