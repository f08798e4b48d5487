"""Clinical activity: cases with their outcome measures, and contacts, as the pathways count them.

Outcomes are computed, never stored: `case_outcome` judges a case with competences.outcomes
against the outcome-measures data in force, so a corrected cut-off changes every page at once.
Contacts are one session or a week's count (the week's Monday); the weekly totals are the
figures the rules ask about ("2 CBT contacts a week", "2 h a week of Step 2 practice",
"200 h of individual CBT practice").
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services.errors import DomainError
from app.services.privacy import check_case_reference
from competences.outcomes import CourseScores, Measure, Outcome, OutcomeMeasures, check_score, measure, outcome
from models import ClinicalCase, ClinicalContact, User

MODALITIES: dict[str, str] = {
    "cbt": "Cognitive behavioural therapy (CBT)",
    "guided_self_help": "Guided self-help",
    "ipt": "Interpersonal psychotherapy (IPT)",
    "counselling_for_depression": "Counselling for depression",
    "dit": "Dynamic interpersonal therapy (DIT)",
    "couple_therapy": "Couple therapy for depression",
    "other": "Other",
}
FORMATS: dict[str, str] = {
    "face_to_face": "Face to face",
    "telephone": "Telephone",
    "video": "Video",
    "group": "Group",
    "digital": "Digital",
}
STEPS = (2, 3)
MAX_CASE_REF = 40
MAX_ATTENDED_SESSIONS = 100
#: A measure whose highest score is unknown still refuses absurd values.
UNKNOWN_MAX_SCORE = 999
MAX_CONTACTS_PER_ENTRY = 60
MAX_MINUTES_PER_ENTRY = 3000
MAX_MINUTES_PER_CONTACT = 240
WEEKS_SHOWN = 12
#: The figures the pathways ask for (facts.md §4.1, §4.4, §6).
CBT_CONTACTS_A_WEEK = 2
STEP2_MINUTES_A_WEEK = 120
INDIVIDUAL_CBT_MINUTES = 200 * 60


def score_field(when: str, measure_id: str) -> str:
    """The form field a score error belongs beside: first_phq9, last_ies_r."""
    return f"{when}_{measure_id.replace('-', '_')}"


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


# --- cases -------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CaseValues:
    """What a person types about one case; scores by measure id, only those given."""

    case_ref: str
    problem: str
    step: int
    modality: str
    started_on: dt.date
    ended_on: dt.date | None
    training_case: bool
    closely_supervised: bool
    assessed_case_study: bool
    attended_sessions: int
    first_scores: Mapping[str, int]
    last_scores: Mapping[str, int]


def _check_score(m: Measure, score: int, field: str) -> None:
    try:
        check_score(m, score)
    except ValueError as exc:
        raise DomainError(f"{exc}", field=field) from None
    if m.max_score is None and score > UNKNOWN_MAX_SCORE:
        raise DomainError(f"{m.code} score {score} is too high: enter at most {UNKNOWN_MAX_SCORE}", field=field)


def _check_case(session: Session, owner_id: int, values: CaseValues, data: OutcomeMeasures, today: dt.date,
                case_id: int | None = None) -> str:
    """Every rule a case must meet; returns the tidied reference."""
    ref = values.case_ref.strip()
    if not ref:
        raise DomainError("Enter the case reference", field="case_ref")
    if len(ref) > MAX_CASE_REF:
        raise DomainError(f"Case reference must be {MAX_CASE_REF} characters or fewer", field="case_ref")
    check_case_reference(ref, "case_ref")
    clash = session.execute(select(ClinicalCase.id, ClinicalCase.deleted_at).where(
        ClinicalCase.owner_id == owner_id, func.lower(ClinicalCase.case_ref) == ref.lower(),
        ClinicalCase.id != (case_id or 0))).first()
    if clash is not None:
        where = " (it is among your deleted cases: restore it instead)" if clash.deleted_at is not None else ""
        raise DomainError(f"You already have a case with the reference {ref}{where}. Give each case its own reference",
                          field="case_ref")
    if values.problem not in {p.id for p in data.problems}:
        raise DomainError("Choose the presenting problem from the list", field="problem")
    if values.step not in STEPS:
        raise DomainError("Choose step 2 or step 3", field="step")
    if values.modality not in MODALITIES:
        raise DomainError("Choose the modality from the list", field="modality")
    if values.started_on > today:
        raise DomainError("The start date cannot be in the future", field="started_on")
    if values.ended_on is not None:
        if values.ended_on < values.started_on:
            raise DomainError("The end date cannot be before the start date", field="ended_on")
        if values.ended_on > today:
            raise DomainError("The end date cannot be in the future: leave it blank while the case is open",
                              field="ended_on")
    if values.closely_supervised and not values.training_case:
        raise DomainError("Only a training case can be closely supervised: tick ‘Training case’ or untick this",
                          field="closely_supervised")
    if values.assessed_case_study and not values.training_case:
        raise DomainError("Only a training case can be an assessed case study: tick ‘Training case’ or untick this",
                          field="assessed_case_study")
    if not 0 <= values.attended_sessions <= MAX_ATTENDED_SESSIONS:
        raise DomainError(f"Attended treatment sessions must be between 0 and {MAX_ATTENDED_SESSIONS}",
                          field="attended_sessions")
    for when, scores in (("first", values.first_scores), ("last", values.last_scores)):
        for measure_id, score in scores.items():
            field = score_field(when, measure_id)
            try:
                m = measure(data, measure_id)
            except KeyError:
                raise DomainError(f"There is no outcome measure {measure_id!r}", field=field) from None
            _check_score(m, score, field)
    return ref


def _apply(case: ClinicalCase, values: CaseValues, ref: str) -> None:
    case.case_ref = ref
    case.problem = values.problem
    case.step = values.step
    case.modality = values.modality
    case.started_on = values.started_on
    case.ended_on = values.ended_on
    case.training_case = values.training_case
    case.closely_supervised = values.closely_supervised
    case.assessed_case_study = values.assessed_case_study
    case.attended_sessions = values.attended_sessions
    case.first_scores = dict(values.first_scores)
    case.last_scores = dict(values.last_scores)


def create_case(session: Session, owner: User, values: CaseValues, data: OutcomeMeasures,
                today: dt.date) -> ClinicalCase:
    ref = _check_case(session, owner.id, values, data, today)
    case = ClinicalCase(owner=owner)
    _apply(case, values, ref)
    session.add(case)
    session.flush()
    return case


def update_case(session: Session, case: ClinicalCase, values: CaseValues, data: OutcomeMeasures,
                today: dt.date) -> ClinicalCase:
    if case.deleted_at is not None:
        raise DomainError("This case has been deleted: restore it before changing it")
    ref = _check_case(session, case.owner_id, values, data, today, case_id=case.id)
    _apply(case, values, ref)
    session.flush()
    return case


def case_outcome(case: ClinicalCase, data: OutcomeMeasures) -> Outcome:
    """The case's outcome (facts.md §11); an open case is not a finished course of treatment yet.

    Raises DomainError when the stored scores no longer fit the data in force (a corrected range,
    a problem withdrawn), so a page can say so instead of failing.
    """
    course = CourseScores(problem=case.problem, attended_treatment_sessions=case.attended_sessions,
                          first={k: int(v) for k, v in (case.first_scores or {}).items()},
                          last={k: int(v) for k, v in (case.last_scores or {}).items()})
    try:
        if case.ended_on is not None:
            return outcome(data, course)
        # Judged as if no sessions were attended: caseness at the start and the measures chosen
        # still come out, and outcome() ends its notes with the "not finished" one, replaced here.
        so_far = outcome(data, dataclasses.replace(course, attended_treatment_sessions=0))
    except ValueError as exc:
        raise DomainError(f"This case's outcome cannot be judged against the outcome-measures data in force: {exc}") \
            from None
    still_open = ("The case is still open: a course of treatment is finished only when it ends with at least "
                  f"{data.min_attended_treatment_sessions} attended treatment sessions, so recovery and reliable "
                  "change are judged then.")
    return dataclasses.replace(so_far, notes=(*so_far.notes[:-1], still_open))


@dataclasses.dataclass(frozen=True)
class Explained:
    """One verdict in plain words: the question, the answer and what decides it."""

    question: str
    answer: str
    rule: str


def _answer(verdict: bool | None, *, judged: bool = True) -> str:
    if not judged:
        return "Not judged: the course is not finished"
    return "Cannot be judged (see the notes)" if verdict is None else ("Yes" if verdict else "No")


def _recovery_answer(result: Outcome) -> str:
    if result.finished and result.case_at_start is False:
        return "Does not apply: not at caseness at the start"
    return _answer(result.recovered, judged=result.finished)


def _cut(m: Measure) -> str:
    return f"{m.code} {m.caseness_from} or more" if m.caseness_from is not None else f"{m.code} at its cut-off (not known yet)"


def _change(m: Measure) -> str:
    return f"at least {m.reliable_change} on {m.code}" if m.reliable_change is not None else \
        f"a reliable change on {m.code} (the size is not known yet)"


def explain_outcome(result: Outcome, data: OutcomeMeasures) -> tuple[Explained, ...]:
    """The verdicts with the rule behind each, for the case page."""
    dep, anx = (measure(data, i) for i in result.measures_used)
    need = data.min_attended_treatment_sessions
    return (
        Explained("Finished course of treatment", _answer(result.finished),
                  f"The case has ended and at least {need} treatment sessions were attended."),
        Explained("At caseness at the start", _answer(result.case_at_start),
                  f"The first {dep.code} or the first {anx.code} is at caseness: {_cut(dep)}, or {_cut(anx)}."),
        Explained("Recovered", _recovery_answer(result),
                  f"A finished course that started at caseness and ended below caseness on both {dep.code} "
                  f"and {anx.code}."),
        Explained("Reliably improved", _answer(result.reliably_improved, judged=result.finished),
                  f"A fall of {_change(dep)} or {_change(anx)} from the first to the last session, with no reliable "
                  "rise on the other."),
        Explained("Reliably deteriorated", _answer(result.reliably_deteriorated, judged=result.finished),
                  f"A rise of {_change(dep)} or {_change(anx)} from the first to the last session."),
    )


@dataclasses.dataclass(frozen=True)
class CaseloadSummary:
    total: int
    open: int
    #: (presenting problem title, number of cases), in the data file's order, problems with cases only.
    by_problem: tuple[tuple[str, int], ...]
    finished: int
    #: Finished courses that started at caseness.
    finished_at_caseness: int
    recovered: int
    #: Finished courses at caseness whose recovery could be judged (the rate's denominator).
    recovery_judged: int
    reliably_improved: int
    reliably_deteriorated: int
    #: Cases whose scores no longer fit the outcome data in force.
    not_judged: int

    @property
    def recovery_rate(self) -> Decimal | None:
        """Per cent, to one decimal place; None when no finished case at caseness could be judged."""
        if not self.recovery_judged:
            return None
        return (Decimal(100 * self.recovered) / self.recovery_judged).quantize(Decimal("0.1"), ROUND_HALF_UP)


def caseload_summary(cases: Iterable[ClinicalCase], data: OutcomeMeasures) -> CaseloadSummary:
    """Counts over the cases given (already loaded: no queries here)."""
    titles = {p.id: p.title for p in data.problems}
    problems: Counter[str] = Counter()
    total = still_open = finished = at_caseness = recovered = judged = improved = deteriorated = not_judged = 0
    for case in cases:
        total += 1
        problems[case.problem] += 1
        still_open += case.ended_on is None
        try:
            result = case_outcome(case, data)
        except DomainError:
            not_judged += 1
            continue
        if not result.finished:
            continue
        finished += 1
        improved += result.reliably_improved is True
        deteriorated += result.reliably_deteriorated is True
        if result.case_at_start is True:
            at_caseness += 1
            if result.recovered is not None:
                judged += 1
                recovered += result.recovered
    order = [p.id for p in data.problems] + sorted(set(problems) - set(titles))
    by_problem = tuple((titles.get(pid, pid), problems[pid]) for pid in order if problems[pid])
    return CaseloadSummary(total=total, open=still_open, by_problem=by_problem, finished=finished,
                           finished_at_caseness=at_caseness, recovered=recovered, recovery_judged=judged,
                           reliably_improved=improved, reliably_deteriorated=deteriorated, not_judged=not_judged)


# --- contacts ----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ContactValues:
    """One session (`week` False, count 1) or a week's contacts dated on the week's Monday."""

    occurred_on: dt.date
    week: bool
    count: int
    minutes: int
    step: int
    format: str
    individual: bool
    cbt: bool
    case_id: int | None = None


def _check_contacts(session: Session, owner_id: int, values: ContactValues, today: dt.date) -> ClinicalCase | None:
    day = values.occurred_on
    if day > today:
        raise DomainError("The date cannot be in the future", field="occurred_on")
    if values.week and day.weekday() != 0:
        raise DomainError(f"For a week’s contacts, give the Monday the week starts on "
                          f"(that week’s Monday is {monday_of(day):%-d %B %Y})", field="occurred_on")
    if not values.week and values.count != 1:
        raise DomainError("One session is one contact: choose ‘A week’s contacts’ to record more than one",
                          field="count")
    if not 1 <= values.count <= MAX_CONTACTS_PER_ENTRY:
        raise DomainError(f"Number of contacts must be between 1 and {MAX_CONTACTS_PER_ENTRY}", field="count")
    if values.minutes < 1:
        raise DomainError("Total minutes must be at least 1", field="minutes")
    if values.minutes > MAX_MINUTES_PER_ENTRY:
        raise DomainError(f"Total minutes must be {MAX_MINUTES_PER_ENTRY:,} (50 hours) or fewer", field="minutes")
    if values.count == 1 and values.minutes > MAX_MINUTES_PER_CONTACT:
        raise DomainError(f"One contact cannot last more than {MAX_MINUTES_PER_CONTACT} minutes (4 hours)",
                          field="minutes")
    if values.minutes > values.count * MAX_MINUTES_PER_CONTACT:
        raise DomainError(f"That is more than {MAX_MINUTES_PER_CONTACT} minutes (4 hours) a contact", field="minutes")
    if values.minutes < values.count:
        raise DomainError("That is less than a minute a contact: give the total minutes of all the contacts",
                          field="minutes")
    if values.step not in STEPS:
        raise DomainError("Choose step 2 or step 3", field="step")
    if values.format not in FORMATS:
        raise DomainError("Choose the format from the list", field="format")
    if values.format == "group" and values.individual:
        raise DomainError("A group session is not individual: choose ‘Group’ or another format", field="individual")
    if values.case_id is None:
        return None
    case = session.get(ClinicalCase, values.case_id)
    if case is None or case.owner_id != owner_id or case.deleted_at is not None:
        raise DomainError("Choose one of your cases from the list", field="case_id")
    last_day = day + dt.timedelta(days=6) if values.week else day
    if last_day < case.started_on:
        raise DomainError(f"Case {case.case_ref} started on {case.started_on:%-d %B %Y}, after these contacts",
                          field="case_id")
    if case.ended_on is not None and day > case.ended_on:
        raise DomainError(f"Case {case.case_ref} ended on {case.ended_on:%-d %B %Y}, before these contacts",
                          field="case_id")
    return case


def _apply_contacts(contact: ClinicalContact, values: ContactValues, case: ClinicalCase | None) -> None:
    contact.occurred_on = values.occurred_on
    contact.count = values.count
    contact.minutes = values.minutes
    contact.step = values.step
    contact.format = values.format
    contact.individual = values.individual
    contact.cbt = values.cbt
    contact.case = case


def record_contacts(session: Session, owner: User, values: ContactValues, today: dt.date) -> ClinicalContact:
    case = _check_contacts(session, owner.id, values, today)
    contact = ClinicalContact(owner=owner)
    _apply_contacts(contact, values, case)
    session.add(contact)
    session.flush()
    return contact


def update_contacts(session: Session, contact: ClinicalContact, values: ContactValues,
                    today: dt.date) -> ClinicalContact:
    if contact.deleted_at is not None:
        raise DomainError("These contacts have been deleted: restore them before changing them")
    case = _check_contacts(session, contact.owner_id, values, today)
    _apply_contacts(contact, values, case)
    session.flush()
    return contact


@dataclasses.dataclass(frozen=True)
class WeekTotals:
    monday: dt.date
    contacts: int = 0
    cbt_contacts: int = 0
    step2_minutes: int = 0
    individual_cbt_minutes: int = 0


@dataclasses.dataclass(frozen=True)
class ContactTotals:
    #: Oldest week first; the last is the current week, so far.
    weeks: tuple[WeekTotals, ...]
    #: Individual CBT minutes ever recorded (the "200 h of individual CBT practice").
    individual_cbt_minutes_all_time: int

    @property
    def cbt_contacts_a_week(self) -> Decimal:
        """Average over the weeks shown, to one decimal place."""
        total = sum(w.cbt_contacts for w in self.weeks)
        return (Decimal(total) / len(self.weeks)).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def step2_minutes_a_week(self) -> int:
        """Average over the weeks shown, in whole minutes (rounded half up)."""
        total = sum(w.step2_minutes for w in self.weeks)
        return int((Decimal(total) / len(self.weeks)).quantize(Decimal(1), ROUND_HALF_UP))


def weekly_contact_totals(session: Session, owner: User, today: dt.date, weeks: int = WEEKS_SHOWN) -> ContactTotals:
    """Totals for the `weeks` weeks (Monday to Sunday) up to today's, from two queries whatever the number of rows."""
    first = monday_of(today) - dt.timedelta(weeks=weeks - 1)
    c = ClinicalContact
    rows = session.execute(
        select(c.occurred_on, c.step, c.cbt, c.individual, func.sum(c.count), func.sum(c.minutes))
        .where(c.owner_id == owner.id, c.deleted_at.is_(None), c.occurred_on >= first, c.occurred_on <= today)
        .group_by(c.occurred_on, c.step, c.cbt, c.individual))
    sums: dict[dt.date, list[int]] = {first + dt.timedelta(weeks=n): [0, 0, 0, 0] for n in range(weeks)}
    for day, step, cbt, individual, count, minutes in rows:
        week = sums[monday_of(day)]
        week[0] += int(count)
        if cbt:
            week[1] += int(count)
        if step == 2:
            week[2] += int(minutes)
        if cbt and individual:
            week[3] += int(minutes)
    all_time = session.scalar(select(func.coalesce(func.sum(c.minutes), 0)).where(
        c.owner_id == owner.id, c.deleted_at.is_(None), c.individual.is_(True), c.cbt.is_(True))) or 0
    return ContactTotals(weeks=tuple(WeekTotals(monday, *values) for monday, values in sums.items()),
                         individual_cbt_minutes_all_time=int(all_time))
