"""NMC revalidation evidence: the rules each entry obeys, the 3-year counts, who may see it, delete and undo."""
import datetime as dt
import html as htmllib
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.services import nmc
from app.services.errors import DomainError
from models import (NmcFeedback, NmcPracticeHours, NmcReflectiveAccount, NmcReflectiveDiscussion,
                    ProfessionalRegistration, Regulator, RelationshipKind, Role)
from models.audit import AuditEvent
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date.today()
YESTERDAY = TODAY - dt.timedelta(days=1)
TOMORROW = TODAY + dt.timedelta(days=1)
NHS_NUMBER = "943 476 5919"
ANOTHER_PIN = "12A3456E"


@pytest.fixture
def org(session):
    return make_organisation(session)


@pytest.fixture
def nurse(session, org):
    person = make_user(session, organisation=org, full_name="Daniel Moreno", band="6")
    person.profile.registrations.append(ProfessionalRegistration(
        regulator=Regulator.NMC, registration_number="17I2840E", registered_on=dt.date(2020, 1, 1)))
    session.commit()
    return person


@pytest.fixture
def signed_in_nurse(nurse, login_as):
    login_as(nurse)
    return nurse


def page_of(response):
    return htmllib.unescape(response.get_data(as_text=True))


def count(session, model):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def add(session, entry):
    session.add(entry)
    session.commit()
    return entry


def practice(owner, start, end, minutes, **kw):
    return NmcPracticeHours(owner_id=owner.id, start_on=start, end_on=end, minutes=minutes,
                            setting=kw.pop("setting", "Talking Therapies, Step 3"), **kw)


def feedback(owner, on, **kw):
    return NmcFeedback(owner_id=owner.id, received_on=on, source=kw.pop("source", "colleague"),
                       summary=kw.pop("summary", "Clear formulation shared in the team meeting."), **kw)


def account(owner, on, **kw):
    return NmcReflectiveAccount(owner_id=owner.id, written_on=on, nature_of_experience="A workshop on exposure work.",
                                what_learned="How to grade exposure with the client.",
                                how_changed_practice="I now plan hierarchies collaboratively.",
                                code_themes=["practise_effectively"], **kw)


def discussion(owner, on, **kw):
    return NmcReflectiveDiscussion(owner_id=owner.id, held_on=on, partner_name="Mark Ellison",
                                   partner_pin="02A1187E", **kw)


# --- the counts over the last 3 years ----------------------------------------------------------

def test_counts_cover_the_3_years_to_today_and_leave_out_deleted_and_other_peoples_entries(session, nurse, org):
    today = dt.date(2026, 11, 30)  # the window runs from 1 December 2023 to 30 November 2026
    other = make_user(session, organisation=org)
    gone = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    session.add_all([
        practice(nurse, dt.date(2023, 11, 20), dt.date(2023, 11, 30), 40 * 60),  # ends the day before: out
        practice(nurse, dt.date(2023, 11, 25), dt.date(2023, 12, 5), 30 * 60),  # ends inside: 30 h
        practice(nurse, dt.date(2026, 11, 1), dt.date(2026, 11, 30), 37 * 60 + 30),  # 37 h 30 min
        practice(nurse, dt.date(2026, 3, 2), dt.date(2026, 3, 6), 10 * 60, deleted_at=gone),
        practice(other, dt.date(2026, 3, 2), dt.date(2026, 3, 6), 20 * 60),
        feedback(nurse, dt.date(2023, 11, 30)), feedback(nurse, dt.date(2023, 12, 1)),
        feedback(nurse, dt.date(2026, 11, 30)), feedback(nurse, dt.date(2026, 5, 1), deleted_at=gone),
        feedback(other, dt.date(2026, 5, 1)),
        account(nurse, dt.date(2024, 6, 1)), account(nurse, dt.date(2025, 6, 1)), account(nurse, dt.date(2026, 6, 1)),
        account(nurse, dt.date(2023, 6, 1)),
        discussion(nurse, dt.date(2026, 10, 1)),
    ])
    session.flush()
    totals = nmc.totals(session, nurse.id, today)
    assert (totals.window.start, totals.window.end) == (dt.date(2023, 12, 1), today)
    # 30 h + 37 h 30 min = 67 h 30 min = 4,050 minutes.
    assert (totals.practice_minutes, totals.feedback, totals.accounts, totals.discussions) == (4050, 2, 3, 1)
    progress = totals.progress
    assert progress["practice"].need == 450 * 60 and progress["practice"].percent == 15  # 4050 / 27000
    assert [p.met for p in progress.values()] == [False, False, False, True]


