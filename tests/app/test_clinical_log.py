"""The clinical log pages: cases with their outcomes, contacts with weekly totals, who sees what, delete and undo."""
import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.services import clinical_log
from app.services.clinical_log import CaseValues, ContactValues, monday_of
from competences.catalogue import built_in_catalogue
from models import AuditEvent, ClinicalCase, ClinicalContact, RelationshipKind, Role
from tests.factories import PASSWORD, make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)
DATA = built_in_catalogue().current("outcome-measures").content
VALID_CASE = {
    "case_ref": "HI-0042", "problem": "depression", "step": "3", "modality": "cbt", "started_on": "2026-01-05",
    "ended_on": "2026-03-02", "attended_sessions": "6", "first_phq9": "14", "last_phq9": "6", "first_gad7": "11",
    "last_gad7": "5",
}
LAST_WEEK = monday_of(TODAY) - dt.timedelta(weeks=1)
VALID_CONTACT = {
    "entry": "session", "occurred_on": (LAST_WEEK + 2 * DAY).isoformat(), "count": "1", "minutes": "50",
    "step": "3", "format": "face_to_face", "individual": "individual", "cbt": "yes", "case_id": "",
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
def tutor(session, org, owner):
    tut = make_user(session, organisation=org, roles=(Role.COURSE_TUTOR,), profile=False, full_name="Tia Tutor")
    make_relationship(session, senior=tut, junior=owner, kind=RelationshipKind.TUTORING,
                      starts_on=dt.date(2025, 1, 1))
    return tut


@pytest.fixture
def signed_in(app, client, session):
    """A client signed in as `user` (each call a fresh client, so several people can be compared)."""

    def sign_in(user):
        session.commit()
        c = app.test_client()
        assert c.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return c

    return sign_in


def field_error(html, field):
    """The message shown beside `field` (its NHS.UK error message), or None."""
    match = re.search(rf'id="{field}-error"[^>]*>\s*<span class="nhsuk-u-visually-hidden">Error:\s*</span>\s*(.*?)\s*</span>',
                      html, re.DOTALL)
    return " ".join(match.group(1).split()) if match else None


def input_value(html, field):
    match = re.search(rf'<input[^>]*\bid="{field}"[^>]*>', html)
    assert match, f"no input {field}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


def verdict(html, question):
    """The answer the case page gives to one outcome question."""
    match = re.search(rf'>{re.escape(question)}</dt>\s*<dd[^>]*>\s*<strong>(.*?)</strong>', html, re.DOTALL)
    assert match, f"no verdict for {question}"
    return match.group(1)


def summary_value(html, key):
    match = re.search(rf'>{re.escape(key)}</dt>\s*<dd[^>]*>(.*?)</dd>', html, re.DOTALL)
    assert match, f"no {key} in the summary"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def add_case(session, owner, **overrides):
    values = {"case_ref": f"C-{overrides.pop('n', 1)}", "problem": "depression", "step": 3, "modality": "cbt",
                  "started_on": dt.date(2026, 1, 5), "ended_on": dt.date(2026, 3, 2), "training_case": False,
                  "closely_supervised": False, "assessed_case_study": False, "attended_sessions": 6,
                  "first_scores": {"phq9": 14, "gad7": 11}, "last_scores": {"phq9": 6, "gad7": 5}}
    return clinical_log.create_case(session, owner, CaseValues(**{**values, **overrides}), DATA, TODAY)


def add_contacts(session, owner, **overrides):
    values = {"occurred_on": LAST_WEEK, "week": False, "count": 1, "minutes": 50, "step": 3, "format": "face_to_face",
                  "individual": True, "cbt": True}
    return clinical_log.record_contacts(session, owner, ContactValues(**{**values, **overrides}), TODAY)


def cases_of(session, owner):
    session.expire_all()
    return list(session.scalars(select(ClinicalCase).where(ClinicalCase.owner_id == owner.id)))


def contacts_of(session, owner):
    session.expire_all()
    return list(session.scalars(select(ClinicalContact).where(ClinicalContact.owner_id == owner.id)))


# --- cases: adding, outcomes, refusals ----------------------------------------------------------

def test_a_practitioner_adds_a_case_and_sees_its_outcome_worked_out(signed_in, session, owner):
    c = signed_in(owner)
    form = c.get(f"/people/{owner.id}/cases/new").get_data(as_text=True)
    assert "Social anxiety disorder (PHQ-9 and SPIN)" in form and "Post-traumatic stress disorder (PHQ-9 and PCL-5)" in form
    assert 'id="first_phq9"' in form and 'id="last_gad7"' in form and 'id="first_pcl5"' in form
    response = c.submit(f"/people/{owner.id}/cases/new", VALID_CASE)
    assert response.status_code == 302
    [case] = cases_of(session, owner)
    assert (case.case_ref, case.problem, case.step, case.modality, case.attended_sessions) == (
        "HI-0042", "depression", 3, "cbt", 6)
    assert (case.first_scores, case.last_scores) == ({"phq9": 14, "gad7": 11}, {"phq9": 6, "gad7": 5})
    page = c.get(response.location).get_data(as_text=True)
    assert "Case HI-0042 has been added." in page
    # PHQ-9 14 → 6 and GAD-7 11 → 5 over 6 sessions: at caseness (14 ≥ 10), below it at the end on both,
    # falls of 8 ≥ 6 and 6 ≥ 4.
    assert verdict(page, "Finished course of treatment") == "Yes"
    assert verdict(page, "At caseness at the start") == "Yes"
    assert verdict(page, "Recovered") == "Yes"
    assert verdict(page, "Reliably improved") == "Yes"
    assert verdict(page, "Reliably deteriorated") == "No"
    assert "-8" in page and "-6" in page
    event = session.scalar(select(AuditEvent).where(AuditEvent.object_type == "clinical_cases",
                                                    AuditEvent.object_id == str(case.id)))
    assert event.action == "create" and event.actor_id == owner.id


def test_the_case_page_gives_the_notes_of_an_outcome_that_cannot_be_judged(signed_in, session, owner):
    case = add_case(session, owner, problem="social_anxiety", first_scores={"phq9": 14, "spin": 40},
                    last_scores={"phq9": 6, "spin": 20})
    page = signed_in(owner).get(f"/people/{owner.id}/cases/{case.id}").get_data(as_text=True)
    assert verdict(page, "Recovered") == "Cannot be judged (see the notes)"
    assert "Recovery cannot be judged: the SPIN caseness cut-off is unknown" in page
    assert "Social anxiety disorder (PHQ-9 and SPIN)" in page


def test_an_open_case_is_shown_as_not_yet_finished(signed_in, session, owner):
    case = add_case(session, owner, ended_on=None)
    page = signed_in(owner).get(f"/people/{owner.id}/cases/{case.id}").get_data(as_text=True)
    assert verdict(page, "Finished course of treatment") == "No"
    assert verdict(page, "Recovered") == "Not judged: the course is not finished"
    assert "The case is still open" in page and "Still open" in page


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"first_phq9": "28"}, "first_phq9", "PHQ-9 score 28 is outside its range (0–27)"),
    ({"first_gad7": "-1"}, "first_gad7", "GAD-7 score -1 is outside its range (0–21)"),
    ({"last_gad7": "22"}, "last_gad7", "GAD-7 score 22 is outside its range (0–21)"),
    ({"first_spin": "-2"}, "first_spin", "SPIN score -2 is outside its range (at least 0)"),
    ({"last_phq9": "six"}, "last_phq9", "PHQ-9 at the last session must be a whole number, like 12"),
    ({"ended_on": "2026-01-04"}, "ended_on", "The end date cannot be before the start date"),
    ({"started_on": (TODAY + DAY).isoformat(), "ended_on": ""}, "started_on", "The start date cannot be in the future"),
    ({"ended_on": (TODAY + DAY).isoformat()}, "ended_on", "The end date cannot be in the future"),
    ({"case_ref": "943 476 5919"}, "case_ref", "This looks like an NHS number."),
    ({"case_ref": "PT 12/03/1985"}, "case_ref", "This looks like a date of birth."),
    ({"case_ref": "HI-" + "9" * 40}, "case_ref", "Case reference must be 40 characters or fewer"),
    ({"closely_supervised": "y"}, "closely_supervised", "Only a training case can be closely supervised"),
    ({"assessed_case_study": "y"}, "assessed_case_study", "Only a training case can be an assessed case study"),
    ({"attended_sessions": "101"}, "attended_sessions", "between 0 and 100"),
    ({"problem": ""}, "problem", "Choose the presenting problem"),
])
def test_a_bad_case_is_refused_beside_the_field_with_nothing_saved_and_the_typed_values_kept(
        signed_in, session, owner, changes, field, message):
    data = {**VALID_CASE, **changes}
    response = signed_in(owner).submit(f"/people/{owner.id}/cases/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and f'href="#{field}"' in html
    assert message in field_error(html, field)
    assert cases_of(session, owner) == []
    assert input_value(html, "case_ref") == data["case_ref"]
    for kept in ("first_phq9", "last_gad7", "attended_sessions"):
        assert input_value(html, kept) == data[kept]


def test_a_score_typed_in_the_details_opens_it_again_when_the_form_comes_back(signed_in, session, owner):
    html = signed_in(owner).submit(f"/people/{owner.id}/cases/new", {**VALID_CASE, "problem": "ocd",
                                                                      "first_oci": "30", "ended_on": "2025-01-01"})
    html = html.get_data(as_text=True)
    assert input_value(html, "first_oci") == "30"
    assert re.search(r'<details class="nhsuk-details"\s+open>', html)


def test_a_duplicate_reference_is_refused_beside_the_reference(signed_in, session, owner):
    add_case(session, owner, case_ref="HI-0042")
    response = signed_in(owner).submit(f"/people/{owner.id}/cases/new", {**VALID_CASE, "case_ref": "hi-0042"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "You already have a case with the reference hi-0042" in field_error(html, "case_ref")
    assert len(cases_of(session, owner)) == 1


def test_a_training_case_may_be_closely_supervised(signed_in, session, owner):
    response = signed_in(owner).submit(f"/people/{owner.id}/cases/new", {
        **VALID_CASE, "training_case": "y", "closely_supervised": "y", "assessed_case_study": "y"})
    assert response.status_code == 302
    [case] = cases_of(session, owner)
    assert (case.training_case, case.closely_supervised, case.assessed_case_study) == (True, True, True)


def test_changing_a_case_recomputes_its_outcome_and_is_audited(signed_in, session, owner):
    case = add_case(session, owner)
    c = signed_in(owner)
    form = c.get(f"/people/{owner.id}/cases/{case.id}/edit").get_data(as_text=True)
    assert input_value(form, "case_ref") == "C-1" and input_value(form, "first_phq9") == "14"
    assert re.search(r'<input[^>]*id="step-2"[^>]*value="3"[^>]*checked', form)
    # PHQ-9 14 → 12 stays at caseness: not recovered; a fall of 2 is not reliable, GAD-7 11 → 5 is.
    response = c.submit(f"/people/{owner.id}/cases/{case.id}/edit", {**VALID_CASE, "case_ref": "C-1",
                                                                      "last_phq9": "12"})
    assert response.status_code == 302
    page = c.get(response.location).get_data(as_text=True)
    assert "Case C-1 has been changed." in page
    assert verdict(page, "Recovered") == "No" and verdict(page, "Reliably improved") == "Yes"
    event = session.scalar(select(AuditEvent).where(AuditEvent.object_type == "clinical_cases",
                                                    AuditEvent.action == "update"))
    assert event.actor_id == owner.id and "last_scores" in event.detail["fields"]


def test_a_refused_change_saves_nothing(signed_in, session, owner):
    case = add_case(session, owner)
    response = signed_in(owner).submit(f"/people/{owner.id}/cases/{case.id}/edit", {**VALID_CASE, "last_phq9": "28"})
    assert response.status_code == 400
    [case] = cases_of(session, owner)
    assert case.last_scores == {"phq9": 6, "gad7": 5}


# --- the case list -----------------------------------------------------------------------------

def test_the_case_list_summarises_the_caseload_by_hand(signed_in, session, owner):
    add_case(session, owner, n=1)                                   # recovered, reliably improved
    add_case(session, owner, n=2, problem="gad", attended_sessions=4, first_scores={"phq9": 12, "gad7": 15},
             last_scores={"phq9": 11, "gad7": 9})                   # not recovered, reliably improved
    add_case(session, owner, n=3, first_scores={"phq9": 8, "gad7": 6},
             last_scores={"phq9": 16, "gad7": 7})                   # not at caseness, reliably deteriorated
    add_case(session, owner, n=4, attended_sessions=1)              # not finished
    add_case(session, owner, n=5, ended_on=None)                    # open
    add_case(session, owner, n=6, problem="social_anxiety", first_scores={"phq9": 14, "spin": 40},
             last_scores={"phq9": 6, "spin": 20})                   # recovery unknown
    clinical_log_deleted = add_case(session, owner, n=7)
    clinical_log_deleted.deleted_at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    html = signed_in(owner).get(f"/people/{owner.id}/cases").get_data(as_text=True)
    assert summary_value(html, "Cases") == "6 (1 open, 5 closed)"
    assert summary_value(html, "By presenting problem") == (
        "Depression: 4 Generalised anxiety disorder: 1 Social anxiety disorder: 1")
    assert summary_value(html, "Finished courses of treatment") == "4"
    assert summary_value(html, "Recovery rate").startswith(
        "50.0%: 1 of 2 finished courses that started at caseness 1 more could not be judged")
    assert summary_value(html, "Reliable improvement") == "2 of 4 finished"
    assert summary_value(html, "Reliable deterioration") == "1 of 4 finished"
    assert "6 cases." in html and "C-7" not in html


def test_the_case_list_filters_and_sorts(signed_in, session, owner):
    add_case(session, owner, n=1, started_on=dt.date(2026, 1, 5), ended_on=None, step=2, modality="guided_self_help")
    add_case(session, owner, n=2, started_on=dt.date(2026, 2, 5), problem="gad", training_case=True)
    add_case(session, owner, n=3, started_on=dt.date(2025, 12, 1))
    c = signed_in(owner)

    def refs(query):
        response = c.get(f"/people/{owner.id}/cases?{query}")
        assert response.status_code == 200
        return re.findall(r'/cases/\d+">(C-\d)</a>', response.get_data(as_text=True))

    assert refs("") == ["C-2", "C-1", "C-3"]
    assert refs("sort=oldest") == ["C-3", "C-1", "C-2"]
    assert refs("status=open") == ["C-1"]
    assert refs("status=closed") == ["C-2", "C-3"]
    assert refs("step=2") == ["C-1"]
    assert refs("problem=gad") == ["C-2"]
    assert refs("training=y") == ["C-2"]
    assert c.get(f"/people/{owner.id}/cases?step=9").status_code == 400


def test_the_case_list_pages_by_twenty_five(signed_in, session, owner):
    for n in range(27):
        add_case(session, owner, n=n, started_on=dt.date(2025, 1, 1) + dt.timedelta(days=n), ended_on=None)
    c = signed_in(owner)
    first = c.get(f"/people/{owner.id}/cases?status=open").get_data(as_text=True)
    assert "27 cases, page 1 of 2." in first and first.count('class="nhsuk-table__row"') == 26
    assert f"/people/{owner.id}/cases?page=2&amp;status=open" in first
    second = c.get(f"/people/{owner.id}/cases?status=open&page=2").get_data(as_text=True)
    assert re.findall(r'/cases/\d+">(C-\d+)</a>', second) == ["C-1", "C-0"]


def test_the_case_list_makes_the_same_queries_for_3_or_30_cases(signed_in, session, owner, count_queries):
    def add(numbers):
        for n in numbers:
            add_case(session, owner, n=n, problem=("depression", "gad", "ptsd")[n % 3], training_case=n % 2 == 0,
                     ended_on=None if n % 4 == 0 else dt.date(2026, 3, 2))
        session.commit()

    def queries():
        c.get(f"/people/{owner.id}/cases")
        with count_queries() as q:
            assert c.get(f"/people/{owner.id}/cases").status_code == 200
        return [re.sub(r"\bIN \(.*", "IN (…)", statement, flags=re.DOTALL) for statement in q.statements]

    c = signed_in(owner)
    add(range(3))
    few = queries()
    add(range(3, 30))
    assert queries() == few
    assert len(few) <= 12, few  # sign-in and the person (6), then the page's own few


def test_the_contact_list_makes_the_same_queries_for_3_or_30_entries(signed_in, session, owner, count_queries):
    cases = [add_case(session, owner, n=n, ended_on=None, started_on=dt.date(2025, 1, 1)) for n in range(30)]

    def add(numbers):
        for n in numbers:
            add_contacts(session, owner, occurred_on=TODAY - dt.timedelta(days=n), case_id=cases[n].id,
                         step=2 + n % 2, cbt=n % 3 == 0)
        session.commit()

    def queries():
        c.get(f"/people/{owner.id}/contacts")
        with count_queries() as q:
            assert c.get(f"/people/{owner.id}/contacts").status_code == 200
        return [re.sub(r"\bIN \(.*", "IN (…)", statement, flags=re.DOTALL) for statement in q.statements]

    c = signed_in(owner)
    add(range(3))
    few = queries()
    add(range(3, 30))
    assert queries() == few
    assert len(few) <= 12, few  # sign-in and the person (6), then the page's own few


# --- delete and undo ---------------------------------------------------------------------------

def test_a_deleted_case_leaves_the_list_and_comes_back_with_undo(signed_in, session, owner):
    case = add_case(session, owner, case_ref="HI-0042")
    c = signed_in(owner)
    response = c.submit(f"/people/{owner.id}/cases/{case.id}/delete", form_url=f"/people/{owner.id}/cases")
    assert response.status_code == 302
    listing = c.get(response.location).get_data(as_text=True)
    assert "Case HI-0042 has been deleted." in listing
    assert f'action="/people/{owner.id}/cases/{case.id}/undo"' in listing
    assert "No cases match." in listing
    [stored] = cases_of(session, owner)
    assert stored.deleted_at is not None
    deleted = c.get(f"/people/{owner.id}/cases?deleted=1").get_data(as_text=True)
    assert "HI-0042" in deleted and "Restore" in deleted
    response = c.submit(f"/people/{owner.id}/cases/{case.id}/undo", form_url=f"/people/{owner.id}/cases?deleted=1")
    assert response.status_code == 302
    assert "Case HI-0042 has been restored." in c.get(response.location).get_data(as_text=True)
    [stored] = cases_of(session, owner)
    assert stored.deleted_at is None
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.object_type == "clinical_cases",
                                                           AuditEvent.action == "update")))
    assert len(events) == 2 and all("deleted_at" in e.detail["fields"] and e.actor_id == owner.id for e in events)


