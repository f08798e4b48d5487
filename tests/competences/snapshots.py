"""Small snapshot builders for the pathway and engine tests: evidence a person could count by hand.

Every builder is judged as at TODAY (Sunday 15 June 2025) unless told otherwise, and meets its
pathway in full; a test takes one thing away (`dataclasses.replace`) to miss exactly one
requirement. The figures in the comments are counted for TODAY.

Declaration years run from 1 July (anchor 1 July 2019 or 2022), so on TODAY the declaration year
is 1 July 2024 – 30 June 2025, judged so far to 15 June 2025: 350 days = exactly 50 weeks, and
the complete calendar months are July 2024 – May 2025 (11 months).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from competences.evidence import (
    Case,
    CaseMinutes,
    Contact,
    CpdActivity,
    Credential,
    Employment,
    HrFacts,
    Rating,
    SignOff,
    Snapshot,
    SupervisionGiven,
    SupervisionSession,
    TrainingHours,
    WorkingPeriod,
)

TODAY = dt.date(2025, 6, 15)
#: The first day of the declaration year in force on TODAY (a Monday).
DECLARATION_YEAR_START = dt.date(2024, 7, 1)
FULL_TIME = Employment(working=(WorkingPeriod(start=dt.date(2015, 1, 1), end=None, wte=Decimal("1.0")),))


def part_time(wte: str) -> Employment:
    return Employment(working=(WorkingPeriod(start=dt.date(2015, 1, 1), end=None, wte=Decimal(wte)),))


def months(first: dt.date, count: int, day: int) -> list[dt.date]:
    """`day` of `count` consecutive months from `first`'s month."""
    result = []
    year, month = first.year, first.month
    for _ in range(count):
        result.append(dt.date(year, month, day))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


def weekly(first: dt.date, count: int, every: int = 7) -> list[dt.date]:
    return [first + dt.timedelta(days=every * i) for i in range(count)]


def cpd(ident: str, on: dt.date, minutes: int, *, title: str = "", category: str = "clinical", cbt: bool = True,
        skills: bool = False, participatory: bool = False, statement: bool = True) -> CpdActivity:
    return CpdActivity(id=ident, start=on, end=on, title=title or ident, category=category, minutes=minutes, cbt=cbt,
                       cbt_skills=skills, participatory=participatory, has_reflective_statement=statement)


# ---------------------------------------------------------------------------------------------
# Trainee high intensity CBT therapist, end of the PG Diploma year (babcp-practitioner-accreditation)

#: (ref, problem, presentation group); the mix needs an anxiety, a trauma and a mood case.
TRAINING_CASES = (
    ("tc1", "gad", "anxiety"), ("tc2", "panic", "anxiety"), ("tc3", "social_anxiety", "anxiety"),
    ("tc4", "ptsd", "trauma"), ("tc5", "ptsd", "trauma"),
    ("tc6", "depression", "mood"), ("tc7", "depression", "mood"), ("tc8", "depression", "mood"),
)
ASSESSED = ("tc1", "tc4", "tc6", "tc8")
CLOSELY_SUPERVISED = ("tc2", "tc5", "tc7")


