"""The service dashboard: hand-computed figures for every section, the people behind each figure, who may see it,
what they never see, and the same number of queries for 3 or 12 staff."""
import datetime as dt
import re
from decimal import Decimal
from html import unescape

import pytest

from app.services import service_dashboard as sd
from app.services.reference_data import upload_correction
from app.services.staff_scope import scope_of
from competences.catalogue import built_in_texts
from competences.credentials import CredentialStatus
from models import (LeaveKind, LeaveOfAbsence, Post, Regulator, RelationshipKind, Role, SkillTarget,
                    WorkingPattern)
from models.hr import ProgressionDecision, ProgressionOutcome
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user
from tests.models.test_snapshot import add_cpd, add_registration, add_supervision

TODAY = dt.date(2026, 11, 30)
HIT = "High intensity CBT therapist"
NOTE_MARKER = "ZZ-PRIVATE-SUPERVISION-NOTE-ZZ"
REFLECTION_MARKER = "ZZ-PRIVATE-REFLECTION-ZZ"


def text_of(html):
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture
def org(session):
    return make_organisation(session)


@pytest.fixture
def team_a(session, org):
    return make_team(session, service=make_service(session, organisation=org, name="Service A"), name="Team A")


@pytest.fixture
def team_b(session, org):
    return make_team(session, service=make_service(session, organisation=org, name="Service B"), name="Team B")


@pytest.fixture
def hr(session, org):
    return make_user(session, roles=(Role.HR,), organisation=org, profile=False, full_name="Hana HR")


@pytest.fixture
def fixed_day(monkeypatch):
    monkeypatch.setattr("app.staff.dashboard.today", lambda: TODAY)


def person(session, team, name, *, band="7", wte="1.00", job_title=HIT, **fields):
    user = make_user(session, team=team, full_name=name, band=band, job_title=job_title, **fields)
    user.profile.working_patterns[0].wte = Decimal(wte)
    session.flush()
    return user


def board(session, viewer, **kwargs):
    return sd.dashboard(session, scope_of(session, viewer, TODAY), TODAY, **kwargs)


def add_post(session, org, team, number, band, funded, *holders):
    post = Post(organisation_id=org.id, number=number, title=f"Post {number}", team_id=team.id, band=band,
                funded_wte=Decimal(funded))
    session.add(post)
    session.flush()
    for holder in holders:
        holder.profile.post_id = post.id
    session.flush()
    return post


def accredited(session, team, name, *, wte="1.00", anchor=dt.date(2020, 6, 1)):
    user = person(session, team, name, wte=wte)
    add_registration(session, user, Regulator.BABCP, registered_on=anchor, due=None)
    return user


# --- establishment -----------------------------------------------------------------------------

def test_headcount_wte_and_vacancies_by_band_for_the_services_in_view(session, org, team_a, team_b):
    p1 = person(session, team_a, "Ann Five", band="5", wte="1.00")
    p2 = person(session, team_a, "Bea Five", band="5", wte="0.50")
    p3 = person(session, team_a, "Cal Six", band="6", wte="0.80")
    elsewhere = person(session, team_b, "Dee Seven", band="7", wte="1.00")
    add_post(session, org, team_a, "A-5-1", "5", "2.00", p1, p2)   # held 1.5: 0.5 vacant
    add_post(session, org, team_a, "A-5-2", "5", "1.00")           # nobody: 1 vacant
    add_post(session, org, team_a, "A-6-1", "6", "1.00", p3)       # held 0.8: 0.2 vacant
    add_post(session, org, team_a, "A-7-1", "7", "1.00", elsewhere)  # held from service B: full
    add_post(session, org, team_b, "B-4-1", "4", "1.00")           # another service's post
    viewer = make_user(session, roles=((Role.HR, team_a.service),), organisation=org, profile=False)

    section = board(session, viewer, only=["establishment"]).section("establishment")

    assert section.chart.rows == (
        ("Band 5", "2", "1.5", "3", "1.5", "1.5", "2"),
        ("Band 6", "1", "0.8", "1", "0.8", "0.2", "1"),
        ("Band 7", "0", "0", "1", "1", "0", "0"),
    )
    people = section.lists["band-5"]
    assert [(e.name, e.user_id, e.cells[1]) for e in people.entries] == [("Ann Five", p1.id, "1"), ("Bea Five", p2.id, "0.5")]
    vacant = section.lists["vacant-5"]
    assert [(e.name, e.user_id, e.cells) for e in vacant.entries] == [
        ("Post A-5-1 (A-5-1)", None, ("Team A", "2", "1.5", "0.5")), ("Post A-5-2 (A-5-2)", None, ("Team A", "1", "0", "1"))]


