"""Supervision contract pages, the contract's monthly target on the supervision log, and countersign status there."""
import datetime as dt
import html as htmllib
import re

import pytest
from sqlalchemy import select

from app.services import contracts as contract_service
from models import RelationshipKind, Role, SupervisionKind, SupervisionSession
from models.base import utcnow
from models.countersigning import CountersignStatus, SupervisionContract
from tests.factories import PASSWORD, make_organisation, make_relationship, make_user

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)
#: The last complete month: the newest row of the 12-month table.
LAST = (TODAY.replace(day=1) - DAY).replace(day=1)


def month(n):
    """The first day of the month `n` months after LAST (n is 0 or negative)."""
    index = LAST.year * 12 + LAST.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


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
        pat = make_user(session, organisation=org, full_name="Pat Practitioner")
        bea = make_user(session, organisation=org, full_name="Bea Colleague")
        sam = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), full_name="Sam Supervisor")
        olive = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), full_name="Olive Ended")
        hr = make_user(session, organisation=org, roles=(Role.HR,), full_name="Harriet HR")
        manager = make_user(session, organisation=org, roles=(Role.LINE_MANAGER,), full_name="Lee Manager")
        admin = make_user(session, organisation=org, roles=(Role.ADMIN,), full_name="Ada Admin", profile=False)

    t = Trust
    t.sam_rel = make_relationship(session, senior=t.sam, junior=t.pat, starts_on=TODAY - 730 * DAY)
    #: Olive supervised Pat from six months before LAST until the middle of the month before it.
    t.olive_rel = make_relationship(session, senior=t.olive, junior=t.pat, starts_on=month(-6),
                                    ends_on=month(-1) + 14 * DAY)
    t.bea_rel = make_relationship(session, senior=t.sam, junior=t.bea, starts_on=TODAY - 730 * DAY)
    make_relationship(session, senior=t.manager, junior=t.pat, kind=RelationshipKind.LINE_MANAGEMENT,
                      starts_on=TODAY - 730 * DAY)
    session.commit()
    return t


def url(person, suffix=""):
    return f"/people/{person.id}/supervision{suffix}"


def new_url(person, rel):
    return url(person, f"/relationships/{rel.id}/contracts/new")


def edit_url(person, contract):
    return url(person, f"/contracts/{contract.id}/edit")


def form(**overrides):
    data = {"kind": "clinical", "format": "individual", "group_size": "", "frequency": "minutes",
            "minutes_per_month": "90", "sessions_per_month": "", "minutes_per_session": "",
            "starts_on": (TODAY - 10 * DAY).isoformat(), "review_on": (TODAY + 170 * DAY).isoformat(),
            "notes": "Fortnightly on Tuesdays; a missed session is rebooked within the month."}
    data.update(overrides)
    return data


def contracts(session):
    session.expire_all()
    return list(session.scalars(select(SupervisionContract).order_by(SupervisionContract.id)))


def add_contract(session, rel, starts_on, minutes, *, sessions=None, review_on=None):
    contract = SupervisionContract(relationship_id=rel.id, kind=SupervisionKind.CLINICAL, minutes_per_month=minutes,
                                   sessions_per_month=sessions, starts_on=starts_on, review_on=review_on)
    session.add(contract)
    session.flush()
    return contract


def add_session(session, person, on, minutes, *, supervisor=None, status=CountersignStatus.AWAITING, by=None,
                outside=None, comment=None):
    entry = SupervisionSession(supervisee_id=person.id, occurred_on=on, minutes=minutes, kind=SupervisionKind.CLINICAL,
                               supervisor=supervisor, outside_supervisor_name=None if supervisor else "Dr Out Side",
                               outside_supervisor_credentials=None if supervisor else "BABCP-accredited supervisor",
                               countersign_status=status, countersigned_by=by, countersigned_outside_name=outside,
                               countersign_comment=comment,
                               countersigned_at=None if status is CountersignStatus.AWAITING else utcnow())
    session.add(entry)
    session.flush()
    return entry