def trainee_hit_year(today: dt.date = TODAY, *, ctsr_totals: tuple[int, int, int] = (36, 38, 41),
                     taught_live_blocks: int = 10, core_profession: bool = True) -> Snapshot:
    """A PG Diploma year from September 2024 that meets the Minimum Training Standards.

    Training (450 h = 27,000 min needed):
      taught_live        10 blocks × 1,200 min = 12,000 (6 of them skills: 7,200)
      online_interactive  2 blocks × 1,500 min =  3,000 (skills: 3,000), of which 2,400 count as taught
      self_directed       4 blocks × 3,000 min = 12,000 (2 of them skills: 6,000)
      total 27,000 (450 h, exactly); taught 12,000 + 2,400 = 14,400 (240 h ≥ 200);
      skills 7,200 + 3,000 + 6,000 = 16,200 (270 h ≥ 225).
      Each taught_live block moved to self_directed (`taught_live_blocks` < 10) takes 1,200 from taught.
    Supervised practice: 50 weekly individual CBT contact records × 240 min = 12,000 (200 h, exactly).
    Cases: 8 training cases, 10 sessions each; mix anxiety 3, trauma 2, mood 3; 4 assessed, 3 closely supervised.
    Supervision: 40 individual sessions × 60 min, each on one case (8 cases × 5 = 300 min each) = 2,400;
      10 university groups of 4 × 120 min → (120 ÷ 4) × 2 = 60 each = 600; one group of 6 counts 0.
      Total 3,000 min (50 h ≥ 40).
    CTS-R: one rating on each closely supervised case with `ctsr_totals`, plus an early 30 on tc2.
    """
    start = dt.date(2024, 9, 2)
    training = (
        [TrainingHours(id=f"tl{i}", date=start + dt.timedelta(weeks=3 * i), minutes=1200,
                       kind="taught_live" if i < taught_live_blocks else "self_directed", skills_focused=i < 6)
         for i in range(10)]
        + [TrainingHours(id=f"oi{i}", date=start + dt.timedelta(weeks=5 + 10 * i), minutes=1500,
                         kind="online_interactive", skills_focused=True) for i in range(2)]
        + [TrainingHours(id=f"sd{i}", date=start + dt.timedelta(weeks=4 + 8 * i), minutes=3000,
                         kind="self_directed", skills_focused=i < 2) for i in range(4)]
    )
    contacts = [Contact(id=f"c{i}", date=d, minutes=240, step=3, count=4)
                for i, d in enumerate(weekly(dt.date(2024, 6, 24), 50))]
    cases = [Case(ref=ref, problem=problem, presentation_group=group, step=3, modality="cbt",
                  start=dt.date(2024, 10, 1), end=dt.date(2025, 4, 30), training_case=True,
                  closely_supervised=ref in CLOSELY_SUPERVISED, assessed_case_study=ref in ASSESSED,
                  attended_sessions=10)
             for ref, problem, group in TRAINING_CASES]
    refs = [ref for ref, _, _ in TRAINING_CASES]
    supervision = [SupervisionSession(id=f"s{i}", date=d, minutes=60, kind="clinical",
                                      cases=(CaseMinutes(case_ref=refs[i % 8], minutes=60),))
                   for i, d in enumerate(weekly(dt.date(2024, 9, 9), 40))]
    supervision += [SupervisionSession(id=f"u{i}", date=d, minutes=120, kind="clinical", group_size=4)
                    for i, d in enumerate(weekly(dt.date(2024, 9, 11), 10, every=21))]
    supervision.append(SupervisionSession(id="big", date=dt.date(2025, 3, 5), minutes=120, kind="clinical", group_size=6))
    ratings = [Rating(id="r0", scale_id="ctsr", date=dt.date(2024, 11, 20), total=30, passed=False, case_ref="tc2")]
    ratings += [Rating(id=f"r{i + 1}", scale_id="ctsr", date=dt.date(2025, 2, 10 + i), total=total, passed=total >= 36,
                       case_ref=ref)
                for i, (ref, total) in enumerate(zip(CLOSELY_SUPERVISED, ctsr_totals))]
    credentials = [Credential(id="nmc", kind="nmc", awarded_on=dt.date(2012, 9, 1))] if core_profession else []
    return Snapshot(person_id="trainee-hit", today=today, employment=FULL_TIME, training=tuple(training),
                    contacts=tuple(contacts), cases=tuple(cases), supervision=tuple(supervision),
                    ratings=tuple(ratings), credentials=tuple(credentials))


# ---------------------------------------------------------------------------------------------
# KSA portfolio

KSA_ITEMS = tuple(f"ksa-{n}" for n in range(1, 15))
#: The condensed PWP variant spares these (framework_ksa.toml).
KSA_CONDENSED_EXEMPT = ("ksa-5", "ksa-6", "ksa-7", "ksa-8", "ksa-12")


def ksa_portfolio(today: dt.date = TODAY, *, items: tuple[str, ...] = KSA_ITEMS) -> Snapshot:
    """Each KSA criterion in `items` signed off against version 1 of the ksa framework (all 14 by default)."""
    signoffs = tuple(SignOff(id=f"so-{item}", framework_id="ksa", framework_version=1, item_id=item,
                             signed_on=dt.date(2024, 1, 10) + dt.timedelta(days=7 * n))
                     for n, item in enumerate(items))
    return Snapshot(person_id="ksa", today=today, employment=FULL_TIME, signoffs=signoffs)


