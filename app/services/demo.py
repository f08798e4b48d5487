"""A fictional NHS Talking Therapies service to explore Waymark with: `waymark demo` loads it into an empty database.

Every person, number and organisation here is invented. Dates are relative to `today`, so the
home pages always have something to show (a renewal due soon, a relationship ending soon) and
tests can pin the day. Only `flush()`: the caller commits, and the audited session records it all.
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from app.services.accounts import AuthSettings, create_user
from app.services.demo_evidence import load_demo_evidence
from app.services.demo_portfolio import load_demo_portfolio
from app.services.demo_supervision import load_demo_supervision
from app.services.demo_posts import load_demo_posts
from app.services.demo_skills import load_demo_skills
from app.services.demo_progression import load_demo_progression
from competences.credentials import DEFAULT_KIND_FOR_BODY
from models import (LeaveKind, LeaveOfAbsence, Organisation, ProfessionalRegistration, Regulator, RelationshipKind,
                    Role, Service, StaffProfile, StaffRelationship, SupervisionKind, Team, User, WorkingPattern)
from models.audit import record

#: Shown by `waymark demo`; long enough for the password rules, and useless outside a demo.
DEMO_PASSWORD = "waymark-demo-2026"  # nosec B105  # demo accounts only; `waymark demo` prints it
DOMAIN = "northshire.example"
ORGANISATION = "Northshire Healthcare NHS Foundation Trust"
SERVICE = "Northshire Talking Therapies"
NORTH_STEP2, NORTH_STEP3, SOUTH = "Step 2 – North", "Step 3 – North", "Step 2/3 – South"

PWP = "Psychological wellbeing practitioner"
NURSE = "Mental health nurse"


def shift(day: dt.date, *, years: int = 0, months: int = 0, days: int = 0) -> dt.date:
    """`day` moved by whole years and months (clamped to the month's end, so 29 Feb → 28 Feb), then days."""
    month_index = day.year * 12 + day.month - 1 + years * 12 + months
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last)) + dt.timedelta(days=days)


@dataclasses.dataclass(frozen=True)
class Post:
    """One person's job; `steps` are the dates each pay step began, entry step first (AfC timing)."""

    job_title: str
    core_profession: str
    team: str | None
    band: str
    steps: tuple[dt.date, ...]
    employee_number: str
    #: Only where the step number is not simply len(steps), e.g. a top reached before 8b had three points.
    pay_step: int | None = None


@dataclasses.dataclass(frozen=True)
class Person:
    first: str
    last: str
    roles: tuple[Role, ...]
    post: Post | None = None
    #: (body, number, awarded on, renewal due on[, credential kind: else the body's usual one])
    registrations: tuple[tuple[Regulator, str, dt.date, dt.date] | tuple[Regulator, str, dt.date, dt.date, str],
                         ...] = ()
    #: (WTE, starts on, ends on); defaults to full time from the band start.
    patterns: tuple[tuple[str, dt.date, dt.date | None], ...] = ()

    @property
    def key(self) -> str:
        return self.first.lower()

    @property
    def email(self) -> str:
        return f"{self.first.lower()}.{self.last.lower().replace(' ', '-')}@{DOMAIN}"


def _steps(band_start: dt.date, *gaps_in_years: int) -> tuple[dt.date, ...]:
    """Step start dates: the band start, then each later step after the AfC minimum (facts §1.1)."""
    dates = [band_start]
    for gap in gaps_in_years:
        dates.append(shift(dates[-1], years=gap))
    return tuple(dates)


