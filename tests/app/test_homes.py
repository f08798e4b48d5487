"""Each role's home page: who may open it, and that it shows what that role should act on today."""
import datetime as dt
import re

import pytest

from app.templating import ROLE_HOMES
from models import ProfessionalRegistration, Regulator, RelationshipKind, Role, SupervisionKind
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)

HOMES = {
    Role.PRACTITIONER: "/practitioner",
    Role.SUPERVISOR: "/supervisor",
    Role.COURSE_TUTOR: "/tutor",
    Role.LINE_MANAGER: "/line-manager",
    Role.SERVICE_LEAD: "/service-lead",
    Role.HR: "/hr",
    Role.ADMIN: "/admin",
}


def section(html, heading):
    """The HTML from an <h2> starting with `heading` up to the next <h2>."""
    match = re.search(rf"<h2>{re.escape(heading)}.*?</h2>(.*?)(?=<h2|</main>)", html, re.S)
    assert match, f"no section {heading!r}"
    return match.group(1)


@pytest.fixture
def org(session):
    return make_organisation(session)


@pytest.fixture
def service(session, org):
    return make_service(session, organisation=org, name="Northside Talking Therapies")


@pytest.fixture
def team(session, service):
    return make_team(session, service=service, name="Step 2 North")


def holder_of(session, role, org, service):
    grant = (role, service) if role is Role.SERVICE_LEAD else role
    return make_user(session, roles=(grant,), organisation=org, full_name=f"Only {role.label}")


def registration(session, person, *, due, regulator=Regulator.BABCP, number="BABCP-1234"):
    reg = ProfessionalRegistration(profile=person.profile, regulator=regulator, registration_number=number,
                                   renewal_due_on=due)
    session.add(reg)
    session.flush()
    return reg


# --- who may open which home page --------------------------------------------------------------

def test_the_home_pages_are_the_ones_the_header_links_to():
    assert [(role, endpoint) for role, endpoint, _ in ROLE_HOMES] == [
        (Role.PRACTITIONER, "home.practitioner"), (Role.SUPERVISOR, "home.supervisor"),
        (Role.COURSE_TUTOR, "home.tutor"), (Role.LINE_MANAGER, "home.line_manager"),
        (Role.SERVICE_LEAD, "home.service_lead"), (Role.HR, "home.hr"), (Role.ADMIN, "home.admin")]


@pytest.mark.parametrize("role", list(HOMES))
def test_each_role_opens_its_own_home_and_no_other(client, session, login_as, org, service, role):
    user = holder_of(session, role, org, service)
    session.commit()
    login_as(user)
    assert client.get(HOMES[role]).status_code == 200
    refused = {path: client.get(path).status_code for r, path in HOMES.items() if r is not role}
    assert refused == {path: 403 for r, path in HOMES.items() if r is not role}


def test_the_refusal_page_explains_itself(client, session, login_as):
    user = make_user(session)
    session.commit()
    login_as(user)
    response = client.get("/hr")
    assert response.status_code == 403
    assert "You do not have permission to see this page" in response.get_data(as_text=True)


@pytest.mark.parametrize(("roles", "home"), [
    ((Role.PRACTITIONER, Role.ADMIN), "/practitioner"),
    ((Role.HR, Role.SUPERVISOR), "/supervisor"),
    ((Role.ADMIN, Role.LINE_MANAGER), "/line-manager"),
    ((Role.ADMIN, Role.HR), "/hr"),
    ((Role.LINE_MANAGER, Role.COURSE_TUTOR), "/tutor"),
])
def test_the_start_page_sends_you_to_your_first_roles_home(client, session, login_as, roles, home):
    user = make_user(session, roles=roles)
    session.commit()
    login_as(user)
    response = client.get("/")
    assert response.status_code == 302 and response.location == home


def test_someone_with_no_roles_is_told_so(client, session, login_as):
    user = make_user(session, roles=())
    session.commit()
    login_as(user)
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Your account has no roles yet" in html and user.email in html
    assert client.get("/practitioner").status_code == 403


def test_the_header_links_to_every_home_the_person_has(client, session, login_as):
    user = make_user(session, roles=(Role.SUPERVISOR, Role.LINE_MANAGER))
    session.commit()
    login_as(user)
    html = client.get("/supervisor").get_data(as_text=True)
    assert 'href="/supervisor"' in html and 'href="/line-manager"' in html
    assert 'href="/practitioner"' not in html and 'href="/hr"' not in html


# --- practitioner ------------------------------------------------------------------------------

