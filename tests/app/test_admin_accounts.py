"""Administrators' account pages: creating accounts, roles, reset links, deactivation and staff profiles."""
import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import LeaveOfAbsence, PasswordResetToken, Regulator, Role, RoleGrant, StaffProfile, User
from tests.factories import PASSWORD, make_organisation, make_service, make_team, make_user

NEW_PASSWORD = "a fresh long passphrase"


@pytest.fixture
def org(session):
    return make_organisation(session, name="Riverside NHS Foundation Trust")


@pytest.fixture
def admin(session, org):
    return make_user(session, roles=(Role.ADMIN,), organisation=org, full_name="Alex Admin")


@pytest.fixture
def signed_in_admin(session, admin, login_as):
    session.commit()
    login_as(admin)
    return admin


def reload(session, model, ident):
    session.expire_all()
    return session.get(model, ident)


def user_by_email(session, email):
    session.expire_all()
    return session.scalar(select(User).where(User.email == email))


def error_links(html):
    """The error summary as {"#field-id": "message"}: what the person is told, and where it takes them."""
    summary = html.split('class="nhsuk-error-summary"', 1)[1].split("</ul>", 1)[0] if "nhsuk-error-summary" in html else ""
    return {href: " ".join(text.split()) for href, text in re.findall(r'<a href="(#[^"]*)">(.*?)</a>', summary, re.S)}


def sign_in(client, email, password):
    return client.submit("/login", {"email": email, "password": password})


# --- the account list ----------------------------------------------------------------------------

def test_admin_sees_only_their_organisations_accounts_with_roles_and_last_sign_in(client, session, org, admin,
                                                                                  login_as):
    service = make_service(session, organisation=org, name="North Talking Therapies")
    make_user(session, organisation=org, full_name="Priya Practitioner", roles=((Role.HR, service),))
    make_user(session, full_name="Stranger Elsewhere")
    session.commit()
    login_as(admin)
    html = client.get("/admin/accounts").get_data(as_text=True)
    assert "Priya Practitioner" in html and "HR officer (North Talking Therapies)" in html
    assert "Alex Admin" in html and "Administrator" in html
    assert "Stranger Elsewhere" not in html
    assert "Never" in html  # Priya has not signed in; Alex just did
    assert "2 accounts" in html


def test_account_list_searches_names_and_e_mails_and_filters_by_role_and_status(client, session, org, admin,
                                                                                login_as):
    make_user(session, organisation=org, full_name="Sam Supervisor", roles=(Role.SUPERVISOR,),
              email="sam@trust.nhs.uk")
    gone = make_user(session, organisation=org, full_name="Gina Gone", email="gina@trust.nhs.uk")
    gone.active = False
    make_user(session, organisation=org, full_name="Percy 100%", email="percy@trust.nhs.uk")
    session.commit()
    login_as(admin)

    def names(query):
        response = client.get(f"/admin/accounts?{query}")
        assert response.status_code == 200
        return set(re.findall(r'/admin/accounts/\d+">([^<]+)<', response.get_data(as_text=True)))

    assert names("q=SAM@") == {"Sam Supervisor"}
    assert names("q=gina") == {"Gina Gone"}
    assert names("q=100%25") == {"Percy 100%"}  # % is matched literally, not as a wildcard
    assert names("q=%25") == {"Percy 100%"}
    assert names("role=supervisor") == {"Sam Supervisor"}
    assert names("status=inactive") == {"Gina Gone"}
    assert names("status=active&q=trust.nhs.uk") == {"Sam Supervisor", "Percy 100%"}


def test_an_unknown_role_filter_is_a_bad_request_showing_the_error(client, signed_in_admin):
    response = client.get("/admin/accounts?role=wizard")
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)


def test_account_list_is_paginated_by_fifty(client, session, org, admin, login_as):
    for n in range(55):
        make_user(session, organisation=org, full_name=f"Person {n:02d}", profile=False, password=None)
    session.commit()
    login_as(admin)
    first = client.get("/admin/accounts").get_data(as_text=True)
    second = client.get("/admin/accounts?page=2").get_data(as_text=True)
    assert "56 accounts, page 1 of 2" in first and "Person 48" in first and "Person 49" not in first
    assert "page 2 of 2" in second and "Person 49" in second and "Alex Admin" in second
    # A page past the end shows the last one rather than nothing.
    assert "page 2 of 2" in client.get("/admin/accounts?page=9").get_data(as_text=True)