def test_the_counts_are_one_query_however_many_entries(session, nurse, count_queries):
    for n in range(20):
        session.add_all([practice(nurse, dt.date(2026, 1, 1), dt.date(2026, 1, 1), 60),
                         feedback(nurse, dt.date(2026, 1, 1)), account(nurse, dt.date(2026, 1, 1))])
    session.flush()
    with count_queries() as q:
        totals = nmc.totals(session, nurse.id, dt.date(2026, 11, 30))
    assert q.count == 1 and totals.feedback == 20


def test_the_page_shows_the_figures_against_the_nmc_targets(session, client, signed_in_nurse):
    add(session, practice(signed_in_nurse, YESTERDAY, YESTERDAY, 7 * 60 + 30))
    add(session, feedback(signed_in_nurse, YESTERDAY))
    html = page_of(client.get(f"/people/{signed_in_nurse.id}/nmc"))
    row = re.search(r"Practice hours</a></th>(.*?)</tr>", html, re.S).group(1)
    assert "7 h 30 min" in row and "450 h" in row and "1% done" in row
    row = re.search(r"Pieces of practice-related feedback</a></th>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r">(\d+)<", row) == ["1", "5"]
    assert f'href="/people/{signed_in_nurse.id}/cpd"' in html and "20 of them participatory" in html


# --- adding each kind --------------------------------------------------------------------------

def test_the_nurse_records_practice_hours_in_decimal_hours(session, client, signed_in_nurse):
    url = f"/people/{signed_in_nurse.id}/nmc/practice-hours/new"
    response = client.submit(url, {"start_on": (TODAY - dt.timedelta(days=6)).isoformat(),
                                   "end_on": TODAY.isoformat(), "hours": "37.25",
                                   "setting": "NHS Talking Therapies, Step 3 CBT"})
    assert response.status_code == 302 and response.location.endswith("/nmc#practice")
    entry = session.scalar(select(NmcPracticeHours))
    assert (entry.minutes, entry.setting) == (37 * 60 + 15, "NHS Talking Therapies, Step 3 CBT")
    html = page_of(client.get(response.location))
    assert "Added the practice hours from" in html and "37 h 15 min" in html


def test_the_nurse_records_feedback_and_sees_where_it_came_from(session, client, signed_in_nurse):
    url = f"/people/{signed_in_nurse.id}/nmc/feedback/new"
    response = client.submit(url, {"received_on": YESTERDAY.isoformat(), "source": "patient",
                                   "summary": "Said the sessions helped them return to work.",
                                   "what_changed": "I now share written summaries after each session."})
    assert response.status_code == 302
    entry = session.scalar(select(NmcFeedback))
    assert (entry.source, entry.what_changed) == ("patient", "I now share written summaries after each session.")
    assert "Patient or service user" in page_of(client.get(f"/people/{signed_in_nurse.id}/nmc"))


def test_the_nurse_records_a_reflective_account_linked_to_the_codes_themes(session, client, signed_in_nurse):
    url = f"/people/{signed_in_nurse.id}/nmc/reflective-accounts/new"
    response = client.submit(url, {"written_on": YESTERDAY.isoformat(),
                                   "nature_of_experience": "Feedback from my supervisor on a recorded session.",
                                   "what_learned": "I was moving to change methods before the formulation was shared.",
                                   "how_changed_practice": "I now check the formulation with the client first.",
                                   "code_themes": ["promote_professionalism", "prioritise_people"]})
    assert response.status_code == 302
    entry = session.scalar(select(NmcReflectiveAccount))
    assert entry.code_themes == ["prioritise_people", "promote_professionalism"]  # in the Code's order
    assert "Promote professionalism and trust" in page_of(client.get(f"/people/{signed_in_nurse.id}/nmc"))


def test_the_partners_pin_is_stored_in_upper_case(session, client, signed_in_nurse):
    url = f"/people/{signed_in_nurse.id}/nmc/reflective-discussions/new"
    response = client.submit(url, {"held_on": YESTERDAY.isoformat(), "partner_name": "Mark  Ellison",
                                   "partner_pin": "02a1187e"})
    assert response.status_code == 302
    entry = session.scalar(select(NmcReflectiveDiscussion))
    assert (entry.partner_name, entry.partner_pin) == ("Mark Ellison", "02A1187E")


def test_every_change_reaches_the_audit_trail(session, client, signed_in_nurse):
    client.submit(f"/people/{signed_in_nurse.id}/nmc/feedback/new", {
        "received_on": YESTERDAY.isoformat(), "source": "manager", "summary": "Good risk management."})
    entry = session.scalar(select(NmcFeedback))
    event = session.scalar(select(AuditEvent).where(AuditEvent.object_type == "nmc_feedback"))
    assert (event.action, event.object_id, event.actor_id) == ("create", str(entry.id), signed_in_nurse.id)


# --- bad input: beside the field, typed values kept, nothing saved -----------------------------

GOOD = {
    "practice-hours": {"start_on": YESTERDAY.isoformat(), "end_on": TODAY.isoformat(), "hours": "15",
                       "setting": "Talking Therapies"},
    "feedback": {"received_on": YESTERDAY.isoformat(), "source": "colleague", "summary": "Typed summary kept",
                 "what_changed": ""},
    "reflective-accounts": {"written_on": YESTERDAY.isoformat(), "nature_of_experience": "Typed nature kept",
                            "what_learned": "Learned", "how_changed_practice": "Changed",
                            "code_themes": ["preserve_safety"]},
    "reflective-discussions": {"held_on": YESTERDAY.isoformat(), "partner_name": "Typed Name",
                               "partner_pin": ANOTHER_PIN},
}
MODELS = {"practice-hours": NmcPracticeHours, "feedback": NmcFeedback, "reflective-accounts": NmcReflectiveAccount,
          "reflective-discussions": NmcReflectiveDiscussion}


@pytest.mark.parametrize("path, changes, field, message", [
    ("practice-hours", {"start_on": TOMORROW.isoformat(), "end_on": TOMORROW.isoformat()}, "start_on",
     "The first day cannot be in the future"),
    ("practice-hours", {"end_on": TOMORROW.isoformat()}, "end_on", "The last day cannot be in the future"),
    ("practice-hours", {"start_on": TODAY.isoformat(), "end_on": YESTERDAY.isoformat()}, "end_on",
     "The last day must be the same as or after the first day"),
    ("practice-hours", {"hours": "0"}, "hours", "Hours must be more than 0"),
    ("practice-hours", {"hours": "-3"}, "hours", "Hours must be more than 0"),
    ("practice-hours", {"hours": "7.3"}, "hours", "Enter hours in quarter hours, like 7.5 or 37.25"),
    ("practice-hours", {"hours": "48.25"}, "hours", "48.25 hours is more than there are in 2 days (48 hours)"),
    ("practice-hours", {"hours": "lots"}, "hours", "Hours must be a number, like 37.5"),
    ("practice-hours", {"hours": "NaN"}, "hours", "Hours must be a number, like 37.5"),
    ("practice-hours", {"hours": "Infinity"}, "hours", "Hours must be a number, like 37.5"),
    ("practice-hours", {"start_on": "2026-02-30"}, "start_on", "The first day of the period must be a real date"),
    ("practice-hours", {"setting": f"Clinic for patient {NHS_NUMBER}"}, "setting", "This looks like an NHS number"),
    ("practice-hours", {"setting": "x" * 256}, "setting", "255 characters or fewer"),
    ("feedback", {"received_on": TOMORROW.isoformat()}, "received_on",
     "The date you received the feedback cannot be in the future"),
    ("feedback", {"source": "the internet"}, "source", "Choose where the feedback came from"),
    ("feedback", {"summary": ""}, "summary", "Enter a summary of the feedback"),
    ("feedback", {"summary": "Letter from the client at SW1A 1AA"}, "summary", "This looks like a postcode"),
    ("feedback", {"summary": "x" * 2001}, "summary", "2,000 characters or fewer"),
    ("feedback", {"what_changed": "Client DOB 12/03/1985 now recorded"}, "what_changed",
     "This looks like a date of birth"),
    ("reflective-accounts", {"code_themes": []}, "code_themes", "Choose at least one of the Code's themes"),
    ("reflective-accounts", {"code_themes": ["be_nice"]}, "code_themes", "Choose themes from the list"),
    ("reflective-accounts", {"written_on": TOMORROW.isoformat()}, "written_on",
     "The date of the account cannot be in the future"),
    ("reflective-accounts", {"what_learned": f"NHS no. {NHS_NUMBER.replace(' ', '')}"}, "what_learned",
     "This looks like an NHS number"),
    ("reflective-accounts", {"how_changed_practice": "x" * 5001}, "how_changed_practice", "5,000 characters or fewer"),
    ("reflective-discussions", {"partner_pin": "1234567"}, "partner_pin",
     "Enter the NMC PIN as 2 digits, a letter, 4 digits and a letter, like 12A3456E"),
    ("reflective-discussions", {"partner_pin": "12A34567"}, "partner_pin", "Enter the NMC PIN as 2 digits"),
    ("reflective-discussions", {"partner_pin": "17i2840e"}, "partner_pin", "That is your own NMC PIN"),
    ("reflective-discussions", {"partner_name": " daniel  MORENO "}, "partner_name",
     "must be with another NMC registrant, not yourself"),
    ("reflective-discussions", {"partner_name": "Someone of M1 1AE"}, "partner_name", "This looks like a postcode"),
    ("reflective-discussions", {"held_on": TOMORROW.isoformat()}, "held_on",
     "The date of the discussion cannot be in the future"),
])
def test_bad_input_is_refused_beside_the_field_and_nothing_is_saved(session, client, signed_in_nurse, path, changes,
                                                                    field, message):
    data = {**GOOD[path], **changes}
    response = client.submit(f"/people/{signed_in_nurse.id}/nmc/{path}/new", data)
    html = page_of(response)
    assert response.status_code == 400
    assert "There is a problem" in html and f'href="#{field}"' in html and f'id="{field}-error"' in html
    assert message in html
    kept = next(v for k, v in data.items() if k != field and isinstance(v, str) and v)
    assert kept in html
    assert count(session, MODELS[path]) == 0


def test_a_good_entry_of_each_kind_is_saved(session, client, signed_in_nurse):
    for path, data in GOOD.items():
        assert client.submit(f"/people/{signed_in_nurse.id}/nmc/{path}/new", data).status_code == 302, path
        assert count(session, MODELS[path]) == 1


def test_the_service_refuses_hours_beyond_a_single_day(session, nurse):
    with pytest.raises(DomainError) as err:
        nmc.save_practice_hours(session, nurse, nmc.PracticeHours(YESTERDAY, YESTERDAY, Decimal("24.25"), "Clinic"),
                                today=TODAY)
    assert err.value.field == "hours" and "in 1 day (24 hours)" in err.value.message
    entry = nmc.save_practice_hours(session, nurse, nmc.PracticeHours(YESTERDAY, YESTERDAY, Decimal("24"), "Clinic"),
                                    today=TODAY)
    assert entry.minutes == 1440


# --- changing ----------------------------------------------------------------------------------

def test_the_change_form_shows_minutes_as_hours_and_saves_the_correction(session, client, signed_in_nurse):
    entry = add(session, practice(signed_in_nurse, YESTERDAY, YESTERDAY, 7 * 60 + 45))
    url = f"/people/{signed_in_nurse.id}/nmc/practice-hours/{entry.id}/edit"
    assert 'value="7.75"' in page_of(client.get(url))
    response = client.submit(url, {"start_on": YESTERDAY.isoformat(), "end_on": YESTERDAY.isoformat(),
                                   "hours": "8", "setting": "Changed setting"})
    assert response.status_code == 302
    session.expire_all()
    assert (entry.minutes, entry.setting) == (480, "Changed setting")
    assert count(session, NmcPracticeHours) == 1


def test_a_refused_change_leaves_the_entry_as_it_was(session, client, signed_in_nurse):
    entry = add(session, feedback(signed_in_nurse, YESTERDAY, summary="Original"))
    url = f"/people/{signed_in_nurse.id}/nmc/feedback/{entry.id}/edit"
    response = client.submit(url, {"received_on": YESTERDAY.isoformat(), "source": "colleague",
                                   "summary": "Now with postcode B33 8TH"})
    assert response.status_code == 400 and "Now with postcode B33 8TH" in page_of(response)
    session.expire_all()
    assert entry.summary == "Original"


def test_another_persons_entry_cannot_be_opened_through_your_own_url(session, client, signed_in_nurse, org):
    other = make_user(session, organisation=org)
    theirs = add(session, feedback(other, YESTERDAY))
    assert client.get(f"/people/{signed_in_nurse.id}/nmc/feedback/{theirs.id}/edit").status_code == 404
    assert client.submit(f"/people/{signed_in_nurse.id}/nmc/feedback/{theirs.id}/delete",
                         form_url=f"/people/{signed_in_nurse.id}/nmc").status_code == 404


# --- delete and undo ---------------------------------------------------------------------------

def test_a_deleted_entry_stops_counting_and_can_be_undone(session, client, signed_in_nurse):
    entry = add(session, account(signed_in_nurse, YESTERDAY))
    page = f"/people/{signed_in_nurse.id}/nmc"
    response = client.submit(f"{page}/reflective-accounts/{entry.id}/delete", form_url=page)
    assert response.status_code == 302 and response.location == f"{page}?undo=account-{entry.id}#account"
    session.expire_all()
    assert entry.deleted_at is not None
    assert nmc.totals(session, signed_in_nurse.id, TODAY).accounts == 0

    html = page_of(client.get(response.location))
    assert "You deleted the reflective account from" in html
    assert f'action="{page}/reflective-accounts/{entry.id}/undo"' in html
    assert "A workshop on exposure work." not in html
    assert "A workshop on exposure work." in page_of(client.get(f"{page}?deleted=1"))

    response = client.submit(f"{page}/reflective-accounts/{entry.id}/undo", form_url=page)
    assert response.status_code == 302
    session.expire_all()
    assert entry.deleted_at is None
    html = page_of(client.get(page))
    assert "Restored the reflective account from" in html and "A workshop on exposure work." in html
    # Undoing twice, or changing a deleted entry, finds nothing to act on.
    assert client.submit(f"{page}/reflective-accounts/{entry.id}/undo", form_url=page).status_code == 404


def test_a_deleted_entry_cannot_be_changed_until_restored(session, client, signed_in_nurse):
    entry = add(session, discussion(signed_in_nurse, YESTERDAY,
                                    deleted_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)))
    assert client.get(f"/people/{signed_in_nurse.id}/nmc/reflective-discussions/{entry.id}/edit").status_code == 404


