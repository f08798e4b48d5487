"""The rules for recording relationships, tested on the service functions with hand-computed dates."""
import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from app.services import relationships as rules
from app.services.accounts import grant_role
from app.services.errors import DomainError, NotPermitted
from models import RelationshipKind, Role, StaffRelationship, SupervisionKind, User
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user

SUPERVISION = RelationshipKind.SUPERVISION
LINE_MANAGEMENT = RelationshipKind.LINE_MANAGEMENT
TUTORING = RelationshipKind.TUTORING
CLINICAL = SupervisionKind.CLINICAL


@pytest.fixture
def trust(session):
    """One organisation with two services; an admin, org-wide HR, HR for service A, and staff in each service."""
    org = make_organisation(session)
    a, b = make_service(session, organisation=org, name="Service A"), make_service(session, organisation=org,
                                                                                    name="Service B")
    team_a, team_b = make_team(session, service=a), make_team(session, service=b)

    class Trust:
        organisation, service_a, service_b = org, a, b
        admin = make_user(session, roles=(Role.ADMIN,), organisation=org, profile=False)
        hr = make_user(session, roles=(Role.HR,), team=team_a)
        hr_a = make_user(session, roles=((Role.HR, a),), team=team_a)
        supervisor = make_user(session, roles=(Role.SUPERVISOR,), team=team_a)
        manager = make_user(session, roles=(Role.LINE_MANAGER,), team=team_a)
        tutor = make_user(session, roles=(Role.COURSE_TUTOR,), team=team_a)
        practitioner = make_user(session, team=team_a)
        practitioner_b = make_user(session, team=team_b)
        supervisor_b = make_user(session, roles=(Role.SUPERVISOR,), team=team_b)

    return Trust


def create(session, actor, senior, junior, *, kind=SUPERVISION, supervision_kind=CLINICAL,
           starts_on=dt.date(2025, 1, 1), ends_on=None):
    if kind is not SUPERVISION and supervision_kind is CLINICAL:
        supervision_kind = None
    return rules.create_relationship(session, actor, kind=kind, supervision_kind=supervision_kind, senior=senior,
                                     junior=junior, starts_on=starts_on, ends_on=ends_on)


def count(session):
    return session.scalar(select(func.count()).select_from(StaffRelationship))


