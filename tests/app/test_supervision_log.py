"""The supervision-received log in the browser: recording, the bad inputs refused, who sees it, delete and undo."""
import datetime as dt
import html as htmllib
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import AuditEvent, RelationshipKind, Role, SupervisionCaseMinutes, SupervisionKind, SupervisionSession
from tests.factories import PASSWORD, make_organisation, make_relationship, make_user

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)
LAST_WEEK = TODAY - 7 * DAY


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

    class Trust:
        organisation = org
        pat = make_user(session, organisation=org, full_name="Pat Practitioner")
        bea = make_user(session, organisation=org, full_name="Bea Colleague")
        sam = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), full_name="Sam Supervisor")
        olive = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), full_name="Olive Ended")
        hr = make_user(session, organisation=org, roles=(Role.HR,), full_name="Harriet HR")
        manager = make_user(session, organisation=org, roles=(Role.LINE_MANAGER,), full_name="Lee Manager")
        admin = make_user(session, organisation=org, roles=(Role.ADMIN,), full_name="Ada Admin", profile=False)

    t = Trust
    t.sam_rel = make_relationship(session, senior=t.sam, junior=t.pat, starts_on=TODAY - 730 * DAY,
                                  supervision_kind=SupervisionKind.CASE_MANAGEMENT)
    t.olive_rel = make_relationship(session, senior=t.olive, junior=t.pat, starts_on=TODAY - 400 * DAY,
                                    ends_on=TODAY - 40 * DAY)
    t.bea_rel = make_relationship(session, senior=t.sam, junior=t.bea, starts_on=TODAY - 730 * DAY)
    #: Pat supervises Bea too: a relationship in which Pat is the supervisor, never Pat's own.
    t.pat_supervises_bea = make_relationship(session, senior=t.pat, junior=t.bea, starts_on=TODAY - 100 * DAY)
    make_relationship(session, senior=t.manager, junior=t.pat, kind=RelationshipKind.LINE_MANAGEMENT,
                      starts_on=TODAY - 730 * DAY)
    session.commit()
    return t


def url(person, suffix=""):
    return f"/people/{person.id}/supervision{suffix}"


def form(trust, **overrides):
    data = {"occurred_on": LAST_WEEK.isoformat(), "supervisor": str(trust.sam_rel.id), "outside_name": "",
            "outside_credentials": "", "minutes": "60", "kind": "", "format": "individual", "group_size": "",
            "cbt": "yes", "sampled": "no", "themes": "Formulation of a panic cycle; setting behavioural experiments"}
    for i in range(6):
        data[f"cases-{i}-case_ref"] = ""
        data[f"cases-{i}-minutes"] = ""
    data.update(overrides)
    return data


def count(session, model):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def sessions(session):
    session.expire_all()
    return list(session.scalars(select(SupervisionSession).order_by(SupervisionSession.id)))


def error_beside(html, field):
    """The error message rendered with the field whose id is `field`."""
    start = html.index(f'id="{field}-error"')
    return htmllib.unescape(html[start:start + 400])


def add(session, person, on, minutes, *, kind=SupervisionKind.CLINICAL, cases=(), supervisor=None, deleted=False):
    entry = SupervisionSession(supervisee_id=person.id, occurred_on=on, minutes=minutes, kind=kind,
                               supervisor=supervisor, outside_supervisor_name=None if supervisor else "Dr Out Side",
                               outside_supervisor_credentials=None if supervisor else "BABCP-accredited supervisor",
                               themes="Engagement and drop-out")
    entry.cases = [SupervisionCaseMinutes(case_ref=ref, minutes=m) for ref, m in cases]
    if deleted:
        entry.deleted_at = dt.datetime.now(dt.timezone.utc)
    session.add(entry)
    session.flush()
    return entry


# --- recording ---------------------------------------------------------------------------------

