"""Where each person stands in their pay band — step, time in it, next step date — for many people at once.

The readiness rule `time_in_step` answers this for one person from their snapshot; lists of a
whole service (directory, progression round, dashboard) need it for thousands, so this works from
two queries and the same pay rules: the step rule in force when the step began, and the leave
kinds that the next-pay-step pathway's `leave_pauses` says defer a step (none by default).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from competences import pay
from competences.catalogue import Catalogue
from competences.rules import TimeInStepRule
from competences.windows import leave_periods
from competences.evidence import Leave
from models import LeaveOfAbsence, StaffProfile
from models.reference_data import catalogue_for

PAY_SCALE_ID = "afc-pay-england"
HCAS_ID = "hcas-england"
NEXT_STEP_PATHWAY = "next-pay-step"


@dataclasses.dataclass(frozen=True)
class StepPosition:
    """One person's place in their band on `today`; `problem` says why a date cannot be given."""

    profile_id: int
    band: str | None
    step: int | None
    steps_in_band: int | None
    step_started_on: dt.date | None
    next_step_on: dt.date | None
    #: Days the next step date moved for deferring leave.
    deferred_days: int = 0
    problem: str | None = None
    #: Something the position cannot tell (a step begun on a band's older, shorter structure).
    note: str | None = None

    @property
    def at_top(self) -> bool:
        return self.step is not None and self.steps_in_band is not None and self.step >= self.steps_in_band

    def due_between(self, start: dt.date, end: dt.date) -> bool:
        return self.next_step_on is not None and start <= self.next_step_on <= end

    def time_in_step(self, today: dt.date) -> str:
        """"2 years 3 months" since the step began (whole months, as HR counts)."""
        if self.step_started_on is None or self.step_started_on > today:
            return ""
        months = (today.year - self.step_started_on.year) * 12 + today.month - self.step_started_on.month
        if today.day < self.step_started_on.day:
            months -= 1
        years, months = divmod(max(months, 0), 12)
        parts = ([f"{years} year{'s' if years != 1 else ''}"] if years else []) + \
                ([f"{months} month{'s' if months != 1 else ''}"] if months or not years else [])
        return " ".join(parts)

    @property
    def step_text(self) -> str:
        if self.step is None:
            return ""
        if self.steps_in_band is None:
            return f"Step {self.step}"
        return f"Step {self.step} of {self.steps_in_band} ({pay.step_name(self.step, self.steps_in_band)})"


def pay_scale(catalogue: Catalogue, on: dt.date) -> pay.PayScale:
    scale: pay.PayScale = catalogue.current(PAY_SCALE_ID, on).content
    return scale


def hcas_table(catalogue: Catalogue, on: dt.date) -> pay.HcasTable:
    table: pay.HcasTable = catalogue.current(HCAS_ID, on).content
    return table


def deferring_kinds(catalogue: Catalogue, on: dt.date) -> tuple[str, ...]:
    """The leave kinds that defer a step: the next-pay-step pathway's time-in-step `leave_pauses` (data)."""
    if not catalogue.has(NEXT_STEP_PATHWAY):
        return ()
    pathway = catalogue.current(NEXT_STEP_PATHWAY, on).content
    for rule in pathway.requirements:
        if isinstance(rule, TimeInStepRule):
            return tuple(rule.leave_pauses)
    return ()


def _old_structure_note(band: str, step: int, started: dt.date, then: int, now: int) -> str | None:
    """Said when a step other than the top began on a band's shorter structure (bands 8a–9 before April 2024)."""
    if then >= now or step >= then:
        return None
    return (f"Step {step} of band {band} began on {started:%-d %B %Y}, when the band had {then} pay points; it has "
            f"{now} now. Moves from the old entry point on to the new intermediate point are not modelled: the "
            f"step shown is the one recorded, and the next step date follows the rule in force when it began.")


