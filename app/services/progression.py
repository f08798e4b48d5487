"""Pay-step progression: who is due, the five pay progression standards, appraisals, HR standing, and the
line manager's decision with HR's corrections.

Agenda for Change steps are not automatic (facts §1.1): a manager records a confirmed progression, or a
deferral with a support plan and a review date, against the pay progression standards (facts §1.2).
HR record mandatory training and the two formal-process flags, oversee every decision and may correct
one; a correction is a new decision naming the one it replaces, so nothing is edited away.

Rules a reviewer would ask about:

* A deferral may be recorded from 30 days before the step date (local policy, so a round can be run
  ahead of it); a confirmation only from the step date, so the step never changes early. Neither for
  someone at the top of their band or whose step date cannot be worked out.
* The standards are judged as at the step date or today, whichever is later: an appraisal that will be
  more than 12 months old on the step date does not count for that step.
* A decision counts for the current step only if its band, step and step date all match: someone moved
  back to a step (or whose step date moved) is due a new decision.
* One live decision per step: a confirmed step moves the person on, and a deferral stands until its
  review date, when the manager records the review's outcome as a new decision (the deferral stays in
  the history). Before then a change is an HR correction.
* A confirmed step starts on the step date by default; after a deferral, on the day it is confirmed.
* Confirming when a standard is not met needs the override ticked and a reason that says why; the same
  holds for HR's corrections. HR correct only the latest decision, and never one they made themselves.
* The standards' titles come from the pay data (`[[standards]]`), and the appraisal look-back from the
  next-pay-step pathway (models.hr_snapshot.appraisal_months).
* Free text here (summary, reason, plan, correction reason) refuses patient identifiers.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from app.services import pay_steps
from app.services.errors import DomainError, NotPermitted
from app.services.privacy import refuse_patient_identifiers
from app.services.staff_scope import (Scope, can_correct_progression, can_decide_progression, can_record_hr_standing,
                                      people_in)
from competences.catalogue import Catalogue
from competences.evidence import HrFacts
from competences.windows import add_months, long_date
from models import audit
from models.enums import Role
from models.hr import (Appraisal, AppraisalOutcome, EmploymentChange, HrStanding, ProgressionDecision,
                       ProgressionOutcome)
from models.hr_snapshot import HrRecord, appraisal_cutoff, appraisal_months, hr_records_for
from models.base import utcnow
from models.organisation import Team
from models.people import RoleGrant, StaffProfile, User
from models.reference_data import catalogue_for

DECIDE_DAYS_BEFORE = 30
"""Local policy, not Agenda for Change: a deferral may be recorded this many days before the step date, so a
round can be run ahead of it. A confirmation waits for the step date itself."""
MAX_TEXT = 4000
PROGRESSION_REASON = "Pay step progression"
CORRECTION_REASON = "Pay step progression corrected"

MET, NOT_MET, NOT_RECORDED, NOT_APPLICABLE = "met", "not_met", "not_recorded", "not_applicable"
STATUS_TEXT = {MET: "Met", NOT_MET: "Not met", NOT_RECORDED: "Not recorded", NOT_APPLICABLE: "Not applicable"}


# --- the five standards ------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Standard:
    key: str
    title: str
    status: str
    detail: str = ""

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]


#: Which of the pay data's standards (afc_pay_england.toml [[standards]] id) each check judges, in page order.
STANDARD_IDS = {
    "appraisal": "appraisal",
    "mandatory_training": "statutory-mandatory-training",
    "no_capability_process": "no-capability-process",
    "no_disciplinary_sanction": "no-live-disciplinary-sanction",
    "team_appraisals": "team-appraisals-complete",
}


@dataclasses.dataclass(frozen=True)
class StandardRules:
    """The facts the standards are judged by, from data: their titles and the appraisal look-back."""

    titles: Mapping[str, str]
    appraisal_months: int


def standard_rules(catalogue: Catalogue, on: dt.date) -> StandardRules:
    """Titles from the pay scale's `[[standards]]`; months from the next-pay-step pathway (12 without it)."""
    scale = pay_steps.pay_scale(catalogue, on)
    texts = {s.id: s.text for s in scale.standards}
    missing = [i for i in STANDARD_IDS.values() if i not in texts]
    if missing:
        raise ValueError(f"{pay_steps.PAY_SCALE_ID}: no [[standards]] entry with id {', '.join(missing)}")
    return StandardRules({key: texts[i] for key, i in STANDARD_IDS.items()}, appraisal_months(catalogue, on))