def test_a_practitioner_records_supervision_with_cases_and_sees_it(session, trust, sign_in):
    c = sign_in(trust.pat)
    page = c.get(url(trust.pat, "/new")).get_data(as_text=True)
    assert "Sam Supervisor – Case management supervision, from" in page and "(no end date)" in page
    assert "Olive Ended" not in page  # her supervision ended before today
    assert f'value="{TODAY.isoformat()}"' in page
    response = c.submit(url(trust.pat, "/new"), form(trust, **{
        "cases-0-case_ref": "PWP-0412", "cases-0-minutes": "20", "cases-3-case_ref": "PWP-0419",
        "cases-3-minutes": "25", "sampled": "yes"}))
    assert response.status_code == 302
    [entry] = sessions(session)
    assert (entry.supervisee_id, entry.supervisor_id, entry.relationship_id) == (trust.pat.id, trust.sam.id,
                                                                                trust.sam_rel.id)
    assert (entry.occurred_on, entry.minutes, entry.group_size) == (LAST_WEEK, 60, 1)
    # No kind chosen: the relationship's kind is used.
    assert entry.kind is SupervisionKind.CASE_MANAGEMENT
    assert entry.cbt and entry.live_or_recorded_sampled
    assert [(row.case_ref, row.minutes) for row in entry.cases] == [("PWP-0412", 20), ("PWP-0419", 25)]
    assert response.location == url(trust.pat, f"/{entry.id}")
    shown = c.get(response.location).get_data(as_text=True)
    assert "has been recorded" in shown
    assert "PWP-0412" in shown and "20 min" in shown and "Formulation of a panic cycle" in shown
    assert "15 min of the session was not about a listed case" in shown
    listing = c.get(url(trust.pat)).get_data(as_text=True)
    assert "Sam Supervisor" in listing and "1 h" in listing and "Individual" in listing


def test_an_outside_supervisor_needs_a_name_credentials_and_a_kind_and_group_size_is_kept(session, trust, sign_in):
    c = sign_in(trust.pat)
    response = c.submit(url(trust.pat, "/new"), form(
        trust, supervisor="outside", outside_name="Dr Rowan Field", outside_credentials="BABCP-accredited supervisor",
        kind="clinical_skills", format="group", group_size="4", minutes="90", cbt="no"))
    assert response.status_code == 302
    [entry] = sessions(session)
    assert (entry.supervisor_id, entry.relationship_id) == (None, None)
    assert (entry.outside_supervisor_name, entry.outside_supervisor_credentials) == (
        "Dr Rowan Field", "BABCP-accredited supervisor")
    assert (entry.kind, entry.group_size, entry.minutes, entry.cbt) == (SupervisionKind.CLINICAL_SKILLS, 4, 90, False)


def test_individual_supervision_always_has_a_group_size_of_one(session, trust, sign_in):
    c = sign_in(trust.pat)
    assert c.submit(url(trust.pat, "/new"), form(trust, format="individual", group_size="5")).status_code == 302
    assert [e.group_size for e in sessions(session)] == [1]


def test_an_outside_name_equal_to_the_persons_own_name_is_allowed(session, trust, sign_in):
    c = sign_in(trust.pat)
    response = c.submit(url(trust.pat, "/new"), form(trust, supervisor="outside", outside_name="Pat Practitioner",
                                                     outside_credentials="Namesake at another Trust",
                                                     kind="clinical"))
    assert response.status_code == 302


