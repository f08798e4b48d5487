"""The "Supervision I give" pages: totals and pathway figures, the outside log and the training log, bad input
beside its field, delete and undo, and that nobody but the supervisor reaches them."""
import datetime as dt
import re

import pytest

from models.countersigning import CountersignStatus
from sqlalchemy import select

from competences.catalogue import built_in_catalogue
from models import Role, SupervisionKind, SupervisionSession
from models.supervisor_work import OutsideSupervisionGiven, SupervisionTraining
from tests.factories import PASSWORD, make_organisation, make_relationship, make_user

TODAY = dt.date.today()
LAST_WEEK = TODAY - dt.timedelta(days=7)
GIVEN = {"given_on": LAST_WEEK.isoformat(), "minutes": "90", "group_size": "3", "cbt": "yes",
         "supervisee_is_pwp": "no", "setting": "Hillside Wellbeing CIC"}
TRAINING = {"title": "Supervising CBT", "provider": "Regional hub", "start_on": LAST_WEEK.isoformat(), "end_on": "",
            "hours": "7.5"}


@pytest.fixture
def org(session):
    return make_organisation(session, name="Riverside NHS Foundation Trust")


@pytest.fixture
def sam(session, org):
    return make_user(session, organisation=org, full_name="Sam Supervisor", roles=(Role.PRACTITIONER, Role.SUPERVISOR),
                     band="8a", job_title="Senior CBT therapist")


@pytest.fixture
def others(session, org, sam):
    """Who must never reach Sam's own work: HR, another supervisor, and Sam's own supervisor."""
    hr = make_user(session, organisation=org, roles=(Role.HR,), profile=False)
    other = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False)
    own_supervisor = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False)
    make_relationship(session, senior=own_supervisor, junior=sam, starts_on=dt.date(2024, 1, 1))
    return {"hr": hr, "another supervisor": other, "their own supervisor": own_supervisor}


@pytest.fixture
def signed_in(app, client, session):
    """A fresh page-checking client signed in as `user` (the `client` fixture sets the class)."""

    def sign_in(user):
        session.commit()
        client = app.test_client()
        assert client.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return client

    return sign_in


def logged_with(session, sam, on, minutes, *, band="7"):
    """A session a supervisee logged naming Sam as supervisor."""
    person = make_user(session, organisation=sam.organisation, band=band, job_title="CBT therapist")
    make_relationship(session, senior=sam, junior=person, starts_on=dt.date(2024, 1, 1))
    session.add(SupervisionSession(supervisee_id=person.id, supervisor_id=sam.id, occurred_on=on, minutes=minutes,
                                   kind=SupervisionKind.CLINICAL, group_size=1, cbt=True,
                                   countersign_status=CountersignStatus.CONFIRMED))
    session.flush()


def outside(session, sam, on, minutes, **fields):
    entry = OutsideSupervisionGiven(owner_id=sam.id, given_on=on, minutes=minutes, setting=fields.pop("setting", "Clinic"),
                                    **fields)
    session.add(entry)
    session.flush()
    return entry


def course(session, sam, title, minutes=360):
    entry = SupervisionTraining(owner_id=sam.id, title=title, start_on=LAST_WEEK, end_on=LAST_WEEK, minutes=minutes)
    session.add(entry)
    session.flush()
    return entry


def field_error(html, field):
    match = re.search(rf'id="{field}-error"[^>]*>\s*<span class="nhsuk-u-visually-hidden">Error:\s*</span>\s*(.*?)\s*</span>',
                      html, re.DOTALL)
    return " ".join(match.group(1).split()) if match else None


def rows(session, model, sam):
    session.expire_all()
    return list(session.scalars(select(model).where(model.owner_id == sam.id)))


# --- the summary page ----------------------------------------------------------------------------