def test_a_practitioner_without_a_supervisor_is_warned(client, session, login_as, team):
    user = make_user(session, team=team, full_name="Priya Patel")
    session.commit()
    login_as(user)
    html = client.get("/practitioner").get_data(as_text=True)
    assert "<h1>Priya Patel</h1>" in html
    assert "No current supervisor is recorded for you" in html
    assert "Step 2 North, Northside Talking Therapies" in html


def test_a_practitioner_with_a_supervisor_sees_them_and_no_warning(client, session, login_as, team):
    user = make_user(session, team=team)
    sup = make_user(session, roles=(Role.SUPERVISOR,), organisation=team.service.organisation, full_name="Sam Senior")
    make_relationship(session, senior=sup, junior=user, supervision_kind=SupervisionKind.CASE_MANAGEMENT,
                      starts_on=TODAY - 30 * DAY)
    session.commit()
    login_as(user)
    html = client.get("/practitioner").get_data(as_text=True)
    assert "No current supervisor is recorded" not in html
    supporters = section(html, "Who supports you")
    assert "Sam Senior" in supporters and "Case management supervision" in supporters
    assert "Nothing needs your attention today." in html


def test_an_ended_supervision_does_not_count_as_a_supervisor(client, session, login_as, team):
    user = make_user(session, team=team)
    sup = make_user(session, roles=(Role.SUPERVISOR,), organisation=team.service.organisation, full_name="Former Fay")
    make_relationship(session, senior=sup, junior=user, starts_on=TODAY - 90 * DAY, ends_on=TODAY - DAY)
    session.commit()
    login_as(user)
    html = client.get("/practitioner").get_data(as_text=True)
    assert "No current supervisor is recorded for you" in html
    assert "Former Fay" not in html


def test_a_practitioner_sees_registrations_due_for_renewal(client, session, login_as, team):
    user = make_user(session, team=team)
    registration(session, user, due=TODAY + 20 * DAY, number="BABCP-DUE")
    registration(session, user, due=TODAY + 400 * DAY, regulator=Regulator.HCPC, number="HCPC-LATER")
    session.commit()
    login_as(user)
    attention = section(client.get("/practitioner").get_data(as_text=True), "What needs your attention")
    # The same flags as the credentials page: due within 90 days, with the date.
    assert "(BABCP-DUE)" in attention and "Due within 90 days" in attention
    assert f"next declaration or renewal {(TODAY + 20 * DAY).day}" in attention
    assert "Declaration overdue" not in attention
    assert "HCPC-LATER" not in attention


def test_an_overdue_registration_says_so(client, session, login_as, team):
    user = make_user(session, team=team)
    registration(session, user, due=TODAY - 3 * DAY)
    session.commit()
    login_as(user)
    assert "Declaration overdue" in client.get("/practitioner").get_data(as_text=True)


def test_a_practitioner_without_a_profile_is_told_who_adds_it(client, session, login_as):
    user = make_user(session, profile=False)
    session.commit()
    login_as(user)
    html = client.get("/practitioner").get_data(as_text=True)
    assert "Your employment details have not been recorded yet" in html


# --- supervisor, tutor, line manager -----------------------------------------------------------

def test_the_supervisor_page_lists_current_supervisees_only(client, session, login_as, org, team):
    sup = make_user(session, roles=(Role.SUPERVISOR,), organisation=org)
    current = make_user(session, team=team, full_name="Current Cara")
    ended = make_user(session, team=team, full_name="Ended Ed")
    future = make_user(session, team=team, full_name="Future Fin")
    make_relationship(session, senior=sup, junior=current, starts_on=TODAY - 100 * DAY)
    make_relationship(session, senior=sup, junior=ended, starts_on=TODAY - 100 * DAY, ends_on=TODAY - DAY)
    make_relationship(session, senior=sup, junior=future, starts_on=TODAY + DAY)
    session.commit()
    login_as(sup)
    html = client.get("/supervisor").get_data(as_text=True)
    assert "<h1>Your supervisees</h1>" in html
    assert f'href="/people/{current.id}">Current Cara</a>' in html
    assert "Ended Ed" not in html and "Future Fin" not in html


def test_the_supervisor_page_warns_of_supervision_ending_soon(client, session, login_as, org, team):
    sup = make_user(session, roles=(Role.SUPERVISOR,), organisation=org)
    leaving = make_user(session, team=team, full_name="Leaving Lee")
    make_relationship(session, senior=sup, junior=leaving, starts_on=TODAY - 100 * DAY, ends_on=TODAY + 10 * DAY)
    session.commit()
    login_as(sup)
    ending = section(client.get("/supervisor").get_data(as_text=True), "Ending in the next 30 days")
    assert "Clinical supervision of Leaving Lee ends on" in ending