# ---------------------------------------------------------------------------------------------
# Newly accredited therapist, 12 months on (babcp-first-accreditation-audit)


def newly_accredited(today: dt.date = TODAY, *, skip_month: dt.date | None = None,
                     supervisor_report: bool = True) -> Snapshot:
    """Accredited 1 June 2024; supervision on the 10th and 24th of every month, 60 min each, individual.

    Rolling 12 months to 15 June 2025 = 16 June 2024 – 15 June 2025; complete months July 2024 – May 2025 (11),
    each with 120 min (average 120 ≥ 90). `skip_month` drops that month's two sessions: 10 × 120 ÷ 11 = 109.0,
    still ≥ 90 on average, but that month has none.
    CPD (5, each with a reflective statement): skills 180 + 240 = 420 min ≥ 360.
    """
    sessions = []
    for d in months(dt.date(2024, 6, 1), 13, 10) + months(dt.date(2024, 6, 1), 13, 24):
        if d > today or (skip_month is not None and (d.year, d.month) == (skip_month.year, skip_month.month)):
            continue
        sessions.append(SupervisionSession(id=f"s{d.isoformat()}", date=d, minutes=60, kind="clinical"))
    credentials = [Credential(id="babcp", kind="babcp_accreditation", awarded_on=dt.date(2024, 6, 1))]
    if supervisor_report:
        credentials.append(Credential(id="report", kind="supervisor_report", awarded_on=dt.date(2025, 5, 20)))
    activities = (
        cpd("exposure-workshop", dt.date(2024, 9, 10), 180, skills=True),
        cpd("imagery-workshop", dt.date(2024, 11, 5), 240, skills=True),
        cpd("journal-club", dt.date(2025, 1, 15), 60),
        cpd("reading", dt.date(2025, 3, 12), 120),
        cpd("babcp-webinar", dt.date(2025, 5, 7), 90),
    )
    return Snapshot(person_id="newly-accredited", today=today, employment=FULL_TIME, supervision=tuple(sessions),
                    cpd=activities, credentials=tuple(credentials))


# ---------------------------------------------------------------------------------------------
# Accredited CBT therapist, near the end of a declaration year (babcp-reaccreditation)


def accredited_therapist(today: dt.date = TODAY, *, employment: Employment = FULL_TIME,
                         group_only: bool = False, individual_minutes: int = 60, group_minutes: int = 60,
                         contacts_per_week: int = 3, second_non_cbt: bool = False) -> Snapshot:
    """BABCP accredited since 1 July 2019 (the declaration anchor).

    Supervision: on the 10th an individual session (`individual_minutes`) and on the 24th a group of 5
    (`group_minutes`, counts in full: groups ≤ 6) → 120 min in each of the 11 complete months.
    `group_only` makes the 10th a group of 4 as well.
    CPD in the declaration year (5 with statements): skills 360 min (exactly 6 h); one non-CBT activity.
    `second_non_cbt` makes a second one non-CBT: only one may count, so 4 count.
    Contacts: one record a week on each of the 50 Mondays from 1 July 2024, `contacts_per_week` CBT
    contacts each → 150 ÷ 50 weeks = 3 a week (≥ 2).
    """
    sessions = []
    for d in months(dt.date(2024, 6, 1), 13, 10):
        if d <= today:
            sessions.append(SupervisionSession(id=f"i{d.isoformat()}", date=d, minutes=individual_minutes,
                                               kind="clinical", group_size=4 if group_only else 1))
    for d in months(dt.date(2024, 6, 1), 13, 24):
        if d <= today:
            sessions.append(SupervisionSession(id=f"g{d.isoformat()}", date=d, minutes=group_minutes,
                                               kind="clinical", group_size=5))
    activities = (
        cpd("skills-workshop", dt.date(2024, 9, 20), 360, skills=True),
        cpd("reading", dt.date(2024, 11, 4), 120),
        cpd("journal-club", dt.date(2025, 1, 22), 60, participatory=True),
        cpd("mindfulness-day", dt.date(2025, 3, 14), 300, cbt=not second_non_cbt),
        cpd("leadership-course", dt.date(2025, 5, 9), 420, category="management", cbt=False),
    )
    contacts = tuple(Contact(id=f"c{i}", date=d, minutes=60 * contacts_per_week, step=3, count=contacts_per_week)
                     for i, d in enumerate(weekly(DECLARATION_YEAR_START, 50)))
    return Snapshot(person_id="accredited", today=today, employment=employment, supervision=tuple(sessions),
                    cpd=activities, contacts=contacts, declaration_anchor=dt.date(2019, 7, 1),
                    credentials=(Credential(id="babcp", kind="babcp_accreditation", awarded_on=dt.date(2019, 7, 1)),))