def refused(field, call, *args, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.field == field, caught.value.message
    return caught.value


# --- creating ------------------------------------------------------------------------------------

def test_hr_records_a_supervision_and_is_named_as_its_creator(session, trust):
    rel = create(session, trust.hr, trust.supervisor, trust.practitioner, starts_on=dt.date(2025, 3, 1),
                 ends_on=dt.date(2025, 8, 31))
    assert rel.id is not None
    assert (rel.kind, rel.supervision_kind, rel.created_by_id) == (SUPERVISION, CLINICAL, trust.hr.id)
    assert rel.covers(dt.date(2025, 3, 1)) and rel.covers(dt.date(2025, 8, 31))
    assert not rel.covers(dt.date(2025, 2, 28)) and not rel.covers(dt.date(2025, 9, 1))


def test_each_kind_needs_its_own_role(session, trust):
    create(session, trust.admin, trust.manager, trust.practitioner, kind=LINE_MANAGEMENT)
    create(session, trust.admin, trust.tutor, trust.practitioner, kind=TUTORING)
    err = refused("senior_id", create, session, trust.admin, trust.manager, trust.supervisor, kind=SUPERVISION)
    assert "supervisor role" in err.message
    err = refused("senior_id", create, session, trust.admin, trust.supervisor, trust.practitioner, kind=TUTORING)
    assert "course tutor role" in err.message
    refused("senior_id", create, session, trust.admin, trust.tutor, trust.practitioner, kind=LINE_MANAGEMENT)


def test_a_senior_without_the_supervisor_role_is_refused_and_nothing_is_saved(session, trust):
    before = count(session)
    refused("senior_id", create, session, trust.hr, trust.practitioner_b, trust.practitioner)
    assert count(session) == before


def test_the_end_date_before_the_start_date_is_refused(session, trust):
    err = refused("ends_on", create, session, trust.hr, trust.supervisor, trust.practitioner,
                  starts_on=dt.date(2025, 5, 2), ends_on=dt.date(2025, 5, 1))
    assert err.message == "The end date must be the same as or after the start date"
    assert count(session) == 0


def test_a_relationship_may_last_a_single_day(session, trust):
    rel = create(session, trust.hr, trust.supervisor, trust.practitioner, starts_on=dt.date(2025, 5, 1),
                 ends_on=dt.date(2025, 5, 1))
    assert rel.covers(dt.date(2025, 5, 1))
    assert not rel.covers(dt.date(2025, 4, 30)) and not rel.covers(dt.date(2025, 5, 2))


def test_nobody_can_supervise_themselves(session, trust):
    err = refused("senior_id", create, session, trust.admin, trust.supervisor, trust.supervisor)
    assert "themselves" in err.message


def test_people_from_different_organisations_are_refused(session, trust):
    outsider = make_user(session, roles=(Role.SUPERVISOR,), organisation=make_organisation(session))
    refused("senior_id", create, session, trust.admin, outsider, trust.practitioner)


def test_an_actor_from_another_organisation_may_not_record_anything(session, trust):
    other_admin = make_user(session, roles=(Role.ADMIN,), organisation=make_organisation(session))
    with pytest.raises(NotPermitted):
        create(session, other_admin, trust.supervisor, trust.practitioner)


def test_deactivated_accounts_are_refused_on_either_side(session, trust):
    trust.practitioner.active = False
    refused("junior_id", create, session, trust.admin, trust.supervisor, trust.practitioner)
    trust.practitioner.active = True
    trust.supervisor.active = False
    refused("senior_id", create, session, trust.admin, trust.supervisor, trust.practitioner)


def test_supervision_needs_a_kind_of_supervision_and_other_kinds_must_not_have_one(session, trust):
    refused("supervision_kind", create, session, trust.admin, trust.supervisor, trust.practitioner,
            supervision_kind=None)
    refused("supervision_kind", create, session, trust.admin, trust.manager, trust.practitioner,
            kind=LINE_MANAGEMENT, supervision_kind=SupervisionKind.CASE_MANAGEMENT)


# --- overlaps ------------------------------------------------------------------------------------

def test_an_overlapping_relationship_of_the_same_kind_between_the_same_people_is_refused(session, trust):
    create(session, trust.admin, trust.supervisor, trust.practitioner, starts_on=dt.date(2025, 1, 1),
           ends_on=dt.date(2025, 6, 30))
    # 30 June is the last day of the first, so a second starting then shares a day with it.
    err = refused("starts_on", create, session, trust.admin, trust.supervisor, trust.practitioner,
                  starts_on=dt.date(2025, 6, 30))
    assert "1 January 2025 until 30 June 2025" in err.message
    refused("starts_on", create, session, trust.admin, trust.supervisor, trust.practitioner,
            starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2025, 1, 1))
    refused("starts_on", create, session, trust.admin, trust.supervisor, trust.practitioner,
            starts_on=dt.date(2024, 1, 1))
    assert count(session) == 1


def test_a_relationship_starting_the_day_after_another_ended_is_not_an_overlap(session, trust):
    create(session, trust.admin, trust.supervisor, trust.practitioner, starts_on=dt.date(2025, 1, 1),
           ends_on=dt.date(2025, 6, 30))
    create(session, trust.admin, trust.supervisor, trust.practitioner, starts_on=dt.date(2025, 7, 1))
    # …and one ending the day before another began is not one either.
    create(session, trust.admin, trust.supervisor, trust.practitioner, starts_on=dt.date(2024, 6, 1),
           ends_on=dt.date(2024, 12, 31))
    assert count(session) == 3


