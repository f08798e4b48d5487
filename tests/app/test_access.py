"""The access policies, one scope at a time, with the dates that bound each relationship."""
import datetime as dt

import pytest

from app.services import access
from models import RelationshipKind, Role
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user

STARTS = dt.date(2025, 1, 1)
ENDS = dt.date(2025, 6, 30)
DURING = dt.date(2025, 3, 15)
ONE_DAY = dt.timedelta(days=1)


@pytest.fixture
def org(session):
    return make_organisation(session)


@pytest.fixture
def service_a(session, org):
    return make_service(session, organisation=org, name="Service A")


@pytest.fixture
def service_b(session, org):
    return make_service(session, organisation=org, name="Service B")


@pytest.fixture
def staff_a(session, service_a):
    return make_user(session, team=make_team(session, service=service_a), full_name="Alex in A")


@pytest.fixture
def staff_b(session, service_b):
    return make_user(session, team=make_team(session, service=service_b), full_name="Bea in B")


def senior(session, org, *roles):
    return make_user(session, organisation=org, roles=roles, profile=False)


def related(session, org, role, kind, junior, **dates):
    viewer = senior(session, org, role)
    make_relationship(session, senior=viewer, junior=junior, kind=kind, **dates)
    return viewer


# --- self ----------------------------------------------------------------------------------------

def test_everyone_can_see_their_own_profile_and_private_records(session, staff_a):
    assert access.can_view_person(session, staff_a, staff_a, DURING)
    assert access.can_view_private_records(session, staff_a, staff_a, DURING)


def test_a_practitioner_cannot_see_a_colleague(session, org, staff_a, service_a):
    colleague = make_user(session, team=staff_a.profile.team)
    assert not access.can_view_person(session, colleague, staff_a, DURING)
    assert not access.can_view_private_records(session, colleague, staff_a, DURING)


def test_nobody_supervises_or_line_manages_themselves(session, org):
    both = senior(session, org, Role.SUPERVISOR, Role.LINE_MANAGER)
    assert not access.can_supervise(session, both, both, DURING)
    assert not access.can_line_manage(session, both, both, DURING)


# --- supervision -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "inside"), [
    (STARTS - ONE_DAY, False), (STARTS, True), (DURING, True), (ENDS, True), (ENDS + ONE_DAY, False)])
def test_a_supervisor_has_access_only_within_the_relationships_dates(session, org, staff_a, day, inside):
    sup = related(session, org, Role.SUPERVISOR, RelationshipKind.SUPERVISION, staff_a, starts_on=STARTS, ends_on=ENDS)
    assert access.can_view_person(session, sup, staff_a, day) is inside
    assert access.can_view_private_records(session, sup, staff_a, day) is inside
    assert access.can_supervise(session, sup, staff_a, day) is inside


def test_a_supervision_without_an_end_date_continues(session, org, staff_a):
    sup = related(session, org, Role.SUPERVISOR, RelationshipKind.SUPERVISION, staff_a, starts_on=STARTS)
    assert access.can_view_person(session, sup, staff_a, dt.date(2040, 1, 1))


def test_a_supervisor_whose_relationship_has_ended_has_no_access(session, org, staff_a):
    sup = related(session, org, Role.SUPERVISOR, RelationshipKind.SUPERVISION, staff_a,
                  starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2024, 12, 31))
    assert not access.can_view_person(session, sup, staff_a, DURING)
    assert not access.can_view_private_records(session, sup, staff_a, DURING)
    assert not access.can_supervise(session, sup, staff_a, DURING)


def test_a_supervision_relationship_without_the_supervisor_role_gives_nothing(session, org, staff_a):
    former = related(session, org, Role.PRACTITIONER, RelationshipKind.SUPERVISION, staff_a, starts_on=STARTS)
    assert not access.can_view_person(session, former, staff_a, DURING)
    assert not access.can_view_private_records(session, former, staff_a, DURING)
    assert not access.can_supervise(session, former, staff_a, DURING)


def test_a_supervisor_sees_only_their_own_supervisees(session, org, staff_a, staff_b):
    sup = related(session, org, Role.SUPERVISOR, RelationshipKind.SUPERVISION, staff_a, starts_on=STARTS)
    assert not access.can_view_person(session, sup, staff_b, DURING)
    assert not access.can_view_private_records(session, sup, staff_b, DURING)


def test_the_supervisee_cannot_see_their_supervisor(session, org, staff_a):
    sup = related(session, org, Role.SUPERVISOR, RelationshipKind.SUPERVISION, staff_a, starts_on=STARTS)
    assert not access.can_view_person(session, staff_a, sup, DURING)


def test_current_relationships_lists_only_those_covering_the_day(session, org, staff_a, staff_b):
    sup = senior(session, org, Role.SUPERVISOR)
    current = make_relationship(session, senior=sup, junior=staff_a, starts_on=STARTS)
    make_relationship(session, senior=sup, junior=staff_b, starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2024, 12, 31))
    assert access.current_relationships(session, sup, DURING) == [current]
    assert access.current_relationships(session, sup, DURING, kinds=[RelationshipKind.TUTORING]) == []


