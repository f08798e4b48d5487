"""The staff directory: scope per role, filters, sort, search, pagination, exports and a constant query count.

The day is pinned to 15 June 2025 (pay year 2025/26); every expected date is worked out by hand
from the AfC step timings (band 5: 2 + 2 years; bands 6 and 7: 2 + 3 years).
"""
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from competences.credentials import CredentialStatus
from models import ProfessionalRegistration, Regulator, RelationshipKind, Role
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date(2025, 6, 15)


@pytest.fixture(autouse=True)
def pinned_day(monkeypatch):
    monkeypatch.setattr("app.staff.directory.today", lambda: TODAY)


@pytest.fixture
def world(session):
    """Two services; four staff plus a line manager; HR (whole organisation and service B), a service lead."""
    org = make_organisation(session, name="Riverside NHS Foundation Trust")
    a, b = make_service(session, organisation=org, name="Service A"), make_service(session, organisation=org,
                                                                                   name="Service B")
    a1, a2, b1 = (make_team(session, service=a, name="Team A1"), make_team(session, service=a, name="Team A2"),
                  make_team(session, service=b, name="Team B1"))
    alice = make_user(session, team=a1, full_name="Alice Archer", email="alice@example.org", employee_number="E001",
                      band="5", pay_step=1, step_started_on=dt.date(2024, 4, 1))
    bob = make_user(session, team=a2, full_name="Bob Baker", email="bob@example.org", employee_number="E002",
                    band="6", pay_step=2, step_started_on=dt.date(2023, 9, 1), job_title="Senior PWP")
    cara = make_user(session, team=b1, full_name="Cara Cole", email="cara@example.org", employee_number="E003",
                     roles=(Role.PRACTITIONER, Role.SUPERVISOR), band="7", pay_step=1,
                     step_started_on=dt.date(2024, 1, 10), job_title="High intensity CBT therapist")
    dev = make_user(session, organisation=org, full_name="Dev Dale", email="dev@example.org", employee_number="E004", band="4",
                    pay_step=2, step_started_on=dt.date(2022, 1, 1), job_title="Assistant psychologist")
    lena = make_user(session, team=a1, full_name="Lena Lowe", email="lena@example.org", employee_number="E005",
                     roles=(Role.LINE_MANAGER,), band="7", pay_step=3, step_started_on=dt.date(2020, 1, 1),
                     job_title="Step 2 team manager")
    make_relationship(session, senior=lena, junior=dev, kind=RelationshipKind.LINE_MANAGEMENT,
                      starts_on=dt.date(2024, 1, 1))
    # Alice's BABCP PWP registration is due on 1 July 2025 (16 days away: within 90); Cara's expired on 1 May.
    alice.profile.registrations.append(ProfessionalRegistration(
        regulator=Regulator.BABCP, kind="babcp_pwp_register", registration_number="PWP-1",
        registered_on=dt.date(2022, 7, 1), renewal_due_on=dt.date(2025, 7, 1)))
    cara.profile.registrations.append(ProfessionalRegistration(
        regulator=Regulator.HCPC, kind="hcpc", registration_number="PYL-1", registered_on=dt.date(2020, 5, 1),
        expires_on=dt.date(2025, 5, 1)))
    cara.profile.registrations.append(ProfessionalRegistration(
        regulator=Regulator.BABCP, kind="babcp_accreditation", registration_number="CBT-1",
        registered_on=dt.date(2023, 1, 1), renewal_due_on=dt.date(2026, 1, 1)))
    hr = make_user(session, organisation=org, roles=(Role.HR,), full_name="Hana HR", profile=False)
    hr_b = make_user(session, organisation=org, roles=((Role.HR, b),), full_name="Hugo HR", profile=False)
    lead = make_user(session, organisation=org, roles=((Role.SERVICE_LEAD, a),), full_name="Sam Lead", profile=False)
    make_user(session, full_name="Olive Otherorg", band="5")
    session.flush()
    return dict(org=org, a=a, b=b, a1=a1, a2=a2, b1=b1, alice=alice, bob=bob, cara=cara, dev=dev, lena=lena, hr=hr,
                hr_b=hr_b, lead=lead)


NAMES = ["Alice Archer", "Bob Baker", "Cara Cole", "Dev Dale", "Lena Lowe"]


def listed(html, names=NAMES):
    """The names that appear in the table, in the order they appear."""
    table = html.split("<tbody", 1)[1] if "<tbody" in html else ""
    found = [(table.index(n), n) for n in names if n in table]
    return [n for _, n in sorted(found)]