def test_a_line_manager_sees_their_reports_by_band_but_no_posts(session, org, team_a):
    manager = person(session, team_a, "Mo Manager", band="8a", roles=(Role.LINE_MANAGER,))
    report = person(session, team_a, "Rae Report", band="6", wte="0.60")
    person(session, team_a, "Not Mine", band="6")
    make_relationship(session, senior=manager, junior=report, kind=RelationshipKind.LINE_MANAGEMENT)
    add_post(session, org, team_a, "A-6-9", "6", "3.00")

    section = board(session, manager, only=["establishment"]).section("establishment")

    assert section.chart.rows == (("Band 6", "1", "0.6", "0", "0", "0", "0"),)
    assert "Vacancies are shown to HR and service leads" in section.notes[0]


# --- pay progression ---------------------------------------------------------------------------

def _defer_for_unpaid_leave(session, org):
    admin = make_user(session, roles=(Role.ADMIN,), organisation=org, profile=False)
    text = dict(built_in_texts())["pathway_next_pay_step.toml"]
    text = text.replace("version = 1", "version = 2", 1).replace(
        'pay_scale = "afc-pay-england"', 'pay_scale = "afc-pay-england"\nleave_pauses = ["unpaid"]', 1)
    upload_correction(session, text=text, note="Our policy: unpaid leave defers a pay step", actor=admin)


def test_progressions_due_by_month_with_a_date_moved_back_for_leave(session, org, team_a, hr):
    _defer_for_unpaid_leave(session, org)
    december = person(session, team_a, "Dec Due", band="5", step_started_on=dt.date(2024, 12, 15))
    deferred = person(session, team_a, "Jan Deferred", band="5", step_started_on=dt.date(2024, 12, 10))
    deferred.profile.leave_periods.append(LeaveOfAbsence(kind=LeaveKind.UNPAID, starts_on=dt.date(2025, 3, 1),
                                                         ends_on=dt.date(2025, 3, 31)))
    overdue = person(session, team_a, "Old Overdue", band="5", step_started_on=dt.date(2024, 10, 1))
    person(session, team_a, "Later Later", band="5", step_started_on=dt.date(2025, 6, 1))  # due 1 June 2027
    person(session, team_a, "Top Step", band="5", pay_step=3, step_started_on=dt.date(2020, 1, 1))
    session.flush()

    section = board(session, hr, only=["progression"]).section("progression")

    # Band 5 entry step lasts 2 years: 15 Dec 2026; 10 Dec 2026 + 31 days of unpaid leave = 10 Jan 2027;
    # 1 Oct 2026 has passed. The window runs to 28 February 2027 (30 November + 3 months, clamped).
    assert section.chart.rows == (("November 2026", "0"), ("December 2026", "1"), ("January 2027", "1"),
                                  ("February 2027", "0"), ("Overdue (date passed, step not moved)", "1"),
                                  ("Deferred, review to come", "0"), ("Deferred, review date passed", "0"))
    assert [(e.user_id, e.cells[2]) for e in section.lists["2026-12"].entries] == [(december.id, dt.date(2026, 12, 15))]
    jan = section.lists["2027-01"].entries[0]
    assert (jan.user_id, jan.cells[2], jan.cells[3]) == (deferred.id, dt.date(2027, 1, 10), "Moved back 31 days for leave")
    assert [e.user_id for e in section.lists["overdue"].entries] == [overdue.id]