# --- line management and tutoring --------------------------------------------------------------

def test_a_line_manager_sees_the_profile_but_not_private_records(session, org, staff_a):
    lm = related(session, org, Role.LINE_MANAGER, RelationshipKind.LINE_MANAGEMENT, staff_a,
                 starts_on=STARTS, ends_on=ENDS)
    assert access.can_view_person(session, lm, staff_a, DURING)
    assert access.can_line_manage(session, lm, staff_a, DURING)
    assert not access.can_view_private_records(session, lm, staff_a, DURING)
    assert not access.can_supervise(session, lm, staff_a, DURING)


def test_a_line_manager_has_no_access_after_the_relationship_ends(session, org, staff_a):
    lm = related(session, org, Role.LINE_MANAGER, RelationshipKind.LINE_MANAGEMENT, staff_a,
                 starts_on=STARTS, ends_on=ENDS)
    assert not access.can_view_person(session, lm, staff_a, ENDS + ONE_DAY)
    assert not access.can_line_manage(session, lm, staff_a, ENDS + ONE_DAY)


def test_line_management_without_the_line_manager_role_gives_nothing(session, org, staff_a):
    lm = related(session, org, Role.SUPERVISOR, RelationshipKind.LINE_MANAGEMENT, staff_a, starts_on=STARTS)
    assert not access.can_view_person(session, lm, staff_a, DURING)
    assert not access.can_line_manage(session, lm, staff_a, DURING)


def test_a_course_tutor_sees_their_trainee_and_private_records_while_tutoring(session, org, staff_a):
    tutor = related(session, org, Role.COURSE_TUTOR, RelationshipKind.TUTORING, staff_a, starts_on=STARTS, ends_on=ENDS)
    assert access.can_view_person(session, tutor, staff_a, ENDS)
    assert access.can_view_private_records(session, tutor, staff_a, ENDS)
    assert not access.can_view_person(session, tutor, staff_a, ENDS + ONE_DAY)
    assert not access.can_view_private_records(session, tutor, staff_a, ENDS + ONE_DAY)
    assert not access.can_supervise(session, tutor, staff_a, DURING)


def test_tutoring_without_the_course_tutor_role_gives_nothing(session, org, staff_a):
    tutor = related(session, org, Role.SUPERVISOR, RelationshipKind.TUTORING, staff_a, starts_on=STARTS)
    assert not access.can_view_person(session, tutor, staff_a, DURING)
    assert not access.can_view_private_records(session, tutor, staff_a, DURING)


def test_relationship_kinds_between_reports_every_current_kind(session, org, staff_a):
    both = senior(session, org, Role.SUPERVISOR, Role.LINE_MANAGER)
    make_relationship(session, senior=both, junior=staff_a, starts_on=STARTS)
    make_relationship(session, senior=both, junior=staff_a, kind=RelationshipKind.LINE_MANAGEMENT,
                      starts_on=STARTS, ends_on=ENDS)
    assert access.relationship_kinds_between(session, both, staff_a, DURING) == {
        RelationshipKind.SUPERVISION, RelationshipKind.LINE_MANAGEMENT}
    assert access.relationship_kinds_between(session, both, staff_a, ENDS + ONE_DAY) == {RelationshipKind.SUPERVISION}
    assert access.relationship_kinds_between(session, staff_a, both, DURING) == set()


# --- HR and service leads ----------------------------------------------------------------------

def test_organisation_wide_hr_sees_every_service_but_no_private_records(session, org, staff_a, staff_b):
    hr = senior(session, org, Role.HR)
    for person in (staff_a, staff_b):
        assert access.can_view_person(session, hr, person, DURING)
        assert not access.can_view_private_records(session, hr, person, DURING)


def test_hr_scoped_to_a_service_sees_that_service_only(session, org, service_a, staff_a, staff_b):
    hr = senior(session, org, (Role.HR, service_a))
    assert access.can_view_person(session, hr, staff_a, DURING)
    assert not access.can_view_person(session, hr, staff_b, DURING)
    assert access.hr_covers(session, hr, staff_a) and not access.hr_covers(session, hr, staff_b)


def test_scoped_hr_does_not_see_someone_with_no_team(session, org, service_a):
    hr = senior(session, org, (Role.HR, service_a))
    unplaced = make_user(session, organisation=org)
    assert not access.can_view_person(session, hr, unplaced, DURING)


def test_hr_does_not_see_another_organisation(session, org, staff_a):
    other_hr = make_user(session, roles=(Role.HR,), profile=False)
    assert other_hr.organisation_id != org.id
    assert not access.can_view_person(session, other_hr, staff_a, DURING)
    assert not access.hr_covers(session, other_hr, staff_a)


def test_a_service_lead_sees_only_the_service_they_lead(session, org, service_a, staff_a, staff_b):
    lead = senior(session, org, (Role.SERVICE_LEAD, service_a))
    assert access.can_view_person(session, lead, staff_a, DURING)
    assert not access.can_view_person(session, lead, staff_b, DURING)
    assert not access.can_view_private_records(session, lead, staff_a, DURING)