# ---------------------------------------------------------------------------------------------
# Experienced supervisor (babcp-supervisor-accreditation, -maintenance, senior-8a-readiness)


def experienced_supervisor(today: dt.date = TODAY, *, given_per_month: int = 2, pwp_only_on_20th: bool = False,
                           supervisor_accreditation: bool = True, supervisory_cpd: bool = True) -> Snapshot:
    """Accredited since 1 July 2018; supervisor-accredited since 1 July 2023; anchor 1 July 2019.

    Supervision given: 150 min on the 5th (and, with `given_per_month` = 2, the 20th) of each month from
    June 2023. Rolling 2 years to 15 June 2025 (16 June 2023 –): 20 June 2023, then July 2023 – May 2025
    (23 months × 2 = 46) and 5 June 2025 → 48 × 150 = 7,200 min (120 h ≥ 80). With one a month: the 5th of
    July 2023 – June 2025 = 24 × 150 = 3,600 (60 h). `pwp_only_on_20th` makes the 20th's supervisees PWPs.
    Declaration year so far: July 2024 – May 2025 (22) + 5 June = 23 × 150 = 3,450 (≥ 1,200).
    Last 12 months (16 June 2024 –): 20 June 2024 + 22 + 5 June 2025 = 24 × 150 = 3,600 (≥ 1,200).
    Supervision of supervision: 60 min on the 15th of every month → 60 a month on average.
    Supervisory CPD: a professional-category activity on 10 February 2025.
    """
    given = []
    for d in months(dt.date(2023, 6, 1), 25, 5) + (months(dt.date(2023, 6, 1), 25, 20) if given_per_month == 2 else []):
        if d <= today:
            given.append(SupervisionGiven(id=f"g{d.isoformat()}", date=d, minutes=150,
                                          supervisee_is_pwp=pwp_only_on_20th and d.day == 20))
    sos = tuple(SupervisionSession(id=f"sos{d.isoformat()}", date=d, minutes=60, kind="supervision_of_supervision")
                for d in months(dt.date(2023, 6, 1), 25, 15) if d <= today)
    credentials = [Credential(id="babcp", kind="babcp_accreditation", awarded_on=dt.date(2018, 7, 1))]
    if supervisor_accreditation:
        credentials.append(Credential(id="babcp-sup", kind="babcp_supervisor_accreditation",
                                      awarded_on=dt.date(2023, 7, 1)))
    activities = [cpd("cbt-update", dt.date(2024, 10, 1), 360, skills=True)]
    if supervisory_cpd:
        activities.append(cpd("supervision-workshop", dt.date(2025, 2, 10), 360, category="professional"))
    return Snapshot(person_id="supervisor", today=today, employment=FULL_TIME, supervision_given=tuple(given),
                    supervision=sos, cpd=tuple(activities), credentials=tuple(credentials),
                    declaration_anchor=dt.date(2019, 7, 1),
                    hr=HrFacts(last_appraisal_on=dt.date(2025, 3, 3)))


# ---------------------------------------------------------------------------------------------
# Registered PWP, near the end of a declaration year (pwp-register-babcp, pwp-register-bps)