def _people(today: dt.date) -> list[Person]:
    t = today

    def ago(**kw: int) -> dt.date:
        return shift(t, **{k: -v for k, v in kw.items()})

    def ahead(days: int) -> dt.date:
        return t + dt.timedelta(days=days)

    P, S, LM = Role.PRACTITIONER, Role.SUPERVISOR, Role.LINE_MANAGER
    leah_start, leah_change = ago(months=18), ago(months=3)
    return [
        # Band 4 to 5: 3 years; band 5: 2 + 2; bands 6 to 9: 2 + 3 (8a and above since 1 April 2024).
        Person("Amira", "Hassan", (P,), Post("Trainee psychological wellbeing practitioner", PWP, NORTH_STEP2,
                                             "4", _steps(ago(days=240)), "40120001")),
        Person("Callum", "Reid", (P,), Post("Trainee psychological wellbeing practitioner", PWP, SOUTH,
                                            "4", _steps(ago(days=150)), "40120002")),
        Person("Priya", "Shah", (P,), Post(PWP, PWP, NORTH_STEP2, "5", _steps(ago(years=3), 2), "40120003"),
               registrations=((Regulator.BPS, "WPW-204518", ago(years=3), ahead(150)),)),
        Person("Tom", "Okafor", (P,), Post(PWP, PWP, SOUTH, "5", _steps(ago(months=23)), "40120004"),
               registrations=((Regulator.BABCP, "PWP-118204", ago(months=19), ahead(200), "babcp_pwp_register"),)),
        Person("Hannah", "Price", (P,), Post(PWP, PWP, NORTH_STEP2, "5", _steps(ago(years=5), 2, 2), "40120005"),
               registrations=((Regulator.BPS, "WPW-197733", ago(years=5), ahead(300)),)),
        Person("Grace", "Whitfield", (P, S, LM), Post("Senior psychological wellbeing practitioner", PWP,
                                                      NORTH_STEP2, "6", _steps(ago(years=6), 2, 3), "40120006"),
               registrations=((Regulator.BABCP, "PWP-100877", ago(years=7), ahead(90), "babcp_pwp_register"),)),
        Person("Daniel", "Moreno", (P,), Post("Trainee high intensity CBT therapist", NURSE, NORTH_STEP3,
                                              "6", _steps(ago(days=200)), "40120007"),
               registrations=((Regulator.NMC, "17I2840E", ago(years=6), ahead(400)),)),
        Person("Sophie", "Lang", (P,), Post("Trainee high intensity CBT therapist", PWP, SOUTH,
                                            "6", _steps(ago(days=340)), "40120008"),
               registrations=((Regulator.BABCP, "PWP-121560", ago(years=3), ahead(260), "babcp_pwp_register"),)),
        Person("Rachel", "Adeyemi", (P, S), Post("High intensity CBT therapist", "Social worker", NORTH_STEP3,
                                                 "7", _steps(ago(years=4), 2), "40120009"),
               registrations=((Regulator.BABCP, "CBT-088412", ago(years=4), ahead(45)),
                              (Regulator.SWE, "SW-551902", ago(years=9), ahead(330)))),
        Person("Owen", "Griffiths", (P,), Post("High intensity CBT therapist", "Occupational therapist",
                                               NORTH_STEP3, "7", _steps(ago(years=7), 2, 3), "40120010"),
               registrations=((Regulator.BABCP, "CBT-071936", ago(years=7), ahead(220)),
                              (Regulator.HCPC, "OT-64821", ago(years=12), ahead(480))),
               patterns=(("0.60", ago(years=7), None),)),
        Person("Leah", "Brennan", (P,), Post("High intensity CBT therapist", "Counsellor", SOUTH,
                                             "7", _steps(leah_start), "40120011"),
               registrations=((Regulator.BABCP, "CBT-097310", ago(months=15), ahead(180)),
                              (Regulator.BACP, "BACP-310448", ago(years=8), ahead(100))),
               patterns=(("1.00", leah_start, leah_change - dt.timedelta(days=1)), ("0.80", leah_change, None))),
        Person("Nadia", "Karim", (P, S), Post("Principal CBT therapist", "Clinical psychologist", NORTH_STEP3,
                                              "8a", _steps(ago(years=3), 2), "40120012"),
               registrations=((Regulator.HCPC, "PYL-30917", ago(years=10), ahead(330)),
                              (Regulator.BABCP, "CBT-054288", ago(years=8), ahead(120)))),
        Person("Mark", "Ellison", (S, LM), Post("Clinical lead", NURSE, NORTH_STEP3,
                                                "8b", _steps(ago(years=9), 5), "40120013", pay_step=3),
               registrations=((Regulator.NMC, "02A1187E", ago(years=20), ahead(700)),
                              (Regulator.BABCP, "CBT-031675", ago(years=12), ahead(240)))),
        # The service lead's own manager is a Trust director outside Waymark, so she shows as a cover gap.
        Person("Helen", "Marsh", (Role.SERVICE_LEAD, LM), Post("Service lead", "Counselling psychologist", None,
                                                               "8c", _steps(ago(months=30), 2), "40120014"),
               registrations=((Regulator.HCPC, "PYL-22604", ago(years=15), ahead(400)),)),
        Person("Joanne", "Kerr", (Role.HR,)),
        Person("Ben", "Carter", (Role.ADMIN,)),
        Person("Simon", "Osei", (Role.COURSE_TUTOR,)),
    ]


