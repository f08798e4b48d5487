"""The demo service's skill mix: people's modalities, specialisms, champion roles and development work, and targets.

Everything goes through app.services.skill_mix, so the demo passes the checks a person typing it
in would meet. The targets leave gaps on purpose: EMDR (one held, Rachel one step away), IPT
(Owen in training), couple therapy (nobody near it) and perinatal (Leah in training); social
inclusion is met. Only `flush()`.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping

from sqlalchemy.orm import Session

from app.services.skill_mix import IN_TRAINING, QUALIFIED, SkillInput, record_skill, set_target, vocabulary
from models import Role, Service, User

#: (person, category, code, status, started (years, months ago), ended (months ago) or None, description)
_Row = tuple[str, str, str, str, tuple[int, int], int | None, str | None]


def _records() -> list[_Row]:
    q, t = QUALIFIED, IN_TRAINING
    return [
        ("nadia", "modality", "cbt", q, (9, 0), None, None),
        ("nadia", "modality", "emdr", q, (5, 0), None, "EMDR Europe accredited practitioner training."),
        ("nadia", "specialism", "ptsd", q, (6, 0), None, None),
        ("nadia", "development", "supervising", q, (4, 0), None,
         "Clinical supervision for the Step 3 therapists and supervision of supervision for senior PWPs."),
        ("owen", "modality", "cbt", q, (7, 0), None, None),
        ("owen", "modality", "ipt", t, (0, 4), None, "IPT practitioner training, first of two terms."),
        ("owen", "specialism", "long-term-conditions", q, (3, 0), None, None),
        ("rachel", "modality", "cbt", q, (4, 0), None, None),
        ("rachel", "modality", "emdr", t, (0, 6), None, "EMDR part 2 completed; supervised practice under way."),
        ("rachel", "specialism", "ptsd", q, (3, 0), None, None),
        ("rachel", "champion", "lgbtq-engagement", q, (2, 0), None,
         "Links with the local LGBTQ+ centre; reviews service leaflets for inclusive language."),
        ("leah", "modality", "counselling-for-depression", q, (6, 0), None, None),
        ("leah", "modality", "cbt", q, (1, 3), None, None),
        ("leah", "specialism", "perinatal", t, (0, 5), None, "Perinatal mental health module at the university."),
        ("grace", "modality", "low-intensity-cbt", q, (7, 0), None, None),
        ("grace", "development", "teaching", q, (2, 0), None,
         "Teaches the guided self-help skills sessions on the PWP course placement days."),
        ("grace", "development", "group", q, (1, 6), None,
         "Runs the six-week stress-control course in the community library, three times a year."),
        ("grace", "development", "supervising", q, (3, 0), None, "Case-management supervision for the Step 2 team."),
        ("mark", "modality", "cbt", q, (12, 0), None, None),
        ("mark", "development", "audit", q, (1, 0), 2,
         "Audit of step-up decisions against the service's stepped-care protocol; report to the governance group."),
        ("mark", "development", "quality-improvement", q, (0, 8), None,
         "QI project to cut the wait from assessment to first Step 3 appointment."),
        ("mark", "development", "service-lead-role", q, (5, 0), None, "Clinical lead for the Step 3 team."),
        ("tom", "modality", "low-intensity-cbt", q, (1, 8), None, None),
        ("tom", "champion", "employment", q, (1, 0), None,
         "Link with the employment advisers; runs the monthly joint case discussion."),
        ("priya", "modality", "low-intensity-cbt", q, (3, 0), None, None),
        ("priya", "champion", "social-inclusion", q, (1, 6), None,
         "Outreach to the town's Bangladeshi community centre with the wellbeing café."),
        ("hannah", "modality", "low-intensity-cbt", q, (5, 0), None, None),
        ("amira", "modality", "low-intensity-cbt", t, (0, 8), None, None),
        ("callum", "modality", "low-intensity-cbt", t, (0, 5), None, None),
        ("daniel", "modality", "cbt", t, (0, 6), None, None),
        ("sophie", "modality", "cbt", t, (0, 11), None, None),
        ("sophie", "modality", "low-intensity-cbt", q, (3, 0), None, None),
    ]


#: (category, code, minimum, note)
TARGETS: tuple[tuple[str, str, int, str | None], ...] = (
    ("modality", "emdr", 2, "Trauma pathway: two EMDR-trained therapists so the waiting list is not one person's."),
    ("modality", "ipt", 1, "NICE-recommended choice for depression."),
    ("modality", "couple-therapy-depression", 1, "Commissioners ask for couple therapy for depression."),
    ("specialism", "perinatal", 1, "Perinatal pathway with the maternity service."),
    ("champion", "social-inclusion", 1, None),
)


def _months_ago(today: dt.date, months: int) -> dt.date:
    """`today` moved back by whole months, clamped to the month's end.

    app.services.demo.shift does the same, but app.services.demo imports this module, so it cannot be imported here.
    """
    index = today.year * 12 + today.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(today.day, calendar.monthrange(year, month + 1)[1]))


def load_demo_skills(session: Session, users: Mapping[str, User], *, today: dt.date) -> None:
    """Each person's skills recorded as themselves; the service lead sets the targets."""
    vocab = vocabulary(session, today)
    for key, category, code, status, (years, months), ended_months_ago, description in _records():
        person = users[key]
        started = _months_ago(today, years * 12 + months)
        ended = _months_ago(today, ended_months_ago) if ended_months_ago is not None else None
        record_skill(session, person, person, category,
                     SkillInput(code=code, status=status, started_on=started, ended_on=ended, description=description),
                     today=today, vocab=vocab)
    lead = users["helen"]
    service = session.get(Service, lead.grants_for(Role.SERVICE_LEAD)[0].service_id)
    assert service is not None
    for category, code, minimum, note in TARGETS:
        set_target(session, lead, service, category=category, code=code, minimum=minimum, note=note,
                   today=today, vocab=vocab)