def defer(session, user, *, review_on, step=1, band="5", by=None):
    decision = ProgressionDecision(profile_id=user.profile.id, band=band, from_step=step, to_step=step + 1,
                                   due_on=dt.date(2026, 10, 1), outcome=ProgressionOutcome.DEFERRED,
                                   reason="Appraisal not held", plan="Hold it", review_on=review_on,
                                   decided_by_id=(by or user).id)
    session.add(decision)
    session.flush()
    return decision


def test_a_live_deferral_is_not_overdue_but_listed_with_its_review_date(session, org, team_a, hr):
    # Three people whose step date (1 October 2026, band 5 entry step of 2 years) has passed. As in the
    # progression round, only one with no decision about the step is overdue; a deferral waits for its review.
    overdue = person(session, team_a, "Old Overdue", band="5", step_started_on=dt.date(2024, 10, 1))
    waiting = person(session, team_a, "Def Waiting", band="5", step_started_on=dt.date(2024, 10, 1))
    defer(session, waiting, review_on=dt.date(2027, 1, 15), by=hr)
    late = person(session, team_a, "Rev Late", band="5", step_started_on=dt.date(2024, 10, 1))
    defer(session, late, review_on=dt.date(2026, 11, 20), by=hr)
    # Due in December but deferred already (a decision may come 30 days early): not "due", deferred.
    early = person(session, team_a, "Early Deferred", band="5", step_started_on=dt.date(2024, 12, 15))
    defer(session, early, review_on=dt.date(2027, 3, 1), by=hr)
    # A deferral about an earlier step does not hold back the step they are on now.
    moved = person(session, team_a, "Moved On", band="5", pay_step=2, step_started_on=dt.date(2023, 10, 1))
    defer(session, moved, review_on=dt.date(2027, 1, 1), step=1, by=hr)

    section = board(session, hr, only=["progression"]).section("progression")
    rows = {row[0]: row[1] for row in section.chart.rows}

    assert {e.user_id for e in section.lists["overdue"].entries} == {overdue.id, moved.id}
    assert rows["Overdue (date passed, step not moved)"] == "2"
    assert rows["December 2026"] == "0" and "2026-12" not in section.lists
    assert rows["Deferred, review to come"] == "2"
    assert [(e.user_id, e.cells[4]) for e in section.lists["deferred"].entries] == [
        (waiting.id, "Deferred: review on 15 January 2027"), (early.id, "Deferred: review on 1 March 2027")]
    assert rows["Deferred, review date passed"] == "1"
    assert [(e.user_id, e.cells[4]) for e in section.lists["review-passed"].entries] == [
        (late.id, "Deferred: review was due on 20 November 2026")]


# --- credentials -------------------------------------------------------------------------------

def test_credentials_due_within_90_days_counts_day_90_but_not_day_91(session, team_a, hr):
    for days in (89, 90, 91):
        user = person(session, team_a, f"Hcpc {days}")
        add_registration(session, user, Regulator.HCPC, due=TODAY + dt.timedelta(days=days))
    lapsed = person(session, team_a, "Lapsed Lee")
    add_registration(session, lapsed, Regulator.HCPC, status=CredentialStatus.LAPSED, due=TODAY + dt.timedelta(days=10))
    expired = person(session, team_a, "Expired Eve")
    add_registration(session, expired, Regulator.NMC, due=None, expires_on=TODAY - dt.timedelta(days=1))

    section = board(session, hr, only=["credentials"]).section("credentials")

    assert section.chart.rows == (("HCPC registration", "2", "1"), ("NMC registration", "0", "1"))
    assert [(e.name, e.cells[2]) for e in section.lists["due-hcpc"].entries] == [
        ("Hcpc 89", dt.date(2027, 2, 27)), ("Hcpc 90", dt.date(2027, 2, 28))]
    assert [e.cells[1:] for e in section.lists["lapsed-hcpc"].entries] == [("Lapsed", None)]
    assert [e.cells[1:] for e in section.lists["lapsed-nmc"].entries] == [("Expired", dt.date(2026, 11, 29))]
    assert section.chart.link(1, 1) is None and section.chart.link(1, 2) == "lapsed-nmc"


