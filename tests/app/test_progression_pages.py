"""Pay-step progression pages: the round, HR oversight, a person's page, the forms, exports, access and audit."""
import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.services.demo import load_demo
from models import AuditEvent, RelationshipKind, Role, User
from models.hr import Appraisal, AppraisalOutcome, HrStanding, ProgressionDecision, ProgressionOutcome
from tests.factories import (PASSWORD, TEST_SETTINGS, make_organisation, make_relationship, make_service, make_team,
                             make_user)

TODAY = dt.date.today()
LM = RelationshipKind.LINE_MANAGEMENT


def years_ago(n, days=0):
    """Band 5 step 1 lasts 2 years: someone who began it years_ago(2, -d) is due in d days."""
    try:
        day = TODAY.replace(year=TODAY.year - n)
    except ValueError:  # 29 February
        day = TODAY.replace(year=TODAY.year - n, day=28)
    return day - dt.timedelta(days=days)


@pytest.fixture
def world(session):
    org = make_organisation(session)
    service, other_service = make_service(session, organisation=org), make_service(session, organisation=org)
    team = make_team(session, service=service, name="North")
    far_team = make_team(session, service=other_service, name="Far")
    recent = TODAY - dt.timedelta(days=100)  # nobody else falls due for another 20 months
    w = {"team": team, "far_team": far_team}
    w["manager"] = make_user(session, team=team, roles=(Role.PRACTITIONER, Role.LINE_MANAGER),
                             full_name="Grace Manager", step_started_on=recent)
    w["other_manager"] = make_user(session, team=team, roles=(Role.PRACTITIONER, Role.LINE_MANAGER),
                                   full_name="Mo Othermanager", step_started_on=recent)
    w["hr"] = make_user(session, organisation=org, roles=(Role.HR,), full_name="Joanne HR", profile=False)
    w["far_hr"] = make_user(session, organisation=org, roles=((Role.HR, other_service),), full_name="Far HR",
                            profile=False)
    w["supervisor"] = make_user(session, team=team, roles=(Role.PRACTITIONER, Role.SUPERVISOR),
                                full_name="Sam Supervisor", step_started_on=recent)
    w["colleague"] = make_user(session, team=team, full_name="Col League", step_started_on=recent)
    w["due"] = make_user(session, team=team, full_name="Ann Due", step_started_on=years_ago(2, -10),
                         band_started_on=years_ago(3))
    w["later"] = make_user(session, team=team, full_name="Ben Later", step_started_on=years_ago(2, -200),
                           band_started_on=years_ago(3))
    for junior in ("due", "later"):
        make_relationship(session, senior=w["manager"], junior=w[junior], kind=LM, starts_on=years_ago(3))
    make_relationship(session, senior=w["supervisor"], junior=w["due"], starts_on=years_ago(3))
    session.add(Appraisal(profile_id=w["due"].profile.id, held_on=TODAY - dt.timedelta(days=400),
                          outcome=AppraisalOutcome.MEETS, appraiser_id=w["manager"].id,
                          recorded_by_id=w["manager"].id, summary="Objectives agreed"))
    session.commit()
    return w


@pytest.fixture
def sign_in(app, client, session):
    """A fresh client signed in as `user` (the `client` fixture sets the checking client class)."""
    def do(user):
        session.commit()
        c = app.test_client()
        assert c.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return c
    return do


def page(response):
    return response.get_data(as_text=True)


# --- the round ---------------------------------------------------------------------------------

def test_the_line_manager_sees_who_is_due_with_an_unmet_standard(world, sign_in):
    c = sign_in(world["manager"])
    html = page(c.get("/progression"))
    assert "Ann Due" in html and "Ben Later" not in html
    assert "Not met" in html  # her appraisal is 400 days old
    assert f'/people/{world["due"].id}/progression' in html


