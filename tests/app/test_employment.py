"""Pay and career: annual pay from the data (HCAS from the post), band and post changes recorded by HR, the ladder.

The day is pinned to 15 June 2025 (pay year 2025/26). Figures come by hand from
competences/data/afc_pay_england.toml and hcas_england.toml for 2025/26.
"""
import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.services import employment as employment_service
from models import AuditEvent, EmploymentChange, Post, RelationshipKind, Role, StaffProfile, WorkingPattern
from models.reference_data import catalogue_for
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date(2025, 6, 15)


@pytest.fixture(autouse=True)
def pinned_day(monkeypatch):
    monkeypatch.setattr("app.staff.employment.today", lambda: TODAY)


def make_post(session, *, org, team, number, band, zone="none", title="Post"):
    post = Post(organisation_id=org.id, number=number, title=title, team_id=team.id, band=band,
                funded_wte=Decimal("1.00"), hcas_zone=zone)
    session.add(post)
    session.flush()
    return post


@pytest.fixture
def world(session):
    org = make_organisation(session, name="Riverside NHS Foundation Trust")
    a, b = make_service(session, organisation=org, name="Service A"), make_service(session, organisation=org,
                                                                                   name="Service B")
    a1 = make_team(session, service=a, name="Team A1")
    b1 = make_team(session, service=b, name="Team B1")
    london = make_post(session, org=org, team=a1, number="A-001", band="6", zone="outer-london", title="Senior PWP")
    hi = make_post(session, org=org, team=a1, number="A-002", band="7", title="HI therapist")
    closed = make_post(session, org=org, team=a1, number="A-099", band="7", title="HI therapist")
    closed.active = False
    # Pat: band 6 step 2 since 1 September 2023, 0.6 WTE, in an outer-London post.
    pat = make_user(session, team=a1, full_name="Pat Pine", band="6", pay_step=2, step_started_on=dt.date(2023, 9, 1),
                    band_started_on=dt.date(2021, 9, 1), job_title="Senior psychological wellbeing practitioner",
                    post_id=london.id)
    pat.profile.working_patterns[0].wte = Decimal("0.60")
    hr = make_user(session, organisation=org, roles=(Role.HR,), full_name="Hana HR", team=a1, band="6")
    hr_b = make_user(session, organisation=org, roles=((Role.HR, b),), full_name="Hugo HR", profile=False)
    lena = make_user(session, team=a1, roles=(Role.LINE_MANAGER,), full_name="Lena Lowe", band="7")
    make_relationship(session, senior=lena, junior=pat, kind=RelationshipKind.LINE_MANAGEMENT,
                      starts_on=dt.date(2024, 1, 1))
    zed = make_user(session, team=a1, full_name="Zed Zane")
    session.flush()
    return dict(org=org, a1=a1, b1=b1, london=london, hi=hi, closed=closed, pat=pat, hr=hr, hr_b=hr_b, lena=lena,
                zed=zed)