def registered_pwp(today: dt.date = TODAY, *, register: str = "babcp_pwp_register",
                   interventions: tuple[str, str] = ("behavioural_activation", "worry_management"),
                   cbt_informed: int = 4) -> Snapshot:
    """On a PWP register since 1 July 2022 (anchor); declaration year so far = 50 weeks from Monday 1 July 2024.

    Case-management supervision: 60 min, individual, every Monday (50) → 60 a week.
    Clinical skills supervision: 60 min every other Wednesday from 3 July 2024 (25) → 1,500 ÷ 50 = 30 a week.
    Live assessments: 2 (October 2024, March 2025) of `interventions`.
    Step 2 practice: 600 min a week (50 records) → 600 a week (≥ 120).
    CPD (5 with statements): skills 240 + 180 = 420 min (≥ 360); the first `cbt_informed` are CBT-informed.
    """
    cms = [SupervisionSession(id=f"cms{i}", date=d, minutes=60, kind="case_management")
           for i, d in enumerate(weekly(DECLARATION_YEAR_START, 50))]
    css = [SupervisionSession(id=f"css{i}", date=d, minutes=60, kind="clinical_skills")
           for i, d in enumerate(weekly(dt.date(2024, 7, 3), 25, every=14))]
    ratings = (
        Rating(id="la1", scale_id="pwp-live-assessment", date=dt.date(2024, 10, 1), total=0, passed=True,
               intervention=interventions[0]),
        Rating(id="la2", scale_id="pwp-live-assessment", date=dt.date(2025, 3, 1), total=0, passed=True,
               intervention=interventions[1]),
    )
    contacts = tuple(Contact(id=f"c{i}", date=d, minutes=600, step=2, count=20)
                     for i, d in enumerate(weekly(DECLARATION_YEAR_START, 50)))
    plan = [("ba-refresher", dt.date(2024, 9, 12), 240, True), ("exposure-workshop", dt.date(2024, 11, 7), 180, True),
            ("ltc-webinar", dt.date(2025, 1, 16), 90, False), ("journal-club", dt.date(2025, 3, 20), 60, False),
            ("equality-training", dt.date(2025, 5, 15), 120, False)]
    activities = tuple(cpd(name, on, minutes, skills=skills, cbt=n < cbt_informed)
                       for n, (name, on, minutes, skills) in enumerate(plan))
    return Snapshot(person_id="pwp", today=today, employment=FULL_TIME, supervision=tuple(cms + css), ratings=ratings,
                    contacts=contacts, cpd=activities, declaration_anchor=dt.date(2022, 7, 1),
                    credentials=(Credential(id="register", kind=register, awarded_on=dt.date(2022, 7, 1)),))


# ---------------------------------------------------------------------------------------------
# Trainee PWP at the end of training (trainee-pwp-to-pwp)


def trainee_pwp_year(today: dt.date = TODAY, *, passed: bool = True) -> Snapshot:
    """Case-management supervision every Monday from 2 September 2024; PWP training passed 30 May 2025.

    Rolling 6 months to 15 June 2025 = 16 December 2024 –; complete months January – May 2025, each with
    4 or 5 sessions of 60 min (≥ 1 min every month).
    """
    sessions = tuple(SupervisionSession(id=f"cms{i}", date=d, minutes=60, kind="case_management")
                     for i, d in enumerate(weekly(dt.date(2024, 9, 2), 41)) if d <= today)
    credentials = (Credential(id="pwp-cert", kind="pwp_training", awarded_on=dt.date(2025, 5, 30)),) if passed else ()
    return Snapshot(person_id="trainee-pwp", today=today, employment=FULL_TIME, supervision=sessions,
                    credentials=credentials)


# ---------------------------------------------------------------------------------------------
# Qualified HI therapist (trainee-hit-to-band-7)


def qualified_hit(today: dt.date = TODAY, *, accredited: bool = True) -> Snapshot:
    credentials = [Credential(id="pgdip", kind="pg_dip_hi_cbt", awarded_on=dt.date(2024, 9, 30))]
    if accredited:
        credentials.append(Credential(id="babcp", kind="babcp_accreditation", awarded_on=dt.date(2024, 11, 1)))
    return Snapshot(person_id="qualified-hit", today=today, employment=FULL_TIME, credentials=tuple(credentials))


# ---------------------------------------------------------------------------------------------
# NMC and HCPC registrants