def test_account_list_query_count_does_not_grow_with_the_number_of_accounts(client, session, org, admin,
                                                                             login_as, count_queries):
    service = make_service(session, organisation=org)
    session.commit()
    login_as(admin)

    def add_accounts(n):
        for _ in range(n):
            make_user(session, organisation=org, roles=(Role.PRACTITIONER, (Role.SERVICE_LEAD, service)))
        session.commit()

    add_accounts(2)
    with count_queries() as few:
        assert client.get("/admin/accounts").status_code == 200
    add_accounts(27)
    with count_queries() as many:
        assert client.get("/admin/accounts").status_code == 200
    assert "30 accounts" in client.get("/admin/accounts").get_data(as_text=True)
    assert many.count == few.count, many.statements


# --- creating an account -----------------------------------------------------------------------

def test_admin_creates_an_account_with_roles_and_no_password(client, session, org, signed_in_admin):
    response = client.submit("/admin/accounts/new", {
        "email": " Jo.Bloggs@Trust.NHS.uk ", "full_name": "Jo Bloggs", "roles": ["practitioner", "supervisor"]})
    user = user_by_email(session, "jo.bloggs@trust.nhs.uk")
    assert response.status_code == 302 and response.location == f"/admin/accounts/{user.id}"
    assert (user.full_name, user.organisation_id, user.password_hash) == ("Jo Bloggs", org.id, None)
    assert user.roles == {Role.PRACTITIONER, Role.SUPERVISOR}
    page = client.get(response.location).get_data(as_text=True)
    assert "Account created for Jo Bloggs" in page and "Not set yet" in page


def test_admin_creates_a_service_lead_and_a_scoped_hr_officer(client, session, org, signed_in_admin):
    service = make_service(session, organisation=org, name="South")
    session.commit()
    client.submit("/admin/accounts/new", {"email": "lead@trust.nhs.uk", "full_name": "Lee Lead",
                                          "roles": ["service_lead", "hr"], "service": str(service.id)})
    client.submit("/admin/accounts/new", {"email": "hr@trust.nhs.uk", "full_name": "Harriet HR", "roles": ["hr"],
                                          "service": ""})
    lead, hr = user_by_email(session, "lead@trust.nhs.uk"), user_by_email(session, "hr@trust.nhs.uk")
    assert {(g.role, g.service_id) for g in lead.role_grants} == {(Role.SERVICE_LEAD, service.id),
                                                                  (Role.HR, service.id)}
    assert {(g.role, g.service_id) for g in hr.role_grants} == {(Role.HR, None)}


