"""The synthetic Trust's people, planned in memory before anything is written: structure, jobs, pay history, leave.

Everything comes from a seeded generator (one per person, so the plan never depends on database
ids or batch sizes): the same seed, scale and `today` always give the same people. Pay steps follow
the Agenda for Change step timings (competences.pay); names are invented from common UK names.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from decimal import Decimal

from competences import pay
from models import LeaveKind, RelationshipKind, Role, SupervisionKind

PWP = "Psychological wellbeing practitioner"
FIRST_NAMES = (
    "Amira", "Callum", "Priya", "Tom", "Hannah", "Grace", "Daniel", "Sophie", "Rachel", "Owen", "Leah", "Nadia",
    "Mark", "Helen", "Joanne", "Ben", "Simon", "Aisha", "Oliver", "Chloe", "James", "Zara", "Liam", "Emily",
    "Mohammed", "Olivia", "Jack", "Isla", "Harry", "Ava", "George", "Mia", "Noah", "Ella", "Leo", "Amelia",
    "Arjun", "Freya", "Ethan", "Ruby", "Yusuf", "Lily", "Samuel", "Evie", "Kwame", "Niamh", "Rhys", "Fatima",
    "Adam", "Sian", "Ibrahim", "Megan", "Connor", "Anya", "Lewis", "Catherine", "Tariq", "Bethan", "Joseph",
    "Laura", "Hamza", "Claire", "Rory", "Sarah", "Kofi", "Eleanor", "Matthew", "Imogen", "Ravi", "Jessica",
)
LAST_NAMES = (
    "Hassan", "Reid", "Shah", "Okafor", "Price", "Whitfield", "Moreno", "Lang", "Adeyemi", "Griffiths", "Brennan",
    "Karim", "Ellison", "Marsh", "Kerr", "Carter", "Osei", "Smith", "Jones", "Williams", "Taylor", "Brown",
    "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker",
    "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood",
    "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Khan", "Begum", "Ali", "Ahmed", "Singh",
    "Kaur", "Campbell", "Murphy", "Kelly", "O'Brien", "Mensah", "Nowak", "Kowalski", "Chen", "Nguyen", "Lloyd",
    "Baker", "Fraser", "Mitchell", "Bailey", "Chapman", "Doyle", "Gallagher", "Hughes-Owen", "Iqbal", "Jenkins",
)
AREAS = ("Northvale", "Eastmere", "Westbury", "Southholt", "Riverside", "Highmoor", "Lakeside", "Oakfield",
         "Brookdale", "Fernhill", "Ashford Vale", "Kingsmead", "Stonebridge", "Greenway", "Millbrook", "Harbourside")
HI_PROFESSIONS = (PWP, PWP, "Mental health nurse", "Counsellor", "Social worker", "Occupational therapist",
                  "Mental health nurse")
LEAD_PROFESSIONS = ("Clinical psychologist", "Counselling psychologist", "Mental health nurse")
#: The registration each core profession holds, as (body, credential kind).
PROFESSION_CREDENTIAL = {"Mental health nurse": ("nmc", "nmc"), "Social worker": ("swe", "swe"),
                         "Occupational therapist": ("hcpc", "hcpc"), "Clinical psychologist": ("hcpc", "hcpc"),
                         "Counselling psychologist": ("hcpc", "hcpc"), "Counsellor": ("bacp", "bacp_accreditation")}
#: The pay-progression framework (and so recorded decisions) began on 1 April 2019.
PROGRESSION_FRAMEWORK = dt.date(2019, 4, 1)
TEAM_SIZE = 12
STAFF_PER_SERVICE = 150


@dataclasses.dataclass(frozen=True)
class Job:
    title: str
    band: str
    #: "pwp" (step 2), "hi" (step 3) or "lead" (no caseload).
    track: str
    trainee: bool
    roles: tuple[Role, ...]
    #: The band held before this one, when people usually reach it by promotion.
    previous_band: str | None = None
    previous_title: str | None = None


P, S, LM = Role.PRACTITIONER, Role.SUPERVISOR, Role.LINE_MANAGER
JOBS = {
    "pwp_trainee": Job("Trainee psychological wellbeing practitioner", "4", "pwp", True, (P,)),
    "pwp": Job(PWP, "5", "pwp", False, (P,), "4", "Trainee psychological wellbeing practitioner"),
    "pwp_senior": Job("Senior psychological wellbeing practitioner", "6", "pwp", False, (P, S, LM), "5", PWP),
    "hit_trainee": Job("Trainee high intensity CBT therapist", "6", "hi", True, (P,)),
    "hit": Job("High intensity CBT therapist", "7", "hi", False, (P,), "6", "Trainee high intensity CBT therapist"),
    "hit_principal": Job("Principal CBT therapist", "8a", "hi", False, (P, S, LM), "7", "High intensity CBT therapist"),
    "clinical_lead": Job("Clinical lead", "8b", "lead", False, (S, LM), "8a", "Principal CBT therapist"),
    "service_lead": Job("Service lead", "8c", "lead", False, (Role.SERVICE_LEAD, LM), "8b", "Clinical lead"),
    "consultant": Job("Consultant clinical psychologist", "8d", "lead", False, (S,)),
    "director": Job("Director of psychological therapies", "9", "lead", False, (LM, S), "8c", "Service lead"),
}
#: Twelve places in a team, lead first: many PWPs at bands 4–5, HITs at 6–7, one 8a in a step 3 team.
STEP2_TEAM = ("pwp_senior", "pwp_trainee", "pwp_trainee", "pwp_trainee", *(["pwp"] * 8))
STEP3_TEAM = ("hit_principal", "hit_trainee", "hit_trainee", *(["hit"] * 9))


@dataclasses.dataclass
class Team:
    index: int
    service: int
    name: str
    step: int
    hcas_zone: str
    id: int = 0


@dataclasses.dataclass
class StepDecision:
    from_step: int
    due_on: dt.date
    #: None: confirmed on the due date; else deferred with a review on this day (confirmed then if it has come).
    review_on: dt.date | None = None


@dataclasses.dataclass
class Member:
    index: int
    first: str
    last: str
    email: str
    job: Job
    profession: str
    service: int
    #: Team worked in; None for leads above team level.
    team: int | None
    #: Team whose establishment holds the post.
    post_team: int
    band_start: dt.date
    #: Start date of each pay step reached, step 1 first.
    steps: list[dt.date]
    decisions: list[StepDecision]
    patterns: list[tuple[Decimal, dt.date, dt.date | None]]
    leave: list[tuple[LeaveKind, dt.date, dt.date]]
    #: (senior member index, kind, supervision kind) of this person's relationships as the junior.
    seniors: list[tuple[int, RelationshipKind, SupervisionKind | None]] = dataclasses.field(default_factory=list)
    named: bool = False
    user_id: int = 0
    profile_id: int = 0
    post_id: int = 0

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.last}"

    def wte_on(self, day: dt.date) -> Decimal:
        for wte, start, end in self.patterns:
            if start <= day and (end is None or day <= end):
                return wte
        return Decimal(1)

    def on_leave(self, day: dt.date) -> bool:
        return any(start <= day <= end for _, start, end in self.leave)

    def manager(self) -> int | None:
        return next((s for s, kind, _ in self.seniors if kind is RelationshipKind.LINE_MANAGEMENT), None)

    def supervisor(self) -> int | None:
        return next((s for s, kind, _ in self.seniors if kind is RelationshipKind.SUPERVISION), None)


@dataclasses.dataclass
class Plan:
    services: list[str]
    teams: list[Team]
    members: list[Member]
    #: (team index, job key) of the funded posts nobody holds.
    vacancies: list[tuple[int, str]]
    #: Filled in as the services are written.
    service_ids: list[int] = dataclasses.field(default_factory=list)


def shift_years(day: dt.date, years: int) -> dt.date:
    return pay.add_years(day, years)


def plan_trust(scale: pay.PayScale, zones: set[str], *, staff: int, years: int, seed: int, domain: str,
               today: dt.date) -> Plan:
    """The whole Trust: services of about 150 staff, teams of 12 alternating step 2 and step 3, leads above them."""
    services_n = max(1, round(staff / STAFF_PER_SERVICE))
    services = [f"{AREAS[i % len(AREAS)]}{'' if i < len(AREAS) else f' {i // len(AREAS) + 1}'} Talking Therapies"
                for i in range(services_n)]
    jobs: list[tuple[str, int, int | None]] = []  # (job key, service, team)
    if staff >= 100:
        jobs.append(("director", 0, None))
    jobs += [("consultant", i % services_n, None) for i in range(staff // 500)]
    for s in range(services_n):
        jobs += [("service_lead", s, None), ("clinical_lead", s, None)]
    remaining = max(0, staff - len(jobs))
    teams_n = max(1, math.ceil(remaining / TEAM_SIZE))
    teams: list[Team] = []
    for t in range(teams_n):
        service = t * services_n // teams_n
        step = 2 if t % 2 == 0 else 3
        zone = {1: "outer-london", 4: "fringe"}.get(t % 6, pay.NO_ZONE)
        area = services[service].removesuffix(" Talking Therapies")
        teams.append(Team(t, service, f"Step {step} – {area} {t // 2 + 1}", step,
                          zone if zone in zones else pay.NO_ZONE))
    team_jobs: list[tuple[str, int, int | None]] = []
    for t in range(teams_n):
        template = STEP2_TEAM if teams[t].step == 2 else STEP3_TEAM
        team_jobs += [(key, teams[t].service, t) for key in template]
    # Fill the teams in turn, so a small Trust still has both kinds of team and every team its lead.
    ordered = (jobs + _interleave(team_jobs))[:staff]
    first_team = {s: next((t.index for t in teams if t.service == s), 0) for s in range(services_n)}
    emails: set[str] = set()
    members = []
    for index, (key, service, team) in enumerate(ordered):
        rng = random.Random(f"{seed}:person:{index}")  # nosec B311  # seeded synthetic data, not a secret
        members.append(_member(rng, index, JOBS[key], service, team, first_team[service], scale, years, today,
                               domain, emails))
    _relate(members, teams)
    vacancies = [(t.index, "pwp" if t.step == 2 else "hit") for t in teams if t.index % 3 == 2]
    return Plan(services, teams, members, vacancies)


def _interleave(jobs: list[tuple[str, int, int | None]]) -> list[tuple[str, int, int | None]]:
    """Team places ordered round by round (every team's lead, then every team's second place …)."""
    by_team: dict[int | None, list[tuple[str, int, int | None]]] = {}
    for job in jobs:
        by_team.setdefault(job[2], []).append(job)
    out = []
    for round_ in range(max((len(v) for v in by_team.values()), default=0)):
        out += [places[round_] for places in by_team.values() if round_ < len(places)]
    return out


def _member(rng: random.Random, index: int, job: Job, service: int, team: int | None, home_team: int,
            scale: pay.PayScale, years: int, today: dt.date, domain: str, emails: set[str]) -> Member:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    local = f"{first}.{last}".lower().replace("'", "").replace(" ", "-")
    email, n = f"{local}@{domain}", 1
    while email in emails:
        n += 1
        email = f"{local}{n}@{domain}"
    emails.add(email)
    if job.trainee:
        band_start = today - dt.timedelta(days=rng.randint(14, 330))
    else:
        band_start = today - dt.timedelta(days=rng.randint(60, 365 * (12 if job.band in {"5", "7"} else 9)))
    profession = (PWP if job.track == "pwp" else rng.choice(HI_PROFESSIONS) if job.track == "hi"
                  else rng.choice(LEAD_PROFESSIONS))
    steps, decisions = _pay_history(rng, scale, job.band, band_start, today)
    window_start = shift_years(today, -years)
    patterns = _patterns(rng, job, band_start, today)
    leave = _leave(rng, max(band_start, window_start), today)
    return Member(index, first, last, email, job, profession, service, team,
                  team if team is not None else home_team, band_start, steps, decisions, patterns, leave)


def _pay_history(rng: random.Random, scale: pay.PayScale, band: str, band_start: dt.date,
                 today: dt.date) -> tuple[list[dt.date], list[StepDecision]]:
    """Step start dates by the AfC timings; since 2019 a decision for each move, a few deferred for three months."""
    steps: list[dt.date] = [band_start]
    decisions: list[StepDecision] = []
    while True:
        due = pay.next_step_date(scale, band, len(steps), steps[-1])
        if due is None or due > today:
            return steps, decisions
        if due >= PROGRESSION_FRAMEWORK:
            review = due + dt.timedelta(days=91) if rng.random() < 0.06 else None
            decisions.append(StepDecision(len(steps), due, review))
            if review is not None:
                if review > today:
                    return steps, decisions
                due = review
        steps.append(due)


def _patterns(rng: random.Random, job: Job, band_start: dt.date,
              today: dt.date) -> list[tuple[Decimal, dt.date, dt.date | None]]:
    roll = rng.random()
    if job.trainee or roll < 0.7:
        return [(Decimal("1.00"), band_start, None)]
    part = Decimal(rng.choice(("0.60", "0.80", "0.80", "0.50")))
    if roll < 0.9 or (today - band_start).days < 400:
        return [(part, band_start, None)]
    change = band_start + dt.timedelta(days=rng.randint(180, (today - band_start).days - 30))
    return [(Decimal("1.00"), band_start, change - dt.timedelta(days=1)), (part, change, None)]


def _leave(rng: random.Random, start: dt.date, today: dt.date) -> list[tuple[LeaveKind, dt.date, dt.date]]:
    span = (today - start).days - 60
    if span <= 30:
        return []
    roll = rng.random()
    begins = start + dt.timedelta(days=rng.randint(30, span))
    if roll < 0.04:
        return [(LeaveKind.MATERNITY, begins, begins + dt.timedelta(weeks=52, days=-1))]
    if roll < 0.14:
        return [(LeaveKind.SICKNESS, begins, begins + dt.timedelta(weeks=rng.randint(2, 6), days=-1))]
    return []


def _relate(members: list[Member], teams: list[Team]) -> None:
    """Team leads supervise and manage their teams; clinical leads the team leads; service leads the clinical leads."""
    sup, lm = RelationshipKind.SUPERVISION, RelationshipKind.LINE_MANAGEMENT
    K = SupervisionKind
    lead_of: dict[int, int] = {}
    by_key: dict[tuple[str, int], int] = {}
    director = next((m.index for m in members if m.job is JOBS["director"]), None)
    consultants = [m.index for m in members if m.job is JOBS["consultant"]]
    for m in members:
        if m.team is not None and m.team not in lead_of:
            lead_of[m.team] = m.index
        if m.team is None:
            by_key.setdefault((_key(m.job), m.service), m.index)
    principal_of = {teams[t].service: i for t, i in lead_of.items() if teams[t].step == 3}
    for m in members:
        clinical_lead = by_key.get(("clinical_lead", m.service))
        service_lead = by_key.get(("service_lead", m.service))
        if m.team is not None and lead_of[m.team] != m.index:
            lead = lead_of[m.team]
            kinds = (K.CASE_MANAGEMENT, K.CLINICAL_SKILLS) if teams[m.team].step == 2 else (K.CLINICAL,)
            m.seniors += [(lead, sup, k) for k in kinds] + [(lead, lm, None)]
        elif m.team is not None:  # a team lead
            sos = principal_of.get(m.service) if m.job.track == "pwp" else clinical_lead
            if m.job.track == "hi" and clinical_lead is not None:
                m.seniors.append((clinical_lead, sup, K.CLINICAL))
            if sos is not None and sos != m.index:
                m.seniors.append((sos, sup, K.SUPERVISION_OF_SUPERVISION))
            if clinical_lead is not None:
                m.seniors.append((clinical_lead, lm, None))
        elif m.job is JOBS["clinical_lead"]:
            if consultants:
                m.seniors.append((consultants[m.service % len(consultants)], sup, K.CLINICAL))
            if service_lead is not None:
                m.seniors.append((service_lead, lm, None))
        elif m.job in (JOBS["service_lead"], JOBS["consultant"]) and director is not None:
            m.seniors.append((director, lm, None))


def _key(job: Job) -> str:
    return next(k for k, v in JOBS.items() if v is job)


__all__ = ["JOBS", "Job", "Member", "Plan", "StepDecision", "Team", "plan_trust"]