def test_an_open_ended_relationship_overlaps_everything_after_its_start(session, trust):
    create(session, trust.admin, trust.supervisor, trust.practitioner, starts_on=dt.date(2025, 1, 1))
    refused("starts_on", create, session, trust.admin, trust.supervisor, trust.practitioner,
            starts_on=dt.date(2030, 1, 1), ends_on=dt.date(2030, 1, 1))
    create(session, trust.admin, trust.supervisor, trust.practitioner, starts_on=dt.date(2024, 1, 1),
           ends_on=dt.date(2024, 12, 31))


def test_different_kinds_or_kinds_of_supervision_between_the_same_people_may_run_together(session, trust):
    grant_role(session, trust.supervisor, Role.LINE_MANAGER)
    create(session, trust.admin, trust.supervisor, trust.practitioner)
    create(session, trust.admin, trust.supervisor, trust.practitioner,
           supervision_kind=SupervisionKind.CASE_MANAGEMENT)
    create(session, trust.admin, trust.supervisor, trust.practitioner, kind=LINE_MANAGEMENT)
    assert count(session) == 3


def test_the_same_dates_with_another_supervisor_are_not_an_overlap(session, trust):
    other = make_user(session, roles=(Role.SUPERVISOR,), team=trust.supervisor.profile.team)
    create(session, trust.admin, trust.supervisor, trust.practitioner)
    create(session, trust.admin, other, trust.practitioner)
    assert count(session) == 2


@pytest.mark.postgres
def test_two_officers_saving_the_same_relationship_at_once_store_only_one(app, session, trust):
    session.commit()
    sessions = app.extensions["waymark.sessions"]
    first, second = sessions(), sessions()
    ids = (trust.admin.id, trust.supervisor.id, trust.practitioner.id)
    outcome = {}

    def save_in(s):
        actor, senior, junior = (s.get(User, i) for i in ids)
        create(s, actor, senior, junior)

    def other_officer():
        try:
            save_in(second)
            second.commit()
            outcome["saved"] = True
        except DomainError as err:
            second.rollback()
            outcome["refused"] = err.field

    try:
        save_in(first)  # not committed yet: the junior's row stays locked
        thread = threading.Thread(target=other_officer)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive(), "the second save did not wait for the first"
        first.commit()
        thread.join(timeout=20)
    finally:
        first.close()
        second.close()
    assert outcome == {"refused": "starts_on"}
    assert count(session) == 1


# --- who may record them -------------------------------------------------------------------------

def test_hr_for_one_service_may_not_record_relationships_of_staff_in_another(session, trust):
    with pytest.raises(NotPermitted):
        create(session, trust.hr_a, trust.supervisor_b, trust.practitioner_b)
    with pytest.raises(NotPermitted):
        create(session, trust.hr_a, trust.supervisor_b, trust.practitioner)  # senior outside their services
    create(session, trust.hr_a, trust.supervisor, trust.practitioner)
    create(session, trust.hr, trust.supervisor_b, trust.practitioner_b)


def test_hr_may_not_record_their_own_relationships_but_an_admin_may(session, trust):
    with pytest.raises(NotPermitted):
        create(session, trust.hr, trust.manager, trust.hr, kind=LINE_MANAGEMENT)
    other_hr = make_user(session, roles=(Role.HR,), team=trust.practitioner.profile.team)
    create(session, other_hr, trust.manager, trust.hr, kind=LINE_MANAGEMENT)
    grant_role(session, trust.hr, Role.SUPERVISOR)
    with pytest.raises(NotPermitted):
        create(session, trust.hr, trust.hr, trust.practitioner)
    admin = make_user(session, roles=(Role.ADMIN,), team=trust.practitioner.profile.team)
    create(session, admin, trust.manager, admin, kind=LINE_MANAGEMENT)


def test_scope_is_the_organisation_for_admins_and_org_wide_hr_and_the_services_for_scoped_hr(trust):
    assert rules.scope_of(trust.admin) is None
    assert rules.scope_of(trust.hr) is None
    assert rules.scope_of(trust.hr_a) == [trust.service_a.id]
    assert rules.scope_of(trust.supervisor) == []