def test_a_custom_window_must_be_complete_and_in_order(world, sign_in):
    c = sign_in(world["manager"])
    r = c.get("/progression?window=custom&start=2027-03-01")
    assert r.status_code == 400 and "Enter the last date of the window" in page(r)
    r = c.get("/progression?window=custom&start=2027-03-01&end=2027-02-01")
    assert r.status_code == 400 and "The last date must be on or after the first date" in page(r)
    start, end = TODAY + dt.timedelta(days=150), TODAY + dt.timedelta(days=250)
    html = page(c.get(f"/progression?window=custom&start={start}&end={end}"))
    assert "Ben Later" in html and "Ann Due" not in html


def test_practitioners_have_no_round(world, sign_in):
    assert sign_in(world["colleague"]).get("/progression").status_code == 403


def test_the_round_takes_the_same_queries_for_3_and_12_people(session, world, sign_in, count_queries):
    def add(n):
        for i in range(n):
            p = make_user(session, team=world["team"], step_started_on=years_ago(2, 5 + i),
                          band_started_on=years_ago(3))
            make_relationship(session, senior=world["manager"], junior=p, kind=LM, starts_on=years_ago(3))
        session.commit()

    c = sign_in(world["manager"])
    add(2)  # with Ann: 3 people due
    c.get("/progression")
    with count_queries() as few:
        assert page(c.get("/progression")).count('href="/people/') == 3
    add(9)
    with count_queries() as many:
        assert page(c.get("/progression")).count('href="/people/') == 12
    assert few.count == many.count


def test_csv_and_xlsx_exports_hold_the_filtered_rows(world, sign_in):
    c = sign_in(world["hr"])
    r = c.get("/progression?q=ann&format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(page(r).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Name", "Team", "Band", "Step", "Next step date"]
    assert [row[0] for row in rows[1:]] == ["Ann Due"]
    ann = dict(zip(rows[0], rows[1]))
    assert ann["Next step date"] == (years_ago(2, -10).replace(year=TODAY.year)).isoformat()
    appraisal = "Appraisal completed within the last 12 months, with an outcome in line with organisational standards"
    assert (ann["Team"], ann["Status"], ann[appraisal]) == ("North", "Due", "Not met")  # header from the pay data
    assert c.get("/progression?q=nobody&format=csv").get_data(as_text=True).count("\n") == 1

    sheet = load_workbook(io.BytesIO(c.get("/progression?format=xlsx").get_data())).active
    values = list(sheet.values)
    assert values[0][0] == "Name" and [v[0] for v in values[1:]] == ["Ann Due"]


# --- a person's page and access ----------------------------------------------------------------

@pytest.mark.parametrize("viewer", ["colleague", "supervisor", "other_manager", "far_hr"])
def test_people_outside_scope_do_not_exist_here(world, sign_in, viewer):
    c = sign_in(world[viewer])
    uid = world["due"].id
    for url in (f"/people/{uid}/progression", f"/people/{uid}/progression/appraisal",
                f"/people/{uid}/progression/decision", f"/people/{uid}/progression/hr-standing"):
        assert c.get(url).status_code == 404, (viewer, url)


def test_the_person_sees_their_own_but_may_not_decide(world, sign_in):
    c = sign_in(world["due"])
    r = c.get(f"/people/{world['due'].id}/progression")
    assert r.status_code == 200 and "Your pay-step progression" in page(r)
    assert "Record the pay-step decision" not in page(r)
    assert c.get(f"/people/{world['due'].id}/progression/decision").status_code == 403
    assert c.get(f"/people/{world['due'].id}/progression/appraisal").status_code == 403


def test_every_hr_view_of_a_named_persons_page_is_audited(session, world, sign_in):
    c = sign_in(world["hr"])
    uid = world["due"].id
    assert c.get(f"/people/{uid}/progression").status_code == 200
    assert c.get(f"/people/{uid}/progression").status_code == 200
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "hr_viewed_progression")).all()
    assert [(e.object_id, e.actor_id) for e in events] == [(str(uid), world["hr"].id)] * 2


def test_a_line_managers_view_is_not_logged_as_an_hr_view(session, world, sign_in):
    sign_in(world["manager"]).get(f"/people/{world['due'].id}/progression")
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "hr_viewed_progression")) == 0