BAD_INPUTS = {
    "a future date": ({"occurred_on": (TODAY + DAY).isoformat()}, "occurred_on",
                      "The date of the session cannot be in the future"),
    "zero minutes": ({"minutes": "0"}, "minutes", "must last at least 5 minutes"),
    "negative minutes": ({"minutes": "-30"}, "minutes", "must last at least 5 minutes"),
    "a 30-hour session": ({"minutes": "1800"}, "minutes", "cannot last more than 480 minutes (8 hours); 1,800 minutes is 30 h"),
    "minutes that are not a number": ({"minutes": "an hour"}, "minutes", "Enter whole minutes, like 60"),
    "per-case minutes adding up to more than the session": (
        {"minutes": "60", "cases-0-case_ref": "PWP-0412", "cases-0-minutes": "40", "cases-2-case_ref": "PWP-0419",
         "cases-2-minutes": "30"}, "cases", "The minutes per case add up to 70, more than the 60-minute session"),
    "a case of 0 minutes": ({"cases-1-case_ref": "PWP-0412", "cases-1-minutes": "0"}, "cases-1-minutes",
                            "must be 1 or more"),
    "a case reference without minutes": ({"cases-1-case_ref": "PWP-0412"}, "cases-1-minutes",
                                         "Enter the minutes spent on case PWP-0412"),
    "case minutes without a reference": ({"cases-4-minutes": "10"}, "cases-4-case_ref", "Enter the case reference"),
    "a case reference holding an NHS number": ({"cases-0-case_ref": "943 476 5919", "cases-0-minutes": "10"},
                                               "cases-0-case_ref", "This looks like an NHS number"),
    "a case listed twice": ({"cases-0-case_ref": "PWP-1", "cases-0-minutes": "10", "cases-1-case_ref": "pwp-1",
                             "cases-1-minutes": "10"}, "cases-1-case_ref", "listed twice"),
    "a group size of 1 for group supervision": ({"format": "group", "group_size": "1"}, "group_size",
                                                "A group size of 1 is not a group"),
    "group supervision without a size": ({"format": "group", "group_size": ""}, "group_size",
                                         "Enter how many supervisees were in the group"),
    "no supervisor chosen": ({"supervisor": ""}, "supervisor", "Choose your supervisor, or someone outside Waymark"),
    "an outside supervisor without a name": (
        {"supervisor": "outside", "outside_credentials": "BABCP-accredited supervisor", "kind": "clinical"},
        "outside_name", "Enter the name of the supervisor from outside Waymark"),
    "an outside supervisor without credentials": (
        {"supervisor": "outside", "outside_name": "Dr Rowan Field", "kind": "clinical"},
        "outside_credentials", "Enter the outside supervisor's credentials"),
    "an outside supervisor without a kind": (
        {"supervisor": "outside", "outside_name": "Dr Rowan Field", "outside_credentials": "BABCP"},
        "kind", "Choose the kind of supervision"),
    "themes with a postcode": ({"themes": "Risk plan after the move to LS1 4AP"}, "themes",
                               "This looks like a postcode"),
    "themes with a date of birth": ({"themes": "Client DOB 01/02/1980, low mood"}, "themes",
                                    "This looks like a date of birth"),
    "themes over 2,000 characters": ({"themes": "x" * 2001}, "themes", "Themes must be 2,000 characters or fewer"),
    "a supervisor chosen by a made-up value": ({"supervisor": "sam"}, "supervisor",
                                               "Choose your supervisor from the list"),
}