def text_of(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def error_links(html):
    summary = html.split('class="nhsuk-error-summary"', 1)[1].split("</ul>", 1)[0] if "nhsuk-error-summary" in html else ""
    return {href: " ".join(text.split()) for href, text in re.findall(r'<a href="(#[^"]*)">(.*?)</a>', summary, re.S)}


# --- pay -----------------------------------------------------------------------------------------

def test_pay_for_a_part_time_person_in_an_outer_london_post(world, sign_in):
    """Band 6 intermediate 2025/26 = £40,823. Basic 40,823 × 0.6 = £24,493.80. HCAS outer London 15% of 40,823 =
    £6,123.45, above the £5,941 maximum, so £5,941 × 0.6 = £3,564.60. Total £28,058.40."""
    response = sign_in(world["hr"]).get(f"/people/{world['pat'].id}/employment")
    assert response.status_code == 200
    text = text_of(response.get_data(as_text=True))
    assert "Agenda for Change, England, pay year 2025/26: band 6 step 2 at 0.60 WTE" in text
    assert "Basic pay £24,493.80" in text
    assert "High cost area supplement (Outer London) £3,564.60" in text
    assert "Total £28,058.40" in text
    assert "HCAS 15% of £40,823 is £6,123.45, capped at the Outer London maximum of £5,941 for 2025/26" in text
    assert "HCAS pro-rated to 0.60 WTE" in text
    assert "HCAS zone (from the post) Outer London" in text
    assert "Post A-001 – Senior PWP (Team A1)" in text
    # 1 September 2023 + 3 years (bands 6–7, step 2 → 3).
    assert "Next step date 1 September 2026" in text and "Time in step 1 year 9 months" in text


def test_pay_in_range_uses_the_percentage_and_flags_an_uncertain_minimum(session, world, app):
    """Band 5 entry 2025/26 = £31,049 at 0.8 WTE: basic £24,839.20. 15% = £4,657.35, between the £4,552 minimum
    (uncertain) and £5,941 maximum: × 0.8 = £3,725.88. Total £28,565.08."""
    profile = world["pat"].profile
    profile.band, profile.pay_step = "5", 1
    profile.working_patterns[0].wte = Decimal("0.80")
    session.flush()
    result = employment_service.pay_today(profile, catalogue_for(session), TODAY)
    assert result.problem is None
    assert (result.result.annual_basic, result.result.hcas, result.result.total) == (
        Decimal("24839.20"), Decimal("3725.88"), Decimal("28565.08"))
    assert result.result.uncertain is True


def test_an_unsettled_pay_year_is_explained_not_a_server_error(world, sign_in, monkeypatch):
    monkeypatch.setattr("app.staff.employment.today", lambda: dt.date(2026, 6, 15))
    response = sign_in(world["hr"]).get(f"/people/{world['pat'].id}/employment")
    assert response.status_code == 200
    text = text_of(response.get_data(as_text=True))
    assert "Pay is not known for pay year 2026/27: the England Agenda for Change pay scale for 2026/27 is unknown" in text
    # The last settled year is shown instead, worked out as in the test above: 2025/26, band 6 step 2 at 0.60 WTE.
    assert ("The last settled figures, for pay year 2025/26 (band 6 step 2 at 0.60 WTE): basic pay £24,493.80, "
            "high cost area supplement £3,564.60, total £28,058.40" in text)


def test_the_next_rung_is_shown_with_its_requirements(world, sign_in):
    text = text_of(sign_in(world["hr"]).get(f"/people/{world['pat'].id}/employment").get_data(as_text=True))
    assert "Current rung: Senior Psychological Wellbeing Practitioner (band 6)" in text
    assert "Trainee High Intensity CBT Therapist (band 6)" in text
    assert "A place on a one-year BABCP Level 2 PG Diploma in High Intensity CBT" in text


def test_a_trainee_hi_therapist_sees_readiness_for_band_7_and_a_link_to_their_report(session, world, sign_in):
    profile = world["zed"].profile
    profile.band, profile.job_title = "6", "Trainee high intensity CBT therapist"
    html = sign_in(world["zed"]).get(f"/people/{world['zed'].id}/employment").get_data(as_text=True)
    text = text_of(html)
    assert "High Intensity CBT Therapist (band 7)" in text and "PG Dip pass (High Intensity CBT)" in text
    assert re.search(r"Readiness \(.+\): (Ready|Not yet|Cannot tell yet) \d+ of \d+ requirements met", text)
    assert f'href="/people/{world["zed"].id}/dashboard"' in html


def test_hr_see_the_readiness_status_but_no_link_to_the_private_report(session, world, sign_in):
    profile = world["zed"].profile
    profile.band, profile.job_title = "6", "Trainee high intensity CBT therapist"
    html = sign_in(world["hr"]).get(f"/people/{world['zed'].id}/employment").get_data(as_text=True)
    assert "requirements met" in html and "/dashboard" not in html


@pytest.mark.parametrize("who, status", [("hr", 200), ("lena", 200), ("pat", 200), ("hr_b", 404), ("zed", 404)])
def test_who_may_see_the_pay_and_career_page(world, sign_in, who, status):
    assert sign_in(world[who]).get(f"/people/{world['pat'].id}/employment").status_code == status


# --- changes -----------------------------------------------------------------------------------

def change_url(person):
    return f"/people/{person.id}/employment/change"


GOOD = {"effective_on": "2025-06-01", "band": "7", "pay_step": "1", "job_title": "High intensity CBT therapist",
        "reason": "Passed the PG Diploma"}


def test_hr_record_a_band_and_post_change_with_its_history(session, world, sign_in):
    pat, c = world["pat"], sign_in(world["hr"])
    assert 'value="Senior psychological wellbeing practitioner"' in c.get(change_url(pat)).get_data(as_text=True)
    response = c.submit(change_url(pat), {**GOOD, "post_id": str(world["hi"].id)})
    assert response.status_code == 302 and response.location == f"/people/{pat.id}/employment"
    session.expire_all()
    profile = session.get(StaffProfile, pat.profile.id)
    assert (profile.band, profile.band_started_on, profile.pay_step, profile.step_started_on, profile.post_id,
            profile.job_title) == ("7", dt.date(2025, 6, 1), 1, dt.date(2025, 6, 1), world["hi"].id,
                                   "High intensity CBT therapist")
    change = session.scalar(select(EmploymentChange))
    assert (change.profile_id, change.effective_on, change.band, change.pay_step, change.post_id, change.job_title,
            change.previous_band, change.previous_step, change.previous_post_id, change.previous_job_title,
            change.reason, change.recorded_by_id) == (
        profile.id, dt.date(2025, 6, 1), "7", 1, world["hi"].id, "High intensity CBT therapist", "6", 2,
        world["london"].id, "Senior psychological wellbeing practitioner", "Passed the PG Diploma", world["hr"].id)
    text = text_of(c.get(f"/people/{pat.id}/employment").get_data(as_text=True))
    assert ("1 June 2025 6 step 2 → 7 step 1 A-001 → A-002 Senior psychological wellbeing practitioner → "
            "High intensity CBT therapist Passed the PG Diploma") in text
    # The new post has no HCAS zone: band 7 entry £47,810 × 0.6 = £28,686.00, no supplement.
    assert "Basic pay £28,686.00" in text and "Total £28,686.00" in text


def test_a_title_only_change_keeps_the_band_and_step_dates(session, world, sign_in):
    pat = world["pat"]
    sign_in(world["hr"]).submit(change_url(pat), {**GOOD, "band": "6", "pay_step": "2",
                                                  "post_id": str(world["london"].id), "job_title": "Lead PWP"})
    session.expire_all()
    profile = session.get(StaffProfile, pat.profile.id)
    assert (profile.band_started_on, profile.step_started_on, profile.job_title) == (
        dt.date(2021, 9, 1), dt.date(2023, 9, 1), "Lead PWP")


@pytest.mark.parametrize("changes, field, message", [
    ({"band": "10"}, "band", "Choose a band from 4 to 9 (8a to 8d included), not “10”"),
    ({"band": "3"}, "band", "Choose a band from 4 to 9 (8a to 8d included), not “3”"),
    ({"band": "5", "pay_step": "4"}, "pay_step", "Band 5 has steps 1 to 3 on 1 June 2025: step 4 does not exist"),
    ({"band": "4", "pay_step": "3"}, "pay_step", "Band 4 has steps 1 to 2 on 1 June 2025: step 3 does not exist"),
    ({"pay_step": ""}, "pay_step", "Choose the pay step"),
    ({"effective_on": "01/07/2025"}, "effective_on",
     "Date the change takes effect must be a real date, like 2025-04-01"),
    ({"effective_on": "2025-02-30"}, "effective_on",
     "Date the change takes effect must be a real date, like 2025-04-01"),
    # Today is 15 June 2025: a change taking effect tomorrow is recorded tomorrow, never ahead.
    ({"effective_on": "2025-06-16"}, "effective_on",
     "Record a change on or after the day it takes effect: Waymark shows pay as it is today"),
    ({"reason": "Complaint from patient 943 476 5919"}, "reason",
     "This looks like an NHS number. Waymark holds staff records only, never patient identifiers: remove it."),
    ({"reason": "Moved after the visit to LS1 4AP"}, "reason",
     "This looks like a postcode. Waymark holds staff records only, never patient identifiers: remove it."),
    ({"reason": "Client DOB 12/03/1985 raised it"}, "reason",
     "This looks like a date of birth. Waymark holds staff records only, never patient identifiers: remove it."),
    ({"effective_on": "2023-08-31"}, "effective_on",
     "The change cannot take effect before the current pay step began on 1 September 2023"),
    ({"post_id": "closed"}, "post_id", "Choose an active post in a service you look after"),
    ({"reason": " "}, "reason", "Enter the reason for the change, like “Passed the PG Diploma”"),
    ({"band": "6", "pay_step": "2", "post_id": "london", "job_title": "Senior psychological wellbeing practitioner"},
     "band", "Nothing would change: choose a new band, step, post or job title"),
])
def test_bad_change_input_is_refused_beside_its_field_and_nothing_changes(session, world, sign_in, changes, field,
                                                                         message):
    pat = world["pat"]
    data = {**GOOD, "post_id": str(world["hi"].id), **changes}
    if data["post_id"] in ("closed", "london"):
        data["post_id"] = str(world[data["post_id"]].id)
    response = sign_in(world["hr"]).submit(change_url(pat), data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_links(html) == {f"#{field}": message}
    assert f'value="{data["job_title"]}"' in html
    session.expire_all()
    profile = session.get(StaffProfile, pat.profile.id)
    assert (profile.band, profile.pay_step, profile.post_id) == ("6", 2, world["london"].id)
    assert session.scalar(select(func.count()).select_from(EmploymentChange)) == 0


@pytest.mark.parametrize("who, person, status", [
    ("hr", "hr", 403),      # not about themselves
    ("lena", "pat", 403),   # a line manager reads but does not record
    ("pat", "pat", 403),
    ("hr_b", "pat", 404),   # HR for another service do not know Pat
])
def test_only_hr_covering_the_person_record_a_change(world, sign_in, who, person, status):
    assert sign_in(world[who]).get(change_url(world[person])).status_code == status


def test_a_later_working_pattern_changes_the_pay_shown(session, world, sign_in):
    """From 1 June 2025 Pat works full time: basic £40,823.00 and HCAS capped at the full £5,941.00."""
    profile = world["pat"].profile
    profile.working_patterns[0].ends_on = dt.date(2025, 5, 31)
    profile.working_patterns.append(WorkingPattern(wte=Decimal("1.00"), starts_on=dt.date(2025, 6, 1)))
    text = text_of(sign_in(world["hr"]).get(f"/people/{world['pat'].id}/employment").get_data(as_text=True))
    assert "Basic pay £40,823.00" in text and "£5,941.00" in text and "Total £46,764.00" in text


def test_a_change_taking_effect_today_is_recorded_and_shown_at_once(session, world, sign_in):
    pat = world["pat"]
    response = sign_in(world["hr"]).submit(change_url(pat), {**GOOD, "effective_on": "2025-06-15",
                                                             "post_id": str(world["hi"].id)})
    assert response.status_code == 302
    session.expire_all()
    profile = session.get(StaffProfile, pat.profile.id)
    assert (profile.band, profile.pay_step, profile.step_started_on) == ("7", 1, dt.date(2025, 6, 15))


def test_a_new_post_brings_the_person_into_the_posts_team(session, world, sign_in):
    pat = world["pat"]
    b_post = make_post(session, org=world["org"], team=world["b1"], number="B-001", band="7", title="HI therapist")
    response = sign_in(world["hr"]).submit(change_url(pat), {**GOOD, "post_id": str(b_post.id)})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(StaffProfile, pat.profile.id).team_id == world["b1"].id
    html = sign_in(world["hr"]).get(change_url(pat)).get_data(as_text=True)
    assert "A new post moves the person into the post&#39;s team." in html or \
        "A new post moves the person into the post's team." in html


def test_a_title_change_in_the_same_post_keeps_the_team(session, world, sign_in):
    pat = world["pat"]
    sign_in(world["hr"]).submit(change_url(pat), {**GOOD, "band": "6", "pay_step": "2",
                                                  "post_id": str(world["london"].id), "job_title": "Lead PWP"})
    session.expire_all()
    assert session.get(StaffProfile, pat.profile.id).team_id == world["a1"].id


# --- bands 8a to 9: steps recorded before the intermediate point --------------------------------

def test_an_8a_top_since_2020_is_shown_and_paid_at_the_top_of_todays_three_points(session, world, sign_in):
    """Step 2 of 2 (top) since 1 May 2020 is step 3 of 3 (top) on 15 June 2025. 2025/26 band 8a top £62,682 × 0.6
    = £37,609.20 (the intermediate would be £58,487 × 0.6 = £35,092.20). Post A-002 has no HCAS zone."""
    profile = world["pat"].profile
    profile.band, profile.pay_step, profile.step_started_on = "8a", 2, dt.date(2020, 5, 1)
    profile.post_id = world["hi"].id
    text = text_of(sign_in(world["hr"]).get(f"/people/{world['pat'].id}/employment").get_data(as_text=True))
    assert "band 8a step 3 at 0.60 WTE" in text
    assert "Basic pay £37,609.20" in text and "Total £37,609.20" in text
    assert "Pay step Step 3 of 3 (top)" in text and "Next step date Top of band" in text
    assert "not modelled" not in text


def test_an_8a_entry_begun_before_april_2024_says_the_transitional_move_is_not_modelled(session, world, sign_in):
    """Step 1 since 1 June 2023 stays entry: 2025/26 band 8a entry £55,690 × 0.6 = £33,414.00. Its next step
    follows the old rule: 5 years, so 1 June 2028."""
    profile = world["pat"].profile
    profile.band, profile.pay_step, profile.step_started_on = "8a", 1, dt.date(2023, 6, 1)
    profile.post_id = world["hi"].id
    text = text_of(sign_in(world["hr"]).get(f"/people/{world['pat'].id}/employment").get_data(as_text=True))
    assert "Basic pay £33,414.00" in text and "Pay step Step 1 of 3 (entry)" in text
    assert "Next step date 1 June 2028" in text
    assert ("Step 1 of band 8a began on 1 June 2023, when the band had 2 pay points; it has 3 now. Moves from the "
            "old entry point on to the new intermediate point are not modelled") in text


# --- a deactivated post -------------------------------------------------------------------------

def test_a_deactivated_posts_hcas_zone_is_not_applied_and_the_page_says_so(session, world, sign_in):
    """Band 6 intermediate £40,823 × 0.6 = £24,493.80 with no supplement: the closed post's zone is not used."""
    world["closed"].hcas_zone = "inner-london"
    world["pat"].profile.post_id = world["closed"].id
    text = text_of(sign_in(world["hr"]).get(f"/people/{world['pat'].id}/employment").get_data(as_text=True))
    assert "Total £24,493.80" in text
    assert "The post is deactivated: its HCAS zone is not applied." in text


# --- the audit --------------------------------------------------------------------------------

@pytest.mark.parametrize("who, audited", [("hr", True), ("lena", False), ("pat", False)])
def test_hr_opening_someones_pay_and_career_page_is_audited(session, world, sign_in, who, audited):
    assert sign_in(world[who]).get(f"/people/{world['pat'].id}/employment").status_code == 200
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "hr_viewed_progression")).all()
    assert [(e.object_type, e.object_id, e.actor_id) for e in events] == (
        [("users", str(world["pat"].id), world["hr"].id)] if audited else [])


def test_hr_opening_their_own_page_is_not_audited(session, world, sign_in):
    assert sign_in(world["hr"]).get(f"/people/{world['hr'].id}/employment").status_code == 200
    assert session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == "hr_viewed_progression")) == 0