def _relationships(today: dt.date, start: dict[str, dt.date]) -> list[tuple[str, str, RelationshipKind,
                                                                            SupervisionKind | None, dt.date,
                                                                            dt.date | None]]:
    """(senior, junior, kind, supervision kind, starts on, ends on), people named by first name."""
    sup, lm, tut = RelationshipKind.SUPERVISION, RelationshipKind.LINE_MANAGEMENT, RelationshipKind.TUTORING
    cm, cs = SupervisionKind.CASE_MANAGEMENT, SupervisionKind.CLINICAL_SKILLS
    clin, sos = SupervisionKind.CLINICAL, SupervisionKind.SUPERVISION_OF_SUPERVISION
    # Tom's clinical-skills supervision moved from Rachel to Grace last autumn: the ended one is history.
    handover = dt.date(today.year - 1, 10, 1)
    rels = [
        ("grace", "amira", sup, cm, start["amira"], None), ("rachel", "amira", sup, cs, start["amira"], None),
        ("grace", "callum", sup, cm, start["callum"], None), ("grace", "callum", sup, cs, start["callum"], None),
        ("grace", "priya", sup, cm, start["priya"], None), ("rachel", "priya", sup, cs, start["priya"], None),
        ("grace", "tom", sup, cm, start["tom"], None),
        ("rachel", "tom", sup, cs, start["tom"], handover - dt.timedelta(days=1)),
        ("grace", "tom", sup, cs, handover, None),
        ("grace", "hannah", sup, cm, start["hannah"], None), ("grace", "hannah", sup, cs, start["hannah"], None),
        ("nadia", "daniel", sup, clin, start["daniel"], None), ("rachel", "sophie", sup, clin, start["sophie"], None),
        ("nadia", "rachel", sup, clin, start["rachel"], None), ("nadia", "owen", sup, clin, start["owen"], None),
        ("nadia", "leah", sup, clin, start["leah"], None), ("mark", "nadia", sup, clin, start["nadia"], None),
        ("nadia", "grace", sup, sos, start["grace"], None), ("nadia", "rachel", sup, sos, start["rachel"], None),
        ("mark", "nadia", sup, sos, start["nadia"], None),
        # Trainees are tutored for their one-year course; Sophie's ends in three weeks.
        ("simon", "amira", tut, None, start["amira"], start["amira"] + dt.timedelta(days=364)),
        ("simon", "callum", tut, None, start["callum"], start["callum"] + dt.timedelta(days=364)),
        ("simon", "daniel", tut, None, start["daniel"], start["daniel"] + dt.timedelta(days=364)),
        ("simon", "sophie", tut, None, start["sophie"], today + dt.timedelta(days=21)),
    ]
    for junior in ("amira", "callum", "priya", "tom", "hannah"):
        rels.append(("grace", junior, lm, None, start[junior], None))
    for junior in ("grace", "daniel", "sophie", "rachel", "owen", "leah", "nadia"):
        rels.append(("mark", junior, lm, None, start[junior], None))
    rels.append(("helen", "mark", lm, None, start["helen"], None))
    return rels