def position(profile_id: int, band: str | None, step: int | None, step_started_on: dt.date | None,
             leave: Iterable[Leave], *, scale: pay.PayScale, kinds: Collection[str], today: dt.date) -> StepPosition:
    """One person's position on `today`'s step structure: pure, so it is tested with hand-computed dates.

    A step recorded on an older structure is read with `pay.step_on` (the top stays the top); its
    next step date follows the rule in force when the step began.
    """
    if band is None or step is None:
        return StepPosition(profile_id, band, step, None, step_started_on, None,
                            problem="Band or pay step not recorded")
    try:
        points = pay.steps_in_band(scale, band, today)
    except ValueError as exc:
        return StepPosition(profile_id, band, step, None, step_started_on, None, problem=str(exc))
    if step_started_on is None:
        return StepPosition(profile_id, band, step, points, None, None, problem="Step start date not recorded")
    try:
        then = pay.steps_in_band(scale, band, step_started_on)
        current = pay.step_on(scale, band, step, step_started_on, today)
    except ValueError as exc:
        return StepPosition(profile_id, band, step, points, step_started_on, None, problem=str(exc))
    note = _old_structure_note(band, step, step_started_on, then, points)
    so_far = [Leave(kind=lv.kind, start=lv.start, end=min(lv.end or today, today)) for lv in leave if lv.start <= today]
    periods = leave_periods(so_far, kinds, today)
    try:
        due = pay.next_step_date(scale, band, step, step_started_on, periods)
        base = pay.next_step_date(scale, band, step, step_started_on)
    except ValueError as exc:
        return StepPosition(profile_id, band, current, points, step_started_on, None, problem=str(exc), note=note)
    if current >= points:
        due = base = None
    deferred = (due - base).days if due is not None and base is not None else 0
    return StepPosition(profile_id, band, current, points, step_started_on, due, deferred_days=deferred, note=note)


#: A profile's step facts as a list query returns them: (profile id, band, pay step, step started on).
ProfileStep = tuple[int, str | None, int | None, dt.date | None]


def positions(session: Session, profile_ids: Collection[int], today: dt.date,
              catalogue: Catalogue | None = None) -> dict[int, StepPosition]:
    """Positions of many people in two queries, whatever their number."""
    if not profile_ids:
        return {}
    ids = list(profile_ids)
    rows = session.execute(select(StaffProfile.id, StaffProfile.band, StaffProfile.pay_step,
                                  StaffProfile.step_started_on).where(StaffProfile.id.in_(ids))).all()
    return positions_of(session, [(r[0], r[1], r[2], r[3]) for r in rows], today, catalogue, people=ids)


def positions_of(session: Session, rows: Iterable[ProfileStep], today: dt.date, catalogue: Catalogue | None = None,
                 *, people: Collection[int] | Select[int]) -> dict[int, StepPosition]:
    """Positions from step facts a list has already loaded; `people` (their profile ids, or a select of them, so
    a list of thousands sends no IN list) scopes the one leave query, made only when leave defers a step.

    People without deferring leave who share a band, step and start date share one computation.
    """
    catalogue = catalogue or catalogue_for(session)
    scale = pay_scale(catalogue, today)
    kinds = deferring_kinds(catalogue, today)
    leave: defaultdict[int, list[Leave]] = defaultdict(list)
    if kinds:
        for lv in session.scalars(select(LeaveOfAbsence).where(LeaveOfAbsence.profile_id.in_(people),
                                                                LeaveOfAbsence.kind.in_(list(kinds)))):
            leave[lv.profile_id].append(Leave(kind=lv.kind.value, start=lv.starts_on, end=lv.ends_on))
    shared: dict[tuple[str | None, int | None, dt.date | None], StepPosition] = {}
    out: dict[int, StepPosition] = {}
    for pid, band, step, started in rows:
        if pid in leave:
            out[pid] = position(pid, band, step, started, leave[pid], scale=scale, kinds=kinds, today=today)
            continue
        known = shared.get((band, step, started))
        if known is None:
            known = shared[(band, step, started)] = position(pid, band, step, started, (), scale=scale,
                                                             kinds=kinds, today=today)
        out[pid] = dataclasses.replace(known, profile_id=pid) if known.profile_id != pid else known
    return out


__all__ = ["HCAS_ID", "PAY_SCALE_ID", "ProfileStep", "StepPosition", "deferring_kinds", "hcas_table", "pay_scale",
           "position", "positions", "positions_of"]