# --- filters, order and pages ------------------------------------------------------------------

def test_entries_can_be_filtered_by_kind_and_dates_and_sorted(session, client, signed_in_nurse):
    for days, text in ((40, "Forty days ago"), (20, "Twenty days ago"), (5, "Five days ago")):
        add(session, feedback(signed_in_nurse, TODAY - dt.timedelta(days=days), summary=text))
    add(session, account(signed_in_nurse, TODAY - dt.timedelta(days=20)))
    page = f"/people/{signed_in_nurse.id}/nmc"
    html = page_of(client.get(page, query_string={
        "kind": "feedback", "from": (TODAY - dt.timedelta(days=30)).isoformat(), "to": TODAY.isoformat(),
        "sort": "oldest"}))
    assert "Forty days ago" not in html and "A workshop on exposure work." not in html
    assert html.index("Twenty days ago") < html.index("Five days ago")
    html = page_of(client.get(page, query_string={"kind": "feedback"}))
    assert html.index("Five days ago") < html.index("Twenty days ago") < html.index("Forty days ago")


def test_a_date_range_ending_before_it_starts_is_refused(client, signed_in_nurse):
    response = client.get(f"/people/{signed_in_nurse.id}/nmc", query_string={
        "from": TODAY.isoformat(), "to": YESTERDAY.isoformat()})
    assert response.status_code == 400 and "To must be the same as or after From" in page_of(response)