def test_the_due_soon_days_come_from_the_credential_rules(session, org, team_a, hr):
    admin = make_user(session, roles=(Role.ADMIN,), organisation=org, profile=False)
    text = dict(built_in_texts())["credential_rules.toml"]
    text = text.replace("version = 1", "version = 2", 1).replace("due_soon_days = 90", "due_soon_days = 60", 1)
    upload_correction(session, text=text, note="We flag two months ahead", actor=admin)
    for days in (60, 61):
        user = person(session, team_a, f"Hcpc {days}")
        add_registration(session, user, Regulator.HCPC, due=TODAY + dt.timedelta(days=days))

    section = board(session, hr, only=["credentials"]).section("credentials")

    assert section.chart.headings[1] == "Due within 60 days"
    assert section.chart.rows == (("HCPC registration", "1", "0"),)
    assert section.lists["due-hcpc"].title == "HCPC registration: due within 60 days"
    assert [e.name for e in section.lists["due-hcpc"].entries] == ["Hcpc 60"]
    assert "to 29 January 2027" in section.chart.caption  # 30 November + 60 days


# --- supervision -------------------------------------------------------------------------------

def _supervision_people(session, team):
    full = accredited(session, team, "Full Time", wte="1.00")
    half = accredited(session, team, "Half Time", wte="0.50")
    part = accredited(session, team, "Part Time", wte="0.40")
    add_supervision(session, full, dt.date(2026, 9, 10), 90)
    add_supervision(session, full, dt.date(2026, 9, 20), 60, group_size=8)  # groups over 6 do not count
    for who in (full, half, part):
        add_supervision(session, who, dt.date(2026, 10, 7), 60, themes=NOTE_MARKER, countersign_comment=NOTE_MARKER)
    half.profile.leave_periods.append(LeaveOfAbsence(kind=LeaveKind.MATERNITY, starts_on=dt.date(2026, 8, 1),
                                                     ends_on=dt.date(2026, 8, 31)))
    session.flush()
    return full, half, part


def test_supervision_compliance_by_month_against_the_babcp_minimum_for_each_wte(session, team_a, hr):
    full, half, part = _supervision_people(session, team_a)

    section = board(session, hr, only=["supervision"]).section("supervision")
    rows = {row[0]: row[1:] for row in section.chart.rows}

    assert len(section.chart.rows) == 13
    assert section.chart.rows[0][0] == "November 2025" and section.chart.rows[-1][0] == "November 2026 (so far)"
    # October: 60 minutes each. 1.0 and 0.5 WTE need 90 (0.5 is not below half-time); 0.4 WTE needs 45.
    assert rows["October 2026"] == ("3", "2")
    assert [(e.user_id, e.cells[1], e.cells[2]) for e in section.lists["2026-10"].entries] == [
        (full.id, "1 h", "1 h 30 min"), (half.id, "1 h", "1 h 30 min")]
    part_october = next(e for e in section.lists["expected-2026-10"].entries if e.user_id == part.id)
    assert part_october.cells[1:] == ("1 h", "45 min", "0.4", "Met")
    # September: the full-timer's 90 individual minutes meet it (the group of 8 counts nothing); the others had none.
    assert rows["September 2026"] == ("3", "2")
    assert full.id not in {e.user_id for e in section.lists["2026-09"].entries}
    # August: the half-timer was on leave all month, so only two are expected, and both had none.
    assert rows["August 2026"] == ("2", "2")
    assert half.id not in {e.user_id for e in section.lists["expected-2026-08"].entries}
    assert section.chart.link(9, 2) == "2026-08"


