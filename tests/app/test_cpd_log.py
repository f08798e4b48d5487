"""The CPD log pages: recording, refusing bad input beside its field, totals, filters, privacy, delete and undo."""
import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from models import CpdActivity, ProfessionalRegistration, Regulator, RelationshipKind, Role
from tests.factories import PASSWORD, make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date.today()
VALID = {
    "title": "Trauma-focused CBT workshop", "provider": "Regional training hub", "start_on": "2026-03-02",
    "end_on": "2026-03-03", "hours": "6.5", "category": "clinical", "cbt": "yes", "cbt_skills": "yes",
    "participatory": "yes", "hcpc_standards": ["2", "4"],
    "reflection_learned": "How to build a trauma timeline.", "reflection_practice": "I will map memories first.",
    "competences": ["ucl-cbt:problem-ptsd-ehlers-clark", "ksa:ksa-8"],
}


@pytest.fixture
def org(session):
    return make_organisation(session, name="Riverside NHS Foundation Trust")


@pytest.fixture
def team(session, org):
    return make_team(session, service=make_service(session, organisation=org))


@pytest.fixture
def owner(session, team):
    return make_user(session, team=team, full_name="Priya Practitioner")


@pytest.fixture
def supervisor(session, org, owner):
    sup = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False, full_name="Sam Supervisor")
    make_relationship(session, senior=sup, junior=owner, starts_on=dt.date(2025, 1, 1))
    return sup