def test_hr_for_the_organisation_sees_everyone_with_band_step_and_dates(world, sign_in):
    response = sign_in(world["hr"]).get("/staff")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert listed(html) == NAMES and "Olive Otherorg" not in html
    assert "5 people." in html
    # Alice: band 5 step 1 from 1 April 2024 → step 2 after 2 years, 1 April 2026; 1 year 2 months in step.
    alice_row = html.split("Alice Archer", 1)[1].split("</tr>", 1)[0]
    assert "Step 1 of 3 (entry)" in alice_row and "1 year 2 months" in alice_row and "1 April 2026" in alice_row
    assert "Due within 90 days or overdue" in alice_row and "E001" in alice_row and "Team A1" in alice_row
    # Bob: band 6 step 2 from 1 September 2023 → step 3 after 3 years, 1 September 2026.
    assert "1 September 2026" in html.split("Bob Baker", 1)[1].split("</tr>", 1)[0]
    cara_row = html.split("Cara Cole", 1)[1].split("</tr>", 1)[0]
    assert "Expired" in cara_row and "Practitioner, Supervisor" in cara_row and "10 January 2026" in cara_row
    dev_row = html.split("Dev Dale", 1)[1].split("</tr>", 1)[0]
    assert "Top of band" in dev_row and "No team" in dev_row and "None recorded" in dev_row
    assert f'href="/people/{world["alice"].id}"' in html


@pytest.mark.parametrize("who, expected", [
    ("hr_b", ["Cara Cole"]),
    ("lead", ["Alice Archer", "Bob Baker", "Lena Lowe"]),
    ("lena", ["Dev Dale"]),
])
def test_each_role_sees_only_their_scope(world, sign_in, who, expected):
    response = sign_in(world[who]).get("/staff")
    assert response.status_code == 200
    assert listed(response.get_data(as_text=True)) == expected


def test_a_practitioner_may_not_open_the_directory(world, sign_in):
    assert sign_in(world["alice"]).get("/staff").status_code == 403


@pytest.mark.parametrize("query, expected", [
    ("q=archer", ["Alice Archer"]),
    ("q=E002", ["Bob Baker"]),
    ("q=cara%40example", ["Cara Cole"]),
    ("service={b}", ["Cara Cole"]),
    ("team={a2}", ["Bob Baker"]),
    ("band=6", ["Bob Baker"]),
    ("band=7", ["Cara Cole", "Lena Lowe"]),
    ("role=supervisor", ["Cara Cole"]),
    ("credential=due", ["Alice Archer"]),
    ("credential=expired", ["Cara Cole"]),
    ("credential=none", ["Bob Baker", "Dev Dale", "Lena Lowe"]),
    # 7 months from 15 June 2025 is 15 January 2026: only Cara's 10 January 2026.
    ("next_step=7", ["Cara Cole"]),
    # 10 months reaches 15 April 2026: Alice's 1 April 2026 too.
    ("next_step=10", ["Alice Archer", "Cara Cole"]),
    ("band=7&team={a1}", ["Lena Lowe"]),
])
def test_filters_narrow_the_list(world, sign_in, query, expected):
    query = query.format(a2=world["a2"].id, b=world["b"].id, a1=world["a1"].id)
    response = sign_in(world["hr"]).get(f"/staff?{query}")
    assert response.status_code == 200
    assert listed(response.get_data(as_text=True)) == expected


@pytest.mark.parametrize("query, expected", [
    ("sort=name&order=desc", list(reversed(NAMES))),
    # Next step dates: Cara 10 Jan 2026, Alice 1 Apr 2026, Bob 1 Sep 2026; Dev and Lena are at the top (no date, last).
    ("sort=next_step", ["Cara Cole", "Alice Archer", "Bob Baker", "Dev Dale", "Lena Lowe"]),
    ("sort=next_step&order=desc", ["Bob Baker", "Alice Archer", "Cara Cole", "Dev Dale", "Lena Lowe"]),
    ("sort=band", ["Dev Dale", "Alice Archer", "Bob Baker", "Cara Cole", "Lena Lowe"]),
    ("sort=band&order=desc", ["Cara Cole", "Lena Lowe", "Bob Baker", "Alice Archer", "Dev Dale"]),
    # Team A1 (Alice, Lena), A2 (Bob), B1 (Cara); Dev has no team and comes last.
    ("sort=team", ["Alice Archer", "Lena Lowe", "Bob Baker", "Cara Cole", "Dev Dale"]),
])
def test_sorting_by_whitelisted_keys(world, sign_in, query, expected):
    response = sign_in(world["hr"]).get(f"/staff?{query}")
    assert listed(response.get_data(as_text=True)) == expected


