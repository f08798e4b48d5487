"""Leavers: an admin records the leaving date; export-only access for LEAVER_EXPORT_DAYS, then no sign-in (as a wrong
password); HR covering the leaver produce their personal data export; everyone else is unaffected."""
import datetime as dt
import io
import zipfile

import pytest
from sqlalchemy import select

from app.jobs import runner
from app.services import leavers
from app.services.accounts import LOGIN_FAILED as LOGIN_FAILED_TEXT
from models import AuditEvent, CpdActivity, Role, User
from models.jobs import Job
from tests.factories import PASSWORD, make_organisation, make_service, make_team, make_user

TODAY = dt.date.today()



@pytest.fixture(autouse=True)
def _client(client):
    """`client` makes every test client submit forms with their token."""


@pytest.fixture
def world(session):
    org = make_organisation(session, name="Leaver Trust")
    north, south = (make_service(session, organisation=org, name="North"),
                    make_service(session, organisation=org, name="South"))
    team = make_team(session, service=north, name="North team")
    leaver = make_user(session, team=team, full_name="Owen Price", email="owen@example.org")
    stayer = make_user(session, team=team, full_name="Priya Shah", email="priya@example.org")
    admin = make_user(session, organisation=org, roles=(Role.ADMIN,), profile=False, full_name="Ben Admin")
    hr = make_user(session, organisation=org, roles=(Role.HR,), profile=False, full_name="Joanne Kerr")
    south_hr = make_user(session, organisation=org, roles=((Role.HR, south),), profile=False, full_name="Sam South")
    session.add(CpdActivity(owner_id=leaver.id, start_on=TODAY - dt.timedelta(days=200),
                            end_on=TODAY - dt.timedelta(days=200), title="Owen's workshop", category="clinical",
                            minutes=120))
    session.commit()
    return {"org": org, "leaver": leaver, "stayer": stayer, "admin": admin, "hr": hr, "south_hr": south_hr}


def sign_in(app, user):
    client = app.test_client()
    return client, client.submit("/login", {"email": user.email, "password": PASSWORD})


def download(client, job_id):
    response = client.get(f"/jobs/{job_id}/download")
    assert response.status_code == 200
    data = response.get_data()
    response.close()
    return zipfile.ZipFile(io.BytesIO(data))


def left(session, user, days_ago):
    user.left_on = TODAY - dt.timedelta(days=days_ago)
    session.commit()


def test_the_export_period_is_the_days_after_the_leaving_date():
    user = User(left_on=dt.date(2026, 3, 31))
    assert leavers.standing(user, dt.date(2026, 3, 31), 90).access is leavers.Access.FULL
    assert leavers.standing(user, dt.date(2026, 4, 1), 90).access is leavers.Access.EXPORT_ONLY
    # 31 March + 90 days = 29 June: the last day they may sign in.
    assert leavers.standing(user, dt.date(2026, 6, 29), 90).export_until == dt.date(2026, 6, 29)
    assert leavers.standing(user, dt.date(2026, 6, 29), 90).access is leavers.Access.EXPORT_ONLY
    assert leavers.standing(user, dt.date(2026, 6, 30), 90).access is leavers.Access.CLOSED
    assert leavers.standing(User(left_on=None), dt.date(2026, 6, 30), 90).access is leavers.Access.FULL


def test_an_admin_records_the_leaving_date_on_the_account_page(app, client, session, world, login_as):
    login_as(world["admin"])
    page = f"/admin/accounts/{world['leaver'].id}"
    response = client.submit(f"{page}/leaving-date", {"left_on": "not a date"}, form_url=page)
    assert response.status_code == 400 and "Leaving date must be a real date" in response.get_data(as_text=True)
    day = TODAY - dt.timedelta(days=1)
    response = client.submit(f"{page}/leaving-date", {"left_on": day.isoformat()}, form_url=page)
    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, world["leaver"].id).left_on == day
    text = client.get(page).get_data(as_text=True)
    until = day + dt.timedelta(days=90)
    assert f"until {until:%-d %B %Y}" in text
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "leaving_date_recorded")) is not None
    own = f"/admin/accounts/{world['admin'].id}"
    response = client.submit(f"{own}/leaving-date", {"left_on": day.isoformat()}, form_url=page)
    assert response.status_code == 400 and "You cannot record your own leaving date" in response.get_data(as_text=True)


