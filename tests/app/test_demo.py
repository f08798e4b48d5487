"""The demo Talking Therapies service: who is in it, how they relate, and that every demo login works."""
import datetime as dt
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.services.demo import DEMO_PASSWORD, load_demo, shift
from app.templating import ROLE_HOMES
from models import (LeaveKind, RelationshipKind, Role, StaffProfile, StaffRelationship, SupervisionKind, User)
from models.audit import verify_chain
from tests.factories import TEST_SETTINGS

TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def demo(session):
    logins = load_demo(session, TEST_SETTINGS, today=TODAY)
    session.commit()
    return logins


def _users(session):
    return list(session.scalars(select(User).options(
        selectinload(User.role_grants), selectinload(User.profile).options(
            selectinload(StaffProfile.working_patterns), selectinload(StaffProfile.leave_periods),
            selectinload(StaffProfile.registrations)))))


def _current(session, on=TODAY):
    return [r for r in session.scalars(select(StaffRelationship)) if r.covers(on)]


def test_demo_has_between_14_and_18_accounts_covering_every_role(session, demo):
    users = _users(session)
    assert 14 <= len(users) <= 18
    assert len(demo) == len(users)
    assert set().union(*(u.roles for u in users)) == set(Role)
    assert any(len(u.roles) >= 3 for u in users)


def test_demo_returns_each_account_with_readable_role_labels(session, demo):
    by_email = {u.email: u for u in _users(session)}
    for email, labels in demo:
        assert email.endswith("@northshire.example")
        assert sorted(labels) == sorted(r.label for r in by_email[email].roles)


def test_demo_staff_span_bands_4_to_8c_with_afc_consistent_steps(session, demo):
    profiles = [u.profile for u in _users(session) if u.profile]
    assert {p.band for p in profiles} == {"4", "5", "6", "7", "8a", "8b", "8c"}
    # AfC minimum years on each step before the next one (facts §1.1).
    gaps = {"4": (3,), "5": (2, 2), "6": (2, 3), "7": (2, 3), "8a": (2, 3), "8b": (2, 3), "8c": (2, 3)}
    for p in profiles:
        assert p.band_started_on <= p.step_started_on <= TODAY
        assert 1 <= p.pay_step <= len(gaps[p.band]) + 1
        if p.pay_step == 1:
            assert p.step_started_on == p.band_started_on
        else:
            assert p.step_started_on >= shift(p.band_started_on, years=sum(gaps[p.band][:p.pay_step - 1]))
        # Still on a step below the top: not overdue for the next one.
        if p.pay_step <= len(gaps[p.band]):
            assert TODAY < shift(p.step_started_on, years=gaps[p.band][p.pay_step - 1])
    assert len({p.employee_number for p in profiles}) == len(profiles)


def test_demo_staff_have_a_part_time_pattern_a_changed_pattern_and_maternity_leave(session, demo):
    profiles = [u.profile for u in _users(session) if u.profile]
    assert any(p.wte_on(TODAY) < Decimal("1") for p in profiles)
    assert any(p.wte_on(TODAY) == Decimal("0.60") for p in profiles)
    changed = [p for p in profiles if len(p.working_patterns) >= 2]
    assert changed and changed[0].wte_on(shift(TODAY, years=-1)) != changed[0].wte_on(TODAY)
    on_leave = [lv for p in profiles for lv in p.leave_periods if lv.starts_on <= TODAY <= lv.ends_on]
    assert [lv.kind for lv in on_leave] == [LeaveKind.MATERNITY]
    professions = {p.core_profession for p in profiles}
    assert {"Psychological wellbeing practitioner", "Mental health nurse", "Clinical psychologist",
            "Counsellor", "Occupational therapist"} <= professions


def test_demo_has_a_registration_renewal_due_within_60_days(session, demo):
    due = [r for u in _users(session) if u.profile for r in u.profile.registrations
           if TODAY <= r.renewal_due_on <= TODAY + dt.timedelta(days=60)]
    assert len(due) == 1


def test_demo_relationships_cover_every_kind_with_history_and_one_ending_soon(session, demo):
    rels = list(session.scalars(select(StaffRelationship)))
    assert {r.kind for r in rels} == set(RelationshipKind)
    assert {r.supervision_kind for r in rels if r.supervision_kind} == set(SupervisionKind)
    assert any(r.ends_on and r.ends_on.year == TODAY.year - 1 for r in rels)
    assert len([r for r in rels if r.ends_on and TODAY <= r.ends_on <= TODAY + dt.timedelta(days=30)]) == 1
    for r in rels:
        assert r.senior_id != r.junior_id