def test_a_service_lead_without_a_service_is_refused_beside_the_service_field(client, session, signed_in_admin):
    response = client.submit("/admin/accounts/new", {"email": "lead@trust.nhs.uk", "full_name": "Lee Lead",
                                                     "roles": ["service_lead"], "service": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_links(html) == {"#service": "Choose the service this person leads"}
    assert 'value="lead@trust.nhs.uk"' in html  # what was typed is kept
    assert user_by_email(session, "lead@trust.nhs.uk") is None


def test_a_service_for_a_role_that_takes_none_is_refused(client, session, org, signed_in_admin):
    service = make_service(session, organisation=org)
    session.commit()
    response = client.submit("/admin/accounts/new", {"email": "p@trust.nhs.uk", "full_name": "P",
                                                     "roles": ["practitioner"], "service": str(service.id)})
    assert response.status_code == 400
    assert "Choose a service only for a service lead or an HR officer" in response.get_data(as_text=True)


def test_duplicate_e_mail_shows_the_error_beside_the_e_mail_field_and_creates_nothing(client, session, org,
                                                                                      signed_in_admin):
    make_user(session, organisation=org, email="taken@trust.nhs.uk")
    session.commit()
    before = session.scalar(select(func.count()).select_from(User))
    response = client.submit("/admin/accounts/new", {"email": "TAKEN@trust.nhs.uk", "full_name": "Second Person",
                                                     "roles": ["practitioner"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error: Create an account" in html
    assert error_links(html) == {"#email": "An account with this e-mail address already exists"}
    assert 'id="email-error"' in html and 'value="Second Person"' in html
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(User)) == before


def test_missing_fields_are_each_reported(client, session, signed_in_admin):
    response = client.submit("/admin/accounts/new", {"email": "not an address", "full_name": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("Enter an e-mail address in the correct format", "Enter the person&#39;s full name",
                    "Choose at least one role"):
        assert message in html


# --- one account: reset links ------------------------------------------------------------------

def issue_link(client, user):
    response = client.submit(f"/admin/accounts/{user.id}/reset-link", form_url=f"/admin/accounts/{user.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Give this link only to" in html
    match = re.search(r'id="reset-link">\s*(https?://[^/<\s]+(/reset-password/[^<\s]+))', html)
    assert match, html
    assert match.group(1).startswith(client.application.config["PUBLIC_BASE_URL"])  # never the Host header
    return match.group(2)


def test_a_reset_link_lets_the_person_set_a_password_and_sign_in_once(app, client, session, org, signed_in_admin):
    client.submit("/admin/accounts/new", {"email": "new@trust.nhs.uk", "full_name": "New Starter",
                                          "roles": ["practitioner"]})
    person = user_by_email(session, "new@trust.nhs.uk")
    path = issue_link(client, person)
    token = path.rsplit("/", 1)[1]
    session.expire_all()
    stored = session.scalar(select(PasswordResetToken).where(PasswordResetToken.user_id == person.id))
    assert stored.issued_by_id == signed_in_admin.id and token not in stored.token_hash

    newcomer = app.test_client()
    assert newcomer.submit(path, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}).status_code == 302
    assert sign_in(newcomer, "new@trust.nhs.uk", NEW_PASSWORD).status_code == 302
    assert newcomer.get(path).status_code == 404  # used once, gone


def test_issuing_a_new_link_cancels_the_earlier_one(app, client, session, org, signed_in_admin):
    person = make_user(session, organisation=org)
    session.commit()
    first, second = issue_link(client, person), issue_link(client, person)
    other = app.test_client()
    assert other.get(first).status_code == 404
    assert other.get(second).status_code == 200


def test_no_reset_link_for_a_deactivated_account(client, session, org, signed_in_admin):
    person = make_user(session, organisation=org)
    person.active = False
    session.commit()
    response = client.submit(f"/admin/accounts/{person.id}/reset-link", form_url="/admin/accounts")
    assert response.status_code == 400
    assert "Reactivate this account before issuing a reset link" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(PasswordResetToken)) == 0


# --- one account: deactivation -----------------------------------------------------------------

def test_deactivation_signs_the_person_out_and_stops_them_signing_in(app, client, session, org, signed_in_admin):
    person = make_user(session, organisation=org, full_name="Leaving Person")
    session.commit()
    theirs = app.test_client()
    assert sign_in(theirs, person.email, PASSWORD).status_code == 302
    assert theirs.get("/practitioner").status_code == 200

    response = client.submit(f"/admin/accounts/{person.id}/active", {"active": "no"},
                             form_url=f"/admin/accounts/{person.id}")
    assert response.status_code == 302
    assert "has been deactivated" in client.get(response.location).get_data(as_text=True)
    assert reload(session, User, person.id).active is False

    old_session = theirs.get("/practitioner")
    assert old_session.status_code == 302 and old_session.location.startswith("/login")
    assert sign_in(app.test_client(), person.email, PASSWORD).status_code == 400


def test_reactivation_lets_the_person_sign_in_again(app, client, session, org, signed_in_admin):
    person = make_user(session, organisation=org)
    person.active = False
    session.commit()
    response = client.submit(f"/admin/accounts/{person.id}/active", {"active": "yes"},
                             form_url=f"/admin/accounts/{person.id}")
    assert response.status_code == 302
    assert reload(session, User, person.id).active is True
    assert sign_in(app.test_client(), person.email, PASSWORD).status_code == 302


def test_admin_cannot_deactivate_themselves(client, session, signed_in_admin):
    page = client.get(f"/admin/accounts/{signed_in_admin.id}").get_data(as_text=True)
    assert "You cannot deactivate your own account" in page
    response = client.submit(f"/admin/accounts/{signed_in_admin.id}/active", {"active": "no"},
                             form_url="/admin/accounts")
    assert response.status_code == 400
    assert reload(session, User, signed_in_admin.id).active is True


def test_an_active_value_other_than_yes_or_no_is_a_bad_request(client, session, org, signed_in_admin):
    person = make_user(session, organisation=org)
    session.commit()
    response = client.submit(f"/admin/accounts/{person.id}/active", {"active": "maybe"}, form_url="/admin/accounts")
    assert response.status_code == 400
    assert reload(session, User, person.id).active is True


# --- one account: roles ------------------------------------------------------------------------

def test_admin_adds_and_removes_roles(client, session, org, signed_in_admin):
    person = make_user(session, organisation=org, full_name="Role Person")
    service = make_service(session, organisation=org, name="East")
    session.commit()
    url = f"/admin/accounts/{person.id}"
    response = client.submit(f"{url}/roles", {"role": "service_lead", "service": str(service.id)}, form_url=url)
    assert response.status_code == 302
    assert "Role Person now has the Service lead role for East" in client.get(url).get_data(as_text=True)
    again = client.submit(f"{url}/roles", {"role": "service_lead", "service": str(service.id)}, form_url=url)
    assert "already has the Service lead role" in client.get(again.location).get_data(as_text=True)

    grant = session.scalar(select(RoleGrant).where(RoleGrant.user_id == person.id,
                                                   RoleGrant.role == Role.PRACTITIONER))
    response = client.submit(f"{url}/roles/{grant.id}/remove", form_url=url)
    assert response.status_code == 302
    assert "The Practitioner role has been removed from Role Person" in client.get(url).get_data(as_text=True)
    assert {(g.role, g.service_id) for g in reload(session, User, person.id).role_grants} == {
        (Role.SERVICE_LEAD, service.id)}


def test_adding_a_service_lead_role_without_a_service_is_shown_beside_the_field(client, session, org,
                                                                                signed_in_admin):
    person = make_user(session, organisation=org)
    session.commit()
    url = f"/admin/accounts/{person.id}"
    response = client.submit(f"{url}/roles", {"role": "service_lead", "service": ""}, form_url=url)
    assert response.status_code == 400
    assert error_links(response.get_data(as_text=True)) == {"#service": "Choose the service this person leads"}
    assert reload(session, User, person.id).roles == {Role.PRACTITIONER}


def test_admin_cannot_remove_their_own_admin_role(client, session, org, signed_in_admin):
    make_user(session, organisation=org, roles=(Role.ADMIN,))
    session.commit()
    url = f"/admin/accounts/{signed_in_admin.id}"
    assert "You cannot remove your own administrator role" in client.get(url).get_data(as_text=True)
    grant = signed_in_admin.grants_for(Role.ADMIN)[0]
    response = client.submit(f"{url}/roles/{grant.id}/remove", form_url=url)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error: Alex Admin" in html and "There is a problem" in html
    assert Role.ADMIN in reload(session, User, signed_in_admin.id).roles


def test_admin_can_remove_another_admins_role(client, session, org, signed_in_admin):
    other = make_user(session, organisation=org, roles=(Role.ADMIN,))
    session.commit()
    grant = other.grants_for(Role.ADMIN)[0]
    url = f"/admin/accounts/{other.id}"
    assert client.submit(f"{url}/roles/{grant.id}/remove", form_url=url).status_code == 302
    assert reload(session, User, other.id).roles == frozenset()


def test_a_grant_of_another_account_cannot_be_removed_through_this_one(client, session, org, signed_in_admin):
    person, other = make_user(session, organisation=org), make_user(session, organisation=org)
    session.commit()
    grant = other.role_grants[0]
    response = client.submit(f"/admin/accounts/{person.id}/roles/{grant.id}/remove", form_url="/admin/accounts")
    assert response.status_code == 404
    assert reload(session, User, other.id).roles == {Role.PRACTITIONER}


# --- the staff profile -------------------------------------------------------------------------

def profile_url(user):
    return f"/admin/accounts/{user.id}/profile"


def test_admin_adds_a_profile_with_band_step_and_dates(client, session, org, signed_in_admin):
    service = make_service(session, organisation=org, name="West")
    team = make_team(session, service=service, name="Step 2 team")
    person = make_user(session, organisation=org, profile=False)
    session.commit()
    page = client.get(profile_url(person)).get_data(as_text=True)
    assert "Step 2 team – West" in page and "Add the employment details first" in page
    response = client.submit(profile_url(person), {
        "job_title": "High intensity therapist", "core_profession": "Mental health nurse", "team": str(team.id),
        "band": "7", "band_started_on": "2025-04-01", "pay_step": "2", "step_started_on": "2026-04-01",
        "employee_number": "ESR-0042"})
    assert response.status_code == 302
    assert "Employment details added" in client.get(response.location).get_data(as_text=True)
    profile = reload(session, User, person.id).profile
    assert (profile.job_title, profile.team_id, profile.band, profile.band_started_on, profile.pay_step,
            profile.step_started_on, profile.employee_number) == (
        "High intensity therapist", team.id, "7", dt.date(2025, 4, 1), 2, dt.date(2026, 4, 1), "ESR-0042")


def test_profile_edit_clears_band_and_step_left_blank(client, session, org, signed_in_admin):
    person = make_user(session, organisation=org)
    session.commit()
    page = client.get(profile_url(person)).get_data(as_text=True)
    assert 'value="2024-04-01"' in page and '<option value="5" selected>' in page
    client.submit(profile_url(person), {"job_title": "PWP", "core_profession": "PWP", "team": "", "band": "",
                                        "band_started_on": "", "pay_step": "", "step_started_on": "",
                                        "employee_number": ""})
    profile = reload(session, User, person.id).profile
    assert (profile.band, profile.band_started_on, profile.pay_step, profile.step_started_on) == (None,) * 4


def test_a_duplicate_employee_number_is_refused_and_nothing_is_saved(client, session, org, signed_in_admin):
    make_user(session, organisation=org, employee_number="E1")
    person = make_user(session, organisation=org, job_title="Original title")
    session.commit()
    response = client.submit(profile_url(person), {"job_title": "Changed", "core_profession": "PWP", "band": "5",
                                                    "employee_number": "E1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_links(html) == {"#employee_number": "Another person already has this employee number"}
    assert 'value="Changed"' in html
    assert reload(session, User, person.id).profile.job_title == "Original title"


def test_an_impossible_date_is_reported_beside_its_field(client, session, org, signed_in_admin):
    person = make_user(session, organisation=org)
    session.commit()
    response = client.submit(profile_url(person), {"job_title": "PWP", "core_profession": "PWP", "band": "5",
                                                   "band_started_on": "2025-02-30", "pay_step": "1"})
    assert response.status_code == 400
    assert "Date the band started must be a real date" in response.get_data(as_text=True)


def test_a_working_pattern_change_closes_the_previous_one(client, session, org, signed_in_admin):
    person = make_user(session, organisation=org)
    session.commit()
    response = client.submit(f"{profile_url(person)}/working-pattern",
                             {"pattern-starts_on": "2025-09-01", "pattern-wte": "0.6"}, form_url=profile_url(person))
    assert response.status_code == 302 and response.location.endswith("#working-pattern")
    page = client.get(response.location).get_data(as_text=True)
    assert "Working pattern set to 0.60 whole-time equivalent from 1 September 2025" in page
    patterns = reload(session, StaffProfile, person.profile.id).working_patterns
    assert [(p.wte, p.starts_on, p.ends_on) for p in patterns] == [
        (Decimal("1.00"), dt.date(2024, 4, 1), dt.date(2025, 8, 31)), (Decimal("0.60"), dt.date(2025, 9, 1), None)]


def test_a_working_pattern_before_the_current_one_is_refused(client, session, org, signed_in_admin):
    person = make_user(session, organisation=org)
    session.commit()
    response = client.submit(f"{profile_url(person)}/working-pattern",
                             {"pattern-starts_on": "2024-01-01", "pattern-wte": "0.5"}, form_url=profile_url(person))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#pattern-starts_on"' in html and "on or after 1 April 2024" in html
    assert 'value="0.5"' in html
    assert len(reload(session, StaffProfile, person.profile.id).working_patterns) == 1


def test_a_working_pattern_needs_a_date_and_a_number(client, session, org, signed_in_admin):
    person = make_user(session, organisation=org)
    session.commit()
    response = client.submit(f"{profile_url(person)}/working-pattern",
                             {"pattern-starts_on": "", "pattern-wte": "full"}, form_url=profile_url(person))
    assert response.status_code == 400
    assert error_links(response.get_data(as_text=True)) == {
        "#pattern-starts_on": "Enter the date the new working pattern starts",
        "#pattern-wte": "Whole-time equivalent must be a number, like 0.8"}


def test_leave_ending_before_it_starts_is_refused_and_nothing_is_saved(client, session, org, signed_in_admin):
    person = make_user(session, organisation=org)
    session.commit()
    response = client.submit(f"{profile_url(person)}/leave", {
        "leave-kind": "maternity", "leave-starts_on": "2025-06-01", "leave-ends_on": "2025-05-31"},
        form_url=profile_url(person))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_links(html) == {"#leave-ends_on": "The end date must be the same as or after the start date"}
    assert 'id="leave-ends_on-error"' in html
    assert session.scalar(select(func.count()).select_from(LeaveOfAbsence)) == 0


def test_leave_is_recorded_and_then_ended(client, session, org, signed_in_admin):
    person = make_user(session, organisation=org)
    session.commit()
    url = profile_url(person)
    response = client.submit(f"{url}/leave", {"leave-kind": "maternity", "leave-starts_on": "2025-06-02",
                                              "leave-ends_on": ""}, form_url=url)
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Maternity leave from 2 June 2025 recorded" in page and "No end date yet" in page
    leave = session.scalar(select(LeaveOfAbsence))
    response = client.submit(f"{url}/leave/{leave.id}/end", {f"end-{leave.id}-ends_on": "2026-03-01"}, form_url=url)
    assert response.status_code == 302
    assert reload(session, LeaveOfAbsence, leave.id).ends_on == dt.date(2026, 3, 1)


def test_a_registration_is_added_and_updated(client, session, org, signed_in_admin):
    person = make_user(session, organisation=org)
    session.commit()
    url = profile_url(person)
    data = {"registration-regulator": "babcp", "registration-registration_number": "123456",
            "registration-registered_on": "2024-01-15", "registration-renewal_due_on": "2025-01-15"}
    assert client.submit(f"{url}/registrations", data, form_url=url).status_code == 302
    assert client.submit(f"{url}/registrations", {**data, "registration-renewal_due_on": "2026-01-15"},
                         form_url=url).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "BABCP registration 123456 saved" in page and "15 January 2026" in page
    regs = reload(session, StaffProfile, person.profile.id).registrations
    assert [(r.regulator, r.registration_number, r.renewal_due_on) for r in regs] == [
        (Regulator.BABCP, "123456", dt.date(2026, 1, 15))]


def test_profile_sub_forms_need_a_profile_first(client, session, org, signed_in_admin):
    person = make_user(session, organisation=org, profile=False)
    session.commit()
    response = client.submit(f"{profile_url(person)}/leave", {"leave-kind": "sickness",
                                                              "leave-starts_on": "2025-01-01"},
                             form_url=profile_url(person))
    assert response.status_code == 404


# --- who may see these pages -------------------------------------------------------------------

def admin_pages(target, grant_id=1, leave_id=1):
    base = f"/admin/accounts/{target}"
    gets = ["/admin/accounts", "/admin/accounts/new", base, f"{base}/profile"]
    posts = ["/admin/accounts/new", f"{base}/roles", f"{base}/roles/{grant_id}/remove", f"{base}/reset-link",
             f"{base}/active", f"{base}/profile", f"{base}/profile/working-pattern", f"{base}/profile/leave",
             f"{base}/profile/leave/{leave_id}/end", f"{base}/profile/registrations"]
    return gets, posts


@pytest.mark.parametrize("roles", [(Role.HR,), (Role.PRACTITIONER, Role.SUPERVISOR), (Role.SERVICE_LEAD,)])
def test_people_without_the_admin_role_get_403_on_every_account_page(client, session, org, login_as, roles):
    service = make_service(session, organisation=org)
    viewer = make_user(session, organisation=org, roles=tuple((r, service) if r is Role.SERVICE_LEAD else r
                                                              for r in roles))
    target = make_user(session, organisation=org)
    session.commit()
    login_as(viewer)
    gets, posts = admin_pages(target.id, grant_id=target.role_grants[0].id)
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.submit(url, {"active": "no"}, form_url="/account/password").status_code == 403, url
    assert reload(session, User, target.id).active is True


def test_an_account_of_another_organisation_is_not_found(client, session, signed_in_admin):
    foreign = make_user(session, full_name="Foreign Person")
    session.commit()
    gets, posts = admin_pages(foreign.id, grant_id=foreign.role_grants[0].id)
    for url in gets[2:]:
        assert client.get(url).status_code == 404, url
    for url in posts[1:]:
        assert client.submit(url, {"active": "no", "role": "admin"}, form_url="/admin/accounts").status_code == 404, url
    foreign = reload(session, User, foreign.id)
    assert foreign.active is True and foreign.roles == {Role.PRACTITIONER}


def test_signed_out_visitors_are_sent_to_sign_in(client, session, org):
    person = make_user(session, organisation=org)
    session.commit()
    response = client.get(f"/admin/accounts/{person.id}")
    assert response.status_code == 302 and response.location.startswith("/login")