def test_hr_may_not_decide_and_managers_may_not_record_hr_standing(world, sign_in):
    uid = world["due"].id
    assert sign_in(world["hr"]).get(f"/people/{uid}/progression/decision").status_code == 403
    assert sign_in(world["manager"]).get(f"/people/{uid}/progression/hr-standing").status_code == 403


# --- a round run end to end --------------------------------------------------------------------

def test_a_manager_runs_the_round_and_hr_reviews_and_corrects_it(session, world, sign_in):
    uid, profile_id = world["due"].id, world["due"].profile.id
    c = sign_in(world["manager"])
    bad = c.submit(f"/people/{uid}/progression/appraisal", {"held_on": "2999-01-01", "outcome": "meets",
                                                          "summary": "Kept"})
    assert bad.status_code == 400 and "The appraisal date cannot be in the future" in page(bad)
    assert "Kept" in page(bad) and "There is a problem" in page(bad)
    ok = c.submit(f"/people/{uid}/progression/appraisal", {"held_on": TODAY.isoformat(), "outcome": "meets"})
    assert ok.status_code == 302
    assert "Appraisal of Ann Due recorded." in page(c.get(ok.headers["Location"]))

    refused = c.submit(f"/people/{uid}/progression/decision", {"outcome": "deferred", "reason": "Training"})
    assert refused.status_code == 400 and "Enter the support plan" in page(refused)
    review = TODAY + dt.timedelta(days=60)
    done = c.submit(f"/people/{uid}/progression/decision", {"outcome": "deferred", "reason": "Training",
                                                            "plan": "Two modules", "review_on": review.isoformat()})
    assert done.status_code == 302
    decision = session.scalar(select(ProgressionDecision).where(ProgressionDecision.profile_id == profile_id))
    assert (decision.outcome, decision.review_on) == (ProgressionOutcome.DEFERRED, review)

    h = sign_in(world["hr"])
    oversight = page(h.get("/progression/decisions?outcome=deferred"))
    assert "Ann Due" in oversight and f"/progression/decisions/{decision.id}/correct" in oversight
    assert "Ann Due" not in page(h.get("/progression/decisions?outcome=confirmed"))
    early = h.submit(f"/progression/decisions/{decision.id}/correct", {
        "outcome": "confirmed", "reason": "Training was complete", "correction_reason": "Record was out of date"})
    assert early.status_code == 400 and "A step can be confirmed from its step date" in page(early)
    assert "Record was out of date" in page(early)
    later = TODAY + dt.timedelta(days=90)
    fixed = h.submit(f"/progression/decisions/{decision.id}/correct", {
        "outcome": "deferred", "reason": "Training", "plan": "Two modules", "review_on": later.isoformat(),
        "correction_reason": "Review date agreed with the staff side"})
    assert fixed.status_code == 302
    session.expire_all()
    assert session.get(ProgressionDecision, decision.id).superseded
    assert world["due"].profile.pay_step == 1
    mine = session.scalar(select(ProgressionDecision).where(ProgressionDecision.corrects_id == decision.id))
    assert h.get(f"/progression/decisions/{mine.id}/correct").status_code == 403  # HR's own correction
    assert f"/progression/decisions/{mine.id}/correct" not in page(h.get(f"/people/{uid}/progression"))
    assert sign_in(world["far_hr"]).get(f"/progression/decisions/{decision.id}/correct").status_code == 404


def test_hr_record_the_standing_with_messages_beside_fields(session, world, sign_in):
    c = sign_in(world["hr"])
    url = f"/people/{world['due'].id}/progression/hr-standing"
    bad = c.submit(url, {"mandatory_training": "no", "capability": "no", "disciplinary": "unknown"})
    assert bad.status_code == 400 and "Enter the date the training record was checked" in page(bad)
    ok = c.submit(url, {"mandatory_training": "no", "checked_on": TODAY.isoformat(), "capability": "no",
                        "disciplinary": "no"})
    assert ok.status_code == 302
    standing = session.scalar(select(HrStanding).where(HrStanding.profile_id == world["due"].profile.id))
    assert (standing.mandatory_training_complete, standing.capability_process) == (False, False)