def test_every_demo_practitioner_has_a_current_supervisor_and_line_manager(session, demo):
    current = _current(session)
    for user in _users(session):
        if Role.PRACTITIONER not in user.roles:
            continue
        kinds = {r.kind for r in current if r.junior_id == user.id}
        assert RelationshipKind.SUPERVISION in kinds, user.email
        assert RelationshipKind.LINE_MANAGEMENT in kinds, user.email


def test_every_current_senior_in_the_demo_holds_the_matching_role(session, demo):
    needs = {RelationshipKind.SUPERVISION: Role.SUPERVISOR, RelationshipKind.LINE_MANAGEMENT: Role.LINE_MANAGER,
             RelationshipKind.TUTORING: Role.COURSE_TUTOR}
    users = {u.id: u for u in _users(session)}
    for r in _current(session):
        assert needs[r.kind] in users[r.senior_id].roles, (users[r.senior_id].email, r.kind)


def test_the_demo_service_lead_is_scoped_to_the_service_and_hr_to_the_organisation(session, demo):
    users = _users(session)
    (lead,) = [u for u in users if Role.SERVICE_LEAD in u.roles]
    assert lead.grants_for(Role.SERVICE_LEAD)[0].service.name == "Northshire Talking Therapies"
    (hr,) = [u for u in users if Role.HR in u.roles]
    assert hr.grants_for(Role.HR)[0].service_id is None
    (tutor,) = [u for u in users if Role.COURSE_TUTOR in u.roles]
    assert tutor.profile is None


@pytest.mark.parametrize("today", [dt.date(2028, 2, 29), dt.date(2027, 1, 1), dt.date(2027, 12, 31)])
def test_the_demo_loads_consistently_on_any_day(session, today):
    load_demo(session, TEST_SETTINGS, today=today)
    session.flush()
    current = _current(session, today)
    for user in _users(session):
        if Role.PRACTITIONER in user.roles:
            assert {RelationshipKind.SUPERVISION, RelationshipKind.LINE_MANAGEMENT} <= {
                r.kind for r in current if r.junior_id == user.id}, user.email
        if user.profile:
            assert user.profile.step_started_on <= today and user.profile.wte_on(today)
    rels = list(session.scalars(select(StaffRelationship)))
    assert any(r.ends_on and r.ends_on.year == today.year - 1 for r in rels)
    assert any(r.ends_on and today <= r.ends_on <= today + dt.timedelta(days=30) for r in rels)


def test_the_audit_chain_verifies_after_loading_the_demo(session, demo):
    report = verify_chain(session)
    assert report.ok, report
    assert report.checked > len(demo)


def test_every_demo_login_works_and_reaches_each_of_its_home_pages(app, session, client, login_as):
    logins = load_demo(session, TEST_SETTINGS)  # today's dates, as the home pages use today
    session.commit()
    users = {u.email: u for u in _users(session)}
    with app.test_request_context():
        homes = {role: url_for(endpoint) for role, endpoint, _text in ROLE_HOMES}
    for email, _labels in logins:
        client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
        login_as(users[email], password=DEMO_PASSWORD)
        response = client.get("/", follow_redirects=True)
        assert response.status_code == 200, email
        assert response.request.path in {homes[r] for r in users[email].roles}
        for role in users[email].roles:
            assert client.get(homes[role]).status_code == 200, (email, role)


def test_the_practitioner_home_page_shows_a_registration_renewal_due_soon(session, client, login_as):
    load_demo(session, TEST_SETTINGS)
    session.commit()
    due = [r for u in _users(session) if u.profile for r in u.profile.registrations
           if r.renewal_due_on <= dt.date.today() + dt.timedelta(days=60)]
    assert len(due) == 1
    login_as(due[0].profile.user, password=DEMO_PASSWORD)
    html = client.get("/practitioner").get_data(as_text=True)
    assert due[0].registration_number in html and "Due within 90 days" in html


def test_the_service_lead_home_page_shows_the_tutoring_that_ends_soon(session, client, login_as):
    load_demo(session, TEST_SETTINGS)
    session.commit()
    lead = session.scalar(select(User).where(User.email == "helen.marsh@northshire.example"))
    login_as(lead, password=DEMO_PASSWORD)
    html = client.get("/service-lead").get_data(as_text=True)
    assert "Sophie Lang" in html
