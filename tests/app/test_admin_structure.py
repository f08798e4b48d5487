"""Admin pages for the organisation, its services and teams."""
import pytest
from sqlalchemy import func, select

from app.services import organisation as structure
from app.services.errors import DomainError
from models import AuditEvent, Organisation, Role, Service, Team
from tests.factories import PASSWORD, make_organisation, make_service, make_team, make_user


@pytest.fixture
def sign_in(app, client):
    """A fresh client signed in as `user`, so one test can act as several people."""

    def make(user):
        c = app.test_client()
        assert c.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return c

    return make


@pytest.fixture
def org(session):
    return make_organisation(session, name="Northshire Healthcare NHS Trust")


@pytest.fixture
def admin(session, org):
    return make_user(session, roles=(Role.ADMIN,), organisation=org, profile=False)


def services_named(session, org, name):
    return session.scalar(select(func.count()).select_from(Service).where(
        Service.organisation_id == org.id, Service.name == name))


# --- the organisation page -------------------------------------------------------------------

def test_admin_sees_services_teams_and_active_staff_counts(client, session, login_as, org, admin):
    north = make_service(session, organisation=org, name="Talking Therapies North")
    team = make_team(session, service=north, name="Step 2 Team")
    make_team(session, service=north, name="Empty Team")
    for _ in range(3):
        make_user(session, team=team)
    make_user(session, team=team).active = False
    session.commit()
    login_as(admin)
    html = client.get("/admin/organisation").get_data(as_text=True)
    assert "Northshire Healthcare NHS Trust" in html and "Talking Therapies North" in html
    step2 = html[html.index("Step 2 Team"):]
    assert '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">3</td>' in step2.split("</tr>")[0]
    empty = html[html.index("Empty Team"):]
    assert '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">0</td>' in empty.split("</tr>")[0]
    assert f'href="/admin/services/{north.id}"' in html


def test_the_organisation_page_does_not_query_per_service_or_team(client, session, login_as, count_queries, org,
                                                                   admin):
    def add_services(n):
        for _ in range(n):
            svc = make_service(session, organisation=org)
            for _ in range(3):
                make_user(session, team=make_team(session, service=svc))
        session.commit()

    add_services(1)
    login_as(admin)
    with count_queries() as few:
        assert client.get("/admin/organisation").status_code == 200
    add_services(6)
    with count_queries() as many:
        assert client.get("/admin/organisation").status_code == 200
    assert many.count == few.count


def test_admin_corrects_the_organisation_name_and_ods_code(client, session, login_as, org, admin):
    session.commit()
    login_as(admin)
    response = client.submit("/admin/organisation", {"action": "details", "name": "  Northshire  NHS Trust ",
                                                     "ods_code": "rxt"})
    assert response.status_code == 302
    session.expire_all()
    saved = session.get(Organisation, org.id)
    assert (saved.name, saved.ods_code) == ("Northshire NHS Trust", "RXT")
    assert "details have been saved" in client.get(response.location).get_data(as_text=True)


