"""Recording relationships through the admin pages, and their dates deciding who sees whose records."""
import datetime as dt

import pytest
from sqlalchemy import select

from models import AuditEvent, RelationshipKind, Role, StaffRelationship, SupervisionKind
from tests.factories import PASSWORD, make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)
NEW = "/admin/relationships/new"


@pytest.fixture
def sign_in(app, client):
    """A fresh client signed in as `user`, so one test can act as several people."""

    def make(user):
        c = app.test_client()
        assert c.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return c

    return make


@pytest.fixture
def trust(session):
    org = make_organisation(session)
    a = make_service(session, organisation=org, name="Service A")
    b = make_service(session, organisation=org, name="Service B")
    team_a, team_b = make_team(session, service=a), make_team(session, service=b)

    class Trust:
        organisation, service_a, service_b, = org, a, b
        admin = make_user(session, roles=(Role.ADMIN,), organisation=org, profile=False)
        hr = make_user(session, roles=(Role.HR,), team=team_a, full_name="Harriet Wide")
        hr_a = make_user(session, roles=((Role.HR, a),), team=team_a, full_name="Hugo Scoped")
        supervisor = make_user(session, roles=(Role.SUPERVISOR,), team=team_a, full_name="Sam Supervisor")
        manager = make_user(session, roles=(Role.LINE_MANAGER,), team=team_a, full_name="Lee Manager")
        practitioner = make_user(session, team=team_a, full_name="Pat Practitioner")
        practitioner_b = make_user(session, team=team_b, full_name="Bea Elsewhere")
        supervisor_b = make_user(session, roles=(Role.SUPERVISOR,), team=team_b, full_name="Bo Supervisor")

    return Trust


def supervision(trust, **overrides):
    data = {"kind": "supervision", "supervision_kind": "clinical", "senior_id": trust.supervisor.id,
            "junior_id": trust.practitioner.id, "starts_on": "2025-04-01", "ends_on": ""}
    return {**data, **overrides}


def relationships(session):
    session.expire_all()
    return list(session.scalars(select(StaffRelationship).order_by(StaffRelationship.id)))


# --- recording -------------------------------------------------------------------------------

def test_hr_creates_a_supervision_relationship(sign_in, session, trust):
    session.commit()
    c = sign_in(trust.hr)
    page = c.get(f"{NEW}?person={trust.practitioner.id}").get_data(as_text=True)
    assert f'<option value="{trust.practitioner.id}" selected>Pat Practitioner</option>' in page
    assert "Sam Supervisor (supervisor)" in page and "Lee Manager (line manager)" in page
    response = c.submit(NEW, supervision(trust, ends_on="2026-03-31"))
    assert response.status_code == 302
    [rel] = relationships(session)
    assert (rel.kind, rel.supervision_kind, rel.senior_id, rel.junior_id) == (
        RelationshipKind.SUPERVISION, SupervisionKind.CLINICAL, trust.supervisor.id, trust.practitioner.id)
    assert (rel.starts_on, rel.ends_on, rel.created_by_id) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31), trust.hr.id)
    listing = c.get(response.location).get_data(as_text=True)
    assert "The relationship has been recorded." in listing and "Clinical supervision" in listing
    event = session.scalar(select(AuditEvent).where(AuditEvent.object_type == "staff_relationships",
                                                    AuditEvent.object_id == str(rel.id)))
    assert event.action == "create" and event.actor_id == trust.hr.id