def test_a_service_lead_does_not_see_a_service_of_the_same_name_elsewhere(session, staff_a):
    other_org = make_organisation(session)
    lead = senior(session, other_org, (Role.SERVICE_LEAD, make_service(session, organisation=other_org,
                                                                       name="Service A")))
    assert not access.can_view_person(session, lead, staff_a, DURING)


# --- admins ------------------------------------------------------------------------------------

def test_an_admin_sees_no_profiles_and_no_private_records(session, org, staff_a):
    admin = senior(session, org, Role.ADMIN)
    assert not access.can_view_person(session, admin, staff_a, DURING)
    assert not access.can_view_private_records(session, admin, staff_a, DURING)


def test_admin_only_policies(session, org):
    admin, hr = senior(session, org, Role.ADMIN), senior(session, org, Role.HR)
    for policy in (access.can_manage_accounts, access.can_manage_organisation, access.can_view_audit_trail,
                   access.can_read_outbox):
        assert policy(admin) and not policy(hr)


def test_admins_and_hr_manage_relationships_but_practitioners_do_not(session, org, staff_a):
    assert access.can_manage_relationships(senior(session, org, Role.ADMIN))
    assert access.can_manage_relationships(senior(session, org, Role.HR))
    assert not access.can_manage_relationships(staff_a)
    assert not access.can_manage_relationships(senior(session, org, Role.SUPERVISOR, Role.LINE_MANAGER))


# --- private records: who exactly --------------------------------------------------------------

def test_private_records_are_open_to_self_current_supervisor_and_current_tutor_only(session, org, service_a,
                                                                                    staff_a):
    sup = related(session, org, Role.SUPERVISOR, RelationshipKind.SUPERVISION, staff_a, starts_on=STARTS)
    tutor = related(session, org, Role.COURSE_TUTOR, RelationshipKind.TUTORING, staff_a, starts_on=STARTS)
    lm = related(session, org, Role.LINE_MANAGER, RelationshipKind.LINE_MANAGEMENT, staff_a, starts_on=STARTS)
    hr = senior(session, org, Role.HR)
    lead = senior(session, org, (Role.SERVICE_LEAD, service_a))
    admin = senior(session, org, Role.ADMIN, Role.HR)
    allowed = {viewer.id: access.can_view_private_records(session, viewer, staff_a, DURING)
               for viewer in (staff_a, sup, tutor, lm, hr, lead, admin)}
    assert allowed == {staff_a.id: True, sup.id: True, tutor.id: True,
                       lm.id: False, hr.id: False, lead.id: False, admin.id: False}
    # Every one of them may see the profile itself.
    assert all(access.can_view_person(session, v, staff_a, DURING) for v in (sup, tutor, lm, hr, lead, admin))


# --- second person and managing relationships --------------------------------------------------

def test_a_second_person_is_anyone_but_the_owner(session, staff_a, staff_b):
    assert access.is_second_person(staff_b, staff_a)
    assert not access.is_second_person(staff_a, staff_a)


def test_an_admin_manages_relationships_of_anyone_in_their_organisation_only(session, org, staff_a):
    admin = senior(session, org, Role.ADMIN)
    stranger = make_user(session)
    assert access.can_manage_relationship_of(session, admin, staff_a)
    assert access.can_manage_relationship_of(session, admin, admin)
    assert not access.can_manage_relationship_of(session, admin, stranger)


def test_hr_manages_relationships_within_their_scope_only(session, org, service_a, staff_a, staff_b):
    scoped = senior(session, org, (Role.HR, service_a))
    wide = senior(session, org, Role.HR)
    assert access.can_manage_relationship_of(session, scoped, staff_a)
    assert not access.can_manage_relationship_of(session, scoped, staff_b)
    assert access.can_manage_relationship_of(session, wide, staff_b)
    assert not access.can_manage_relationship_of(session, make_user(session, roles=(Role.HR,)), staff_a)


def test_hr_cannot_manage_their_own_relationships(session, org, service_a):
    hr = make_user(session, roles=(Role.HR, Role.PRACTITIONER), team=make_team(session, service=service_a))
    assert not access.can_manage_relationship_of(session, hr, hr)


def test_supervisors_line_managers_and_service_leads_do_not_manage_relationships(session, org, service_a, staff_a):
    sup = related(session, org, Role.SUPERVISOR, RelationshipKind.SUPERVISION, staff_a, starts_on=STARTS)
    lm = related(session, org, Role.LINE_MANAGER, RelationshipKind.LINE_MANAGEMENT, staff_a, starts_on=STARTS)
    lead = senior(session, org, (Role.SERVICE_LEAD, service_a))
    for user in (sup, lm, lead, staff_a):
        assert not access.can_manage_relationship_of(session, user, staff_a)


def test_has_any_role(session, org):
    user = senior(session, org, Role.SUPERVISOR)
    assert access.has_any_role(user, Role.HR, Role.SUPERVISOR)
    assert not access.has_any_role(user, Role.HR, Role.ADMIN)
    assert not access.has_any_role(user)