def test_people_in_scope_leave_out_the_actor_and_staff_of_other_services(session, trust):
    people = rules.people_in_scope(session, trust.hr_a)
    assert trust.practitioner in people and trust.supervisor in people
    assert trust.hr_a not in people and trust.practitioner_b not in people
    assert rules.eligible_seniors(session, trust.hr_a) == sorted([trust.supervisor, trust.manager, trust.tutor],
                                                                key=lambda u: (u.full_name, u.id))


def test_a_university_tutor_with_no_team_can_be_chosen_and_paired_by_scoped_hr(session, trust):
    outside_tutor = make_user(session, roles=(Role.COURSE_TUTOR,), organisation=trust.admin.organisation,
                              profile=False)
    assert outside_tutor in rules.eligible_seniors(session, trust.hr_a)
    assert outside_tutor in rules.eligible_seniors(session, trust.admin)
    rel = create(session, trust.hr_a, outside_tutor, trust.practitioner, kind=TUTORING)
    assert rel.senior_id == outside_tutor.id


# --- changing dates and ending -----------------------------------------------------------------

def test_dates_can_be_corrected_without_clashing_with_the_relationship_itself(session, trust):
    rel = create(session, trust.hr, trust.supervisor, trust.practitioner, starts_on=dt.date(2025, 1, 1))
    rules.update_relationship_dates(session, trust.hr, rel, starts_on=dt.date(2024, 12, 1),
                                    ends_on=dt.date(2025, 12, 31))
    assert (rel.starts_on, rel.ends_on) == (dt.date(2024, 12, 1), dt.date(2025, 12, 31))


def test_corrected_dates_may_not_overlap_another_relationship(session, trust):
    first = create(session, trust.hr, trust.supervisor, trust.practitioner, starts_on=dt.date(2025, 1, 1),
                   ends_on=dt.date(2025, 3, 31))
    create(session, trust.hr, trust.supervisor, trust.practitioner, starts_on=dt.date(2025, 4, 1))
    refused("starts_on", rules.update_relationship_dates, session, trust.hr, first,
            starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 4, 1))
    refused("ends_on", rules.update_relationship_dates, session, trust.hr, first,
            starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2024, 12, 31))
    assert first.ends_on == dt.date(2025, 3, 31)


def test_a_relationship_with_a_deactivated_person_can_be_shortened_but_not_lengthened(session, trust):
    rel = create(session, trust.hr, trust.supervisor, trust.practitioner, starts_on=dt.date(2025, 1, 1),
                 ends_on=dt.date(2025, 12, 31))
    trust.supervisor.active = False
    refused("senior_id", rules.update_relationship_dates, session, trust.hr, rel,
            starts_on=dt.date(2025, 1, 1), ends_on=None)
    refused("senior_id", rules.update_relationship_dates, session, trust.hr, rel,
            starts_on=dt.date(2024, 12, 31), ends_on=dt.date(2025, 12, 31))
    rules.update_relationship_dates(session, trust.hr, rel, starts_on=dt.date(2025, 2, 1),
                                    ends_on=dt.date(2025, 6, 30))
    rules.end_relationship(session, trust.hr, rel, ends_on=dt.date(2025, 3, 31))
    assert (rel.starts_on, rel.ends_on) == (dt.date(2025, 2, 1), dt.date(2025, 3, 31))


def test_ending_sets_the_last_day_and_cannot_fall_before_the_start(session, trust):
    rel = create(session, trust.hr, trust.supervisor, trust.practitioner, starts_on=dt.date(2025, 1, 1))
    err = refused("ends_on", rules.end_relationship, session, trust.hr, rel, ends_on=dt.date(2024, 12, 31))
    assert err.message == rules.END_BEFORE_START
    rules.end_relationship(session, trust.hr, rel, ends_on=dt.date(2025, 1, 1))
    assert rel.ends_on == dt.date(2025, 1, 1)