def test_an_end_date_before_the_start_is_refused_beside_the_end_date_and_nothing_saved(sign_in, session, trust):
    session.commit()
    c = sign_in(trust.hr)
    response = c.submit(NEW, supervision(trust, starts_on="2025-04-01", ends_on="2025-03-31"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#ends_on"' in html
    error = html[html.index('id="ends_on-error"'):]
    assert "The end date must be the same as or after the start date" in error[:300]
    assert 'value="2025-03-31"' in html and 'value="2025-04-01"' in html
    assert f'<option value="{trust.supervisor.id}" selected>' in html
    assert relationships(session) == []


def test_an_overlapping_duplicate_is_refused(sign_in, session, trust):
    make_relationship(session, senior=trust.supervisor, junior=trust.practitioner, starts_on=dt.date(2025, 1, 1),
                      ends_on=dt.date(2025, 12, 31))
    session.commit()
    c = sign_in(trust.hr)
    response = c.submit(NEW, supervision(trust, starts_on="2025-12-31"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "is already recorded from 1 January 2025 until 31 December 2025" in html
    assert 'id="starts_on-error"' in html
    assert len(relationships(session)) == 1
    assert c.submit(NEW, supervision(trust, starts_on="2026-01-01")).status_code == 302
    assert len(relationships(session)) == 2


def test_a_senior_without_the_supervisor_role_is_refused(sign_in, session, trust):
    session.commit()
    c = sign_in(trust.hr)
    response = c.submit(NEW, supervision(trust, senior_id=trust.manager.id))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Lee Manager does not have the supervisor role" in html and 'id="senior_id-error"' in html
    assert relationships(session) == []


def test_a_self_relationship_is_refused(sign_in, session, trust):
    session.commit()
    c = sign_in(trust.hr)
    response = c.submit(NEW, supervision(trust, junior_id=trust.supervisor.id))
    assert response.status_code == 400
    assert "nobody can supervise, manage or tutor themselves" in response.get_data(as_text=True)
    assert relationships(session) == []


def test_missing_choices_are_reported_beside_each_field(sign_in, session, trust):
    session.commit()
    c = sign_in(trust.hr)
    response = c.submit(NEW, {"kind": "", "supervision_kind": "", "senior_id": "", "junior_id": "",
                              "starts_on": "", "ends_on": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("Choose the kind of relationship", "Choose the supervisor, line manager or tutor",
                    "Choose the supervisee, report or trainee", "Enter the start date"):
        assert message in html
    response = c.submit(NEW, supervision(trust, supervision_kind=""))
    assert response.status_code == 400 and "Choose the kind of supervision" in response.get_data(as_text=True)
    response = c.submit(NEW, supervision(trust, kind="line_management", senior_id=trust.manager.id))
    assert response.status_code == 400 and 'id="supervision_kind-error"' in response.get_data(as_text=True)
    response = c.submit(NEW, supervision(trust, senior_id="999999"))
    assert response.status_code == 400 and "Choose a person from the list" in response.get_data(as_text=True)
    assert relationships(session) == []


def test_line_management_is_recorded_without_a_kind_of_supervision(sign_in, session, trust):
    session.commit()
    c = sign_in(trust.admin)
    data = supervision(trust, kind="line_management", supervision_kind="", senior_id=trust.manager.id)
    assert c.submit(NEW, data).status_code == 302
    [rel] = relationships(session)
    assert (rel.kind, rel.supervision_kind) == (RelationshipKind.LINE_MANAGEMENT, None)


# --- scope -----------------------------------------------------------------------------------

def test_hr_for_service_a_cannot_see_or_create_relationships_of_someone_in_service_b(sign_in, session, trust):
    rel_b = make_relationship(session, senior=trust.supervisor_b, junior=trust.practitioner_b)
    rel_a = make_relationship(session, senior=trust.supervisor, junior=trust.practitioner)
    session.commit()
    c = sign_in(trust.hr_a)
    listing = c.get("/admin/relationships").get_data(as_text=True)
    assert "Pat Practitioner" in listing and "Bea Elsewhere" not in listing
    assert c.get(f"/admin/relationships?person={trust.practitioner_b.id}").status_code == 404
    assert c.get(f"{NEW}?person={trust.practitioner_b.id}").status_code == 404
    assert c.get(f"/admin/relationships/{rel_b.id}").status_code == 404
    assert c.submit(f"/admin/relationships/{rel_b.id}/end", {"last_day": "2025-06-01"},
                    form_url="/admin/relationships").status_code == 404
    new_page = c.get(NEW).get_data(as_text=True)
    assert "Bea Elsewhere" not in new_page and "Bo Supervisor" not in new_page
    response = c.submit(NEW, supervision(trust, senior_id=trust.supervisor_b.id, junior_id=trust.practitioner_b.id))
    assert response.status_code == 403
    assert c.submit(NEW, supervision(trust, senior_id=trust.supervisor_b.id)).status_code == 403
    assert c.get(f"/admin/relationships/{rel_a.id}").status_code == 200
    assert len(relationships(session)) == 2


def test_organisation_wide_hr_sees_and_creates_relationships_in_every_service(sign_in, session, trust):
    rel_b = make_relationship(session, senior=trust.supervisor_b, junior=trust.practitioner_b,
                              starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 3, 31))
    session.commit()
    c = sign_in(trust.hr)
    assert "Bea Elsewhere" in c.get(f"/admin/relationships?person={trust.practitioner_b.id}&status=all").get_data(
        as_text=True)
    assert c.get(f"/admin/relationships/{rel_b.id}").status_code == 200
    response = c.submit(NEW, supervision(trust, senior_id=trust.supervisor_b.id, junior_id=trust.practitioner_b.id))
    assert response.status_code == 302
    assert len(relationships(session)) == 2


def test_hr_cannot_change_their_own_relationships(sign_in, session, trust):
    own = make_relationship(session, senior=trust.manager, junior=trust.hr, kind=RelationshipKind.LINE_MANAGEMENT)
    session.commit()
    c = sign_in(trust.hr)
    assert "Lee Manager" in c.get(f"/admin/relationships?person={trust.hr.id}").get_data(as_text=True)
    assert f"/admin/relationships/{own.id}" not in c.get("/admin/relationships").get_data(as_text=True)
    assert c.get(f"/admin/relationships/{own.id}").status_code == 403
    assert c.submit(f"/admin/relationships/{own.id}/end", {"last_day": TODAY.isoformat()},
                    form_url="/admin/relationships").status_code == 403
    assert relationships(session)[0].ends_on is None
    response = c.submit(NEW, supervision(trust, kind="line_management", supervision_kind="",
                                         senior_id=trust.manager.id, junior_id=trust.hr.id))
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.SUPERVISOR, Role.LINE_MANAGER, Role.COURSE_TUTOR])
def test_staff_without_hr_or_admin_roles_are_forbidden(sign_in, session, trust, role):
    rel = make_relationship(session, senior=trust.supervisor, junior=trust.practitioner)
    user = make_user(session, roles=(role,), team=trust.practitioner.profile.team)
    session.commit()
    c = sign_in(user)
    for url in ("/admin/relationships", NEW, f"/admin/relationships/{rel.id}"):
        assert c.get(url).status_code == 403, url
    assert c.submit(NEW, supervision(trust), form_url="/account/password").status_code == 403
    assert c.submit(f"/admin/relationships/{rel.id}/end", {"last_day": TODAY.isoformat()},
                    form_url="/account/password").status_code == 403
    assert len(relationships(session)) == 1 and relationships(session)[0].ends_on is None


def test_another_organisations_relationships_and_people_are_not_found(sign_in, session, trust):
    other_team = make_team(session)
    outsider = make_user(session, team=other_team)
    other_rel = make_relationship(session, senior=make_user(session, roles=(Role.SUPERVISOR,), team=other_team),
                                  junior=outsider)
    session.commit()
    c = sign_in(trust.admin)
    assert c.get(f"/admin/relationships/{other_rel.id}").status_code == 404
    assert c.get(f"/admin/relationships?person={outsider.id}").status_code == 404
    assert c.get(f"{NEW}?person={outsider.id}").status_code == 404
    assert c.get("/admin/relationships/999999").status_code == 404
    assert c.submit(f"/admin/relationships/{other_rel.id}/end", {"last_day": TODAY.isoformat()},
                    form_url="/admin/relationships").status_code == 404
    assert c.submit(NEW, supervision(trust, junior_id=outsider.id)).status_code == 403
    response = c.submit(NEW, supervision(trust, senior_id=other_rel.senior_id))
    assert response.status_code == 400 and "different organisations" in response.get_data(as_text=True)


# --- changing and ending ---------------------------------------------------------------------

def test_ending_a_relationship(sign_in, session, trust):
    rel = make_relationship(session, senior=trust.supervisor, junior=trust.practitioner, starts_on=dt.date(2025, 1, 1))
    session.commit()
    c = sign_in(trust.hr)
    edit = f"/admin/relationships/{rel.id}"
    assert f'value="{TODAY.isoformat()}"' in c.get(edit).get_data(as_text=True)
    response = c.submit(f"{edit}/end", {"last_day": "2024-12-31"}, form_url=edit)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The end date must be the same as or after the start date" in html and 'id="last_day-error"' in html
    assert relationships(session)[0].ends_on is None
    response = c.submit(f"{edit}/end", {"last_day": "2025-06-30"}, form_url=edit)
    assert response.status_code == 302
    assert relationships(session)[0].ends_on == dt.date(2025, 6, 30)
    assert "Its last day is 30 June 2025" in c.get(response.location).get_data(as_text=True)
    assert "End this relationship" not in c.get(edit).get_data(as_text=True)


def test_correcting_a_relationships_dates(sign_in, session, trust):
    rel = make_relationship(session, senior=trust.supervisor, junior=trust.practitioner, starts_on=dt.date(2025, 1, 1))
    session.commit()
    c = sign_in(trust.admin)
    edit = f"/admin/relationships/{rel.id}"
    response = c.submit(edit, {"starts_on": "2025-02-01", "ends_on": "2025-01-31"})
    assert response.status_code == 400
    assert "The end date must be the same as or after the start date" in response.get_data(as_text=True)
    assert c.submit(edit, {"starts_on": "2024-12-01", "ends_on": "2025-11-30"}).status_code == 302
    saved = relationships(session)[0]
    assert (saved.starts_on, saved.ends_on) == (dt.date(2024, 12, 1), dt.date(2025, 11, 30))
    assert c.submit(edit, {"starts_on": "2024-12-01", "ends_on": ""}).status_code == 302
    assert relationships(session)[0].ends_on is None


# --- the list --------------------------------------------------------------------------------

def test_the_list_filters_by_person_kind_and_status(sign_in, session, trust):
    make_relationship(session, senior=trust.supervisor, junior=trust.practitioner, starts_on=TODAY - 30 * DAY)
    make_relationship(session, senior=trust.manager, junior=trust.practitioner, kind=RelationshipKind.LINE_MANAGEMENT,
                      starts_on=TODAY + DAY)
    make_relationship(session, senior=trust.supervisor, junior=trust.hr_a, starts_on=TODAY - 60 * DAY,
                      ends_on=TODAY - DAY)
    session.commit()
    c = sign_in(trust.hr)

    def rows(query=""):
        html = c.get(f"/admin/relationships{query}").get_data(as_text=True)
        return html.count('<tr class="nhsuk-table__row">') - 1 if "<table" in html else 0

    assert rows() == 1
    assert rows("?status=all") == 3
    assert rows("?status=future") == 1
    assert rows("?status=ended") == 1
    assert rows("?status=all&kind=line_management") == 1
    assert rows(f"?status=all&person={trust.supervisor.id}") == 2
    assert rows(f"?status=all&person={trust.hr_a.id}") == 1
    assert rows("?status=nonsense&kind=nonsense&page=x") == 1
    assert "Add a relationship" in c.get("/admin/relationships").get_data(as_text=True)


def test_the_list_is_paged_fifty_at_a_time(sign_in, session, trust):
    team = trust.practitioner.profile.team
    for _ in range(51):
        make_relationship(session, senior=trust.supervisor, junior=make_user(session, team=team))
    session.commit()
    c = sign_in(trust.hr)
    first = c.get("/admin/relationships").get_data(as_text=True)
    assert first.count("<tbody") == 1 and first.count('<tr class="nhsuk-table__row">') == 51
    assert "page 1 of 2" in first and "page=2" in first
    second = c.get("/admin/relationships?page=2").get_data(as_text=True)
    assert second.count('<tr class="nhsuk-table__row">') == 2


def test_the_list_query_count_does_not_grow_with_the_number_of_relationships(sign_in, session, trust, count_queries):
    team = trust.practitioner.profile.team

    def add(n):
        for _ in range(n):
            make_relationship(session, senior=trust.supervisor, junior=make_user(session, team=team))
        session.commit()

    add(3)
    c = sign_in(trust.admin)
    with count_queries() as three:
        assert c.get("/admin/relationships").status_code == 200
    add(27)
    with count_queries() as thirty:
        html = c.get("/admin/relationships").get_data(as_text=True)
    assert html.count("Sam Supervisor") >= 30
    assert thirty.count == three.count


# --- the dates decide access -----------------------------------------------------------------

@pytest.mark.parametrize("kind, senior_attr", [(RelationshipKind.SUPERVISION, "supervisor"),
                                               (RelationshipKind.LINE_MANAGEMENT, "manager")])
@pytest.mark.parametrize("starts_on, ends_on, status", [
    (TODAY - 30 * DAY, None, 200),
    (TODAY, TODAY, 200),               # first and last day at once
    (TODAY - 30 * DAY, TODAY, 200),    # the end date is inclusive
    (TODAY + DAY, None, 404),          # not started yet
    (TODAY - 30 * DAY, TODAY - DAY, 404),  # ended yesterday
])
def test_a_relationship_opens_the_profile_only_on_the_days_it_covers(sign_in, session, trust, kind, senior_attr,
                                                                      starts_on, ends_on, status):
    senior = getattr(trust, senior_attr)
    make_relationship(session, senior=senior, junior=trust.practitioner, kind=kind, starts_on=starts_on,
                      ends_on=ends_on)
    session.commit()
    assert sign_in(senior).get(f"/people/{trust.practitioner.id}").status_code == status


def test_ending_a_relationship_today_closes_the_profile_tomorrow_and_yesterday_closes_it_now(sign_in, session, trust):
    rel = make_relationship(session, senior=trust.supervisor, junior=trust.practitioner, starts_on=TODAY - 30 * DAY)
    session.commit()
    supervisor = sign_in(trust.supervisor)
    profile = f"/people/{trust.practitioner.id}"
    assert supervisor.get(profile).status_code == 200
    hr = sign_in(trust.hr)
    edit = f"/admin/relationships/{rel.id}"
    assert hr.submit(f"{edit}/end", {"last_day": TODAY.isoformat()}, form_url=edit).status_code == 302
    assert supervisor.get(profile).status_code == 200
    assert hr.submit(f"{edit}/end", {"last_day": (TODAY - DAY).isoformat()}, form_url=edit).status_code == 302
    assert supervisor.get(profile).status_code == 404


def test_a_current_relationship_opens_the_profile_only_with_the_matching_role(sign_in, session, trust):
    # Recorded behind the service's back: a line-management row whose senior only holds the supervisor role.
    make_relationship(session, senior=trust.supervisor, junior=trust.practitioner,
                      kind=RelationshipKind.LINE_MANAGEMENT, starts_on=TODAY - DAY)
    session.commit()
    assert sign_in(trust.supervisor).get(f"/people/{trust.practitioner.id}").status_code == 404


def test_the_supervisor_home_page_lists_only_current_supervisees(sign_in, session, trust):
    team = trust.practitioner.profile.team
    current = make_user(session, team=team, full_name="Cora Current")
    future = make_user(session, team=team, full_name="Finn Future")
    ended = make_user(session, team=team, full_name="Enid Ended")
    managed = make_user(session, team=team, full_name="Milo Managed")
    make_relationship(session, senior=trust.supervisor, junior=current, starts_on=TODAY - 10 * DAY,
                      ends_on=TODAY + 10 * DAY)
    make_relationship(session, senior=trust.supervisor, junior=future, starts_on=TODAY + DAY)
    make_relationship(session, senior=trust.supervisor, junior=ended, starts_on=TODAY - 90 * DAY,
                      ends_on=TODAY - DAY)
    make_relationship(session, senior=trust.manager, junior=managed, kind=RelationshipKind.LINE_MANAGEMENT,
                      starts_on=TODAY - DAY)
    session.commit()
    html = sign_in(trust.supervisor).get("/supervisor").get_data(as_text=True)
    assert "Cora Current" in html
    assert "Finn Future" not in html and "Enid Ended" not in html and "Milo Managed" not in html