def test_one_kind_is_paginated_25_to_a_page(session, client, signed_in_nurse):
    session.add_all([practice(signed_in_nurse, TODAY - dt.timedelta(days=n), TODAY - dt.timedelta(days=n), 60)
                     for n in range(30)])
    session.commit()
    page = f"/people/{signed_in_nurse.id}/nmc"
    html = page_of(client.get(page))
    assert "Showing the first 25 of 30" in html
    html = page_of(client.get(page, query_string={"kind": "practice", "page": 2}))
    assert "30 practice hours, page 2 of 2" in html and html.count('/edit"') == 5


def test_the_page_query_count_does_not_grow_with_the_number_of_entries(session, client, signed_in_nurse,
                                                                       count_queries):
    page = f"/people/{signed_in_nurse.id}/nmc"

    def add_each(n):
        for _ in range(n):
            session.add_all([practice(signed_in_nurse, YESTERDAY, YESTERDAY, 60), feedback(signed_in_nurse, YESTERDAY),
                             account(signed_in_nurse, YESTERDAY), discussion(signed_in_nurse, YESTERDAY)])
        session.commit()

    add_each(3)
    with count_queries() as few:
        assert client.get(page).status_code == 200
    add_each(27)
    with count_queries() as many:
        assert client.get(page).status_code == 200
    assert many.count == few.count, many.statements


