"""Whose HR records a user reaches: HR by organisation or service, service leads by service, line managers by
their current reports; several roles give the union; nobody acts on their own HR record."""
import datetime as dt

from app.services import staff_scope
from models import RelationshipKind, Role
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date(2026, 11, 30)


def _world(session):
    org = make_organisation(session, name="Scope Trust")
    north, south = make_service(session, organisation=org, name="North"), make_service(session, organisation=org, name="South")
    n_team, s_team = make_team(session, service=north), make_team(session, service=south)
    ann = make_user(session, team=n_team, full_name="Ann North")
    sam = make_user(session, team=s_team, full_name="Sam South")
    other_org = make_user(session, team=make_team(session, service=make_service(session)), full_name="Olly Other")
    return org, north, south, n_team, s_team, ann, sam, other_org


def _names(session, scope):
    return sorted(u.full_name for u in session.scalars(staff_scope.people_in(scope)))


def test_organisation_wide_hr_sees_everyone_in_their_organisation_only(session):
    org, *_ = _world(session)
    hr = make_user(session, organisation=org, roles=(Role.HR,), profile=False)
    scope = staff_scope.scope_of(session, hr, TODAY)
    assert scope.whole_organisation and scope.services_only is None
    assert _names(session, scope) == ["Ann North", "Sam South"]


def test_service_scoped_hr_and_a_service_lead_see_their_service(session):
    org, north, south, *_ = _world(session)
    hr = make_user(session, organisation=org, roles=((Role.HR, south),), profile=False)
    lead = make_user(session, organisation=org, roles=((Role.SERVICE_LEAD, north),), profile=False)
    assert _names(session, staff_scope.scope_of(session, hr, TODAY)) == ["Sam South"]
    assert _names(session, staff_scope.scope_of(session, lead, TODAY)) == ["Ann North"]


def test_a_line_manager_sees_current_reports_and_several_roles_give_the_union(session):
    org, north, south, n_team, s_team, ann, sam, _ = _world(session)
    manager = make_user(session, organisation=org, roles=(Role.LINE_MANAGER, (Role.SERVICE_LEAD, north)),
                        profile=False)
    make_relationship(session, senior=manager, junior=sam, kind=RelationshipKind.LINE_MANAGEMENT,
                      starts_on=dt.date(2025, 1, 1))
    make_relationship(session, senior=manager, junior=ann, kind=RelationshipKind.LINE_MANAGEMENT,
                      starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2024, 12, 31))
    scope = staff_scope.scope_of(session, manager, TODAY)
    assert scope.report_ids == {sam.id}
    assert _names(session, scope) == ["Ann North", "Sam South"]


def test_someone_without_an_hr_role_has_an_empty_scope_and_sees_nobody(session):
    org, *_, ann, _sam, _ = _world(session)
    scope = staff_scope.scope_of(session, ann, TODAY)
    assert scope.empty and _names(session, scope) == []
    assert not staff_scope.has_staff_lists(ann)


def test_hr_records_are_never_their_own_to_change(session):
    org, north, *_ = _world(session)
    hr = make_user(session, team=make_team(session, service=north), roles=(Role.HR, Role.PRACTITIONER))
    assert staff_scope.covers(session, hr, hr, TODAY)
    assert not staff_scope.can_record_hr_standing(session, hr, hr)
    assert not staff_scope.can_correct_progression(session, hr, hr)


def test_people_who_have_left_are_not_in_anyones_lists(session):
    org, *_, ann, sam, _ = _world(session)
    hr = make_user(session, organisation=org, roles=(Role.HR,), profile=False)
    sam.left_on = TODAY - dt.timedelta(days=1)  # export-only from today
    ann.left_on = TODAY  # leaves today: still here
    session.flush()
    assert _names(session, staff_scope.scope_of(session, hr, TODAY)) == ["Ann North"]