def test_ending_never_extends_a_relationship(session, trust):
    rel = create(session, trust.hr, trust.supervisor, trust.practitioner, starts_on=dt.date(2025, 1, 1),
                 ends_on=dt.date(2025, 6, 30))
    err = refused("ends_on", rules.end_relationship, session, trust.hr, rel, ends_on=dt.date(2025, 7, 1))
    assert "already ends on 30 June 2025" in err.message
    rules.end_relationship(session, trust.hr, rel, ends_on=dt.date(2025, 6, 1))
    assert rel.ends_on == dt.date(2025, 6, 1)


def test_nobody_but_an_admin_changes_a_relationship_they_are_part_of(session, trust):
    grant_role(session, trust.hr, Role.SUPERVISOR)
    rel = create(session, trust.admin, trust.hr, trust.practitioner)
    with pytest.raises(NotPermitted):
        rules.end_relationship(session, trust.hr, rel, ends_on=dt.date(2025, 2, 1))
    with pytest.raises(NotPermitted):
        rules.update_relationship_dates(session, trust.hr_a, make_relationship(
            session, senior=trust.supervisor_b, junior=trust.practitioner_b), starts_on=dt.date(2025, 1, 1),
            ends_on=None)
    rules.end_relationship(session, trust.admin, rel, ends_on=dt.date(2025, 2, 1))


# --- listing -------------------------------------------------------------------------------------

def test_the_list_filters_by_status_on_a_given_day(session, trust):
    on = dt.date(2025, 6, 15)
    ended = make_relationship(session, senior=trust.supervisor, junior=trust.practitioner,
                              starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 6, 14))
    last_day = make_relationship(session, senior=trust.manager, junior=trust.practitioner, kind=LINE_MANAGEMENT,
                                 starts_on=dt.date(2025, 1, 1), ends_on=on)
    future = make_relationship(session, senior=trust.supervisor, junior=trust.practitioner,
                               starts_on=dt.date(2025, 6, 16))
    first_day = make_relationship(session, senior=trust.tutor, junior=trust.practitioner, kind=TUTORING,
                                  starts_on=on)

    def ids(status, **kw):
        return {r.id for r in rules.list_relationships(session, trust.hr, on=on, status=status, **kw).items}

    assert ids("current") == {last_day.id, first_day.id}
    assert ids("ended") == {ended.id}
    assert ids("future") == {future.id}
    assert ids("all") == {ended.id, last_day.id, future.id, first_day.id}
    assert ids("all", kind=SUPERVISION) == {ended.id, future.id}
    assert ids("all", person=trust.tutor) == {first_day.id}


def test_scoped_hr_lists_only_relationships_of_staff_in_their_services(session, trust):
    a = make_relationship(session, senior=trust.supervisor, junior=trust.practitioner)
    b = make_relationship(session, senior=trust.supervisor_b, junior=trust.practitioner_b)
    on = dt.date(2025, 6, 1)
    assert [r.id for r in rules.list_relationships(session, trust.hr_a, on=on).items] == [a.id]
    assert {r.id for r in rules.list_relationships(session, trust.hr, on=on).items} == {a.id, b.id}
    assert {r.id for r in rules.list_relationships(session, trust.admin, on=on).items} == {a.id, b.id}
    outsider = make_user(session, roles=(Role.ADMIN,), organisation=make_organisation(session))
    assert rules.list_relationships(session, outsider, on=on).items == []


def test_the_list_is_paged(session, trust):
    juniors = [make_user(session, team=trust.practitioner.profile.team) for _ in range(5)]
    for j in juniors:
        make_relationship(session, senior=trust.supervisor, junior=j)
    on = dt.date(2025, 6, 1)
    first = rules.list_relationships(session, trust.hr, on=on, per_page=2)
    last = rules.list_relationships(session, trust.hr, on=on, per_page=2, page=3)
    beyond = rules.list_relationships(session, trust.hr, on=on, per_page=2, page=99)
    assert (first.total, first.pages, len(first.items)) == (5, 3, 2)
    assert (last.page, len(last.items)) == (3, 1)
    assert beyond.page == 3