def test_the_supervisor_page_with_nobody_says_who_records_relationships(client, session, login_as):
    sup = make_user(session, roles=(Role.SUPERVISOR,))
    session.commit()
    login_as(sup)
    assert "Nobody is recorded in this relationship with you today" in client.get("/supervisor").get_data(as_text=True)


def test_the_tutor_page_lists_trainees_and_not_supervisees(client, session, login_as, org, team):
    tutor = make_user(session, roles=(Role.COURSE_TUTOR, Role.SUPERVISOR), organisation=org)
    trainee = make_user(session, team=team, full_name="Trainee Tia")
    supervisee = make_user(session, team=team, full_name="Supervisee Sol")
    make_relationship(session, senior=tutor, junior=trainee, kind=RelationshipKind.TUTORING, starts_on=TODAY)
    make_relationship(session, senior=tutor, junior=supervisee, starts_on=TODAY)
    session.commit()
    login_as(tutor)
    html = client.get("/tutor").get_data(as_text=True)
    assert "<h1>Your trainees</h1>" in html
    assert "Trainee Tia" in html and "Supervisee Sol" not in html


def test_the_line_manager_page_lists_reports_with_band_and_step(client, session, login_as, org, team):
    lm = make_user(session, roles=(Role.LINE_MANAGER,), organisation=org)
    report = make_user(session, team=team, full_name="Report Rae", band="6", pay_step=2)
    make_relationship(session, senior=lm, junior=report, kind=RelationshipKind.LINE_MANAGEMENT,
                      starts_on=TODAY - 10 * DAY)
    session.commit()
    login_as(lm)
    html = client.get("/line-manager").get_data(as_text=True)
    assert "<h1>Your team</h1>" in html
    assert "Report Rae" in html and "Band 6, step 2" in html


# --- service lead and HR -----------------------------------------------------------------------

def test_the_service_lead_page_covers_their_service_only(client, session, login_as, org, service, team):
    other_team = make_team(session, service=make_service(session, organisation=org, name="Southside"))
    lead = make_user(session, roles=((Role.SERVICE_LEAD, service),), organisation=org)
    make_user(session, team=team, full_name="Northern Nia")
    make_user(session, team=other_team, full_name="Southern Sid")
    session.commit()
    login_as(lead)
    html = client.get("/service-lead").get_data(as_text=True)
    without = section(html, "Practitioners without a current supervisor")
    assert "Northern Nia" in without
    assert "Southern Sid" not in html
    teams = section(html, "Teams")
    assert "Northside Talking Therapies" in teams and "Southside" not in teams
    assert re.search(r"Step 2 North</td><td[^>]*>1</td>", teams)


def test_the_hr_page_lists_practitioners_without_supervision(client, session, login_as, org, team):
    hr = make_user(session, roles=(Role.HR,), organisation=org, profile=False)
    sup = make_user(session, roles=(Role.SUPERVISOR,), organisation=org, profile=False)
    alone = make_user(session, team=team, full_name="Alone Ali")
    covered = make_user(session, team=team, full_name="Covered Cy")
    make_user(session, team=make_team(session), full_name="Elsewhere Eli")  # another organisation
    make_relationship(session, senior=sup, junior=covered, starts_on=TODAY - DAY)
    session.commit()
    login_as(hr)
    html = client.get("/hr").get_data(as_text=True)
    assert "2 active staff across the organisation" in html
    without = section(html, "Practitioners without a current supervisor")
    assert f'href="/people/{alone.id}">Alone Ali</a>, Step 2 North' in without
    assert "Covered Cy" not in without
    assert "Covered Cy" in section(html, "Staff without a current line manager")
    assert "Elsewhere Eli" not in html


def test_hr_scoped_to_a_service_sees_only_that_service(client, session, login_as, org, service, team):
    hr = make_user(session, roles=((Role.HR, service),), organisation=org, profile=False)
    elsewhere = make_team(session, service=make_service(session, organisation=org))
    make_user(session, team=elsewhere, full_name="Out Of Scope")
    make_user(session, team=team, full_name="In Scope")
    session.commit()
    login_as(hr)
    html = client.get("/hr").get_data(as_text=True)
    assert "1 active staff in your scope" in html
    assert "In Scope" in html and "Out Of Scope" not in html