def _flag(value: bool | None, good: bool) -> str:
    return NOT_RECORDED if value is None else (MET if value == good else NOT_MET)


def judged_on(today: dt.date, step_on: dt.date | None) -> dt.date:
    """The day the standards are judged as at: the step date, or today once it has passed."""
    return max(today, step_on) if step_on is not None else today


def standards(record: HrRecord | None, *, is_line_manager: bool, rules: StandardRules, today: dt.date,
              step_on: dt.date | None = None) -> tuple[Standard, ...]:
    """The five pay progression standards (facts §1.2) as met, not met, not recorded or not applicable,
    the appraisal judged as at `judged_on(today, step_on)`."""
    record = record or HrRecord(HrFacts())
    facts, titles, months = record.facts, rules.titles, rules.appraisal_months
    on = judged_on(today, step_on)
    if facts.last_appraisal_on is not None:
        fresh = facts.last_appraisal_on >= appraisal_cutoff(on, months)
        late = f", more than {months} months " + (f"before the step date, {long_date(on)}" if on > today else "ago")
        appraisal = Standard("appraisal", titles["appraisal"], MET if fresh else NOT_MET,
                             f"Last appraisal {long_date(facts.last_appraisal_on)}" + ("" if fresh else late))
    elif record.latest_appraisal_outcome is AppraisalOutcome.DOES_NOT_MEET and record.latest_appraisal_on:
        appraisal = Standard("appraisal", titles["appraisal"], NOT_MET,
                             f"The appraisal on {long_date(record.latest_appraisal_on)} was not in line with "
                             "organisational standards")
    else:
        appraisal = Standard("appraisal", titles["appraisal"], NOT_RECORDED, "No appraisal recorded")
    not_due = f"; {record.reports_not_due} not yet due one" if record.reports_not_due else ""
    if not is_line_manager:
        team = Standard("team_appraisals", titles["team_appraisals"], NOT_APPLICABLE, "Not a line manager")
    elif facts.team_appraisals_done is None:
        team = Standard("team_appraisals", titles["team_appraisals"], NOT_RECORDED, "Nobody line-managed today")
    elif not record.reports:
        team = Standard("team_appraisals", titles["team_appraisals"], MET,
                        f"None of their {record.reports_not_due} staff is due an appraisal yet")
    else:
        team = Standard("team_appraisals", titles["team_appraisals"], MET if facts.team_appraisals_done else NOT_MET,
                        f"{record.reports - record.reports_unappraised} of {record.reports} appraised{not_due}")
    return (
        appraisal,
        Standard("mandatory_training", titles["mandatory_training"], _flag(facts.mandatory_training_complete, True)),
        Standard("no_capability_process", titles["no_capability_process"], _flag(facts.capability_process, False)),
        Standard("no_disciplinary_sanction", titles["no_disciplinary_sanction"],
                 _flag(facts.live_disciplinary_sanction, False)),
        team,
    )


def unmet(items: Sequence[Standard]) -> list[Standard]:
    return [s for s in items if s.status == NOT_MET]


# --- the round ---------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class DueRow:
    user_id: int
    profile_id: int
    name: str
    team: str | None
    position: pay_steps.StepPosition
    standards: tuple[Standard, ...]
    #: The live decision about the current step, if any.
    decision: ProgressionDecision | None
    #: "due", "overdue", "review" (a deferral's review date falls in the window) or "review_overdue" (it has
    #: passed with no decision since).
    status: str

    @property
    def status_text(self) -> str:
        return {"due": "Due", "overdue": "Overdue", "review": "Deferral review due",
                "review_overdue": "Deferral review overdue"}[self.status]


