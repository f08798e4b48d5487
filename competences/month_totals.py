"""A monthly-minimum rule judged on one calendar month from that month's supervision totals, not its records.

The service dashboard judges every person's `monthly_minutes` requirements one calendar month at a
time (the rule with its window narrowed to the month and mode "average"). Reading 100,000 sessions
to add them up again in Python was most of its time, so the database sums them instead, per person,
month and every attribute a rule's `where` may test, and `judge_month` gives the narrowed rule's
answer from those sums. It is exact, not an estimate, because within one month the rule reads
only:

* which records its `where` accepts: a test of kind, group size, CBT, sampling or countersigning,
  all of which the totals keep (`judges_by_totals` says whether a rule tests nothing else);
* the sum of the minutes it counts: `plain` and `group_limit` count each session's minutes or
  nothing by its group size, so the sum of the minutes is enough; `babcp_training_group` counts
  floor(minutes × 2 ÷ group size) per session, so the totals carry that sum too (`halved`);
* whether anything counted, and whether any of it was individual (minutes are positive, so an
  individual total that passes the filter counted);
* the WTE on the day judged and the leave in the month, from the employment record.

tests/app/test_service_dashboard_totals.py checks this against the rule itself on random sessions.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from competences import evidence as ev
from competences.rules import MonthlyMinutesRule, wte_on
from competences.windows import calendar_month, leave_days, leave_periods

#: The SupervisionSession fields a total keeps: a rule whose `where` tests only these can be judged by totals.
TOTALLED_FIELDS = frozenset({"kind", "group_size", "cbt", "live_or_recorded_sampled", "countersigned"})


@dataclasses.dataclass(frozen=True)
class SupervisionTotal:
    """The supervision sessions of one person and calendar month that share every attribute a filter may test."""

    kind: str
    group_size: int
    cbt: bool
    live_or_recorded_sampled: bool
    countersigned: bool
    #: The sum of the sessions' minutes.
    minutes: int
    #: The sum over the sessions of min(minutes, minutes × 2 // group size): BABCP training-group counting.
    halved: int


@dataclasses.dataclass(frozen=True)
class MonthJudgement:
    minutes: int
    minimum: int
    met: bool | None


def judges_by_totals(rule: MonthlyMinutesRule) -> bool:
    return all(name in TOTALLED_FIELDS for name, _values in rule.where.terms)


def _counted(rule: MonthlyMinutesRule, total: SupervisionTotal) -> int:
    """What rule.counting counts for the total's sessions (Counting.minutes, summed)."""
    counting = rule.counting
    if counting.refused(max(total.group_size, 1)):
        return 0
    return total.halved if counting.method == "babcp_training_group" else total.minutes


def judge_month(rule: MonthlyMinutesRule, month: dt.date, today: dt.date, employment: ev.Employment,
                totals: Iterable[SupervisionTotal]) -> MonthJudgement | None:
    """The rule judged on the calendar month of `month` alone, as MonthlyMinutesRule.evaluate judges it with its
    window narrowed to that month and mode "average"; None when the month is wholly on leave or not begun.

    `totals` are the month's sessions dated on or before `today`. The rule must pass `judges_by_totals`.
    """
    window = calendar_month(month)
    judged_on = min(window.end, today)
    if judged_on < window.start:
        return None
    # The rule's leave so far, as seen on the day judged: open or later-ending leave ends that day.
    leave = [ev.Leave(kind=item.kind, start=item.start, end=min(item.end or judged_on, judged_on))
             for item in employment.leave if item.start <= judged_on]
    periods = leave_periods(leave, rule.leave_pauses, judged_on)
    if leave_days(periods, window.start, judged_on) == (judged_on - window.start).days + 1:
        return None
    have = 0
    individual = False
    for total in totals:
        if not rule.where.matches(total):
            continue
        counted = _counted(rule, total)
        have += counted
        individual = individual or (counted > 0 and max(total.group_size, 1) <= 1)
    wte = wte_on(employment, judged_on)
    if wte is not None:
        need = rule.target(wte)
        met: bool | None = have >= need
    else:
        targets = sorted({rule.full_minutes, rule.target(Decimal(0))})
        verdicts = {have >= t for t in targets}
        met = verdicts.pop() if len(verdicts) == 1 else None
        need = targets[-1]
    threshold = rule.not_group_only_at_wte
    if met and threshold is not None and have > 0 and not individual and (wte is None or wte >= threshold):
        met = None if wte is None else False
    return MonthJudgement(have, need, met)


__all__ = ["MonthJudgement", "SupervisionTotal", "TOTALLED_FIELDS", "judge_month", "judges_by_totals"]