# --- who sees what -----------------------------------------------------------------------------

@pytest.fixture
def supervisor(session, org, nurse):
    person = make_user(session, organisation=org, roles=(Role.PRACTITIONER, Role.SUPERVISOR), full_name="Nadia Karim")
    make_relationship(session, senior=person, junior=nurse, starts_on=TODAY - dt.timedelta(days=100))
    session.commit()
    return person


def test_a_current_supervisor_reads_the_evidence_but_cannot_change_it(session, client, login_as, nurse, supervisor):
    entry = add(session, feedback(nurse, YESTERDAY, summary="Supervisor can read this"))
    login_as(supervisor)
    page = f"/people/{nurse.id}/nmc"
    html = page_of(client.get(page))
    assert "Supervisor can read this" in html and "Daniel Moreno" in html
    assert "/new" not in html and "/delete" not in html and "/edit" not in html
    assert client.get(f"{page}/feedback/new").status_code == 403
    assert client.get(f"{page}/feedback/{entry.id}/edit").status_code == 403
    assert client.submit(f"{page}/feedback/{entry.id}/delete", form_url=page).status_code == 403
    assert client.submit(f"{page}/feedback/new", GOOD["feedback"], form_url=page).status_code == 403
    session.expire_all()
    assert entry.deleted_at is None and count(session, NmcFeedback) == 1