@pytest.mark.parametrize("query, message", [
    ("sort=salary", "Choose what to sort by from the list"),
    ("band=10", "Choose a band from the list"),
    ("next_step=soon", "Months must be a whole number from 1 to 60, like 3"),
    ("next_step=0", "Months must be a whole number from 1 to 60, like 3"),
    ("credential=fine", "Choose a credential status from the list"),
])
def test_a_bad_filter_is_explained_and_the_list_is_not_filtered(world, sign_in, query, message):
    c = sign_in(world["hr"])
    response = c.get(f"/staff?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and "There is a problem" in html
    assert listed(html) == NAMES
    assert c.get(f"/staff?{query}&format=csv").status_code == 400


def test_pages_of_fifty_keep_their_filters(session, world, sign_in):
    for n in range(52):
        make_user(session, team=world["a2"], full_name=f"Page Person {n:03d}", band="5")
    c = sign_in(world["hr"])
    first = c.get(f"/staff?team={world['a2'].id}").get_data(as_text=True)
    second = c.get(f"/staff?team={world['a2'].id}&page=2").get_data(as_text=True)
    # Team A2: Bob and the 52 page people = 53, by name: Bob Baker, Page Person 000 … 051.
    assert "53 people, page 1 of 2" in first
    assert "Page Person 048" in first and "Page Person 049" not in first
    assert "page 2 of 2" in second and "Page Person 049" in second and "Page Person 051" in second
    assert "Bob Baker" not in second
    assert f"team={world['a2'].id}" in first.split('class="nhsuk-pagination', 1)[1]
    assert "page 2 of 2" in c.get(f"/staff?team={world['a2'].id}&page=9").get_data(as_text=True)


def test_csv_export_has_every_filtered_row_not_just_the_page(session, world, sign_in):
    response = sign_in(world["hr"]).get(f"/staff?service={world['a'].id}&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="staff-directory-' in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).lstrip("\ufeff").split("\r\n")
    assert lines[0] == ("Name,E-mail address,Employee number,Service,Team,Post number,Job title,Roles,Band,Step,"
                        "Time in step,Next step date,Credential status,WTE today")
    assert lines[1] == ("Alice Archer,alice@example.org,E001,Service A,Team A1,,Psychological wellbeing practitioner,"
                        "Practitioner,5,Step 1 of 3 (entry),1 year 2 months,2026-04-01,Due within 90 days or overdue,"
                        "1.00")
    # Bob: 1 September 2023 to 15 June 2025 is 21 whole months.
    assert lines[2] == ("Bob Baker,bob@example.org,E002,Service A,Team A2,,Senior PWP,Practitioner,6,"
                        "Step 2 of 3 (intermediate),1 year 9 months,2026-09-01,None recorded,1.00")
    assert lines[3].startswith("Lena Lowe,") and lines[3].endswith(",Top of band,None recorded,1.00")
    assert lines[4:] == [""]


def test_xlsx_export_opens_with_the_same_rows(world, sign_in):
    response = sign_in(world["hr"]).get("/staff?band=7&format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Name" and rows[0][-1] == "WTE today" and len(rows) == 3
    assert rows[1][:3] == ["Cara Cole", "cara@example.org", "E003"]
    assert rows[1][11] == dt.datetime(2026, 1, 10) and rows[1][12] == "Expired"
    assert Decimal(str(rows[1][13])) == Decimal("1")
    assert rows[2][0] == "Lena Lowe" and rows[2][11] == "Top of band"


def test_a_name_that_looks_like_a_formula_is_exported_inert(session, world, sign_in):
    make_user(session, team=world["b1"], full_name='=HYPERLINK("http://evil.example","Click")', band="5")
    c = sign_in(world["hr"])
    text = c.get(f"/staff?team={world['b1'].id}&format=csv").get_data(as_text=True)
    assert '"\'=HYPERLINK(""http://evil.example"",""Click"")"' in text
    sheet = load_workbook(io.BytesIO(c.get(f"/staff?team={world['b1'].id}&format=xlsx").get_data())).active
    cell = next(row[0] for row in sheet.iter_rows(min_row=2) if "HYPERLINK" in str(row[0].value))
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil.example","Click")'


def test_the_directory_takes_the_same_number_of_queries_for_3_or_30_staff(session, sign_in, count_queries):
    org = make_organisation(session)
    team = make_team(session, service=make_service(session, organisation=org))
    hr = make_user(session, organisation=org, roles=(Role.HR,), profile=False)

    def add(n):
        for i in range(n):
            user = make_user(session, team=team, band=("5", "6", "7")[i % 3], pay_step=1 + i % 2,
                             employee_number=f"Q{session.info.setdefault('n', 0) + i}")
            user.profile.registrations.append(ProfessionalRegistration(
                regulator=Regulator.BABCP, kind="babcp_accreditation", registration_number=f"R{user.id}",
                registered_on=dt.date(2020, 1, 1), renewal_due_on=dt.date(2025, 8, 1),
                status=CredentialStatus.CURRENT))
        session.info["n"] = session.info.get("n", 0) + n
        session.commit()

    add(3)
    c = sign_in(hr)
    c.get("/staff")  # the first request builds the reference-data catalogue once
    with count_queries() as few:
        assert c.get("/staff?sort=next_step").status_code == 200
    with count_queries() as few_export:
        assert c.get("/staff?format=csv").status_code == 200
    add(27)
    with count_queries() as many:
        html = c.get("/staff?sort=next_step").get_data(as_text=True)
    with count_queries() as many_export:
        lines = c.get("/staff?format=csv").get_data(as_text=True).split("\r\n")
    assert "30 people" in html and len(lines) == 32
    assert many.count == few.count, many.statements
    assert many_export.count == few_export.count, many_export.statements


def test_the_service_query_is_constant_for_two_thousand_staff(session, count_queries, app):
    """Done when: a directory of 2,000 staff makes a constant number of queries (rows inserted in bulk)."""
    from app.services.directory import DirectoryFilters, directory
    from app.services.staff_scope import Scope
    from models import StaffProfile, User, WorkingPattern

    org = make_organisation(session)
    team = make_team(session, service=make_service(session, organisation=org))
    users = [User(email=f"bulk{i}@example.org", full_name=f"Bulk {i:04d}", organisation_id=org.id)
             for i in range(2000)]
    session.add_all(users)
    session.flush()
    profiles = [StaffProfile(user_id=u.id, job_title="PWP", core_profession="PWP", team_id=team.id, band="5",
                             pay_step=1, step_started_on=dt.date(2024, 4, 1)) for u in users]
    session.add_all(profiles)
    session.flush()
    session.add_all([WorkingPattern(profile_id=p.id, wte=Decimal("1.00"), starts_on=dt.date(2024, 4, 1))
                     for p in profiles])
    session.commit()
    scope = Scope(org.id, whole_organisation=True)
    with count_queries() as q:
        rows = directory(session, scope, DirectoryFilters(sort="next_step"), TODAY)
    assert len(rows) == 2000 and rows[0].next_step_on == dt.date(2026, 4, 1)
    assert q.count <= 8, q.statements
    assert re.match(r"Bulk \d{4}", rows[0].full_name)


# --- the credential label follows the credential rules -------------------------------------------

def test_the_due_label_names_the_due_soon_days_of_the_credential_rules():
    import dataclasses

    from app.services.directory import credential_states
    from competences.catalogue import built_in_catalogue

    rules = built_in_catalogue().current("credential-rules", TODAY).content
    # The data: due_soon_days = 90 for every kind.
    assert credential_states(rules)["due"] == "Due within 90 days or overdue"
    sixty = dataclasses.replace(rules, default=dataclasses.replace(rules.default, due_soon_days=60),
                                by_kind={k: dataclasses.replace(r, due_soon_days=60) for k, r in rules.by_kind.items()})
    assert credential_states(sixty)["due"] == "Due within 60 days or overdue"
    mixed = dataclasses.replace(sixty, by_kind={**sixty.by_kind, "nmc": dataclasses.replace(
        sixty.by_kind["nmc"], due_soon_days=120)})
    assert credential_states(mixed)["due"] == "Due within 60 to 120 days, by kind, or overdue"


def test_the_directory_shows_the_rules_due_label_in_rows_and_filter(world, sign_in, monkeypatch):
    from app.services import directory as directory_service

    real = directory_service.credential_states

    def sixty(rule_set):
        return {**real(rule_set), "due": "Due within 60 days or overdue"}

    monkeypatch.setattr(directory_service, "credential_states", sixty)
    html = sign_in(world["hr"]).get("/staff").get_data(as_text=True)
    alice_row = html.split("Alice Archer", 1)[1].split("</tr>", 1)[0]
    assert "Due within 60 days or overdue" in alice_row
    assert '<option value="due">Due within 60 days or overdue</option>' in html
    assert "90 days" not in html


# --- bands 8a to 9 ----------------------------------------------------------------------------------

def test_an_8a_top_since_2020_is_listed_at_the_top_of_todays_three_points(session, world, sign_in):
    profile = world["lena"].profile
    profile.band, profile.pay_step, profile.step_started_on = "8a", 2, dt.date(2020, 5, 1)
    html = sign_in(world["hr"]).get("/staff").get_data(as_text=True)
    lena_row = html.split("Lena Lowe", 1)[1].split("</tr>", 1)[0]
    assert "Step 3 of 3 (top)" in lena_row and "Top of band" in lena_row