@dataclasses.dataclass(frozen=True)
class _Due:
    """A person on the round before their standards are judged (their HR records are loaded only for the rows
    shown)."""

    user_id: int
    profile_id: int
    name: str
    team: str | None
    position: pay_steps.StepPosition
    decision: ProgressionDecision | None
    status: str


def _live_decisions(session: Session, people: Select[int]) -> dict[int, list[ProgressionDecision]]:
    """Live decisions that may be about the current step of the profiles `people` selects (a subquery, not an IN
    list of thousands). Such a decision names the current band and the next step date, which is never before the
    current step began, so decisions about earlier steps (nearly all of them) are not loaded; _for_step decides."""
    out: dict[int, list[ProgressionDecision]] = {}
    for d in session.scalars(select(ProgressionDecision)
                             .join(StaffProfile, StaffProfile.id == ProgressionDecision.profile_id)
                             .where(ProgressionDecision.profile_id.in_(people),
                                    ProgressionDecision.superseded.is_(False),
                                    ProgressionDecision.band == StaffProfile.band,
                                    ProgressionDecision.due_on >= StaffProfile.step_started_on)
                             .order_by(ProgressionDecision.decided_at, ProgressionDecision.id)):
        out.setdefault(d.profile_id, []).append(d)
    return out


def _for_step(decisions: Sequence[ProgressionDecision], position: pay_steps.StepPosition) -> ProgressionDecision | None:
    """The latest live decision about the person's current step (band, step and step date), if any."""
    return next((d for d in reversed(decisions) if d.band == position.band and d.from_step == position.step
                 and d.due_on == position.next_step_on), None)


def _due(session: Session, scope: Scope, today: dt.date, start: dt.date | None, end: dt.date | None, *,
         search: str | None, team_id: int | None, overdue_only: bool, catalogue: Catalogue) -> list[_Due]:
    """Who is on the round, in its order: plain rows for the people in scope (no User objects), their positions
    and live decisions, in three queries (four when leave defers steps)."""
    stmt = people_in(scope).with_only_columns(
        User.id, User.full_name, Team.name, StaffProfile.id, StaffProfile.band, StaffProfile.pay_step,
        StaffProfile.step_started_on)
    if team_id is not None:
        stmt = stmt.where(StaffProfile.team_id == team_id)
    if search and search.strip():
        stmt = stmt.where(User.full_name.icontains(search.strip(), autoescape=True))
    people = session.execute(stmt.order_by(User.full_name, User.id)).all()
    if not people:
        return []
    profiles = stmt.with_only_columns(StaffProfile.id)
    where = pay_steps.positions_of(session, [(p[3], p[4], p[5], p[6]) for p in people], today, catalogue,
                                   people=profiles)
    decisions = _live_decisions(session, profiles)
    out: list[_Due] = []
    for user_id, name, team, pid, *_step in people:
        pos = where[pid]
        if pos.next_step_on is None:
            continue
        decision = _for_step(decisions.get(pid, ()), pos)
        status = _status(pos, decision, today, start, end, overdue_only)
        if status is not None:
            out.append(_Due(user_id, pid, name, team, pos, decision, status))
    return sorted(out, key=lambda r: (_sort_date(r), r.name, r.user_id))


def _judged(session: Session, due: Sequence[_Due], today: dt.date, rules: StandardRules) -> list[DueRow]:
    """The rows with their five standards: HR records and line managers of these people only (two queries for HR
    records, one for managers), so a page of 50 judges 50 people, not the whole scope."""
    if not due:
        return []
    records = hr_records_for(session, [r.profile_id for r in due], today, months=rules.appraisal_months)
    # One query for who line-manages (standard 5's team appraisals), not a batch of role grants per 500 people.
    managers = set(session.scalars(select(RoleGrant.user_id).where(
        RoleGrant.role == Role.LINE_MANAGER, RoleGrant.user_id.in_(sorted({r.user_id for r in due})))))
    return [DueRow(r.user_id, r.profile_id, r.name, r.team, r.position,
                   standards(records.get(r.profile_id), is_line_manager=r.user_id in managers, rules=rules,
                             today=today, step_on=r.position.next_step_on),
                   r.decision, r.status) for r in due]