def test_a_supervisor_whose_relationship_ended_gets_not_found(session, client, login_as, org, nurse):
    former = make_user(session, organisation=org, roles=(Role.SUPERVISOR,))
    make_relationship(session, senior=former, junior=nurse, starts_on=TODAY - dt.timedelta(days=400),
                      ends_on=TODAY - dt.timedelta(days=1))
    session.commit()
    login_as(former)
    assert client.get(f"/people/{nurse.id}/nmc").status_code == 404


@pytest.mark.parametrize("who", ["hr", "admin", "line_manager", "service_lead", "stranger"])
def test_hr_admins_managers_and_others_get_not_found(session, client, login_as, org, nurse, who):
    entry = add(session, feedback(nurse, YESTERDAY))
    if who == "line_manager":
        viewer = make_user(session, organisation=org, roles=(Role.LINE_MANAGER,))
        make_relationship(session, senior=viewer, junior=nurse, kind=RelationshipKind.LINE_MANAGEMENT,
                          starts_on=TODAY - dt.timedelta(days=100))
    elif who == "service_lead":
        service = make_service(session, organisation=org)
        nurse.profile.team = make_team(session, service=service)  # the nurse works in the lead's service
        viewer = make_user(session, organisation=org, roles=((Role.SERVICE_LEAD, service),))
    else:
        roles = {"hr": (Role.HR,), "admin": (Role.ADMIN,), "stranger": (Role.PRACTITIONER,)}[who]
        viewer = make_user(session, organisation=org, roles=roles)
    session.commit()
    login_as(viewer)
    # HR, the line manager and the service lead may see the person's profile, but never this evidence.
    assert client.get(f"/people/{nurse.id}").status_code == (200 if who in {"hr", "line_manager", "service_lead"}
                                                             else 404)
    page = f"/people/{nurse.id}/nmc"
    assert client.get(page).status_code == 404
    assert client.get(f"{page}/feedback/new").status_code == 404
    assert client.get(f"{page}/feedback/{entry.id}/edit").status_code == 404
    assert client.submit(f"{page}/feedback/{entry.id}/delete", form_url="/account/password").status_code == 404
