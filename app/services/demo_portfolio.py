"""A year of portfolio entries for every demo practitioner, so each dashboard shows real figures.

CPD, supervision received (under each person's supervision relationships), cases with first and
last scores, weekly contact counts, and NMC revalidation evidence for the nurse. Dates are
relative to `today` and come from a seeded random generator, so the same `today` always gives the
same demo. Case references are anonymised codes and no text holds a patient identifier. Rows are
added through the models and flushed at once; the audited session records every one.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (ClinicalCase, ClinicalContact, CpdActivity, NmcFeedback, NmcPracticeHours, NmcReflectiveAccount,
                    NmcReflectiveDiscussion, Regulator, RelationshipKind, Role, StaffProfile, StaffRelationship,
                    SupervisionCaseMinutes, SupervisionKind, SupervisionSession, User)

SEED = 2026
#: The one person whose supervision has a month-long gap, so a dashboard shows what a gap looks like.
GAP_PERSON = "leah"
WEEK = dt.timedelta(weeks=1)
#: Days between the first day of a full year's log and the last day a case may start (a week before today).
FULL_SPAN = 364 - 7
PWP_PROBLEMS = ("depression", "gad", "mixed_anxiety_depression", "panic")
HI_PROBLEMS = ("depression", "gad", "social_anxiety", "ptsd", "ocd", "panic", "health_anxiety", "agoraphobia")
#: A trainee's training cases across anxiety, trauma and mood (competences.presentations).
TRAINING_PROBLEMS = ("depression", "gad", "ptsd", "social_anxiety", "panic", "depression", "ocd",
                     "mixed_anxiety_depression")
#: How each trainee's training cases turn out, in order: a mix the outcome rules tell apart.
TRAINING_OUTCOMES = ("recovered", "improved", "not_improved", "recovered", "recovered", "improved", "not_improved",
                     "recovered")


@dataclasses.dataclass
class Practitioner:
    """One demo practitioner and the days their logs may cover (in post, not on leave)."""

    user: User
    profile: StaffProfile
    track: str  # "pwp" or "hi"
    trainee: bool
    first_day: dt.date
    leave: list[tuple[dt.date, dt.date]]
    relationships: list[StaffRelationship]
    cases: list[ClinicalCase] = dataclasses.field(default_factory=list)

    def working(self, day: dt.date, today: dt.date) -> bool:
        return self.first_day <= day <= today and not any(start <= day <= end for start, end in self.leave)

    @property
    def nurse(self) -> bool:
        return any(r.regulator is Regulator.NMC for r in self.profile.registrations)


def load_demo_portfolio(session: Session, users: dict[str, User], *, today: dt.date) -> None:
    """Add a year of entries (to `today`) for every practitioner in `users`; flush, never commit."""
    rng = random.Random(SEED)  # nosec B311  # reproducible demo data, not a secret
    supervision = list(session.scalars(select(StaffRelationship).where(
        StaffRelationship.kind == RelationshipKind.SUPERVISION).order_by(StaffRelationship.id)))
    case_numbers = {2: iter(range(101, 10_000)), 3: iter(range(1, 10_000))}
    for key, user in users.items():
        profile = user.profile
        if profile is None or not user.has_role(Role.PRACTITIONER):
            continue
        title = profile.job_title.lower()
        person = Practitioner(
            user=user, profile=profile, track="pwp" if "wellbeing" in title else "hi", trainee="trainee" in title,
            first_day=max(profile.band_started_on or today, today - dt.timedelta(days=364)),
            leave=[(lv.starts_on, lv.ends_on or dt.date.max) for lv in profile.leave_periods],
            relationships=[r for r in supervision if r.junior_id == user.id])
        person.cases = _cases(person, rng, today, case_numbers)
        session.add_all(person.cases)
        session.add_all(_supervision(person, rng, today, gap=key == GAP_PERSON))
        session.add_all(_contacts(person, rng, today))
        session.add_all(_cpd(person, rng, today))
        if person.nurse:
            session.add_all(_nmc_evidence(person, rng, today))
    session.flush()


# --- cases -------------------------------------------------------------------------------------

def _scores(rng: random.Random, outcome: str) -> tuple[dict[str, int], dict[str, int]]:
    """First and last PHQ-9 and GAD-7 scores that give `outcome` (facts.md §11 cut-offs and reliable change)."""
    first = {"phq9": rng.randint(12, 24), "gad7": rng.randint(9, 19)}
    if outcome == "recovered":
        last = {"phq9": rng.randint(2, 9), "gad7": rng.randint(1, 7)}
    elif outcome == "improved":  # a reliable fall, still above a cut-off
        last = {"phq9": max(10, first["phq9"] - rng.randint(6, 9)), "gad7": max(8, first["gad7"] - rng.randint(4, 6))}
        first["phq9"] = max(first["phq9"], last["phq9"] + 6)
    elif outcome == "deteriorated":
        first = {"phq9": rng.randint(10, 15), "gad7": rng.randint(8, 12)}
        last = {"phq9": first["phq9"] + rng.randint(6, 9), "gad7": min(21, first["gad7"] + rng.randint(0, 3))}
    else:  # no reliable change either way
        last = {"phq9": first["phq9"] + rng.randint(-4, 3), "gad7": first["gad7"] + rng.randint(-3, 2)}
    return first, last


def _outcome(rng: random.Random) -> str:
    return rng.choices(("recovered", "improved", "not_improved", "deteriorated"), weights=(50, 20, 25, 5))[0]


def _cases(person: Practitioner, rng: random.Random, today: dt.date,
           numbers: dict[int, Iterator[int]]) -> list[ClinicalCase]:
    """Cases spread over the year; those running into a leave of absence are closed before it starts."""
    step = 2 if person.track == "pwp" else 3
    leave_starts = [start for start, _ in person.leave if start > person.first_day]
    stop = min(leave_starts, default=None)
    last_start = stop - dt.timedelta(weeks=6) if stop else today - WEEK
    latest_end = stop - dt.timedelta(days=1) if stop else today - dt.timedelta(days=1)
    span = max(WEEK.days, (last_start - person.first_day).days)
    training = person.trainee and step == 3
    if training:
        how_many, weeks = rng.randint(6, 8), (14, 20)
    elif step == 3:
        how_many, weeks = rng.randint(15, 25), (12, 24)
    else:  # 30 to 40 a year, in proportion for someone in post (or at work) for part of it
        how_many, weeks = max(8, round(rng.randint(30, 40) * min(1.0, span / FULL_SPAN))), (6, 12)
    cases = []
    for i in range(how_many):
        started = person.first_day + dt.timedelta(days=span * i // how_many + rng.randint(0, 6))
        ends = started + dt.timedelta(weeks=rng.randint(*weeks))
        closed = ends <= latest_end or stop is not None
        first, last = _scores(rng, TRAINING_OUTCOMES[i] if training else _outcome(rng))
        if step == 2:
            problem, modality, sessions = rng.choice(PWP_PROBLEMS), "guided_self_help", rng.randint(4, 8)
        else:
            problem = TRAINING_PROBLEMS[i] if training else rng.choice(HI_PROBLEMS)
            modality, sessions = "cbt", rng.randint(8, 20)
        cases.append(ClinicalCase(
            owner_id=person.user.id, case_ref=f"NTT-{'LI' if step == 2 else 'HI'}-{next(numbers[step]):04d}",
            problem=problem, step=step, modality=modality, started_on=started,
            ended_on=min(ends, latest_end) if closed else None, training_case=training,
            closely_supervised=training and i < 3, assessed_case_study=training and i < 4 and closed,
            attended_sessions=sessions if closed else rng.randint(1, sessions // 2),
            first_scores=first, last_scores=last if closed else {}))
    return cases


def _open_cases(person: Practitioner, day: dt.date) -> list[ClinicalCase]:
    return [c for c in person.cases if c.started_on <= day and (c.ended_on is None or day <= c.ended_on)]


# --- supervision -------------------------------------------------------------------------------

#: Per relationship kind: (weekday, every how many weeks, minutes) — trainees' and part-timers' differ below.
SCHEDULE = {
    SupervisionKind.CASE_MANAGEMENT: (1, 1, 60),
    SupervisionKind.CLINICAL_SKILLS: (3, 2, 60),
    SupervisionKind.CLINICAL: (2, 1, 60),
    SupervisionKind.SUPERVISION_OF_SUPERVISION: (4, 4, 60),
}
THEMES = {
    SupervisionKind.CASE_MANAGEMENT: ("Risk review of the caseload; two step-ups agreed; discharge plans checked.",
                                      "Caseload review: outcome measures, non-attendance and waiting times.",
                                      "Reviewed cases not improving after four sessions; one step-up to Step 3."),
    SupervisionKind.CLINICAL_SKILLS: ("Practised behavioural activation rationale with role play.",
                                      "Worry management: distinguishing practical and hypothetical worry.",
                                      "Panic psychoeducation and interoceptive exposure, with a recording."),
    SupervisionKind.CLINICAL: ("Formulation of a maintaining cycle; planning a behavioural experiment.",
                               "Listened to a session recording; feedback on guided discovery.",
                               "Exposure hierarchy and safety behaviours; ending and relapse prevention.",
                               "Working with shame in trauma-focused CBT; pacing reliving."),
    SupervisionKind.SUPERVISION_OF_SUPERVISION: ("Supporting a supervisee with a high-risk caseload.",
                                                 "Using recordings in skills supervision; giving specific feedback."),
}


def _session_plan(person: Practitioner, kind: SupervisionKind, today: dt.date) -> tuple[int, int, int]:
    """Trainees get 90 minutes of clinical supervision a week; seniors and part-timers 90 minutes a fortnight."""
    weekday, every, minutes = SCHEDULE[kind]
    if kind is SupervisionKind.CLINICAL and person.trainee:
        return weekday, 1, 90
    if kind is SupervisionKind.CLINICAL and (person.profile.band in {"8a", "8b", "8c"}
                                             or (person.profile.wte_on(today) or 1) < Decimal("0.8")):
        return weekday, 2, 90
    return weekday, every, minutes


def _supervision(person: Practitioner, rng: random.Random, today: dt.date, *, gap: bool) -> list[SupervisionSession]:
    """Sessions under each supervision relationship on the days it covers; `gap`: none at all in one month."""
    gap_month = (today.replace(day=1) - dt.timedelta(days=100)).replace(day=1)
    monday = person.first_day - dt.timedelta(days=person.first_day.weekday())
    sessions = []
    for rel in person.relationships:
        assert rel.supervision_kind is not None
        kind = rel.supervision_kind
        weekday, every, minutes = _session_plan(person, kind, today)
        week = monday
        while week <= today:
            day = week + dt.timedelta(days=weekday)
            number = (week - dt.date(2000, 1, 3)).days // 7  # the same fortnights for every relationship
            skipped = gap and day.replace(day=1) == gap_month
            if number % every == 0 and rel.covers(day) and person.working(day, today) and not skipped:
                sessions.append(_session(person, rng, rel, kind, day, minutes, number // every))
            week += WEEK
    return sessions


def _session(person: Practitioner, rng: random.Random, rel: StaffRelationship, kind: SupervisionKind, day: dt.date,
             minutes: int, nth: int) -> SupervisionSession:
    """The `nth` session of its kind: every 4th clinical or skills session is in a group of 3 or 4."""
    group = kind in {SupervisionKind.CLINICAL_SKILLS, SupervisionKind.CLINICAL} and nth % 4 == 3
    session = SupervisionSession(
        supervisee_id=person.user.id, occurred_on=day, minutes=minutes, kind=kind,
        group_size=rng.randint(3, 4) if group else 1, cbt=True, relationship_id=rel.id, supervisor_id=rel.senior_id,
        live_or_recorded_sampled=kind in {SupervisionKind.CLINICAL, SupervisionKind.CLINICAL_SKILLS}
        and nth % 6 == 1, themes=rng.choice(THEMES[kind]))
    discussing = ((kind is SupervisionKind.CASE_MANAGEMENT and nth % 2 == 0)
                  or (kind is SupervisionKind.CLINICAL and (person.trainee or nth % 2 == 0)))
    cases = _open_cases(person, day)
    if discussing and cases and not group:
        chosen = rng.sample(cases, min(len(cases), 2 if person.trainee else 3))
        share = minutes * 4 // 5 // len(chosen)
        session.cases = [SupervisionCaseMinutes(case_ref=c.case_ref, minutes=share) for c in chosen]
    return session


# --- contacts ----------------------------------------------------------------------------------

def _contacts(person: Practitioner, rng: random.Random, today: dt.date) -> list[ClinicalContact]:
    """A week's count of contacts, dated the week's Monday as the clinical log asks; a few weeks off for leave.

    PWPs also run a psychoeducation group every other Wednesday (one group contact of 2 hours).
    """
    contacts = []
    owner = person.user.id
    monday = person.first_day + dt.timedelta(days=-person.first_day.weekday() % 7)
    while monday <= today:
        wte = person.profile.wte_on(monday) or Decimal(1)
        if person.working(monday, today) and rng.random() > 0.08:
            if person.track == "pwp":
                count = round(rng.randint(15, 20 if person.trainee else 25) * wte)
                contacts.append(ClinicalContact(owner_id=owner, occurred_on=monday, count=count, step=2,
                                                minutes=count * 30 + rng.randint(0, 4) * 15, individual=True, cbt=True,
                                                format=rng.choice(("telephone", "telephone", "video", "face_to_face"))))
                wednesday = monday + dt.timedelta(days=2)
                if not person.trainee and monday.toordinal() // 7 % 2 == 0 and wednesday <= today:
                    contacts.append(ClinicalContact(owner_id=owner, occurred_on=wednesday, count=1, step=2,
                                                    minutes=120, individual=False, cbt=True, format="group"))
            else:
                count = rng.randint(8, 11) if person.trainee else round(rng.randint(12, 20) * wte)
                video = rng.randint(0, count // 3)
                for fmt, n in (("face_to_face", count - video), ("video", video)):
                    if n:
                        contacts.append(ClinicalContact(owner_id=owner, occurred_on=monday, count=n, step=3,
                                                        minutes=n * 60, individual=True, cbt=True, format=fmt))
        monday += WEEK
    return contacts


# --- CPD ---------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Activity:
    title: str
    provider: str
    category: str
    minutes: tuple[int, int]
    participatory: bool
    learned: str
    practice: str
    cbt: bool = True
    cbt_skills: bool = False


SKILLS_WORKSHOPS = (
    Activity("Behavioural experiments in anxiety disorders: skills workshop", "BABCP Northern Branch", "clinical",
             (360, 420), True, "How to design experiments that test a specific prediction rather than just expose.",
             "I now write the prediction and a percentage belief before and after each experiment.", cbt_skills=True),
    Activity("Imagery rescripting for intrusive memories", "University of Northshire", "clinical", (375, 450), True,
             "When rescripting helps more than reliving, and how to structure the rescript with the client.",
             "I use rescripting for intrusive images in depression, and bring recordings to supervision.",
             cbt_skills=True),
    Activity("Guided self-help skills day: behavioural activation and worry management", "Northshire Talking "
             "Therapies", "clinical", (360, 390), True, "Keeping low-intensity sessions to 30 minutes without "
             "losing the rationale.", "I use the shared agenda template and set one clear task per session.",
             cbt_skills=True),
)
CBT_ACTIVITIES = (
    Activity("Peer case discussion group", "Northshire Talking Therapies", "clinical", (90, 120), True,
             "Colleagues' formulations of complex cases showed me other ways to work with avoidance.",
             "I now review the formulation with the client at session six."),
    Activity("Reading: Clark's cognitive model of social anxiety", "Self-directed", "educational", (120, 180), False,
             "The role of self-focused attention and the observer perspective.",
             "I use a video feedback experiment in social anxiety cases."),
    Activity("Webinar: working with long-term physical health conditions", "NHS England", "clinical", (60, 90), True,
             "How health anxiety and depression interact with long-term conditions.",
             "I ask about physical health routinely at assessment and adapt activity plans."),
    Activity("Outcome measures and data quality workshop", "Northshire Talking Therapies", "research", (120, 180),
             True, "Why paired scores matter for recovery figures.",
             "I score measures at every session and check the last score is recorded at discharge."),
    Activity("Supervision skills refresher", "University of Northshire", "professional", (180, 240), True,
             "Structuring supervision with an agenda and agreed learning goals.",
             "I now agree goals with supervisees at the start of each quarter."),
    Activity("Journal club: CBT for panic", "Northshire Talking Therapies", "educational", (60, 90), True,
             "Recent trial evidence for brief panic treatment.", "I plan interoceptive exposure earlier in treatment."),
    Activity("Reading: behavioural activation manual", "Self-directed", "educational", (90, 150), False,
             "Functional analysis of avoidance in depression.", "I use activity records to find patterns, not just "
             "to schedule."),
    Activity("Team meeting teaching: step-up and step-down decisions", "Northshire Talking Therapies", "management",
             (60, 60), True, "The service criteria for stepping care up and down.",
             "I raise step-up questions in case-management supervision sooner."),
)
#: Activities that are not CBT: at most one a year each, as BABCP allows.
OTHER_ACTIVITIES = (
    Activity("E-learning: information governance", "Northshire Healthcare NHS Foundation Trust", "professional",
             (60, 90), False, "What counts as personal data and how to share it safely.",
             "I keep case references anonymised in every record outside the clinical system.", cbt=False),
    Activity("Safeguarding adults level 3", "Northshire Healthcare NHS Foundation Trust", "professional", (180, 240),
             True, "The thresholds for a safeguarding referral and who to consult.",
             "I discuss safeguarding concerns in supervision the same week and record the decision.", cbt=False),
)


def _cpd(person: Practitioner, rng: random.Random, today: dt.date) -> list[CpdActivity]:
    """6 to 9 activities, each with its reflective statement: a CBT skills workshop of 6 hours or more, and for
    about half the people one activity that is not CBT."""
    how_many, other = rng.randint(6, 9), int(rng.random() < 0.5)
    skills = SKILLS_WORKSHOPS[2] if person.track == "pwp" else rng.choice(SKILLS_WORKSHOPS[:2])
    chosen = [skills, *rng.sample(CBT_ACTIVITIES, how_many - 1 - other), *rng.sample(OTHER_ACTIVITIES, other)]
    days = [d for d in (person.first_day + dt.timedelta(days=n) for n in range((today - person.first_day).days))
            if d.weekday() < 5 and person.working(d, today)]
    dates = sorted(rng.sample(days, how_many))
    hcpc = any(r.regulator is Regulator.HCPC for r in person.profile.registrations)
    return [CpdActivity(
        owner_id=person.user.id, start_on=day, end_on=day, title=a.title, provider=a.provider, category=a.category,
        participatory=a.participatory, minutes=rng.randrange(a.minutes[0], a.minutes[1] + 1, 15),
        cbt=a.cbt, cbt_skills=a.cbt_skills, reflection_learned=a.learned, reflection_practice=a.practice,
        hcpc_standards=sorted(rng.sample([1, 2, 3, 4], 2)) if hcpc else [], competences=[])
        for a, day in zip(chosen, dates)]


# --- NMC revalidation evidence -----------------------------------------------------------------

FEEDBACK = (
    ("patient", "A service user wrote that the therapy plan felt collaborative and easy to follow.",
     "I now send a written summary of the plan after the assessment."),
    ("colleague", "A colleague said my risk summaries in the team meeting were clear and concise.", None),
    ("manager", "My line manager noted that my notes were sometimes completed late.",
     "I now block 15 minutes after each session for notes."),
    ("student", "A student nurse on placement valued how I explained the CBT rationale.",
     "I prepared a one-page guide to the model for students."),
    ("audit", "The service audit showed that my paired outcome measures were complete for all closed cases.", None),
)
ACCOUNTS = (
    ("A recorded session rated by my supervisor with the CTS-R.",
     "I moved to change methods before the formulation was shared with the client.",
     "I check the formulation with the client before planning any intervention.", ["practise_effectively"]),
    ("Feedback from a service user that they had felt rushed at assessment.",
     "Warmth and pacing matter as much as gathering information.",
     "I leave time at the end of assessments for questions and agree the next step together.",
     ["prioritise_people", "promote_professionalism"]),
    ("A risk assessment that I escalated to the duty clinician.",
     "Documenting the reasons for a decision is as important as the decision.",
     "I record the rationale for every risk decision and review it in supervision.", ["preserve_safety"]),
    ("The behavioural experiments skills workshop.",
     "Experiments work best when the prediction is specific and rated.",
     "I use a prediction record for every experiment.", ["practise_effectively"]),
    ("Working in a team under pressure during staff shortages.",
     "I need to ask for help early and be honest about capacity.",
     "I raise caseload concerns with my manager at the weekly meeting.",
     ["promote_professionalism", "preserve_safety"]),
)


def _nmc_evidence(person: Practitioner, rng: random.Random, today: dt.date) -> list[object]:
    """Monthly practice hours for the last 12 months, 5 feedback, 5 reflective accounts and a discussion."""
    owner, started = person.user.id, person.profile.band_started_on or today
    rows: list[object] = []
    month_start = today.replace(day=1)
    for _ in range(12):
        month_end, month_start = month_start - dt.timedelta(days=1), (month_start - dt.timedelta(days=1)).replace(day=1)
        if month_start >= started:  # 3 days a week in the service while training
            hours, setting = rng.randint(88, 100), f"NHS Talking Therapies, Step 3 – {person.profile.job_title}"
        else:
            hours, setting = rng.randint(135, 150), "Community mental health team – nurse, care coordination"
        rows.append(NmcPracticeHours(owner_id=owner, start_on=month_start, end_on=month_end, minutes=hours * 60,
                                     setting=setting))
    for n, (source, summary, changed) in enumerate(FEEDBACK):
        rows.append(NmcFeedback(owner_id=owner, received_on=today - dt.timedelta(days=300 - 60 * n + rng.randint(0, 9)),
                                source=source, summary=summary, what_changed=changed))
    for n, (nature, learned, changed, themes) in enumerate(ACCOUNTS):
        rows.append(NmcReflectiveAccount(owner_id=owner, written_on=today - dt.timedelta(days=280 - 55 * n),
                                         nature_of_experience=nature, what_learned=learned,
                                         how_changed_practice=changed, code_themes=themes))
    rows.append(NmcReflectiveDiscussion(owner_id=owner, held_on=today - dt.timedelta(days=21),
                                        partner_name="Mark Ellison", partner_pin="02A1187E"))
    return rows