@pytest.mark.parametrize("overrides, field, message", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_refused_beside_its_field_with_nothing_saved_and_values_kept(
        session, trust, sign_in, overrides, field, message):
    c = sign_in(trust.pat)
    data = form(trust, **overrides)
    response = c.submit(url(trust.pat, "/new"), data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and "<title>Error: " in html
    assert message in error_beside(html, field)
    assert count(session, SupervisionSession) == 0 and count(session, SupervisionCaseMinutes) == 0
    themes = data["themes"] if len(data["themes"]) < 100 else "x" * 50
    assert themes in html
    if data["minutes"]:
        assert f'value="{data["minutes"]}"' in html
    for key in ("cases-0-case_ref", "cases-1-case_ref", "outside_name"):
        if data[key]:
            assert f'value="{data[key]}"' in html


def test_a_relationship_that_does_not_cover_the_date_is_refused_and_the_list_follows_the_date(
        session, trust, sign_in):
    c = sign_in(trust.pat)
    day = TODAY - 20 * DAY
    response = c.submit(url(trust.pat, "/new"), form(trust, occurred_on=day.isoformat(),
                                                     supervisor=str(trust.olive_rel.id)))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Olive Ended's supervision of you runs from" in error_beside(html, "supervisor")
    assert f'<option value="{trust.olive_rel.id}" selected>Olive Ended – Clinical supervision' in html
    assert f"so it does not cover {day.day} {day:%B %Y}" in html
    assert count(session, SupervisionSession) == 0
    # A date inside Olive's relationship: she is offered, and the session is recorded.
    inside = TODAY - 50 * DAY
    html = c.submit(url(trust.pat, "/new"), form(trust, occurred_on=inside.isoformat(), supervisor="")).get_data(
        as_text=True)
    assert f'<option value="{trust.olive_rel.id}">Olive Ended – Clinical supervision, from' in html
    response = c.submit(url(trust.pat, "/new"), form(trust, occurred_on=inside.isoformat(),
                                                     supervisor=str(trust.olive_rel.id)))
    assert response.status_code == 302
    assert [(e.supervisor_id, e.kind) for e in sessions(session)] == [(trust.olive.id, SupervisionKind.CLINICAL)]


@pytest.mark.parametrize("which", ["bea_rel", "pat_supervises_bea"])
def test_someone_elses_relationship_posted_by_hand_is_refused(session, trust, sign_in, which):
    """Bea's own supervision, or the relationship in which Pat supervises Bea: neither makes a supervisor of Pat's."""
    c = sign_in(trust.pat)
    response = c.submit(url(trust.pat, "/new"), form(trust, supervisor=str(getattr(trust, which).id)))
    assert response.status_code == 400
    assert "Choose a supervisor from the list" in error_beside(response.get_data(as_text=True), "supervisor")
    assert count(session, SupervisionSession) == 0


# --- changing ----------------------------------------------------------------------------------

def test_a_session_is_changed_with_its_values_on_the_form(session, trust, sign_in):
    entry = add(session, trust.pat, LAST_WEEK, 60, supervisor=trust.sam, cases=[("PWP-1", 20), ("PWP-2", 10)])
    entry.relationship_id = trust.sam_rel.id
    session.commit()
    c = sign_in(trust.pat)
    page = c.get(url(trust.pat, f"/{entry.id}/edit")).get_data(as_text=True)
    assert f'<option value="{trust.sam_rel.id}" selected>' in page
    assert 'value="PWP-1"' in page and 'value="60"' in page
    response = c.submit(url(trust.pat, f"/{entry.id}/edit"), form(trust, **{
        "minutes": "75", "kind": "clinical", "cases-0-case_ref": "PWP-1", "cases-0-minutes": "30",
        "cases-1-case_ref": "PWP-3", "cases-1-minutes": "15", "themes": ""}))
    assert response.status_code == 302
    [saved] = sessions(session)
    assert (saved.minutes, saved.kind, saved.themes) == (75, SupervisionKind.CLINICAL, None)
    assert [(r.case_ref, r.minutes) for r in saved.cases] == [("PWP-1", 30), ("PWP-3", 15)]
    assert "has been saved" in c.get(response.location).get_data(as_text=True)


def test_a_bad_change_is_refused_and_the_entry_kept_as_it_was(session, trust, sign_in):
    entry = add(session, trust.pat, LAST_WEEK, 60, cases=[("PWP-1", 20)])
    session.commit()
    c = sign_in(trust.pat)
    response = c.submit(url(trust.pat, f"/{entry.id}/edit"), form(trust, **{
        "minutes": "30", "cases-0-case_ref": "PWP-1", "cases-0-minutes": "45"}))
    assert response.status_code == 400
    assert "add up to 45, more than the 30-minute session" in error_beside(response.get_data(as_text=True), "cases")
    [kept] = sessions(session)
    assert (kept.minutes, [(r.case_ref, r.minutes) for r in kept.cases]) == (60, [("PWP-1", 20)])


# --- the list and the month-by-month table -----------------------------------------------------

def month_row(html, month):
    start = html.index(f">{month:%B %Y}</th>")
    return html[start:html.index("</tr>", start)]


def test_the_monthly_table_shows_minutes_per_kind_against_the_full_time_minimum(session, trust, sign_in):
    last_month = (TODAY.replace(day=1) - DAY).replace(day=1)
    before = (last_month - DAY).replace(day=1)
    add(session, trust.pat, last_month, 60)
    add(session, trust.pat, last_month + 9 * DAY, 30, kind=SupervisionKind.CASE_MANAGEMENT)
    add(session, trust.pat, last_month + 10 * DAY, 45, deleted=True)  # deleted: not counted
    add(session, trust.pat, TODAY.replace(day=1), 120)  # this month is not complete: not in the table
    session.commit()
    html = sign_in(trust.pat).get(url(trust.pat)).get_data(as_text=True)
    assert "at least 1 h 30 min of supervision a month, the minimum for working half-time or more" in html
    assert "1.00 whole-time equivalent" in html
    row = month_row(html, last_month)
    assert re.findall(r">([^<>]+)</td>", row)[:4] == ["1 h", "30 min", "0 min", "0 min"]
    assert "<strong>1 h 30 min</strong>" in row and ">Met<" in row
    empty = month_row(html, before)
    assert "<strong>0 min</strong>" in empty and "1 h 30 min short" in empty
    assert f"{TODAY:%B %Y}</th>" not in html


def test_under_half_time_the_minimum_is_45_minutes(session, trust, sign_in):
    trust.pat.profile.working_patterns[0].wte = Decimal("0.40")
    last_month = (TODAY.replace(day=1) - DAY).replace(day=1)
    add(session, trust.pat, last_month, 45)
    session.commit()
    html = sign_in(trust.pat).get(url(trust.pat)).get_data(as_text=True)
    assert "at least 45 min of supervision a month, the minimum for working under half-time" in html
    assert "0.40 whole-time equivalent" in html
    assert ">Met<" in month_row(html, last_month)


def test_the_list_filters_by_date_kind_and_format_and_sorts(session, trust, sign_in):
    early = add(session, trust.pat, TODAY - 60 * DAY, 50)
    middle = add(session, trust.pat, TODAY - 30 * DAY, 90, kind=SupervisionKind.CASE_MANAGEMENT)
    middle.group_size = 3
    late = add(session, trust.pat, TODAY - 5 * DAY, 70)
    session.commit()
    c = sign_in(trust.pat)

    def shown(**args):
        response = c.get(url(trust.pat), query_string=args)
        assert response.status_code == 200
        return [int(i) for i in re.findall(rf'href="{url(trust.pat)}/(\d+)"', response.get_data(as_text=True))]

    assert shown() == [late.id, middle.id, early.id]
    assert shown(sort="oldest") == [early.id, middle.id, late.id]
    assert shown(sort="longest") == [middle.id, late.id, early.id]
    assert shown(kind="case_management") == [middle.id]
    assert shown(format="group") == [middle.id]
    assert shown(format="individual") == [late.id, early.id]
    assert shown(**{"from": (TODAY - 40 * DAY).isoformat(), "to": (TODAY - 10 * DAY).isoformat()}) == [middle.id]


def test_a_to_date_before_the_from_date_is_refused_beside_it(session, trust, sign_in):
    response = sign_in(trust.pat).get(url(trust.pat), query_string={"from": "2025-05-01", "to": "2025-04-01"})
    assert response.status_code == 400
    assert "must be the same as or after" in error_beside(response.get_data(as_text=True), "to")


def test_the_list_takes_the_same_number_of_queries_for_3_and_30_sessions(session, trust, sign_in, count_queries):
    c = sign_in(trust.pat)

    def queries_for(n):
        for i in range(n):
            add(session, trust.pat, TODAY - (i + 1) * DAY, 60, supervisor=trust.sam if i % 2 else None,
                cases=[(f"PWP-{i}-A", 10), (f"PWP-{i}-B", 15)])
        session.commit()
        with count_queries() as q:
            html = c.get(url(trust.pat)).get_data(as_text=True)
        assert "Sam Supervisor" in html and "Dr Out Side" in html
        return q.count

    three = queries_for(3)
    thirty = queries_for(27)
    assert three == thirty
    html = c.get(url(trust.pat)).get_data(as_text=True)
    assert "30 sessions, page 1 of 2." in html and len(re.findall(r"/edit\"", html)) == 25
    assert f'href="{url(trust.pat)}?page=2"' in html
    assert len(re.findall(r"/edit\"", c.get(url(trust.pat), query_string={"page": 2}).get_data(as_text=True))) == 5


# --- who sees what -----------------------------------------------------------------------------

def test_the_supervisor_reads_the_list_and_entries_but_may_not_change_them(session, trust, sign_in):
    entry = add(session, trust.pat, LAST_WEEK, 60, cases=[("PWP-0412", 25)])
    session.commit()
    c = sign_in(trust.sam)
    listing = c.get(url(trust.pat))
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "Pat Practitioner" in html and "Record supervision" not in html and "Delete" not in html
    page = c.get(url(trust.pat, f"/{entry.id}")).get_data(as_text=True)
    assert "PWP-0412" in page and "Engagement and drop-out" in page and "Change this session" not in page
    assert c.get(url(trust.pat, "/new")).status_code == 403
    assert c.get(url(trust.pat, f"/{entry.id}/edit")).status_code == 403
    token = c.csrf_token(url(trust.pat))
    assert c.post(url(trust.pat, "/new"), data=form(trust, csrf_token=token)).status_code == 403
    assert c.post(url(trust.pat, f"/{entry.id}/edit"), data=form(trust, csrf_token=token)).status_code == 403
    assert c.post(url(trust.pat, f"/{entry.id}/delete"), data={"csrf_token": token}).status_code == 403
    assert c.post(url(trust.pat, f"/{entry.id}/undo"), data={"csrf_token": token}).status_code == 403
    assert [(e.minutes, e.deleted_at) for e in sessions(session)] == [(60, None)]


@pytest.mark.parametrize("who", ["hr", "manager", "admin", "olive", "bea"])
def test_hr_managers_admins_colleagues_and_an_ended_supervisor_are_told_nothing_exists(session, trust, sign_in, who):
    entry = add(session, trust.pat, LAST_WEEK, 60)
    session.commit()
    c = sign_in(getattr(trust, who))
    for path in ("", f"/{entry.id}", "/new", f"/{entry.id}/edit"):
        assert c.get(url(trust.pat, path)).status_code == 404, path
    token = c.csrf_token("/account/password")
    assert c.post(url(trust.pat, f"/{entry.id}/delete"), data={"csrf_token": token}).status_code == 404


def test_another_persons_entry_under_ones_own_url_does_not_exist(session, trust, sign_in):
    entry = add(session, trust.bea, LAST_WEEK, 60)
    session.commit()
    c = sign_in(trust.pat)
    assert c.get(url(trust.pat, f"/{entry.id}")).status_code == 404
    assert c.get(url(trust.pat, f"/{entry.id}/edit")).status_code == 404


# --- delete and undo ---------------------------------------------------------------------------

def test_a_deleted_session_leaves_the_list_and_totals_and_undo_brings_it_back(session, trust, sign_in):
    last_month = (TODAY.replace(day=1) - DAY).replace(day=1)
    entry = add(session, trust.pat, last_month, 90)
    session.commit()
    c = sign_in(trust.pat)
    response = c.submit(url(trust.pat, f"/{entry.id}/delete"), form_url=url(trust.pat))
    assert response.status_code == 302 and response.location == url(trust.pat, f"?undo={entry.id}")
    html = c.get(response.location).get_data(as_text=True)
    assert f"The supervision session on {last_month.day} {last_month:%B %Y} has been deleted." in html
    assert f'action="{url(trust.pat, f"/{entry.id}/undo")}"' in html and ">Undo<" in html
    assert f'href="{url(trust.pat, f"/{entry.id}")}"' not in html
    assert "<strong>0 min</strong>" in month_row(html, last_month)
    assert sessions(session)[0].deleted_at is not None
    # Listed among the deleted ones, with a way back; hidden from the supervisor.
    deleted = c.get(url(trust.pat), query_string={"deleted": "1"}).get_data(as_text=True)
    assert f'href="{url(trust.pat, f"/{entry.id}")}"' in deleted and "Restore" in deleted
    assert sign_in(trust.sam).get(url(trust.pat, f"/{entry.id}")).status_code == 404
    # Deleting again changes nothing.
    again = c.submit(url(trust.pat, f"/{entry.id}/delete"), form_url=url(trust.pat))
    assert "already been deleted" in c.get(again.location).get_data(as_text=True)

    response = c.submit(url(trust.pat, f"/{entry.id}/undo"), form_url=url(trust.pat))
    assert response.status_code == 302
    assert "has been restored" in c.get(response.location).get_data(as_text=True)
    assert sessions(session)[0].deleted_at is None
    html = c.get(url(trust.pat)).get_data(as_text=True)
    assert f'href="{url(trust.pat, f"/{entry.id}")}"' in html and ">Met<" in month_row(html, last_month)


def test_every_change_reaches_the_audit_trail(session, trust, sign_in):
    c = sign_in(trust.pat)
    c.submit(url(trust.pat, "/new"), form(trust, **{"cases-0-case_ref": "PWP-1", "cases-0-minutes": "20"}))
    [entry] = sessions(session)
    c.submit(url(trust.pat, f"/{entry.id}/edit"), form(trust, minutes="50"))
    c.submit(url(trust.pat, f"/{entry.id}/delete"), form_url=url(trust.pat))
    c.submit(url(trust.pat, f"/{entry.id}/undo"), form_url=url(trust.pat))
    session.expire_all()
    events = list(session.scalars(select(AuditEvent).where(
        AuditEvent.object_type.in_(["supervision_sessions", "supervision_case_minutes"])).order_by(AuditEvent.seq)))
    assert all(e.actor_id == trust.pat.id for e in events)
    about_entry = [(e.action, e.detail.get("fields")) for e in events if e.object_type == "supervision_sessions"]
    assert about_entry[0] == ("create", None)
    assert about_entry[1][0] == "update" and "minutes" in about_entry[1][1]
    assert about_entry[2][0] == "update" and "deleted_at" in about_entry[2][1]
    assert about_entry[3][0] == "update" and "deleted_at" in about_entry[3][1]
    # The case row was created with the session and removed when the change left it out.
    assert [e.action for e in events if e.object_type == "supervision_case_minutes"] == ["create", "delete"]