def test_the_hr_page_lists_registrations_due_and_relationships_ending(client, session, login_as, org, team):
    hr = make_user(session, roles=(Role.HR,), organisation=org, profile=False)
    lm = make_user(session, roles=(Role.LINE_MANAGER,), organisation=org, profile=False, full_name="Manager Mo")
    person = make_user(session, team=team, full_name="Due Dee")
    registration(session, person, due=TODAY + 5 * DAY)
    make_relationship(session, senior=lm, junior=person, kind=RelationshipKind.LINE_MANAGEMENT,
                      starts_on=TODAY - 100 * DAY, ends_on=TODAY + 20 * DAY)
    session.commit()
    login_as(hr)
    html = client.get("/hr").get_data(as_text=True)
    assert "Due Dee: BABCP due" in section(html, "Registrations due for renewal")
    assert "Line management of Due Dee by Manager Mo ends on" in section(html, "Relationships ending")


def test_the_hr_page_makes_the_same_number_of_queries_for_3_or_30_staff(client, session, login_as, count_queries,
                                                                        org, team):
    hr = make_user(session, roles=(Role.HR,), organisation=org, profile=False)
    lm = make_user(session, roles=(Role.LINE_MANAGER,), organisation=org, profile=False)

    def add_staff(n):
        for _ in range(n):
            person = make_user(session, team=team)
            registration(session, person, due=TODAY + 5 * DAY)
            make_relationship(session, senior=lm, junior=person, kind=RelationshipKind.LINE_MANAGEMENT,
                              starts_on=TODAY - 100 * DAY, ends_on=TODAY + 20 * DAY)
        session.commit()

    add_staff(3)
    login_as(hr)
    with count_queries() as few:
        assert client.get("/hr").status_code == 200
    add_staff(27)
    with count_queries() as many:
        html = client.get("/hr").get_data(as_text=True)
    assert "Practitioners without a current supervisor (30)" in html
    assert "Registrations due for renewal in the next 60 days (30)" in html
    assert "Relationships ending in the next 60 days (30)" in html
    assert many.count == few.count


def test_the_admin_page_lists_accounts_that_have_never_signed_in(client, session, login_as, org):
    admin = make_user(session, roles=(Role.ADMIN,), organisation=org, profile=False)
    make_user(session, organisation=org, full_name="Newcomer Nell", password=None)
    make_user(session, full_name="Other Trust Otto", password=None)
    session.commit()
    login_as(admin)
    html = client.get("/admin").get_data(as_text=True)
    never = section(html, "Accounts that have never signed in")
    assert "Newcomer Nell" in never and "Other Trust Otto" not in never
    assert "No e-mail address is locked out" in html


# --- people's profiles -------------------------------------------------------------------------

def test_a_person_can_open_their_own_profile(client, session, login_as, team):
    user = make_user(session, team=team, full_name="Self Sue")
    session.commit()
    login_as(user)
    response = client.get(f"/people/{user.id}")
    assert response.status_code == 200
    assert "<h1>Self Sue</h1>" in response.get_data(as_text=True)


def test_a_supervisor_can_open_a_current_supervisees_profile_but_not_a_former_ones(client, session, login_as,
                                                                                   org, team):
    sup = make_user(session, roles=(Role.SUPERVISOR,), organisation=org)
    current, former = make_user(session, team=team), make_user(session, team=team)
    make_relationship(session, senior=sup, junior=current, starts_on=TODAY - 10 * DAY)
    make_relationship(session, senior=sup, junior=former, starts_on=TODAY - 100 * DAY, ends_on=TODAY - DAY)
    session.commit()
    login_as(sup)
    assert client.get(f"/people/{current.id}").status_code == 200
    assert client.get(f"/people/{former.id}").status_code == 404


def test_a_profile_outside_the_viewers_scope_is_not_found(client, session, login_as, team):
    viewer = make_user(session, team=team)
    colleague = make_user(session, team=team)
    session.commit()
    login_as(viewer)
    response = client.get(f"/people/{colleague.id}")
    assert response.status_code == 404
    assert client.get("/people/999999").status_code == 404


def test_an_admin_cannot_open_profiles(client, session, login_as, org, team):
    admin = make_user(session, roles=(Role.ADMIN,), organisation=org)
    person = make_user(session, team=team)
    session.commit()
    login_as(admin)
    assert client.get(f"/people/{person.id}").status_code == 404


def test_a_service_lead_cannot_open_a_profile_in_another_service(client, session, login_as, org, service, team):
    lead = make_user(session, roles=((Role.SERVICE_LEAD, service),), organisation=org)
    inside = make_user(session, team=team)
    outside = make_user(session, team=make_team(session, service=make_service(session, organisation=org)))
    session.commit()
    login_as(lead)
    assert client.get(f"/people/{inside.id}").status_code == 200
    assert client.get(f"/people/{outside.id}").status_code == 404