def test_a_deleted_case_cannot_be_changed_and_the_owner_alone_can_open_it(signed_in, session, owner, supervisor):
    case = add_case(session, owner)
    case.deleted_at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    c = signed_in(owner)
    assert "This case was deleted" in c.get(f"/people/{owner.id}/cases/{case.id}").get_data(as_text=True)
    assert c.get(f"/people/{owner.id}/cases/{case.id}/edit").status_code == 404
    assert signed_in(supervisor).get(f"/people/{owner.id}/cases/{case.id}").status_code == 404


def test_deleted_contacts_come_back_with_undo(signed_in, session, owner):
    contact = add_contacts(session, owner, week=True, occurred_on=LAST_WEEK, count=8, minutes=400)
    c = signed_in(owner)
    response = c.submit(f"/people/{owner.id}/contacts/{contact.id}/delete", form_url=f"/people/{owner.id}/contacts")
    listing = c.get(response.location).get_data(as_text=True)
    assert f"The 8 contacts of the week beginning {LAST_WEEK:%-d %B %Y} have been deleted." in listing
    assert f'action="/people/{owner.id}/contacts/{contact.id}/undo"' in listing
    assert contacts_of(session, owner)[0].deleted_at is not None
    response = c.submit(f"/people/{owner.id}/contacts/{contact.id}/undo", form_url=f"/people/{owner.id}/contacts")
    assert "The contacts have been restored." in c.get(response.location).get_data(as_text=True)
    assert contacts_of(session, owner)[0].deleted_at is None
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.object_type == "clinical_contacts")))
    assert [e.action for e in events] == ["create", "update", "update"]