def text(html):
    """The page's text without tags or runs of whitespace, for reading sentences that span markup."""
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", html)))


def card(html, rel):
    """The text of one relationship's card on the contracts page."""
    start = html.index(f'id="relationship-{rel.id}"')
    end = html.find('<div class="nhsuk-card"', start)
    return text(html[start:end if end != -1 else len(html)])


def error_beside(html, field):
    start = html.index(f'id="{field}-error"')
    return htmllib.unescape(html[start:start + 400])


def month_cells(html, first):
    """The cells of the 12-month table's row for the month starting `first`, as text."""
    start = html.index(f"{first:%B %Y}</th>")
    row = html[start:html.index("</tr>", start)]
    return [text(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]


# --- recording and changing a contract ---------------------------------------------------------

def test_the_supervisee_records_a_contract_in_minutes_a_month_and_sees_it_listed(session, trust, sign_in):
    c = sign_in(trust.pat)
    page = c.get(url(trust.pat, "/contracts")).get_data(as_text=True)
    assert "No contract has been recorded for this supervision." in card(page, trust.sam_rel)
    assert f'href="{new_url(trust.pat, trust.sam_rel)}"' in page
    response = c.submit(new_url(trust.pat, trust.sam_rel), form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(trust.pat, f"/contracts#relationship-{trust.sam_rel.id}"))
    [contract] = contracts(session)
    assert (contract.relationship_id, contract.kind, contract.minutes_per_month, contract.sessions_per_month,
            contract.group_size) == (trust.sam_rel.id, SupervisionKind.CLINICAL, 90, None, 1)
    assert (contract.starts_on, contract.review_on) == (TODAY - 10 * DAY, TODAY + 170 * DAY)
    shown = card(c.get(url(trust.pat, "/contracts")).get_data(as_text=True), trust.sam_rel)
    assert "Agreed frequency 1 h 30 min a month" in shown and "Individual or group Individual" in shown
    assert "In force" in shown and "Review due" not in shown and "Fortnightly on Tuesdays" in shown


def test_the_supervisor_records_a_contract_as_sessions_and_the_supervisee_changes_it(session, trust, sign_in):
    sam = sign_in(trust.sam)
    assert sam.submit(new_url(trust.pat, trust.sam_rel), form(
        frequency="sessions", minutes_per_month="", sessions_per_month="2", minutes_per_session="45",
        format="group", group_size="3", kind="case_management")).status_code == 302
    [contract] = contracts(session)
    # 2 sessions × 45 minutes = 90 minutes a month.
    assert (contract.minutes_per_month, contract.sessions_per_month, contract.group_size, contract.kind) == (
        90, 2, 3, SupervisionKind.CASE_MANAGEMENT)
    shown = card(sam.get(url(trust.pat, "/contracts")).get_data(as_text=True), trust.sam_rel)
    assert "2 sessions a month of 45 min (1 h 30 min a month)" in shown and "Group of 3 supervisees" in shown

    pat = sign_in(trust.pat)
    page = pat.get(edit_url(trust.pat, contract)).get_data(as_text=True)
    assert 'name="sessions_per_month" type="text" value="2"' in page
    assert 'name="minutes_per_session" type="text" value="45"' in page
    assert re.search(r'value="sessions"\s+checked', page) and re.search(r'value="group"\s+checked', page)
    assert pat.submit(edit_url(trust.pat, contract), form(
        frequency="sessions", minutes_per_month="", sessions_per_month="3", minutes_per_session="40",
        starts_on=contract.starts_on.isoformat())).status_code == 302
    [changed] = contracts(session)
    # The same contract, now 3 × 40 = 120 minutes, individual.
    assert (changed.id, changed.minutes_per_month, changed.sessions_per_month, changed.group_size) == (
        contract.id, 120, 3, 1)


def test_a_new_contract_replaces_the_earlier_one_from_its_start(session, trust, sign_in):
    add_contract(session, trust.sam_rel, TODAY - 300 * DAY, 60)
    session.commit()
    c = sign_in(trust.pat)
    assert c.submit(new_url(trust.pat, trust.sam_rel), form(minutes_per_month="120")).status_code == 302
    shown = card(c.get(url(trust.pat, "/contracts")).get_data(as_text=True), trust.sam_rel)
    newer = shown.index(f"Contract from {TODAY - 10 * DAY:%-d %B %Y} In force")
    assert newer < shown.index(f"Contract from {TODAY - 300 * DAY:%-d %B %Y}")
    assert shown.count("In force") == 1


@pytest.mark.parametrize("overrides, field, message", [
    ({"minutes_per_month": ""}, "minutes_per_month", "Enter the agreed minutes of supervision a month"),
    ({"minutes_per_month": "ninety"}, "minutes_per_month", "Enter whole minutes, like 90"),
    ({"minutes_per_month": "0"}, "minutes_per_month", "Enter the agreed minutes of supervision a month, 1 or more"),
    ({"minutes_per_month": "2500"}, "minutes_per_month", "2,500 minutes a month is more than 40 hours"),
    ({"frequency": "sessions", "sessions_per_month": "2"}, "minutes_per_session", "Enter the minutes of each session"),
    ({"frequency": "sessions", "sessions_per_month": "20", "minutes_per_session": "180"}, "sessions_per_month",
     "3,600 minutes a month is more than 40 hours"),
    ({"format": "group"}, "group_size", "Enter how many supervisees are in the group"),
    ({"format": "group", "group_size": "1"}, "group_size", "A group has 2 or more supervisees"),
    ({"kind": "weekly"}, "kind", "Choose the kind of supervision"),
    ({"starts_on": "2026-02-30"}, "starts_on", "Start date must be a real date"),
    ({"starts_on": ""}, "starts_on", "Enter the date the contract starts"),
    ({"review_on": (TODAY - 10 * DAY).isoformat()}, "review_on", "The review date must be after the start date"),
    ({"starts_on": (TODAY - 800 * DAY).isoformat()}, "starts_on", "The contract must start while the supervision runs"),
    ({"notes": "x" * 2001}, "notes", "Notes must be 2,000 characters or fewer"),
])
def test_bad_input_is_refused_beside_its_field_with_nothing_saved_and_values_kept(
        session, trust, sign_in, overrides, field, message):
    response = sign_in(trust.pat).submit(new_url(trust.pat, trust.sam_rel), form(**overrides))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and f'href="#{field}"' in html
    assert message in error_beside(html, field)
    assert htmllib.escape(overrides.get("notes", "Fortnightly on Tuesdays")) in html  # what was typed is kept
    assert html.count("<title>Error: ") == 1
    assert contracts(session) == []


def test_two_contracts_of_one_relationship_cannot_start_on_the_same_day(session, trust, sign_in):
    add_contract(session, trust.sam_rel, TODAY - 10 * DAY, 60)
    session.commit()
    response = sign_in(trust.sam).submit(new_url(trust.pat, trust.sam_rel), form())
    assert response.status_code == 400
    assert "There is already a contract from" in error_beside(response.get_data(as_text=True), "starts_on")
    assert len(contracts(session)) == 1


# --- who sees and changes what ----------------------------------------------------------------

def test_the_supervisee_may_record_a_contract_for_an_ended_relationship(session, trust, sign_in):
    c = sign_in(trust.pat)
    assert c.submit(new_url(trust.pat, trust.olive_rel), form(
        starts_on=month(-3).isoformat(), review_on="", minutes_per_month="30")).status_code == 302
    shown = card(c.get(url(trust.pat, "/contracts")).get_data(as_text=True), trust.olive_rel)
    assert "Ended" in shown and "30 min a month" in shown and "In force" not in shown


def test_a_current_supervisor_reads_every_contract_but_changes_only_their_own(session, trust, sign_in):
    olive_contract = add_contract(session, trust.olive_rel, month(-3), 30)
    session.commit()
    c = sign_in(trust.sam)
    page = c.get(url(trust.pat, "/contracts")).get_data(as_text=True)
    assert "30 min a month" in card(page, trust.olive_rel)
    assert f'href="{edit_url(trust.pat, olive_contract)}"' not in page
    assert f'href="{new_url(trust.pat, trust.olive_rel)}"' not in page
    assert f'href="{new_url(trust.pat, trust.sam_rel)}"' in page
    assert c.get(edit_url(trust.pat, olive_contract)).status_code == 403
    assert c.get(new_url(trust.pat, trust.olive_rel)).status_code == 403
    token = c.csrf_token(new_url(trust.pat, trust.sam_rel))
    assert c.post(edit_url(trust.pat, olive_contract), data=form(csrf_token=token)).status_code == 403
    assert [(x.id, x.minutes_per_month) for x in contracts(session)] == [(olive_contract.id, 30)]


@pytest.mark.parametrize("who", ["hr", "manager", "admin", "olive", "bea"])
def test_hr_managers_admins_colleagues_and_an_ended_supervisor_are_told_nothing_exists(session, trust, sign_in, who):
    contract = add_contract(session, trust.sam_rel, TODAY - 10 * DAY, 90)
    session.commit()
    c = sign_in(getattr(trust, who))
    for path in (url(trust.pat, "/contracts"), new_url(trust.pat, trust.sam_rel), new_url(trust.pat, trust.olive_rel),
                 edit_url(trust.pat, contract)):
        assert c.get(path).status_code == 404, path
    token = c.csrf_token("/account/password")
    assert c.post(edit_url(trust.pat, contract), data=form(csrf_token=token, minutes_per_month="10")).status_code == 404
    assert contracts(session)[0].minutes_per_month == 90


def test_another_persons_relationship_or_contract_under_ones_own_url_does_not_exist(session, trust, sign_in):
    beas = add_contract(session, trust.bea_rel, TODAY - 10 * DAY, 90)
    session.commit()
    c = sign_in(trust.pat)
    assert c.get(new_url(trust.pat, trust.bea_rel)).status_code == 404
    assert c.get(edit_url(trust.pat, beas)).status_code == 404
    # Sam supervises both, but Bea's contract is not one of Pat's.
    assert sign_in(trust.sam).get(edit_url(trust.pat, beas)).status_code == 404


def test_the_review_due_tag_shows_on_the_contract_in_force_once_its_review_date_has_passed(session, trust, sign_in):
    add_contract(session, trust.sam_rel, TODAY - 400 * DAY, 60, review_on=TODAY - 300 * DAY)  # replaced: no tag
    add_contract(session, trust.olive_rel, month(-3), 30, review_on=month(-2))  # relationship ended: no tag
    current = add_contract(session, trust.sam_rel, TODAY - 200 * DAY, 90, review_on=TODAY - DAY)
    session.commit()
    html = sign_in(trust.pat).get(url(trust.pat, "/contracts")).get_data(as_text=True)
    sam = card(html, trust.sam_rel)
    assert sam.count("Review due") == 1
    assert f"Contract from {current.starts_on:%-d %B %Y} In force Review due" in sam
    assert f"{TODAY - DAY:%-d %B %Y}: the review date has passed" in sam
    assert "Review due" not in card(html, trust.olive_rel)
    current.review_on = TODAY
    session.commit()
    assert "Review due" not in sign_in(trust.pat).get(url(trust.pat, "/contracts")).get_data(as_text=True)


# --- the monthly target ------------------------------------------------------------------------

def test_the_month_table_judges_each_month_against_the_higher_of_the_contract_and_babcp(session, trust, sign_in):
    # Pat works full time, so BABCP's minimum is 90 minutes a month.
    add_contract(session, trust.sam_rel, month(-3), 120)
    add_contract(session, trust.sam_rel, month(0), 60, sessions=2)  # replaces the 120 from LAST's month
    add_contract(session, trust.olive_rel, month(-3), 30)  # Olive's ends mid-way through month(-1)
    for first, minutes in ((month(-4), 90), (month(-3), 120), (month(-2), 150), (month(0), 75)):
        add_session(session, trust.pat, first + 2 * DAY, minutes)
    session.commit()
    html = sign_in(trust.pat).get(url(trust.pat)).get_data(as_text=True)
    assert "Agreed in contract" in html
    # Cells: 4 kinds, total, agreed, verdict.
    # month(-4): no contract; 90 against BABCP's 90.
    assert month_cells(html, month(-4))[4:] == ["1 h 30 min", "None", "Met"]
    # month(-3): Sam 120 + Olive 30 = 150 agreed; 120 received is 30 short.
    assert month_cells(html, month(-3))[4:] == ["2 h", "2 h 30 min", "30 min short"]
    assert month_cells(html, month(-2))[4:] == ["2 h 30 min", "2 h 30 min", "Met"]
    # month(-1): Olive's relationship still covers its first day; nothing received.
    assert month_cells(html, month(-1))[4:] == ["0 min", "2 h 30 min", "2 h 30 min short"]
    # month(0): Sam's newer 60 only, below BABCP's 90, so 90 is the target; 75 is 15 short.
    assert month_cells(html, month(0))[4:] == ["1 h 15 min", "1 h", "15 min short"]
    # Needed: 8 months × 90 + 3 × 150 + 90 = 1,260 minutes; agreed over the year 3 × 150 + 60 = 510.
    footer = text(html[html.index("<tfoot>"):html.index("</tfoot>")])
    assert "8 h 30 min" in footer and "21 h needed over 12 months" in footer
    assert "the target is the higher of BABCP's minimum (1 h 30 min) and the minutes agreed" in text(html)


def test_without_a_contract_the_month_table_is_unchanged(session, trust, sign_in):
    add_session(session, trust.pat, month(0), 60)
    session.commit()
    html = sign_in(trust.pat).get(url(trust.pat)).get_data(as_text=True)
    assert "Agreed in contract" not in html and "At least 1 h 30 min?" in html
    assert month_cells(html, month(0))[4:] == ["1 h", "30 min short"]
    assert "18 h needed over 12 months" in text(html)


def test_the_list_takes_the_same_number_of_queries_with_one_contract_or_several(session, trust, sign_in, count_queries):
    c = sign_in(trust.pat)
    add_contract(session, trust.sam_rel, month(-8), 60)
    session.commit()
    c.get(url(trust.pat))  # anything loaded once per process is loaded before counting
    with count_queries() as q:
        assert c.get(url(trust.pat)).status_code == 200
    one = q.count
    add_contract(session, trust.sam_rel, month(-4), 120)
    add_contract(session, trust.sam_rel, month(0), 100)
    add_contract(session, trust.olive_rel, month(-5), 30)
    session.commit()
    with count_queries() as q:
        assert c.get(url(trust.pat)).status_code == 200
    assert q.count == one


def test_the_targets_for_twelve_months_take_one_query(session, trust, count_queries):
    add_contract(session, trust.sam_rel, month(-3), 120)
    add_contract(session, trust.sam_rel, month(0), 60)
    add_contract(session, trust.olive_rel, month(-3), 30)
    session.commit()
    session.expire_all()
    assert trust.pat.id  # the person is loaded before counting
    with count_queries() as q:
        targets = contract_service.contract_targets(session, trust.pat, [month(-n) for n in range(12)])
    assert q.count == 1, q.statements
    assert targets == {month(-3): 150, month(-2): 150, month(-1): 150, month(0): 60}
    assert contract_service.contract_target_minutes(session, trust.pat, month(0) + 5 * DAY) == 60
    assert contract_service.contract_target_minutes(session, trust.pat, month(-4)) is None


# --- countersign status on the log -------------------------------------------------------------

def test_each_session_shows_its_countersign_status_and_the_entry_its_date_and_comment(session, trust, sign_in):
    awaiting = add_session(session, trust.pat, TODAY - 4 * DAY, 60, supervisor=trust.sam)
    confirmed = add_session(session, trust.pat, TODAY - 3 * DAY, 60, supervisor=trust.sam,
                            status=CountersignStatus.CONFIRMED, by=trust.sam)
    disputed = add_session(session, trust.pat, TODAY - 2 * DAY, 60, supervisor=trust.sam,
                           status=CountersignStatus.DISPUTED, by=trust.sam, comment="It was 45 minutes, not 60.")
    outside = add_session(session, trust.pat, TODAY - DAY, 60, status=CountersignStatus.CONFIRMED,
                          outside="Dr Out Side")
    session.commit()
    c = sign_in(trust.pat)
    html = c.get(url(trust.pat)).get_data(as_text=True)

    def status_of(entry):
        start = html.index(f'href="{url(trust.pat)}/{entry.id}"')
        return text(html[start:html.index("</tr>", start)])

    assert "Awaiting countersignature" in status_of(awaiting)
    assert "Countersigned by Sam Supervisor" in status_of(confirmed)
    assert "Disputed by Sam Supervisor" in status_of(disputed)
    assert "Countersigned by Dr Out Side (outside Waymark)" in status_of(outside)
    page = text(c.get(url(trust.pat, f"/{disputed.id}")).get_data(as_text=True))
    assert f"Status Disputed by Sam Supervisor on {disputed.countersigned_at:%-d %B %Y}" in page
    assert "Comment It was 45 minutes, not 60." in page
    page = text(c.get(url(trust.pat, f"/{awaiting.id}")).get_data(as_text=True))
    assert "Status Awaiting countersignature" in page and "Waiting for Sam Supervisor to confirm it" in page
    assert "Countersign this session" not in page


def test_the_list_links_to_the_summary_and_contracts_and_the_supervisor_to_the_countersign_list(
        session, trust, sign_in):
    entry = add_session(session, trust.pat, TODAY - 4 * DAY, 60, supervisor=trust.sam)
    session.commit()
    countersign = f'href="{url(trust.pat, "/countersign")}"'
    own = sign_in(trust.pat).get(url(trust.pat)).get_data(as_text=True)
    assert f'href="{url(trust.pat, "/summary")}"' in own and f'href="{url(trust.pat, "/contracts")}"' in own
    assert countersign not in own
    sam = sign_in(trust.sam)
    assert countersign in sam.get(url(trust.pat)).get_data(as_text=True)
    page = sam.get(url(trust.pat, f"/{entry.id}")).get_data(as_text=True)
    assert f'href="{url(trust.pat, f"/{entry.id}/countersign")}"' in page and "Countersign this session" in page


def test_the_list_with_countersign_status_takes_the_same_queries_for_few_and_many_sessions(
        session, trust, sign_in, count_queries):
    c = sign_in(trust.pat)
    # Countersigners who are nobody else on the page, so each would cost a query if loaded one by one.
    signers = [make_user(session, organisation=trust.pat.organisation, roles=(Role.SUPERVISOR,),
                         full_name=f"Signer {k}") for k in range(6)]

    def queries_for(n):
        for i in range(n):
            supervisor = trust.sam if i % 3 else None
            confirmed = i % 2 == 0
            add_session(session, trust.pat, TODAY - (i + 1) * DAY, 60, supervisor=supervisor,
                        status=CountersignStatus.CONFIRMED if confirmed else CountersignStatus.AWAITING,
                        by=signers[(i // 2) % 6] if confirmed and supervisor else None,
                        outside="Dr Out Side" if confirmed and supervisor is None else None)
        session.commit()
        with count_queries() as q:
            html = text(c.get(url(trust.pat)).get_data(as_text=True))
        assert "Countersigned by Signer 1" in html and "Awaiting countersignature" in html
        assert "Countersigned by Dr Out Side (outside Waymark)" in html
        return q.count

    few = queries_for(3)
    many = queries_for(21)
    html = text(c.get(url(trust.pat)).get_data(as_text=True))
    assert all(f"Countersigned by Signer {k}" in html for k in (1, 2, 4, 5))
    assert few == many