def test_the_summary_splits_in_service_and_outside_and_shows_the_pathway_figures_from_the_catalogue(
        session, sam, signed_in):
    logged_with(session, sam, LAST_WEEK, 60)                          # in service, individual, CBT: counts
    logged_with(session, sam, LAST_WEEK, 45, band="5")                # a PWP supervisee: never counts
    outside(session, sam, LAST_WEEK, 90, group_size=3)                # outside, group, CBT: counts once, in full
    html = signed_in(sam).get(f"/people/{sam.id}/supervision-given").get_data(as_text=True)
    year_row = re.search(rf"<td class=\"nhsuk-table__cell\">{LAST_WEEK.year}</td>(.*?)</tr>", html, re.DOTALL).group(1)
    cells = [" ".join(c.split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", year_row, re.DOTALL)]
    # all, in service, outside, individual, group, of PWPs, counts for BABCP
    assert cells == ["3 h 15 min", "1 h 45 min", "1 h 30 min", "1 h 45 min", "1 h 30 min", "45 min", "2 h 30 min"]
    # The target comes from the pathway data, never from the page.
    pathway = built_in_catalogue().current("babcp-supervisor-accreditation").content
    assert pathway.title in html
    assert "2 h 30 min of 80 h" in html


def test_with_nothing_given_the_page_says_so(sam, signed_in):
    html = signed_in(sam).get(f"/people/{sam.id}/supervision-given").get_data(as_text=True)
    assert "No supervision given is recorded yet" in html


def test_the_summary_costs_the_same_queries_for_few_and_many_sessions(session, sam, signed_in, count_queries):
    client = signed_in(sam)
    url = f"/people/{sam.id}/supervision-given"

    def queries_with(n):
        for i in range(n):
            outside(session, sam, TODAY - dt.timedelta(days=30 * i), 60)
            logged_with(session, sam, TODAY - dt.timedelta(days=31 * i), 60)
        session.commit()
        client.get(url)
        with count_queries() as q:
            assert client.get(url).status_code == 200
        return q.count

    assert queries_with(1) == queries_with(20)


# --- access -----------------------------------------------------------------------------------------

def test_nobody_but_the_supervisor_reaches_their_own_work(session, sam, others, signed_in):
    entry = outside(session, sam, LAST_WEEK, 60)
    training = course(session, sam, "Supervising CBT")
    base = f"/people/{sam.id}"
    pages = [f"{base}/supervision-given", f"{base}/supervision-given/outside", f"{base}/supervision-given/outside/new",
             f"{base}/supervision-given/outside/{entry.id}/edit", f"{base}/supervisor-training",
             f"{base}/supervisor-training/new", f"{base}/supervisor-training/{training.id}/edit"]
    posts = [f"{base}/supervision-given/outside/{entry.id}/delete", f"{base}/supervisor-training/{training.id}/delete",
             f"{base}/supervision-given/outside/new"]
    for who, user in others.items():
        client = signed_in(user)
        for url in pages:
            assert client.get(url).status_code == 404, (who, url)
        for url in posts:
            assert client.submit(url, GIVEN, form_url="/account/password").status_code == 404, (who, url)
    assert rows(session, OutsideSupervisionGiven, sam)[0].deleted_at is None
    assert rows(session, SupervisionTraining, sam)[0].deleted_at is None
    assert len(rows(session, OutsideSupervisionGiven, sam)) == 1


def test_a_supervisor_cannot_reach_another_supervisors_entry_through_their_own_url(session, sam, org, signed_in):
    other = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False)
    theirs = outside(session, other, LAST_WEEK, 60)
    client = signed_in(sam)
    assert client.get(f"/people/{sam.id}/supervision-given/outside/{theirs.id}/edit").status_code == 404
    assert client.submit(f"/people/{sam.id}/supervision-given/outside/{theirs.id}/delete",
                         form_url=f"/people/{sam.id}/supervision-given/outside").status_code == 404


# --- the outside log --------------------------------------------------------------------------------

def test_the_supervisor_records_supervision_given_outside(session, sam, signed_in):
    client = signed_in(sam)
    response = client.submit(f"/people/{sam.id}/supervision-given/outside/new", GIVEN)
    assert response.status_code == 302
    [entry] = rows(session, OutsideSupervisionGiven, sam)
    assert (entry.given_on, entry.minutes, entry.group_size, entry.cbt, entry.supervisee_is_pwp, entry.setting) == (
        LAST_WEEK, 90, 3, True, False, "Hillside Wellbeing CIC")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Hillside Wellbeing CIC" in html and "Group of 3" in html and "1 h 30 min" in html


@pytest.mark.parametrize(("field", "value", "message"), [
    ("minutes", "0", "Enter minutes from 1 to 600"),
    ("minutes", "601", "Enter minutes from 1 to 600"),
    ("minutes", "an hour", "Enter the length as a whole number of minutes, like 60"),
    ("group_size", "0", "Enter a group size from 1 to 30"),
    ("given_on", (TODAY + dt.timedelta(days=1)).isoformat(), "The date cannot be in the future"),
    ("setting", "", "Enter where, or for which organisation"),
    ("setting", "Clinic at SW1A 1AA", None),
])
def test_bad_outside_input_is_shown_beside_its_field_with_values_kept_and_nothing_saved(session, sam, signed_in,
                                                                                      field, value, message):
    client = signed_in(sam)
    response = client.submit(f"/people/{sam.id}/supervision-given/outside/new", {**GIVEN, field: value})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = field_error(html, field)
    assert error == message if message else "postcode" in error.lower()
    assert "There is a problem" in html
    # What was typed is kept, the bad value included.
    assert ('value="90"' if field != "minutes" else 'value="Hillside Wellbeing CIC"') in html
    assert f'value="{value}"' in html
    assert rows(session, OutsideSupervisionGiven, sam) == []


def test_changing_an_entry_starts_from_its_values_and_saves(session, sam, signed_in):
    entry = outside(session, sam, LAST_WEEK, 60, setting="Old clinic")
    client = signed_in(sam)
    url = f"/people/{sam.id}/supervision-given/outside/{entry.id}/edit"
    assert 'value="Old clinic"' in client.get(url).get_data(as_text=True)
    assert client.submit(url, {**GIVEN, "minutes": "75"}).status_code == 302
    [saved] = rows(session, OutsideSupervisionGiven, sam)
    assert (saved.minutes, saved.setting) == (75, "Hillside Wellbeing CIC")


def test_deleting_outside_supervision_offers_undo_which_restores_it(session, sam, signed_in):
    entry = outside(session, sam, LAST_WEEK, 60, setting="Hillside")
    client = signed_in(sam)
    base = f"/people/{sam.id}/supervision-given/outside"
    assert client.submit(f"{base}/{entry.id}/delete", form_url=base).status_code == 302
    assert rows(session, OutsideSupervisionGiven, sam)[0].deleted_at is not None
    html = client.get(base).get_data(as_text=True)
    assert "at Hillside deleted." in html
    assert f'action="{base}/{entry.id}/undo"' in html
    assert "No supervision given outside the service recorded yet." in html
    assert "Hillside</td>" in client.get(f"{base}?deleted=1").get_data(as_text=True)
    # Deleted supervision no longer counts.
    assert "No supervision given is recorded yet" in client.get(f"/people/{sam.id}/supervision-given").get_data(
        as_text=True)
    assert client.submit(f"{base}/{entry.id}/undo", form_url=base).status_code == 302
    assert rows(session, OutsideSupervisionGiven, sam)[0].deleted_at is None
    assert "Hillside</td>" in client.get(base).get_data(as_text=True)


def test_the_outside_list_costs_the_same_queries_for_3_and_30_entries(session, sam, signed_in, count_queries):
    client = signed_in(sam)
    url = f"/people/{sam.id}/supervision-given/outside"

    def queries_for(n):
        session.execute(OutsideSupervisionGiven.__table__.delete())
        for i in range(n):
            outside(session, sam, TODAY - dt.timedelta(days=i), 60, group_size=1 + i % 3)
        session.commit()
        client.get(url)
        with count_queries() as q:
            assert client.get(url).status_code == 200
        return q.count

    assert queries_for(3) == queries_for(30)


# --- the training log -------------------------------------------------------------------------------

def test_the_supervisor_records_training_in_quarter_hours(session, sam, signed_in):
    client = signed_in(sam)
    response = client.submit(f"/people/{sam.id}/supervisor-training/new", TRAINING)
    assert response.status_code == 302
    [entry] = rows(session, SupervisionTraining, sam)
    assert (entry.title, entry.provider, entry.start_on, entry.end_on, entry.minutes) == (
        "Supervising CBT", "Regional hub", LAST_WEEK, LAST_WEEK, 450)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Supervising CBT" in html and "Recorded in all: 7 h 30 min." in html


@pytest.mark.parametrize(("field", "value", "message"), [
    ("hours", "1.1", "Enter hours in quarter hours, more than 0, like 6 or 7.5"),
    ("hours", "", "Enter the hours, like 6 or 7.5"),
    ("hours", "501", "One course cannot be more than 500 hours"),
    ("title", "", "Enter the course title"),
    ("end_on", (TODAY + dt.timedelta(days=3)).isoformat(), "Record a course once it has finished"),
    ("end_on", (LAST_WEEK - dt.timedelta(days=1)).isoformat(), "The end date must be the same as or after the start date"),
])
def test_bad_training_input_is_shown_beside_its_field_and_nothing_saved(session, sam, signed_in, field, value, message):
    response = signed_in(sam).submit(f"/people/{sam.id}/supervisor-training/new", {**TRAINING, field: value})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, field) == message
    assert 'value="Regional hub"' in html
    assert rows(session, SupervisionTraining, sam) == []


def test_deleting_training_offers_undo(session, sam, signed_in):
    entry = course(session, sam, "Group supervision day")
    client = signed_in(sam)
    base = f"/people/{sam.id}/supervisor-training"
    client.submit(f"{base}/{entry.id}/delete", form_url=base)
    html = client.get(base).get_data(as_text=True)
    assert "Supervision training “Group supervision day” deleted." in html
    assert f'action="{base}/{entry.id}/undo"' in html
    client.submit(f"{base}/{entry.id}/undo", form_url=base)
    assert rows(session, SupervisionTraining, sam)[0].deleted_at is None
    # A deleted course cannot be changed until it is restored, and a restored one can.
    assert client.get(f"{base}/{entry.id}/edit").status_code == 200


def test_the_training_list_costs_the_same_queries_for_3_and_30_courses(session, sam, signed_in, count_queries):
    client = signed_in(sam)
    url = f"/people/{sam.id}/supervisor-training"

    def queries_for(n):
        session.execute(SupervisionTraining.__table__.delete())
        for i in range(n):
            course(session, sam, f"Course {i}")
        session.commit()
        client.get(url)
        with count_queries() as q:
            assert client.get(url).status_code == 200
        return q.count

    assert queries_for(3) == queries_for(30)