def test_a_month_is_judged_by_the_rule_itself_with_its_window_narrowed(session, team_a):
    full, _half, _part = _supervision_people(session, team_a)
    from app.services.readiness import applicable_pathways
    from models.bulk_snapshot import people_with_snapshots
    from models.reference_data import catalogue_for

    catalogue = catalogue_for(session)
    (user, snap), = people_with_snapshots(session, [full.id], TODAY)
    rules = [(p, r) for p in applicable_pathways(catalogue, user, user.profile, TODAY) for r in p.requirements
             if isinstance(r, sd.MonthlyMinutesRule)]
    assert [r.id for _p, r in rules] == ["supervision"]

    september = sd.month_results(snap, rules, dt.date(2026, 9, 1), catalogue)
    assert [(j.minutes, j.minimum, j.met) for j in september] == [(90, 90, True)]
    assert sd.month_results(snap, rules, dt.date(2026, 12, 1), catalogue) == []  # not begun


def test_the_current_month_shows_minutes_so_far_but_nobody_is_judged_below_minimum_for_it(session, team_a, hr):
    # On 3 June, 30 of June's 90 minutes so far: not "below minimum" until June is over. May had 90: met.
    early = dt.date(2026, 6, 3)
    full = accredited(session, team_a, "Full Time")
    add_supervision(session, full, dt.date(2026, 5, 12), 90)
    add_supervision(session, full, dt.date(2026, 6, 2), 30)

    section = sd.dashboard(session, scope_of(session, hr, early), early, only=["supervision"]).section("supervision")

    assert section.chart.rows[-1] == ("June 2026 (so far)", "1", "Not judged until the month ends")
    assert section.chart.link(12, 2) is None and "2026-06" not in section.lists
    june = section.lists["expected-2026-06"]
    assert june.title == "Supervision minimums in June 2026 (so far)"
    assert [e.cells[1:] for e in june.entries] == [("30 min", "1 h 30 min", "1", "So far: judged when the month ends")]
    assert section.chart.rows[-2] == ("May 2026", "1", "0")
    assert "June 2026 (so far): Expected 1, Below minimum not judged yet." in section.chart.svg


# --- CPD ---------------------------------------------------------------------------------------

def reflective(session, user, on, minutes=60, **fields):
    return add_cpd(session, user, on, minutes, reflection_learned=REFLECTION_MARKER, reflection_practice="Apply", **fields)


def test_cpd_buckets_for_the_declaration_year(session, team_a, hr):
    # Declaration year 1 June 2026 – 31 May 2027 (365 days); on 30 November 182 whole days have gone by
    # (30 + 31 + 31 + 30 + 31 + 29): 182/365 of each target, rounded down.
    met = accredited(session, team_a, "Met Mel")
    for i in range(4):
        reflective(session, met, dt.date(2026, 7, 1 + i))
    reflective(session, met, dt.date(2026, 8, 1), 360, cbt_skills=True)
    on_track = accredited(session, team_a, "Track Tia")
    # Statements: 5 × 182 / 365 = 2.49, rounded down 2, and 3 ≥ 2. Minutes: 360 × 182 / 365 = 179.5, rounded down
    # 179, and 195 ≥ 179.
    reflective(session, on_track, dt.date(2026, 7, 1), 195, cbt_skills=True)
    reflective(session, on_track, dt.date(2026, 8, 1))
    reflective(session, on_track, dt.date(2026, 9, 1))
    behind = accredited(session, team_a, "Behind Ben")
    # 165 of 360 min (quarter hours only): 165 < 179, though 3 statements are on track.
    reflective(session, behind, dt.date(2026, 7, 1), 165, cbt_skills=True)
    reflective(session, behind, dt.date(2026, 8, 1))
    reflective(session, behind, dt.date(2026, 9, 1))
    reflective(session, behind, dt.date(2026, 5, 31), 360, cbt_skills=True)  # the year before: does not count
    person(session, team_a, "No Anchor")  # no declaration year: not counted

    section = board(session, hr, only=["cpd"]).section("cpd")

    assert section.chart.rows == (("Met", "1"), ("On track", "1"), ("Behind", "1"), ("Cannot tell", "0"))
    assert [e.user_id for e in section.lists["met"].entries] == [met.id]
    assert [e.user_id for e in section.lists["on_track"].entries] == [on_track.id]
    ben = section.lists["behind"].entries[0]
    assert (ben.user_id, ben.cells[1]) == (behind.id, dt.date(2027, 5, 31))
    assert "At least 6 hours of CBT skills development" in ben.cells[2]