def test_oversight_is_for_hr_and_shows_only_their_scope(session, world, sign_in):
    far = make_user(session, team=world["far_team"], full_name="Zed Far")
    session.add(ProgressionDecision(profile_id=far.profile.id, band="5", from_step=1, to_step=2, due_on=TODAY,
                                    outcome=ProgressionOutcome.CONFIRMED, reason="ok", effective_on=TODAY,
                                    decided_by_id=world["manager"].id))
    session.commit()
    assert sign_in(world["manager"]).get("/progression/decisions").status_code == 403
    assert "Zed Far" in page(sign_in(world["far_hr"]).get("/progression/decisions"))


def test_no_appraisal_of_anyone_out_of_scope_appears(session, world, sign_in):
    stranger = make_user(session, team=world["far_team"], full_name="Zed Far")
    session.add(Appraisal(profile_id=stranger.profile.id, held_on=TODAY, outcome=AppraisalOutcome.MEETS,
                          appraiser_id=world["other_manager"].id, recorded_by_id=world["other_manager"].id,
                          summary="Secret objective text"))
    session.commit()
    c = sign_in(world["manager"])
    for url in ("/progression", "/progression?window=overdue", f"/people/{world['due'].id}/progression",
                "/progression?format=csv"):
        assert "Secret objective text" not in page(c.get(url)) and "Zed Far" not in page(c.get(url))
    assert c.get(f"/people/{stranger.id}/progression").status_code == 404


# --- the demo ----------------------------------------------------------------------------------

def test_the_demo_round_and_oversight_have_a_story(app, session, client, login_as):
    today = dt.date(2026, 11, 30)
    load_demo(session, TEST_SETTINGS, today=today)
    users = {u.email.split(".")[0]: u for u in session.scalars(select(User))}
    session.commit()
    from app.services import progression as svc
    from app.services.staff_scope import scope_of
    six_months = svc.due_list(session, scope_of(session, users["joanne"], today), today, today,
                              dt.date(2027, 6, 30))
    by_name = {r.name.split()[0].lower(): r for r in six_months}
    assert {"tom", "leah"} <= set(by_name)
    assert by_name["tom"].standards[0].status == "not_met"      # appraisal 13 months old
    assert by_name["leah"].standards[1].status == "not_met"     # training incomplete
    grace = svc.person_progression(session, users["grace"], today)
    assert grace.standards[-1].status == "not_met"              # Tom's is old; Callum is new, not yet due one
    decisions = session.scalars(select(ProgressionDecision)).all()
    assert sorted((d.outcome.value, d.superseded, d.corrects_id is not None) for d in decisions) == [
        ("confirmed", False, False), ("confirmed", False, True), ("deferred", True, False)]


def test_hr_views_of_the_standing_and_correction_forms_are_audited(session, world, sign_in):
    uid = world["due"].id
    decision = ProgressionDecision(profile_id=world["due"].profile.id, band="5", from_step=1, to_step=2,
                                   due_on=years_ago(2, -10).replace(year=TODAY.year), outcome=ProgressionOutcome.DEFERRED,
                                   reason="Training", plan="Modules", review_on=TODAY + dt.timedelta(days=40),
                                   decided_by_id=world["manager"].id)
    session.add(decision)
    session.commit()
    c = sign_in(world["hr"])
    assert c.get(f"/people/{uid}/progression/hr-standing").status_code == 200
    assert c.get(f"/progression/decisions/{decision.id}/correct").status_code == 200
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "hr_viewed_progression")).all()
    assert [(e.object_id, e.actor_id) for e in events] == [(str(uid), world["hr"].id)] * 2


def test_patient_identifiers_are_refused_beside_the_field(world, sign_in):
    c = sign_in(world["manager"])
    r = c.submit(f"/people/{world['due'].id}/progression/appraisal",
                 {"held_on": TODAY.isoformat(), "outcome": "meets", "summary": "Patient 943 476 5919 discussed"})
    assert r.status_code == 400 and "This looks like an NHS number" in page(r) and "There is a problem" in page(r)