def test_an_ods_code_with_punctuation_is_refused_beside_the_field(client, session, login_as, org, admin):
    session.commit()
    login_as(admin)
    response = client.submit("/admin/organisation", {"action": "details", "name": "Renamed", "ods_code": "R-X"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#ods_code"' in html and 'id="ods_code-error"' in html
    assert 'value="Renamed"' in html and 'value="R-X"' in html
    session.expire_all()
    assert session.get(Organisation, org.id).name == "Northshire Healthcare NHS Trust"


def test_admin_adds_a_service_and_the_change_is_audited_with_them_as_actor(client, session, login_as, org, admin):
    session.commit()
    login_as(admin)
    response = client.submit("/admin/organisation", {"action": "add_service", "service_name": "Talking Therapies East"})
    assert response.status_code == 302
    service = session.scalar(select(Service).where(Service.name == "Talking Therapies East"))
    assert service is not None and service.organisation_id == org.id and service.active
    event = session.scalar(select(AuditEvent).where(AuditEvent.object_type == "services",
                                                    AuditEvent.object_id == str(service.id)))
    assert event is not None and event.action == "create" and event.actor_id == admin.id


def test_a_duplicate_service_name_is_refused_and_nothing_is_saved(client, session, login_as, org, admin):
    make_service(session, organisation=org, name="Talking Therapies North")
    session.commit()
    login_as(admin)
    response = client.submit("/admin/organisation", {"action": "add_service",
                                                     "service_name": "talking therapies NORTH"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is already a service called talking therapies NORTH" in html
    assert 'href="#service_name"' in html and 'id="service_name-error"' in html
    assert 'value="talking therapies NORTH"' in html
    assert "<title>Error: " in html
    assert session.scalar(select(func.count()).select_from(Service).where(Service.organisation_id == org.id)) == 1


def test_the_same_service_name_may_be_used_by_another_organisation(session, org):
    make_service(session, organisation=org, name="Talking Therapies")
    other = make_organisation(session)
    assert structure.add_service(session, other, name="Talking Therapies").organisation_id == other.id


def test_an_empty_service_name_is_refused(client, session, login_as, org, admin):
    session.commit()
    login_as(admin)
    response = client.submit("/admin/organisation", {"action": "add_service", "service_name": "   "})
    assert response.status_code == 400
    assert "Enter the service name" in response.get_data(as_text=True)


def test_an_unknown_action_is_a_bad_request(client, session, login_as, admin):
    session.commit()
    login_as(admin)
    assert client.submit("/admin/organisation", {"action": "delete_everything"}).status_code == 400


# --- services --------------------------------------------------------------------------------

def test_admin_adds_teams_to_a_service_and_a_duplicate_team_name_is_refused(client, session, login_as, org, admin):
    svc = make_service(session, organisation=org, name="North")
    other = make_service(session, organisation=org, name="South")
    make_team(session, service=other, name="Step 3 Team")
    session.commit()
    login_as(admin)
    url = f"/admin/services/{svc.id}"
    assert client.submit(url, {"action": "add_team", "team_name": "Step 3 Team"}).status_code == 302
    response = client.submit(url, {"action": "add_team", "team_name": "Step 3  team"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "North already has a team called Step 3 team" in html and 'id="team_name-error"' in html
    assert 'value="North"' in html  # the rename form still shows the saved name
    assert session.scalar(select(func.count()).select_from(Team).where(Team.service_id == svc.id)) == 1


def test_admin_renames_a_service_but_not_to_another_services_name(client, session, login_as, org, admin):
    svc = make_service(session, organisation=org, name="North")
    make_service(session, organisation=org, name="South")
    session.commit()
    login_as(admin)
    url = f"/admin/services/{svc.id}"
    response = client.submit(url, {"action": "rename", "name": "South"})
    assert response.status_code == 400 and 'id="name-error"' in response.get_data(as_text=True)
    assert client.submit(url, {"action": "rename", "name": "north"}).status_code == 302  # its own name, recased
    session.expire_all()
    assert session.get(Service, svc.id).name == "north"


def test_a_service_is_deactivated_and_reactivated_never_deleted(client, session, login_as, org, admin):
    svc = make_service(session, organisation=org, name="North")
    team = make_team(session, service=svc)
    session.commit()
    login_as(admin)
    url = f"/admin/services/{svc.id}"
    response = client.submit(url, {"action": "deactivate"})
    assert response.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert "The service has been deactivated." in html and "Reactivate North" in html
    assert 'name="team_name"' not in html
    session.expire_all()
    assert session.get(Service, svc.id).active is False and session.get(Team, team.id) is not None
    response = client.submit(url, {"action": "add_team", "team_name": "Late Team"})
    assert response.status_code == 400
    assert "Reactivate it before adding teams" in response.get_data(as_text=True)
    assert client.submit(url, {"action": "reactivate"}).status_code == 302
    session.expire_all()
    assert session.get(Service, svc.id).active is True


# --- teams -----------------------------------------------------------------------------------

def test_admin_renames_and_deactivates_a_team(client, session, login_as, org, admin):
    svc = make_service(session, organisation=org, name="North")
    team = make_team(session, service=svc, name="Step 2")
    make_team(session, service=svc, name="Step 3")
    member = make_user(session, team=team, full_name="Ada Member")
    session.commit()
    login_as(admin)
    url = f"/admin/teams/{team.id}"
    html = client.get(url).get_data(as_text=True)
    assert "Active staff (1)" in html and "Ada Member" in html
    response = client.submit(url, {"action": "rename", "name": "Step 3"})
    assert response.status_code == 400 and 'id="name-error"' in response.get_data(as_text=True)
    assert client.submit(url, {"action": "rename", "name": "Step 2 North"}).status_code == 302
    assert client.submit(url, {"action": "deactivate"}).status_code == 302
    session.expire_all()
    saved = session.get(Team, team.id)
    assert (saved.name, saved.active) == ("Step 2 North", False)
    assert member.profile.team_id == team.id


def test_a_team_of_a_deactivated_service_cannot_be_reactivated(client, session, login_as, org, admin):
    svc = make_service(session, organisation=org, name="North")
    team = make_team(session, service=svc)
    team.active = False
    svc.active = False
    session.commit()
    login_as(admin)
    url = f"/admin/teams/{team.id}"
    assert "Reactivate the service" in client.get(url).get_data(as_text=True)
    response = client.submit(url, {"action": "reactivate"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "North is deactivated. Reactivate the service first" in html and "nhsuk-error-summary" in html
    session.expire_all()
    assert session.get(Team, team.id).active is False


def test_team_names_are_unique_only_within_their_service(session, org):
    a, b = make_service(session, organisation=org), make_service(session, organisation=org)
    structure.add_team(session, a, name="Step 2")
    structure.add_team(session, b, name="Step 2")
    with pytest.raises(DomainError) as caught:
        structure.add_team(session, a, name="STEP 2")
    assert caught.value.field == "name"


# --- who may use these pages -----------------------------------------------------------------

def test_another_organisations_service_and_team_are_not_found(client, session, login_as, admin):
    other_team = make_team(session)
    session.commit()
    login_as(admin)
    assert client.get(f"/admin/services/{other_team.service_id}").status_code == 404
    assert client.get(f"/admin/teams/{other_team.id}").status_code == 404
    assert client.submit(f"/admin/teams/{other_team.id}", {"action": "deactivate"},
                         form_url="/admin/organisation").status_code == 404
    assert client.get("/admin/services/999999").status_code == 404
    session.expire_all()
    assert session.get(Team, other_team.id).active is True


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.SUPERVISOR, Role.LINE_MANAGER, Role.HR,
                                  Role.SERVICE_LEAD])
def test_only_admins_manage_the_structure(sign_in, session, org, role):
    svc = make_service(session, organisation=org)
    team = make_team(session, service=svc)
    user = make_user(session, roles=((role, svc),) if role is Role.SERVICE_LEAD else (role,), team=team)
    session.commit()
    c = sign_in(user)
    for url in ("/admin/organisation", f"/admin/services/{svc.id}", f"/admin/teams/{team.id}"):
        assert c.get(url).status_code == 403, url
    token_page = "/account/password"
    assert c.submit("/admin/organisation", {"action": "add_service", "service_name": "X"},
                    form_url=token_page).status_code == 403
    assert services_named(session, org, "X") == 0


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/organisation")
    assert response.status_code == 302 and "/login" in response.location