@pytest.mark.parametrize(("have", "need", "expected"), [
    (0, 5, "behind"), (2, 5, "on_track"), (3, 5, "on_track"), (5, 5, "on_track"), (1, 5, "behind"),
    (None, 5, "unknown")])
def test_on_track_means_at_least_the_share_of_the_target_for_the_days_gone_rounded_down(have, need, expected):
    # On 11 January, 10 of 20 days have gone by: half of 5 is 2.5, rounded down 2.
    start, end = dt.date(2026, 1, 1), dt.date(2026, 1, 20)
    met = None if have is None else False
    assert sd.cpd_status(met, have, need, start, end, dt.date(2026, 1, 11)) == expected
    assert sd.cpd_status(True, 5, 5, start, end, dt.date(2026, 1, 11)) == "met"


def test_nobody_is_behind_on_the_first_day_of_the_declaration_year():
    start, end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    assert sd.cpd_status(False, 0, 5, start, end, start) == "on_track"  # nothing of the year has gone by
    assert sd.cpd_status(False, 0, 365, start, end, dt.date(2026, 1, 2)) == "behind"  # 1 of 365 days: 1
    assert sd.cpd_status(False, 0, 5, start, end, dt.date(2026, 1, 2)) == "on_track"  # 5/365, rounded down: 0


def test_a_declaration_year_starting_today_with_nothing_recorded_is_on_track(session, team_a, hr):
    fresh = accredited(session, team_a, "Fresh Year", anchor=dt.date(2020, 11, 30))  # the year starts today

    section = board(session, hr, only=["cpd"]).section("cpd")

    assert section.chart.rows == (("Met", "0"), ("On track", "1"), ("Behind", "0"), ("Cannot tell", "0"))
    assert [e.user_id for e in section.lists["on_track"].entries] == [fresh.id]


# --- skill mix ---------------------------------------------------------------------------------

def test_skill_mix_gaps_come_from_the_skill_mix_service(session, org, team_a, hr):
    pytest.importorskip("app.services.skill_mix")
    from models import SkillRecord

    trainee = person(session, team_a, "Tess Training")
    session.add(SkillRecord(profile_id=trainee.profile.id, category="modality", code="emdr", status="in_training"))
    session.add(SkillTarget(service_id=team_a.service.id, category="modality", code="emdr", minimum=2, set_by_id=hr.id))
    session.flush()

    section = board(session, hr, only=["skills"]).section("skills")

    assert len(section.chart.rows) == 1
    service_name, _title, target, held, short_by, training = section.chart.rows[0]
    assert (service_name, target, held, short_by, training) == ("Service A", "2", "0", "2", "1")
    assert [e.name for e in section.lists["gap-0"].entries] == ["Tess Training"]


# --- the pages ---------------------------------------------------------------------------------

def _service_with_staff(session, org, team, n, *, prefix="Staff"):
    people = []
    for i in range(n):
        user = accredited(session, team, f"{prefix} {i:02}", wte="0.40" if i % 2 else "1.00")
        add_supervision(session, user, dt.date(2026, 10, 7), 60, themes=NOTE_MARKER)
        reflective(session, user, dt.date(2026, 7, 1))
        add_registration(session, user, Regulator.HCPC, due=TODAY + dt.timedelta(days=30))
        add_post(session, org, team, f"{prefix}-{i}", "7", "1.00", user)
        people.append(user)
    return people