def load_demo(session: Session, settings: AuthSettings, *, today: dt.date | None = None,
              evidence_dir: Path | None = None) -> list[tuple[str, list[str]]]:
    """Create the demo Trust, service, teams, staff and relationships; return (e-mail, role labels) per account.

    With `evidence_dir` (the evidence store) it also loads the trainees' evidence files, training, ratings
    and KSA portfolio (app.services.demo_evidence); without it, nothing is written to disk.
    """
    today = today or dt.date.today()
    org = Organisation(name=ORGANISATION)
    service = Service(organisation=org, name=SERVICE)
    teams = {name: Team(service=service, name=name) for name in (NORTH_STEP2, NORTH_STEP3, SOUTH)}
    session.add_all([org, service, *teams.values()])
    session.flush()

    users: dict[str, User] = {}
    start: dict[str, dt.date] = {}
    logins: list[tuple[str, list[str]]] = []
    for person in _people(today):
        grants = [(role, service if role is Role.SERVICE_LEAD else None) for role in person.roles]
        user = create_user(session, email=person.email, full_name=f"{person.first} {person.last}", organisation=org,
                           roles=grants, password=DEMO_PASSWORD, settings=settings)
        users[person.key] = user
        if person.post is not None:
            start[person.key] = person.post.steps[0]
            session.add(_profile(user, person, person.post, teams, today))
        logins.append((user.email, [role.label for role in Role if role in person.roles]))
    session.flush()

    for senior, junior, kind, supervision_kind, starts_on, ends_on in _relationships(today, start):
        # Nobody looks after anyone before they themselves were in post.
        starts_on = max(starts_on, start.get(senior, starts_on))
        session.add(StaffRelationship(kind=kind, supervision_kind=supervision_kind, senior=users[senior],
                                      junior=users[junior], starts_on=starts_on, ends_on=ends_on))
    session.flush()
    load_demo_portfolio(session, users, today=today)
    if evidence_dir is not None:
        load_demo_evidence(session, users, today=today, store_dir=evidence_dir)
    load_demo_supervision(session, users, today=today)
    load_demo_posts(session, users, today=today)
    load_demo_skills(session, users, today=today)
    load_demo_progression(session, users, today=today)
    record(session, "demo_loaded", "organisations", org.id, detail={"accounts": len(logins)})
    return logins


def _profile(user: User, person: Person, post: Post, teams: dict[str, Team], today: dt.date) -> StaffProfile:
    profile = StaffProfile(user=user, job_title=post.job_title, core_profession=post.core_profession,
                           team=teams[post.team] if post.team else None, band=post.band,
                           band_started_on=post.steps[0], pay_step=post.pay_step or len(post.steps),
                           step_started_on=post.steps[-1], employee_number=post.employee_number)
    for wte, starts_on, ends_on in person.patterns or (("1.00", post.steps[0], None),):
        profile.working_patterns.append(WorkingPattern(wte=Decimal(wte), starts_on=starts_on, ends_on=ends_on))
    for regulator, number, registered_on, renewal_due_on, *kind in person.registrations:
        profile.registrations.append(ProfessionalRegistration(
            regulator=regulator, registration_number=number, registered_on=registered_on,
            renewal_due_on=renewal_due_on, kind=kind[0] if kind else DEFAULT_KIND_FOR_BODY[regulator.value]))
    if person.key == "hannah":
        # Fifty-two weeks' maternity leave, four months in.
        begins = today - dt.timedelta(days=120)
        profile.leave_periods.append(LeaveOfAbsence(kind=LeaveKind.MATERNITY, starts_on=begins,
                                                    ends_on=begins + dt.timedelta(weeks=52, days=-1)))
    return profile