def due_list(session: Session, scope: Scope, today: dt.date, start: dt.date | None, end: dt.date | None, *,
             search: str | None = None, team_id: int | None = None, overdue_only: bool = False) -> list[DueRow]:
    """Everyone in scope due a step in [start, end], overdue (step date past, no decision), with a deferral
    review in the window, or whose deferral review has passed (listed whatever the window); ordered by date.
    A fixed number of queries whatever the number of people."""
    catalogue = catalogue_for(session)
    due = _due(session, scope, today, start, end, search=search, team_id=team_id, overdue_only=overdue_only,
               catalogue=catalogue)
    return _judged(session, due, today, standard_rules(catalogue, today))


def due_page(session: Session, scope: Scope, today: dt.date, start: dt.date | None, end: dt.date | None,
             number: int, per_page: int, *, search: str | None = None, team_id: int | None = None,
             overdue_only: bool = False) -> tuple[list[DueRow], int, int]:
    """(page `number` of due_list, clamped to the last page; how many are on the round in all; that page number).

    The order needs only positions and decisions, so the standards are judged for the page's people alone.
    """
    catalogue = catalogue_for(session)
    due = _due(session, scope, today, start, end, search=search, team_id=team_id, overdue_only=overdue_only,
               catalogue=catalogue)
    total = len(due)
    number = min(max(number, 1), max(1, -(-total // per_page)))
    shown = due[(number - 1) * per_page:number * per_page]
    return _judged(session, shown, today, standard_rules(catalogue, today)), total, number


def _sort_date(row: _Due) -> dt.date:
    if row.status in {"review", "review_overdue"} and row.decision is not None and row.decision.review_on is not None:
        return row.decision.review_on
    assert row.position.next_step_on is not None
    return row.position.next_step_on


def _status(pos: pay_steps.StepPosition, decision: ProgressionDecision | None, today: dt.date,
            start: dt.date | None, end: dt.date | None, overdue_only: bool) -> str | None:
    assert pos.next_step_on is not None
    review_on = decision.review_on if decision is not None and decision.outcome is ProgressionOutcome.DEFERRED \
        else None
    if review_on is not None and review_on < today:
        return "review_overdue"
    if decision is None and pos.next_step_on < today:
        return "overdue"
    if overdue_only or start is None or end is None:
        return None
    if review_on is not None and start <= review_on <= end:
        return "review"
    if decision is None and pos.due_between(start, end):
        return "due"
    return None


# --- one person --------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class PersonProgression:
    person: User
    profile: StaffProfile | None
    position: pay_steps.StepPosition | None
    standards: tuple[Standard, ...]
    record: HrRecord | None
    standing: HrStanding | None
    appraisals: list[Appraisal]
    #: Newest first, corrections and superseded decisions included.
    decisions: list[ProgressionDecision]
    live_decision: ProgressionDecision | None
    #: Why a decision cannot be recorded today (None: it can).
    not_decidable: str | None
    #: Who last changed the HR standing.
    standing_by: User | None = None
    #: The one decision HR may correct: the latest that has not been corrected.
    latest_decision: ProgressionDecision | None = None


def person_progression(session: Session, person: User, today: dt.date) -> PersonProgression:
    """Everything the person's progression page shows, loaded up front (nothing loads from the template)."""
    profile = session.scalar(select(StaffProfile).where(StaffProfile.user_id == person.id).options(
        selectinload(StaffProfile.team)))
    if profile is None:
        return PersonProgression(person, None, None, (), None, None, [], [], None, "No staff profile is recorded")
    catalogue = catalogue_for(session)
    rules = standard_rules(catalogue, today)
    pos = pay_steps.positions(session, [profile.id], today, catalogue).get(profile.id)
    record = hr_records_for(session, [profile.id], today, months=rules.appraisal_months).get(profile.id)
    standing = session.scalar(select(HrStanding).where(HrStanding.profile_id == profile.id))
    standing_by = session.get(User, standing.updated_by_id) if standing else None
    appraisals = list(session.scalars(select(Appraisal).where(Appraisal.profile_id == profile.id)
                                      .options(selectinload(Appraisal.appraiser), selectinload(Appraisal.recorded_by))
                                      .order_by(Appraisal.held_on.desc(), Appraisal.id.desc())))
    decisions = list(session.scalars(select(ProgressionDecision).where(ProgressionDecision.profile_id == profile.id)
                                     .options(selectinload(ProgressionDecision.decided_by))
                                     .order_by(ProgressionDecision.decided_at.desc(), ProgressionDecision.id.desc())))
    live = _for_step([d for d in reversed(decisions) if not d.superseded], pos) if pos else None
    items = standards(record, is_line_manager=person.has_role(Role.LINE_MANAGER), rules=rules, today=today,
                      step_on=pos.next_step_on if pos else None)
    latest = next((d for d in decisions if not d.superseded), None)
    return PersonProgression(person, profile, pos, items, record, standing, appraisals, decisions, live,
                             _why_not_decidable(pos, live, today), standing_by, latest)


def _why_not_decidable(pos: pay_steps.StepPosition | None, live: ProgressionDecision | None,
                       today: dt.date) -> str | None:
    if pos is None or pos.problem:
        return (pos.problem if pos else None) or "The step date cannot be worked out"
    if pos.at_top or pos.next_step_on is None:
        return "They are at the top of their band: there is no further pay step"
    opens = pos.next_step_on - dt.timedelta(days=DECIDE_DAYS_BEFORE)
    if today < opens:
        return (f"Their step date is {long_date(pos.next_step_on)}: a decision can be recorded from "
                f"{long_date(opens)}")
    if live is not None and live.outcome is ProgressionOutcome.CONFIRMED:
        return "This step has already been confirmed: HR can correct the decision"
    if live is not None and live.review_on is not None and today < live.review_on:
        return (f"This step was deferred until a review on {long_date(live.review_on)}: until then HR can "
                "correct the decision")
    return None


# --- appraisals and HR standing ----------------------------------------------------------------

def _profile(person: User) -> StaffProfile:
    if person.profile is None:
        raise DomainError(f"{person.full_name} has no staff profile: ask an administrator to record it")
    return person.profile


def _employed_from(profile: StaffProfile) -> dt.date | None:
    starts = [p.starts_on for p in profile.working_patterns] + ([profile.band_started_on] if profile.band_started_on
                                                                 else [])
    return min(starts) if starts else None


def _text(value: str | None, field: str, label: str, *, required: bool) -> str | None:
    text = (value or "").strip() or None
    if required and text is None:
        raise DomainError(f"Enter {label}", field=field)
    if text is not None and len(text) > MAX_TEXT:
        raise DomainError(f"{label[0].upper()}{label[1:]} must be {MAX_TEXT:,} characters or fewer", field=field)
    refuse_patient_identifiers(text, field)
    return text


def record_appraisal(session: Session, person: User, *, held_on: dt.date | None, outcome: AppraisalOutcome | None,
                     summary: str | None, actor: User, today: dt.date) -> Appraisal:
    """The current line manager records an appraisal they held (standard 1; standard 5 for themselves)."""
    if not can_decide_progression(session, actor, person, today):
        raise NotPermitted("Only their line manager records an appraisal")
    profile = _profile(person)
    if held_on is None:
        raise DomainError("Enter the date the appraisal was held", field="held_on")
    if held_on > today:
        raise DomainError("The appraisal date cannot be in the future", field="held_on")
    started = _employed_from(profile)
    if started is not None and held_on < started:
        raise DomainError(f"The appraisal date cannot be before they started, on {long_date(started)}",
                          field="held_on")
    if outcome is None:
        raise DomainError("Choose the outcome of the appraisal", field="outcome")
    appraisal = Appraisal(profile_id=profile.id, held_on=held_on, outcome=outcome,
                          summary=_text(summary, "summary", "a summary", required=False),
                          appraiser_id=actor.id, recorded_by_id=actor.id)
    session.add(appraisal)
    session.flush()
    return appraisal


def save_standing(session: Session, person: User, *, mandatory_training_complete: bool | None,
                  checked_on: dt.date | None, capability_process: bool | None, disciplinary_sanction: bool | None,
                  sanction_live_until: dt.date | None, actor: User, today: dt.date | None = None) -> HrStanding:
    """HR record standards 2 to 4; "not recorded" (None) is a value HR may choose, never assumed."""
    if not can_record_hr_standing(session, actor, person):
        raise NotPermitted("Only HR covering this person record their HR standing")
    profile = _profile(person)
    today = today or dt.date.today()
    if mandatory_training_complete is not None and checked_on is None:
        raise DomainError("Enter the date the training record was checked", field="checked_on")
    if checked_on is not None and checked_on > today:
        raise DomainError("The date checked cannot be in the future", field="checked_on")
    if sanction_live_until is not None and disciplinary_sanction is not True:
        raise DomainError("Leave the end date blank unless there is a disciplinary sanction",
                          field="sanction_live_until")
    standing = session.scalar(select(HrStanding).where(HrStanding.profile_id == profile.id))
    if standing is None:
        standing = HrStanding(profile_id=profile.id)
        session.add(standing)
    standing.mandatory_training_complete = mandatory_training_complete
    standing.mandatory_training_checked_on = checked_on if mandatory_training_complete is not None else None
    standing.capability_process = capability_process
    standing.disciplinary_sanction = disciplinary_sanction
    standing.sanction_live_until = sanction_live_until
    standing.updated_by_id = actor.id
    standing.updated_at = utcnow()
    session.flush()
    return standing


# --- decisions ---------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class DecisionInput:
    outcome: ProgressionOutcome | None
    reason: str | None
    plan: str | None = None
    review_on: dt.date | None = None
    effective_on: dt.date | None = None
    override: bool = False


def _checked(values: DecisionInput, today: dt.date) -> tuple[ProgressionOutcome, str, str | None, dt.date | None]:
    if values.outcome is None:
        raise DomainError("Choose whether to confirm or defer the step", field="outcome")
    reason = _text(values.reason, "reason", "the reason", required=True)
    assert reason is not None
    if values.outcome is ProgressionOutcome.DEFERRED:
        plan = _text(values.plan, "plan", "the support plan", required=True)
        if values.review_on is None:
            raise DomainError("Enter the date the deferral will be reviewed", field="review_on")
        if values.review_on <= today:
            raise DomainError("The review date must be after today", field="review_on")
        return values.outcome, reason, plan, values.review_on
    return values.outcome, reason, None, None


def _apply_step(session: Session, profile: StaffProfile, *, to_step: int, started_on: dt.date | None,
                effective_on: dt.date, actor: User, reason: str) -> None:
    """Move the profile to `to_step` from `effective_on`, with the career history row that says so."""
    session.add(EmploymentChange(profile_id=profile.id, effective_on=effective_on, band=profile.band,
                                 pay_step=to_step, previous_band=profile.band, previous_step=profile.pay_step,
                                 reason=reason, recorded_by_id=actor.id))
    profile.pay_step = to_step
    profile.step_started_on = started_on


def _confirmed_start(missing: Sequence[Standard], *, override: bool, step_on: dt.date, effective_on: dt.date | None,
                     default: dt.date, today: dt.date) -> dt.date:
    """The day a confirmed step starts, once the rules for confirming hold (decide() and correct() alike)."""
    if today < step_on:
        raise DomainError(f"A step can be confirmed from its step date, {long_date(step_on)}: until then it can "
                          "only be deferred", field="outcome")
    if missing and not override:
        names = "; ".join(s.title[0].lower() + s.title[1:] for s in missing)
        raise DomainError(f"Not met: {names}. Defer the step, or tick the override and say in the reason why "
                          "it is confirmed", field="override")
    start = effective_on or default
    if start < step_on:
        raise DomainError(f"The new step cannot start before the step date, {long_date(step_on)}",
                          field="effective_on")
    if start > today:
        raise DomainError(f"The new step cannot start after today: choose a day from the step date, "
                          f"{long_date(step_on)}, to today", field="effective_on")
    return start


def decide(session: Session, person: User, *, outcome: ProgressionOutcome | None, reason: str | None,
           plan: str | None = None, review_on: dt.date | None = None, effective_on: dt.date | None = None,
           override: bool = False, actor: User, today: dt.date) -> ProgressionDecision:
    """The line manager confirms or defers the person's next step (see the module's rules)."""
    if not can_decide_progression(session, actor, person, today):
        raise NotPermitted("Only their line manager records a pay-step decision")
    view = person_progression(session, person, today)
    if view.not_decidable:
        raise DomainError(view.not_decidable, field="outcome")
    pos, profile = view.position, view.profile
    assert pos is not None and profile is not None and pos.next_step_on is not None and pos.step is not None
    chosen, reason_text, plan_text, review = _checked(
        DecisionInput(outcome, reason, plan, review_on, effective_on, override), today)
    decision = ProgressionDecision(profile_id=profile.id, band=pos.band, from_step=pos.step, to_step=pos.step + 1,
                                   due_on=pos.next_step_on, outcome=chosen, reason=reason_text, plan=plan_text,
                                   review_on=review, decided_by_id=actor.id)
    if chosen is ProgressionOutcome.CONFIRMED:
        after_deferral = view.live_decision is not None
        start = _confirmed_start(unmet(view.standards), override=override, step_on=pos.next_step_on,
                                 effective_on=effective_on, default=today if after_deferral else pos.next_step_on,
                                 today=today)
        decision.effective_on = start
        decision.previous_step_started_on = profile.step_started_on
        _apply_step(session, profile, to_step=pos.step + 1, started_on=start, effective_on=start, actor=actor,
                    reason=PROGRESSION_REASON)
    session.add(decision)
    session.flush()
    return decision


def latest_decision(session: Session, profile_id: int) -> ProgressionDecision | None:
    """The person's newest decision that has not been corrected: the only one HR may correct."""
    return session.scalar(select(ProgressionDecision).where(
        ProgressionDecision.profile_id == profile_id, ProgressionDecision.superseded.is_(False))
        .order_by(ProgressionDecision.decided_at.desc(), ProgressionDecision.id.desc()).limit(1))


def may_correct(session: Session, actor: User, person: User, decision: ProgressionDecision) -> bool:
    """HR covering the person, about a decision someone else made."""
    return decision.decided_by_id != actor.id and can_correct_progression(session, actor, person)


def _standards_for(session: Session, person: User, profile: StaffProfile, step_on: dt.date,
                   today: dt.date) -> tuple[Standard, ...]:
    rules = standard_rules(catalogue_for(session), today)
    record = hr_records_for(session, [profile.id], today, months=rules.appraisal_months).get(profile.id)
    return standards(record, is_line_manager=person.has_role(Role.LINE_MANAGER), rules=rules, today=today,
                     step_on=step_on)


def correct(session: Session, decision: ProgressionDecision, *, outcome: ProgressionOutcome | None,
            reason: str | None, plan: str | None = None, review_on: dt.date | None = None,
            effective_on: dt.date | None = None, override: bool = False, correction_reason: str | None,
            actor: User, today: dt.date) -> ProgressionDecision:
    """HR replace the latest decision with a corrected one; the step and its start date follow the new outcome,
    each change of step or start date with its career history row."""
    profile = session.get(StaffProfile, decision.profile_id)
    assert profile is not None
    person = session.get(User, profile.user_id)
    assert person is not None
    if not can_correct_progression(session, actor, person):
        raise NotPermitted("Only HR covering this person correct a pay-step decision")
    if decision.decided_by_id == actor.id:
        raise NotPermitted("Another member of HR corrects a decision you made")
    if decision.superseded:
        raise DomainError("This decision has already been corrected: correct the latest one", field="outcome")
    latest = latest_decision(session, profile.id)
    if latest is not None and latest.id != decision.id:
        raise DomainError(f"A later decision was recorded on {long_date(latest.decided_at.date())}: only the "
                          "latest decision can be corrected", field="outcome")
    why = _text(correction_reason, "correction_reason", "why the decision is corrected", required=True)
    chosen, reason_text, plan_text, review = _checked(DecisionInput(outcome, reason, plan, review_on, effective_on),
                                                      today)
    was_confirmed = decision.outcome is ProgressionOutcome.CONFIRMED
    expected = decision.to_step if was_confirmed else decision.from_step
    if profile.band != decision.band or profile.pay_step != expected:
        raise DomainError(f"Their band or step has changed since this decision (now band {profile.band}, step "
                          f"{profile.pay_step}): record the change with HR's employment tools", field="outcome")
    new = ProgressionDecision(profile_id=profile.id, band=decision.band, from_step=decision.from_step,
                              to_step=decision.to_step, due_on=decision.due_on, outcome=chosen, reason=reason_text,
                              plan=plan_text, review_on=review, decided_by_id=actor.id, corrects_id=decision.id,
                              correction_reason=why)
    if chosen is ProgressionOutcome.CONFIRMED:
        start = _confirmed_start(unmet(_standards_for(session, person, profile, decision.due_on, today)),
                                 override=override, step_on=decision.due_on, effective_on=effective_on,
                                 default=decision.effective_on or decision.due_on, today=today)
        new.effective_on = start
        if was_confirmed:
            new.previous_step_started_on = decision.previous_step_started_on
            if start != profile.step_started_on:
                # The same step from a different day: the career history says so.
                session.add(EmploymentChange(profile_id=profile.id, effective_on=start, band=profile.band,
                                             pay_step=decision.to_step, previous_band=profile.band,
                                             previous_step=decision.from_step, reason=CORRECTION_REASON,
                                             recorded_by_id=actor.id))
                profile.step_started_on = start
        else:
            new.previous_step_started_on = profile.step_started_on
            _apply_step(session, profile, to_step=decision.to_step, started_on=start, effective_on=start,
                        actor=actor, reason=CORRECTION_REASON)
    elif was_confirmed:
        # Confirmed in error: back to the earlier step and the day it began.
        new.previous_step_started_on = decision.previous_step_started_on
        _apply_step(session, profile, to_step=decision.from_step, started_on=decision.previous_step_started_on,
                    effective_on=decision.effective_on or decision.due_on, actor=actor, reason=CORRECTION_REASON)
    decision.superseded = True
    session.add(new)
    session.flush()
    audit.record(session, "progression_corrected", "progression_decisions", new.id, actor_id=actor.id,
                 detail={"corrects": decision.id, "from": decision.outcome.value, "to": chosen.value})
    return new


def decisions_in(scope: Scope, *, outcome: str | None = None) -> Select[Any]:
    """Every decision about people in scope, newest first (for HR oversight; paginate it)."""
    people = people_in(scope).with_only_columns(StaffProfile.id)
    stmt = (select(ProgressionDecision).where(ProgressionDecision.profile_id.in_(people.scalar_subquery()))
            .options(selectinload(ProgressionDecision.profile).selectinload(StaffProfile.user),
                     selectinload(ProgressionDecision.decided_by))
            .order_by(ProgressionDecision.decided_at.desc(), ProgressionDecision.id.desc()))
    if outcome == "corrected":
        stmt = stmt.where(or_(ProgressionDecision.corrects_id.is_not(None), ProgressionDecision.superseded.is_(True)))
    elif outcome in {o.value for o in ProgressionOutcome}:
        stmt = stmt.where(ProgressionDecision.outcome == ProgressionOutcome(outcome))
    return stmt


def default_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The default window of a round: today to three months ahead."""
    return today, add_months(today, 3)


__all__ = ["DECIDE_DAYS_BEFORE", "STANDARD_IDS", "DecisionInput", "DueRow", "PersonProgression", "Standard",
           "StandardRules", "correct", "decide", "decisions_in", "default_window", "due_list", "due_page", "judged_on",
           "latest_decision", "may_correct", "person_progression", "record_appraisal", "save_standing",
           "standard_rules", "standards", "unmet"]