def test_the_page_makes_the_same_number_of_queries_for_3_or_12_staff(client, session, org, login_as, count_queries,
                                                                       fixed_day):
    small = make_team(session, service=make_service(session, organisation=org, name="Small"))
    large = make_team(session, service=make_service(session, organisation=org, name="Large"))
    _service_with_staff(session, org, small, 3, prefix="Small")
    _service_with_staff(session, org, large, 12, prefix="Large")
    few = make_user(session, roles=((Role.HR, small.service),), organisation=org, profile=False)
    many = make_user(session, roles=((Role.HR, large.service),), organisation=org, profile=False)
    session.commit()

    login_as(few)
    client.get("/dashboard")  # warm the catalogue cache, as any running worker has
    with count_queries() as q_few:
        assert client.get("/dashboard").status_code == 200
    client.post("/logout", data={"csrf_token": client.csrf_token("/dashboard")})
    login_as(many)
    with count_queries() as q_many:
        html = client.get("/dashboard").get_data(as_text=True)

    assert "Large 11" not in html  # names are on the drill-down pages, not the dashboard
    assert re.search(r"Band 7\s*</th>\s*<td[^>]*>\s*<a[^>]*>12<", html)
    assert q_many.count == q_few.count, (q_few.count, q_many.count)


def test_every_figure_links_to_the_people_behind_it_and_the_list_downloads(client, session, org, team_a, hr, login_as,
                                                                         fixed_day):
    full, half, part = _supervision_people(session, team_a)
    session.commit()
    login_as(hr)

    html = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/dashboard/people?section=supervision&amp;key=2026-10"' in html
    assert html.count("class=\"waymark-chart\"") == 6 and 'role="img"' in html

    page = client.get("/dashboard/people?section=supervision&key=2026-10")
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    assert "Below their supervision minimum in October 2026" in text
    assert "Full Time" in text and "Half Time" in text and "Part Time" not in text
    assert f'href="/people/{full.id}"' in page.get_data(as_text=True)

    csv = client.get("/dashboard/people?section=supervision&key=2026-10&format=csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "Name,Requirement,Supervision received,Minimum,WTE,Status"
    assert lines[1].startswith("Full Time,") and lines[1].endswith(",1 h,1 h 30 min,1,Below minimum")
    xlsx = client.get("/dashboard/people?section=supervision&key=2026-10&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"

    assert client.get("/dashboard/people?section=nonsense&key=x").status_code == 404
    assert client.get("/dashboard/people?section=cpd&key=<script>").status_code == 404
    assert client.get("/dashboard/people?section=cpd&key=behind&format=pdf").status_code == 404
    empty = client.get("/dashboard/people?section=cpd&key=behind-nobody")
    assert empty.status_code == 200 and "Nobody in this list" in empty.get_data(as_text=True)


def test_no_supervision_note_or_reflection_reaches_the_page_or_the_export(client, session, org, team_a, hr, login_as,
                                                                        fixed_day):
    full, _half, _part = _supervision_people(session, team_a)
    reflective(session, full, dt.date(2026, 7, 1))
    session.commit()
    login_as(hr)

    pages = [client.get("/dashboard").get_data(as_text=True)]
    for section, key in (("supervision", "2026-10"), ("supervision", "expected-2026-10"), ("cpd", "behind")):
        pages.append(client.get(f"/dashboard/people?section={section}&key={key}").get_data(as_text=True))
        pages.append(client.get(f"/dashboard/people?section={section}&key={key}&format=csv").get_data(as_text=True))
    assert "Full Time" in pages[2]
    for body in pages:
        assert NOTE_MARKER not in body and REFLECTION_MARKER not in body


def test_a_practitioner_may_not_open_the_dashboard(client, session, team_a, login_as):
    practitioner = person(session, team_a, "Pat Practitioner")
    session.commit()
    login_as(practitioner)
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/people?section=cpd&key=met").status_code == 403


def test_hr_for_one_service_sees_only_that_service_and_may_not_choose_another(client, session, org, team_a, team_b,
                                                                               login_as, fixed_day):
    person(session, team_a, "Alice Alpha", band="6")
    person(session, team_b, "Bob Beta", band="8a")
    viewer = make_user(session, roles=((Role.HR, team_a.service),), organisation=org, profile=False)
    session.commit()
    login_as(viewer)

    html = client.get("/dashboard").get_data(as_text=True)
    assert "Band 6" in html and "Band 8a" not in html
    listed = text_of(client.get("/dashboard/people?section=establishment&key=band-6").get_data(as_text=True))
    assert "Alice Alpha" in listed
    assert "Bob Beta" not in text_of(client.get("/dashboard/people?section=establishment&key=band-8a").get_data(as_text=True))

    refused = client.get(f"/dashboard?service={team_b.service.id}")
    assert refused.status_code == 400 and "Choose a service from the list" in refused.get_data(as_text=True)
    assert client.get(f"/dashboard/people?section=establishment&key=band-8a&service={team_b.service.id}").status_code == 404


def test_organisation_hr_may_narrow_the_dashboard_to_one_service(client, session, team_a, team_b, hr, login_as,
                                                                 fixed_day):
    person(session, team_a, "Alice Alpha", band="6")
    person(session, team_b, "Bob Beta", band="8a")
    session.commit()
    login_as(hr)

    everyone = client.get("/dashboard").get_data(as_text=True)
    assert "Band 6" in everyone and "Band 8a" in everyone
    narrowed = client.get(f"/dashboard?service={team_b.service.id}").get_data(as_text=True)
    assert "Band 8a" in narrowed and "Band 6" not in narrowed
    assert f"service={team_b.service.id}" in narrowed  # the figures' links keep the filter


def test_a_line_manager_sees_only_their_reports(client, session, team_a, login_as, fixed_day):
    manager = person(session, team_a, "Mo Manager", band="8a", roles=(Role.LINE_MANAGER,))
    report = person(session, team_a, "Rae Report", band="6")
    person(session, team_a, "Sam Stranger", band="6")
    make_relationship(session, senior=manager, junior=report, kind=RelationshipKind.LINE_MANAGEMENT)
    session.commit()
    login_as(manager)

    html = client.get("/dashboard").get_data(as_text=True)
    assert "Figures for the 1 person" in text_of(html)
    listed = text_of(client.get("/dashboard/people?section=establishment&key=band-6").get_data(as_text=True))
    assert "Rae Report" in listed and "Sam Stranger" not in listed
    assert 'name="service"' not in html  # nothing to choose between


def test_working_patterns_before_someone_started_are_not_expected_of_them(session, team_a, hr):
    newcomer = accredited(session, team_a, "New Starter")
    newcomer.profile.working_patterns[0].starts_on = dt.date(2026, 10, 15)
    newcomer.profile.working_patterns.append(WorkingPattern(wte=Decimal("1.00"), starts_on=dt.date(2027, 1, 1)))
    session.flush()

    section = board(session, hr, only=["supervision"]).section("supervision")
    rows = {row[0]: row[1:] for row in section.chart.rows}
    assert rows["September 2026"] == ("0", "0") and rows["October 2026"] == ("1", "1")


def test_a_service_lead_sees_their_service_only(client, session, org, team_a, team_b, login_as, fixed_day):
    person(session, team_a, "Alice Alpha", band="6")
    person(session, team_b, "Bob Beta", band="8a")
    lead = make_user(session, roles=((Role.SERVICE_LEAD, team_a.service),), organisation=org, profile=False)
    session.commit()
    login_as(lead)

    html = client.get("/dashboard").get_data(as_text=True)
    assert "Figures for the 1 person" in text_of(html)
    assert "Band 6" in html and "Band 8a" not in html
    assert re.findall(r'<option value="(\d*)"', html) == ["", str(team_a.service.id)]