def nmc_nurse(today: dt.date = TODAY, *, participatory: int = 4) -> Snapshot:
    """Rolling 3 years to 15 June 2025 = 16 June 2022 –.

    Practice: 900 min on the 1st of each month, July 2022 – June 2025 (36) = 32,400 min (540 h ≥ 450).
    CPD: 6 × 360 min = 2,160 (36 h ≥ 35); the first `participatory` are participatory (4 → 24 h ≥ 20).
    """
    contacts = tuple(Contact(id=f"p{d.isoformat()}", date=d, minutes=900, step=3, count=15)
                     for d in months(dt.date(2022, 7, 1), 36, 1))
    activities = tuple(cpd(f"nmc-cpd-{n}", d, 360, participatory=n < participatory)
                       for n, d in enumerate(months(dt.date(2022, 9, 1), 6, 14)[:3] + months(dt.date(2024, 3, 1), 3, 14)))
    return Snapshot(person_id="nurse", today=today, employment=FULL_TIME, contacts=contacts, cpd=activities,
                    credentials=(Credential(id="nmc", kind="nmc", awarded_on=dt.date(2010, 9, 1),
                                            expires_on=dt.date(2026, 8, 31)),))


def hcpc_registrant(today: dt.date = TODAY, *, categories: tuple[str, str, str] = ("educational", "clinical", "clinical")) -> Snapshot:
    """CPD on 10 November 2023, 12 September 2024 and 4 March 2025 (`categories`).

    Last 12 months (16 June 2024 –): 2 (≥ 1). Last 2 years (16 June 2023 –): 3 (≥ 2), 2 categories by default.
    """
    dates = (dt.date(2023, 11, 10), dt.date(2024, 9, 12), dt.date(2025, 3, 4))
    activities = tuple(cpd(f"hcpc-cpd-{n}", d, 180, category=c) for n, (d, c) in enumerate(zip(dates, categories)))
    return Snapshot(person_id="hcpc", today=today, employment=FULL_TIME, cpd=activities,
                    credentials=(Credential(id="hcpc", kind="hcpc", awarded_on=dt.date(2016, 5, 1),
                                            expires_on=dt.date(2026, 4, 30)),))


# ---------------------------------------------------------------------------------------------
# Pay step (next-pay-step)


def band_7_therapist(today: dt.date = TODAY, *, step_started_on: dt.date = dt.date(2023, 4, 1),
                     hr: HrFacts | None = None, line_manager: bool = False) -> Snapshot:
    """Band 7, step 1 (entry) since `step_started_on`: 2 years to the intermediate point → 1 April 2025.

    HR: appraised 20 January 2025 (within 12 months), training complete, no capability process, no sanction.
    """
    hr = hr or HrFacts(last_appraisal_on=dt.date(2025, 1, 20), mandatory_training_complete=True,
                       capability_process=False, live_disciplinary_sanction=False,
                       team_appraisals_done=True if line_manager else None)
    employment = dataclasses.replace(FULL_TIME, band="7", step=1, band_started_on=step_started_on,
                                     step_started_on=step_started_on, is_line_manager=line_manager)
    return Snapshot(person_id="band-7", today=today, employment=employment, hr=hr)


def all_builders() -> dict[str, Snapshot]:
    """One meeting snapshot per pathway id (for the property test and the table-driven tests)."""
    supervisor = experienced_supervisor()
    return {
        "babcp-practitioner-accreditation": trainee_hit_year(),
        "ksa-portfolio": ksa_portfolio(),
        "babcp-first-accreditation-audit": newly_accredited(),
        "babcp-reaccreditation": accredited_therapist(),
        "babcp-supervisor-accreditation": supervisor,
        "babcp-supervisor-maintenance": supervisor,
        "pwp-register-babcp": registered_pwp(),
        "pwp-register-bps": registered_pwp(register="bps_wpwr"),
        "nmc-revalidation": nmc_nurse(),
        "hcpc-renewal": hcpc_registrant(),
        "trainee-hit-to-band-7": qualified_hit(),
        "trainee-pwp-to-pwp": trainee_pwp_year(),
        "next-pay-step": band_7_therapist(),
        "senior-8a-readiness": supervisor,
    }