@pytest.fixture
def signed_in(app, client, session):
    """A client signed in as `user` (each call a fresh client, so several people can be compared)."""

    def sign_in(user):
        session.commit()
        client = app.test_client()
        response = client.submit("/login", {"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        return client

    return sign_in


def add(session, owner, **fields):
    values = {"start_on": dt.date(2026, 3, 2), "end_on": dt.date(2026, 3, 2), "title": "Reading group",
              "category": "clinical", "minutes": 90, "reflection_learned": "Learned", "reflection_practice": "Changed",
              **fields}
    entry = CpdActivity(owner_id=owner.id, **values)
    session.add(entry)
    session.flush()
    return entry


def saved(session, owner):
    session.expire_all()
    return list(session.scalars(select(CpdActivity).where(CpdActivity.owner_id == owner.id)))


def field_error(html, field):
    """The message shown beside `field` (its NHS.UK error message), or None."""
    match = re.search(rf'id="{field}-error"[^>]*>\s*<span class="nhsuk-u-visually-hidden">Error:\s*</span>\s*(.*?)\s*</span>',
                      html, re.DOTALL)
    return " ".join(match.group(1).split()) if match else None


def urls(owner_id, entry_id):
    base = f"/people/{owner_id}/cpd"
    return {"list": ("GET", base), "entry": ("GET", f"{base}/{entry_id}"), "new": ("GET", f"{base}/new"),
            "create": ("POST", f"{base}/new"), "edit": ("GET", f"{base}/{entry_id}/edit"),
            "change": ("POST", f"{base}/{entry_id}/edit"), "delete": ("POST", f"{base}/{entry_id}/delete"),
            "undo": ("POST", f"{base}/{entry_id}/undo")}


def call(client, method, url):
    if method == "GET":
        return client.get(url)
    # A token from a page the caller can reach (their own password page), so CSRF never hides the status.
    return client.submit(url, VALID, form_url="/account/password")


# --- recording -------------------------------------------------------------------------------------

def test_practitioner_records_an_activity_with_hours_stored_as_minutes(session, owner, signed_in):
    client = signed_in(owner)
    assert client.get(f"/people/{owner.id}/cpd/new").status_code == 200
    response = client.submit(f"/people/{owner.id}/cpd/new", VALID)
    assert response.status_code == 302
    [entry] = saved(session, owner)
    assert response.headers["Location"].endswith(f"/people/{owner.id}/cpd/{entry.id}")
    assert (entry.start_on, entry.end_on, entry.minutes) == (dt.date(2026, 3, 2), dt.date(2026, 3, 3), 390)
    assert (entry.cbt, entry.cbt_skills, entry.participatory, entry.category) == (True, True, True, "clinical")
    assert entry.hcpc_standards == [2, 4]
    assert entry.competences == ["ucl-cbt:problem-ptsd-ehlers-clark", "ksa:ksa-8"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "6 h 30 min" in html and "How to build a trauma timeline." in html
    assert "Post-traumatic stress disorder (Ehlers and Clark model)" in html


def test_a_one_day_activity_ends_on_its_start_date_and_quarter_hours_are_kept(session, owner, signed_in):
    client = signed_in(owner)
    client.submit(f"/people/{owner.id}/cpd/new", {**VALID, "end_on": "", "hours": "1.25"})
    [entry] = saved(session, owner)
    assert entry.end_on == entry.start_on == dt.date(2026, 3, 2)
    assert entry.minutes == 75


def test_a_reflective_statement_is_optional_but_its_absence_is_flagged_in_the_list(session, owner, signed_in):
    client = signed_in(owner)
    response = client.submit(f"/people/{owner.id}/cpd/new",
                             {**VALID, "reflection_learned": "", "reflection_practice": ""})
    assert response.status_code == 302
    html = client.get(f"/people/{owner.id}/cpd").get_data(as_text=True)
    assert "No reflective statement" in html
    assert "1 without a reflective statement" in html


BAD_INPUT = [
    ("hours", "0", "Hours must be more than 0"),
    ("hours", "-1.5", "Hours must be more than 0"),
    ("hours", "1.1", "Enter hours in quarter hours, like 1.25, 1.5 or 1.75"),
    ("hours", "100.25", "One activity cannot be more than 100 hours; record a long course as several activities"),
    ("hours", "lots", "Enter the hours as a number, like 1.5 or 6.25"),
    ("hours", "NaN", "Enter the hours as a number, like 1.5"),
    ("hours", "", "Enter the hours, like 1.5"),
    ("end_on", (TODAY + dt.timedelta(days=1)).isoformat(),
     "The end date cannot be in the future; record an activity once it has happened"),
    ("end_on", "2026-03-01", "The end date must be the same as or after the start date"),
    ("start_on", "", "Enter the date the activity started"),
    ("start_on", "2026-02-30", "Start date must be a real date, like 2026-04-01"),
    ("title", "", "Enter the title of the activity"),
    ("title", "x" * 256, "Title must be 255 characters or fewer"),
    ("provider", "p" * 256, "Provider must be 255 characters or fewer"),
    ("reflection_learned", "r" * 5001, "What did you learn? must be 5,000 characters or fewer"),
    ("title", "Session with client 943 476 5919",
     "This looks like an NHS number. Waymark holds staff records only, never patient identifiers: remove it."),
    ("provider", "Clinic at LS1 4AP",
     "This looks like a postcode. Waymark holds staff records only, never patient identifiers: remove it."),
    ("reflection_learned", "Client born 03/04/1987 taught me to pace",
     "This looks like a date of birth. Waymark holds staff records only, never patient identifiers: remove it."),
    ("reflection_practice", "I will check DOB 12 March 1990 less",
     "This looks like a date of birth. Waymark holds staff records only, never patient identifiers: remove it."),
    ("category", "", "Choose the BABCP category"),
    ("category", "gardening", "Choose the BABCP category"),
    ("hcpc_standards", ["6"], "Choose HCPC standards from the list"),
    ("competences", ["ksa:ksa-99"], "Choose competences from the list"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUT, ids=[f"{f}={str(v)[:20]}" for f, v, _ in BAD_INPUT])
def test_bad_input_is_refused_beside_its_field_with_nothing_saved_and_typed_values_kept(
        session, owner, signed_in, field, value, message):
    client = signed_in(owner)
    response = client.submit(f"/people/{owner.id}/cpd/new", {**VALID, field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html
    assert field_error(html, field) == message
    assert saved(session, owner) == []
    if field != "title":
        assert 'value="Trauma-focused CBT workshop"' in html
    if field != "hours":
        assert 'value="6.5"' in html
    assert "How to build a trauma timeline." in html or field == "reflection_learned"
    if field not in {"competences", "hcpc_standards"}:
        assert re.search(r'value="ucl-cbt:problem-ptsd-ehlers-clark"\s+checked', html)
        assert re.search(r'name="hcpc_standards" type="checkbox" value="4"\s+checked', html)


def test_cbt_skills_training_must_be_cbt(session, owner, signed_in):
    client = signed_in(owner)
    response = client.submit(f"/people/{owner.id}/cpd/new", {**VALID, "cbt": "no", "cbt_skills": "yes"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, "cbt_skills") == (
        "CBT skills training must be CBT: answer Yes to CBT, or No to CBT skills training")
    assert saved(session, owner) == []


def test_more_than_24_hours_in_one_day_is_refused(session, owner, signed_in):
    client = signed_in(owner)
    response = client.submit(f"/people/{owner.id}/cpd/new", {**VALID, "end_on": "", "hours": "24.25"})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "hours") == "That is more than 24 hours a day over 1 day"


def test_changing_an_activity_saves_it_and_shows_the_old_values_on_the_form(session, owner, signed_in):
    entry = add(session, owner, minutes=75, hcpc_standards=[1], competences=["ksa:ksa-1"])
    client = signed_in(owner)
    html = client.get(f"/people/{owner.id}/cpd/{entry.id}/edit").get_data(as_text=True)
    assert 'value="1.25"' in html and 'value="Reading group"' in html
    assert re.search(r'value="ksa:ksa-1"\s+checked', html)
    response = client.submit(f"/people/{owner.id}/cpd/{entry.id}/edit",
                             {**VALID, "title": "Reading group on worry", "hours": "2", "hcpc_standards": []})
    assert response.status_code == 302
    [changed] = saved(session, owner)
    assert (changed.title, changed.minutes, changed.hcpc_standards) == ("Reading group on worry", 120, [])


def test_a_refused_change_leaves_the_activity_as_it_was(session, owner, signed_in):
    entry = add(session, owner)
    client = signed_in(owner)
    response = client.submit(f"/people/{owner.id}/cpd/{entry.id}/edit", {**VALID, "hours": "0.1"})
    assert response.status_code == 400
    [kept] = saved(session, owner)
    assert (kept.title, kept.minutes) == ("Reading group", 90)


# --- the list ----------------------------------------------------------------------------------------

def test_totals_for_the_declaration_year_are_hand_computed(session, owner, signed_in):
    owner.profile.registrations.append(ProfessionalRegistration(
        regulator=Regulator.BABCP, registration_number="BABCP-1", registered_on=dt.date(2020, 6, 15)))
    start = dt.date(TODAY.year if (TODAY.month, TODAY.day) >= (6, 15) else TODAY.year - 1, 6, 15)
    for _ in range(3):
        add(session, owner, start_on=start, end_on=start, minutes=90)                  # 3 × 1.5 h
    add(session, owner, start_on=start, end_on=start, minutes=360, cbt_skills=True,   # 6 h skills
        reflection_practice=None)
    add(session, owner, start_on=start, end_on=start, minutes=120, participatory=True, category="research")  # 2 h
    add(session, owner, start_on=start - dt.timedelta(days=1), end_on=start - dt.timedelta(days=1), minutes=600)
    add(session, owner, start_on=start, end_on=start, minutes=600).deleted_at = dt.datetime.now(dt.timezone.utc)
    client = signed_in(owner)
    html = client.get(f"/people/{owner.id}/cpd").get_data(as_text=True)
    assert f"This declaration year: {start.day} June {start.year} to 14 June {start.year + 1}" in html
    assert "anniversary of the BABCP registration date on the staff profile, 15 June 2020" in html
    totals = html.split("All categories", 1)[1].split("</tr>", 1)[0]
    cells = [" ".join(c.split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", totals, re.DOTALL)]
    # 5 activities; 4.5 + 6 + 2 = 12 h 30 min; 6 h skills; 2 h participatory; 4 of 5 reflective.
    assert cells == ["5", "12 h 30 min", "6 h", "2 h", "4 of 5"]
    assert "1 without a reflective statement" in html


def test_without_a_babcp_registration_totals_run_by_calendar_year(session, owner, signed_in):
    add(session, owner, start_on=dt.date(TODAY.year, 1, 1), end_on=dt.date(TODAY.year, 1, 1))
    add(session, owner, start_on=dt.date(TODAY.year - 1, 12, 31), end_on=dt.date(TODAY.year - 1, 12, 31))
    client = signed_in(owner)
    html = client.get(f"/people/{owner.id}/cpd").get_data(as_text=True)
    assert f"This year: {TODAY.year}" in html
    assert "No BABCP registration date is recorded" in html
    by_year = html.split('id="by-year"', 1)[1]
    assert f">{TODAY.year}</td>" in by_year and f">{TODAY.year - 1}</td>" in by_year


def test_the_list_filters_by_date_category_and_kind_and_sorts(session, owner, signed_in):
    add(session, owner, title="Old clinical", start_on=dt.date(2025, 1, 10), end_on=dt.date(2025, 1, 10), minutes=60)
    add(session, owner, title="Long research", category="research", start_on=dt.date(2025, 6, 1),
        end_on=dt.date(2025, 6, 3), minutes=900, cbt=False)
    add(session, owner, title="New skills", start_on=dt.date(2026, 2, 1), end_on=dt.date(2026, 2, 1), minutes=360,
        cbt_skills=True, participatory=True)
    client = signed_in(owner)

    def titles(query):
        response = client.get(f"/people/{owner.id}/cpd?{query}")
        assert response.status_code == 200
        return re.findall(r'/cpd/\d+">([^<]+)</a>', response.get_data(as_text=True))

    assert titles("") == ["New skills", "Long research", "Old clinical"]
    assert titles("sort=oldest") == ["Old clinical", "Long research", "New skills"]
    assert titles("sort=longest") == ["Long research", "New skills", "Old clinical"]
    assert titles("category=research") == ["Long research"]
    assert titles("cbt=no") == ["Long research"]
    assert titles("cbt_skills=yes") == ["New skills"]
    assert titles("participatory=no") == ["Long research", "Old clinical"]
    assert titles("from=2025-06-02&to=2025-12-31") == ["Long research"]


def test_a_to_date_before_the_from_date_is_refused_beside_it(session, owner, signed_in):
    client = signed_in(owner)
    response = client.get(f"/people/{owner.id}/cpd?from=2026-02-01&to=2026-01-01")
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "to") == "To must be the same as or after From"


def test_the_list_pages_25_at_a_time_keeping_the_filters(session, owner, signed_in):
    for day in range(1, 31):
        add(session, owner, title=f"Activity {day}", start_on=dt.date(2026, 1, day), end_on=dt.date(2026, 1, day))
    client = signed_in(owner)
    html = client.get(f"/people/{owner.id}/cpd?sort=oldest").get_data(as_text=True)
    assert "30 activities, page 1 of 2." in html
    assert "sort=oldest" in html.split("nhsuk-pagination", 1)[1]
    html = client.get(f"/people/{owner.id}/cpd?sort=oldest&page=2").get_data(as_text=True)
    assert re.findall(r'/cpd/\d+">([^<]+)</a>', html) == [f"Activity {d}" for d in range(26, 31)]


def test_the_list_costs_the_same_queries_for_3_and_30_activities(session, owner, signed_in, count_queries):
    client = signed_in(owner)
    url = f"/people/{owner.id}/cpd"

    def queries_for(n):
        session.execute(CpdActivity.__table__.delete())
        for i in range(n):
            add(session, owner, title=f"Activity {i}", start_on=dt.date(2024 + i % 3, 3, 1 + i % 28),
                end_on=dt.date(2024 + i % 3, 3, 1 + i % 28), participatory=bool(i % 2))
        session.commit()
        client.get(url)  # warm caches (catalogue, templates)
        with count_queries() as q:
            assert client.get(url).status_code == 200
        return q.count

    assert queries_for(3) == queries_for(30)


# --- delete and undo ----------------------------------------------------------------------------------

def test_delete_then_undo_restores_the_activity(session, owner, signed_in):
    entry = add(session, owner, title="Worry workshop")
    client = signed_in(owner)
    response = client.submit(f"/people/{owner.id}/cpd/{entry.id}/delete", form_url=f"/people/{owner.id}/cpd")
    assert response.status_code == 302
    assert saved(session, owner)[0].deleted_at is not None
    html = client.get(f"/people/{owner.id}/cpd").get_data(as_text=True)
    assert "CPD activity “Worry workshop” deleted." in html
    assert f'action="/people/{owner.id}/cpd/{entry.id}/undo"' in html
    assert "Worry workshop</a>" not in html
    assert "Worry workshop</a>" in client.get(f"/people/{owner.id}/cpd?deleted=1").get_data(as_text=True)

    response = client.submit(f"/people/{owner.id}/cpd/{entry.id}/undo", form_url=f"/people/{owner.id}/cpd")
    assert response.status_code == 302
    assert saved(session, owner)[0].deleted_at is None
    assert "Worry workshop</a>" in client.get(f"/people/{owner.id}/cpd").get_data(as_text=True)


def test_a_deleted_activity_cannot_be_changed_until_restored(session, owner, signed_in):
    entry = add(session, owner)
    entry.deleted_at = dt.datetime.now(dt.timezone.utc)
    client = signed_in(owner)
    assert client.get(f"/people/{owner.id}/cpd/{entry.id}/edit").status_code == 404
    html = client.get(f"/people/{owner.id}/cpd/{entry.id}").get_data(as_text=True)
    assert "Restore this activity" in html


# --- who sees what -------------------------------------------------------------------------------------

def test_the_supervisor_reads_the_list_and_the_reflective_statement_but_cannot_change_anything(
        session, owner, supervisor, signed_in):
    entry = add(session, owner, reflection_learned="Private learning")
    client = signed_in(supervisor)
    for name, (method, url) in urls(owner.id, entry.id).items():
        response = call(client, method, url)
        expected = 200 if name in {"list", "entry"} else 403
        assert response.status_code == expected, name
    assert "Private learning" in client.get(f"/people/{owner.id}/cpd/{entry.id}").get_data(as_text=True)
    assert "Record a CPD activity" not in client.get(f"/people/{owner.id}/cpd").get_data(as_text=True)
    [kept] = saved(session, owner)
    assert kept.deleted_at is None and kept.title == "Reading group"


@pytest.mark.parametrize("who", ["hr", "line_manager", "admin", "ended_supervisor", "colleague"])
def test_others_get_404_on_every_cpd_page(session, org, team, owner, signed_in, who):
    entry = add(session, owner)
    if who == "hr":
        viewer = make_user(session, organisation=org, roles=(Role.HR,), profile=False)
    elif who == "admin":
        viewer = make_user(session, organisation=org, roles=(Role.ADMIN,), profile=False)
    elif who == "line_manager":
        viewer = make_user(session, organisation=org, roles=(Role.LINE_MANAGER,), profile=False)
        make_relationship(session, senior=viewer, junior=owner, kind=RelationshipKind.LINE_MANAGEMENT)
    elif who == "ended_supervisor":
        viewer = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False)
        make_relationship(session, senior=viewer, junior=owner, starts_on=dt.date(2024, 1, 1),
                          ends_on=TODAY - dt.timedelta(days=1))
    else:
        viewer = make_user(session, team=team)
    client = signed_in(viewer)
    for name, (method, url) in urls(owner.id, entry.id).items():
        assert call(client, method, url).status_code == 404, name
    assert saved(session, owner)[0].deleted_at is None


def test_an_activity_of_someone_else_is_not_found_under_your_own_log(session, team, owner, signed_in):
    other = make_user(session, team=team)
    theirs = add(session, other)
    client = signed_in(owner)
    for name, (method, url) in urls(owner.id, theirs.id).items():
        if name not in {"list", "new", "create"}:
            assert call(client, method, url).status_code == 404, name


def test_audit_events_record_creating_and_changing_an_activity(session, owner, signed_in):
    from models import AuditEvent

    client = signed_in(owner)
    client.submit(f"/people/{owner.id}/cpd/new", VALID)
    [entry] = saved(session, owner)
    client.submit(f"/people/{owner.id}/cpd/{entry.id}/edit", {**VALID, "hours": "7"})
    session.expire_all()
    actions = session.execute(select(AuditEvent.action, AuditEvent.actor_id).where(
        AuditEvent.object_type == "cpd_activities", AuditEvent.object_id == str(entry.id)).order_by(AuditEvent.seq)).all()
    assert [tuple(a) for a in actions] == [("create", owner.id), ("update", owner.id)]
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type == "cpd_activities")) == 2