# --- contacts ----------------------------------------------------------------------------------

def test_a_practitioner_records_a_session_and_a_week_of_contacts(signed_in, session, owner):
    case = add_case(session, owner, case_ref="HI-0042", ended_on=None)
    add_case(session, owner, case_ref="CLOSED-1")
    c = signed_in(owner)
    form = c.get(f"/people/{owner.id}/contacts/new").get_data(as_text=True)
    assert f'<option value="{case.id}">HI-0042</option>' in form and "CLOSED-1" not in form
    response = c.submit(f"/people/{owner.id}/contacts/new", {**VALID_CONTACT, "case_id": str(case.id)})
    assert response.status_code == 302
    assert "The contact has been recorded." in c.get(response.location).get_data(as_text=True)
    response = c.submit(f"/people/{owner.id}/contacts/new", {
        **VALID_CONTACT, "entry": "week", "occurred_on": LAST_WEEK.isoformat(), "count": "12", "minutes": "600",
        "step": "2", "format": "telephone", "cbt": "no"})
    assert response.status_code == 302
    session_row, week_row = sorted(contacts_of(session, owner), key=lambda r: r.count)
    assert (session_row.count, session_row.minutes, session_row.case_id, session_row.cbt) == (1, 50, case.id, True)
    assert (week_row.occurred_on, week_row.count, week_row.minutes, week_row.step, week_row.format, week_row.cbt) == (
        LAST_WEEK, 12, 600, 2, "telephone", False)
    event = session.scalar(select(AuditEvent).where(AuditEvent.object_type == "clinical_contacts"))
    assert event.action == "create" and event.actor_id == owner.id


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"minutes": "0"}, "minutes", "Total minutes must be at least 1"),
    ({"minutes": "300"}, "minutes", "One contact cannot last more than 240 minutes (4 hours)"),
    ({"occurred_on": (TODAY + DAY).isoformat()}, "occurred_on", "The date cannot be in the future"),
    ({"entry": "week", "occurred_on": (LAST_WEEK + 2 * DAY).isoformat(), "count": "5", "minutes": "250"},
     "occurred_on", f"that week’s Monday is {LAST_WEEK:%-d %B %Y}"),
    ({"entry": "week", "occurred_on": LAST_WEEK.isoformat(), "count": "61", "minutes": "3000"}, "count",
     "between 1 and 60"),
    ({"count": "3"}, "count", "One session is one contact"),
    ({"minutes": ""}, "minutes", "Enter the total minutes"),
    ({"format": "group"}, "individual", "A group session is not individual"),
])
def test_bad_contacts_are_refused_beside_the_field_with_nothing_saved_and_the_typed_values_kept(
        signed_in, session, owner, changes, field, message):
    data = {**VALID_CONTACT, **changes}
    response = signed_in(owner).submit(f"/people/{owner.id}/contacts/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and message in field_error(html, field)
    assert contacts_of(session, owner) == []
    for kept in ("occurred_on", "count", "minutes"):
        assert input_value(html, kept) == data[kept]


def test_changing_contacts_keeps_their_kind_and_checks_the_rules(signed_in, session, owner):
    contact = add_contacts(session, owner, week=True, occurred_on=LAST_WEEK, count=8, minutes=400)
    c = signed_in(owner)
    form = c.get(f"/people/{owner.id}/contacts/{contact.id}/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="entry-2"[^>]*value="week"[^>]*checked', form)
    assert input_value(form, "count") == "8" and input_value(form, "minutes") == "400"
    week = {**VALID_CONTACT, "entry": "week", "occurred_on": LAST_WEEK.isoformat(), "count": "9", "minutes": "4000"}
    response = c.submit(f"/people/{owner.id}/contacts/{contact.id}/edit", week)
    assert response.status_code == 400 and "3,000" in field_error(response.get_data(as_text=True), "minutes")
    response = c.submit(f"/people/{owner.id}/contacts/{contact.id}/edit", {**week, "minutes": "450"})
    assert response.status_code == 302
    [stored] = contacts_of(session, owner)
    assert (stored.count, stored.minutes) == (9, 450)


def test_the_contact_page_shows_weekly_totals_worked_out_by_hand(signed_in, session, owner):
    add_contacts(session, owner, week=True, occurred_on=LAST_WEEK, count=10, minutes=600, step=2, cbt=False,
                 format="telephone")
    add_contacts(session, owner, week=True, occurred_on=LAST_WEEK - dt.timedelta(weeks=1), count=14, minutes=840)
    add_contacts(session, owner, occurred_on=LAST_WEEK + 2 * DAY, minutes=60, format="video")
    add_contacts(session, owner, week=True, occurred_on=LAST_WEEK - dt.timedelta(weeks=20), count=3, minutes=180)
    html = signed_in(owner).get(f"/people/{owner.id}/contacts").get_data(as_text=True)
    # CBT contacts in the twelve weeks: 14 + 1 = 15, 15 / 12 = 1.25 → 1.3 a week.
    assert summary_value(html, "CBT contacts").startswith("1.3 a week on average")
    # Step 2: 600 min in twelve weeks, 50 min a week.
    assert summary_value(html, "Step 2 practice").startswith("50 min a week on average")
    assert "at least 2 h a week of Step 2 practice" in html
    # Individual CBT ever: 840 + 60 + 180 = 1,080 min = 18 h.
    assert summary_value(html, "Individual CBT practice").startswith("18 h recorded in all")
    assert "at least 200 h of individual CBT practice" in html
    row = re.search(rf'{LAST_WEEK:%-d %B %Y}</th>(.*?)</tr>', html, re.DOTALL).group(1)
    assert [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)] == [
        "11", "1", "10 h", "1 h"]


def test_the_contact_list_filters_by_date_step_and_format(signed_in, session, owner):
    add_contacts(session, owner, occurred_on=LAST_WEEK, step=2, format="telephone", minutes=31)
    add_contacts(session, owner, occurred_on=LAST_WEEK + DAY, step=3, format="video", minutes=32)
    add_contacts(session, owner, occurred_on=LAST_WEEK + 2 * DAY, step=3, format="telephone", minutes=33)
    c = signed_in(owner)

    def minutes(query):
        response = c.get(f"/people/{owner.id}/contacts?{query}")
        assert response.status_code == 200
        body = response.get_data(as_text=True).split("<h2>Contacts</h2>", 1)[1]
        return re.findall(r">(3\d) min<", body)

    assert minutes("") == ["33", "32", "31"]
    assert minutes("sort=oldest") == ["31", "32", "33"]
    assert minutes("step=3") == ["33", "32"]
    assert minutes("format=telephone") == ["33", "31"]
    assert minutes(f"start={(LAST_WEEK + DAY).isoformat()}&end={(LAST_WEEK + DAY).isoformat()}") == ["32"]
    bad = c.get(f"/people/{owner.id}/contacts?start={LAST_WEEK + DAY}&end={LAST_WEEK}")
    assert bad.status_code == 400 and "cannot be before" in field_error(bad.get_data(as_text=True), "end")


# --- who sees what -----------------------------------------------------------------------------

def test_a_supervisor_reads_cases_and_contacts_but_cannot_change_them(signed_in, session, owner, supervisor):
    case = add_case(session, owner)
    contact = add_contacts(session, owner)
    c = signed_in(supervisor)
    listing = c.get(f"/people/{owner.id}/cases").get_data(as_text=True)
    assert "C-1" in listing and "Add a case" not in listing and "/delete" not in listing and "/edit" not in listing
    entry = c.get(f"/people/{owner.id}/cases/{case.id}").get_data(as_text=True)
    assert verdict(entry, "Recovered") == "Yes" and "Change this case" not in entry
    contacts = c.get(f"/people/{owner.id}/contacts").get_data(as_text=True)
    assert "CBT contacts" in contacts and "Record contacts" not in contacts and "/delete" not in contacts
    for url in (f"/people/{owner.id}/cases/new", f"/people/{owner.id}/cases/{case.id}/edit",
                f"/people/{owner.id}/contacts/new", f"/people/{owner.id}/contacts/{contact.id}/edit"):
        assert c.get(url).status_code == 403, url
    for url in (f"/people/{owner.id}/cases/{case.id}/delete", f"/people/{owner.id}/contacts/{contact.id}/delete"):
        assert c.submit(url, form_url=f"/people/{owner.id}/cases").status_code == 403, url
    assert len(cases_of(session, owner)) == 1 and cases_of(session, owner)[0].deleted_at is None
    # Deleted entries are the owner's alone: ?deleted=1 shows a supervisor the current ones.
    gone = add_case(session, owner, n=9)
    gone.deleted_at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    session.commit()
    assert "C-9" not in c.get(f"/people/{owner.id}/cases?deleted=1").get_data(as_text=True)


def test_a_course_tutor_sees_training_cases_only_and_no_contacts(signed_in, session, owner, tutor):
    training = add_case(session, owner, n=1, training_case=True, closely_supervised=True)
    other = add_case(session, owner, n=2, first_scores={"phq9": 8, "gad7": 6}, last_scores={"phq9": 16, "gad7": 7})
    contact = add_contacts(session, owner)
    c = signed_in(tutor)
    listing = c.get(f"/people/{owner.id}/cases").get_data(as_text=True)
    assert "C-1" in listing and "C-2" not in listing and "training cases only" in listing
    assert summary_value(listing, "Cases") == "1 (0 open, 1 closed)"
    assert summary_value(listing, "Reliable deterioration") == "0 of 1 finished"
    assert "Clinical contacts" not in listing
    assert c.get(f"/people/{owner.id}/cases/{training.id}").status_code == 200
    assert c.get(f"/people/{owner.id}/cases/{other.id}").status_code == 404
    assert c.get(f"/people/{owner.id}/cases/{other.id}/edit").status_code == 404
    assert c.get(f"/people/{owner.id}/cases/{training.id}/edit").status_code == 403
    for url in (f"/people/{owner.id}/contacts", f"/people/{owner.id}/contacts/new",
                f"/people/{owner.id}/contacts/{contact.id}/edit"):
        assert c.get(url).status_code == 404, url


@pytest.mark.parametrize("who", ["hr", "line_manager", "admin", "service_lead", "ended_supervisor", "colleague"])
def test_people_outside_the_log_get_not_found_everywhere(signed_in, session, org, team, owner, who):
    case = add_case(session, owner)
    contact = add_contacts(session, owner)
    if who == "ended_supervisor":
        viewer = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False)
        make_relationship(session, senior=viewer, junior=owner, starts_on=dt.date(2025, 1, 1), ends_on=TODAY - DAY)
    elif who == "line_manager":
        viewer = make_user(session, organisation=org, roles=(Role.LINE_MANAGER,), profile=False)
        make_relationship(session, senior=viewer, junior=owner, kind=RelationshipKind.LINE_MANAGEMENT)
    elif who == "service_lead":
        viewer = make_user(session, team=team, roles=((Role.SERVICE_LEAD, team.service),))
    elif who == "colleague":
        viewer = make_user(session, team=team)
    else:
        viewer = make_user(session, organisation=org, roles=(Role(who),), profile=False)
    c = signed_in(viewer)
    base = f"/people/{owner.id}"
    for url in (f"{base}/cases", f"{base}/cases/{case.id}", f"{base}/cases/new", f"{base}/cases/{case.id}/edit",
                f"{base}/contacts", f"{base}/contacts/new", f"{base}/contacts/{contact.id}/edit"):
        assert c.get(url).status_code == 404, url
    assert c.post(f"{base}/cases/{case.id}/delete", data={"csrf_token": c.csrf_token(f"/people/{viewer.id}/cases")}).status_code == 404


def test_a_case_of_someone_else_is_not_found_under_ones_own_address(signed_in, session, owner, team):
    theirs = add_case(session, make_user(session, team=team))
    c = signed_in(owner)
    assert c.get(f"/people/{owner.id}/cases/{theirs.id}").status_code == 404
    assert c.get(f"/people/{owner.id}/cases/{theirs.id}/edit").status_code == 404