def test_a_leaver_signs_in_within_the_period_and_every_other_page_redirects_to_the_export(app, session, world):
    left(session, world["leaver"], 10)
    client, response = sign_in(app, world["leaver"])
    assert response.status_code == 302
    until = world["leaver"].left_on + dt.timedelta(days=90)
    for path in ("/", f"/people/{world['leaver'].id}/cpd", "/staff", "/admin/accounts", "/documents/bulk",
                 f"/people/{world['leaver'].id}/documents"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/jobs/personal-data"), path
    page = client.get("/jobs/personal-data").get_data(as_text=True)
    assert f"until {until:%-d %B %Y}" in page and "only for downloading your personal data" in page
    assert client.get("/account/password").status_code == 200
    # The export itself works, on their own jobs.
    response = client.submit("/jobs/personal-data", {})
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert runner.thread_worker(app).wait(60)
    assert client.get(f"/jobs/{job_id}").status_code == 200 and client.get("/jobs").status_code == 200
    archive = download(client, job_id)
    assert "Owen's workshop" in archive.read("records/cpd.json").decode("utf-8")
    assert client.post("/logout", data={"csrf_token": client.csrf_token("/jobs")}).status_code == 302


def test_after_the_period_a_leaver_cannot_sign_in_with_the_wrong_password_message(app, session, world):
    left(session, world["leaver"], 91)
    _client, response = sign_in(app, world["leaver"])
    assert response.status_code == 400
    wrong = app.test_client().submit("/login", {"email": world["stayer"].email, "password": "wrong password!!"})
    assert LOGIN_FAILED_TEXT in response.get_data(as_text=True) and LOGIN_FAILED_TEXT in wrong.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, world["leaver"].id).active is False


def test_a_leaver_signed_in_when_the_period_ends_is_signed_out(app, session, world):
    left(session, world["leaver"], 10)
    client, _ = sign_in(app, world["leaver"])
    left(session, world["leaver"], 91)
    response = client.get("/jobs/personal-data")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/jobs").status_code == 302


def test_on_the_leaving_day_and_for_others_nothing_changes(app, session, world):
    left(session, world["leaver"], 0)
    for who in ("leaver", "stayer"):
        client, _ = sign_in(app, world[who])
        assert "personal-data" not in client.get("/").headers.get("Location", "")
        assert client.get(f"/people/{world[who].id}/cpd").status_code == 200
        assert "only for downloading" not in client.get("/jobs/personal-data").get_data(as_text=True)


def test_hr_covering_a_leaver_produce_their_export_as_their_own_audited_job(app, client, session, world, login_as):
    left(session, world["leaver"], 200)  # long after the period: HR may still produce it
    login_as(world["hr"])
    listing = client.get("/leavers").get_data(as_text=True)
    assert "Owen Price" in listing and "Priya Shah" not in listing
    url = f"/people/{world['leaver'].id}/personal-data"
    response = client.submit(url, {})
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert runner.thread_worker(app).wait(60)
    job = session.get(Job, job_id)
    assert job.requested_by_id == world["hr"].id
    archive = download(client, job_id)
    # HR's copy holds HR records only: never the CPD reflections, cases, claims, evidence or the private portfolio.
    names = set(archive.namelist())
    assert "records/profile.json" in names and "records/appraisals.json" in names
    assert not any(n.startswith(("records/cpd", "records/cases", "records/claims", "records/supervision",
                                 "evidence/", "portfolio/")) for n in names)
    assert all("Owen's workshop" not in archive.read(n).decode("utf-8", "replace") for n in names)
    assert "HR records only" in archive.read("README.txt").decode("utf-8")
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "leaver_data_exported"))
    assert event is not None and event.actor_id == world["hr"].id


@pytest.mark.parametrize(("who", "target", "status"), [("south_hr", "leaver", 404), ("stayer", "leaver", 403),
                                                      ("hr", "stayer", 403)])
def test_only_hr_covering_a_leaver_may_export_for_them(app, client, session, world, login_as, who, target, status):
    left(session, world["leaver"], 30)
    login_as(world[who])
    response = client.submit(f"/people/{world[target].id}/personal-data", {}, form_url="/account/password")
    assert response.status_code == status
    assert session.scalar(select(Job)) is None


def test_the_leavers_list_makes_the_same_queries_however_many_have_left(client, session, world, login_as,
                                                                          count_queries):
    left(session, world["leaver"], 5)
    login_as(world["hr"])
    team = world["leaver"].profile.team
    with count_queries() as few:
        assert client.get("/leavers").status_code == 200
    for n in range(5):
        make_user(session, team=team, full_name=f"Gone {n}").left_on = TODAY - dt.timedelta(days=100 + n)
    session.commit()
    with count_queries() as many:
        page = client.get("/leavers").get_data(as_text=True)
    assert "Gone 4" in page and "Closed on" in page and "Export only, until" in page
    assert many.count == few.count, many.statements
