"""The date windows requirements are judged over: rolling periods, calendar months, declaration years, leave.

Dates are inclusive at both ends. Month arithmetic clamps to the end of a shorter month (31 May
minus 3 months is 28 or 29 February), and an anniversary of 29 February falls on 28 February in a
common year (the earlier of the two candidates, so a deadline is never late). Nothing here reads
a clock: `today` is always passed in, normally `Snapshot.today`.
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable
from decimal import Decimal

from competences.datafile import Reader
from competences.evidence import Leave, Snapshot
from competences.requirements import Window

ONE_DAY = dt.timedelta(days=1)

#: Leave kinds (models.LeaveKind values) that pause a window unless a requirement says otherwise.
DEFAULT_LEAVE_PAUSES: tuple[str, ...] = ("maternity", "adoption", "shared_parental", "sickness", "career_break", "unpaid")
#: Every leave kind a requirement may name (models.LeaveKind; competences may not import models).
LEAVE_KINDS: tuple[str, ...] = (*DEFAULT_LEAVE_PAUSES, "secondment", "other")

WINDOW_TYPES = ("rolling", "declaration_year", "calendar_month", "all")


def long_date(day: dt.date) -> str:
    """30 November 2026 — the form a practitioner reads (no leading zero, month in words)."""
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier, if negative), clamped to the last day of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def anniversary(anchor: dt.date, year: int) -> dt.date:
    """`anchor`'s day and month in `year`; 29 February becomes 28 February in a common year."""
    if anchor.month == 2 and anchor.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return anchor.replace(year=year)


def days_in(window: Window) -> int:
    return (window.end - window.start).days + 1


def so_far(window: Window, today: dt.date) -> Window:
    """The part of `window` up to `today` (a declaration year or calendar month may end in the future)."""
    if window.end <= today:
        return window
    return dataclasses.replace(window, end=max(today, window.start - ONE_DAY))


def contains(window: Window, day: dt.date) -> bool:
    return window.start <= day <= window.end


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def rolling(today: dt.date, *, months: int = 0, years: int = 0, weeks: int = 0, label: str | None = None) -> Window:
    """The `months`/`years` (or `weeks`) ending on `today`.

    Months and years: from the day after the same date that many months earlier (clamped: on
    31 March, one month earlier is 28 or 29 February, so the window starts on 1 March). Weeks:
    from today − 7 × weeks + 1, so 8 weeks is exactly 56 days. Weeks cannot be mixed with months.
    """
    if months < 0 or years < 0 or weeks < 0:
        raise ValueError("a rolling window cannot have a negative length")
    if weeks and (months or years):
        raise ValueError("a rolling window is counted in weeks or in months/years, not both")
    if weeks:
        start = today - dt.timedelta(days=7 * weeks - 1)
        words = "the week" if weeks == 1 else f"the {weeks} weeks"
    elif months or years:
        start = add_months(today, -(12 * years + months)) + ONE_DAY
        parts = ([_plural(years, "year")] if years else []) + ([_plural(months, "month")] if months else [])
        words = "the " + " ".join(parts)
        words = {"the 1 year": "the year", "the 1 month": "the month"}.get(words, words)
    else:
        raise ValueError("a rolling window needs a length in months, years or weeks")
    return Window(start=start, end=today, label=label or f"{words} to {long_date(today)}")


def calendar_month(day: dt.date) -> Window:
    """The whole calendar month containing `day` (it may end after today)."""
    start = day.replace(day=1)
    end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return Window(start=start, end=end, label=f"{calendar.month_name[day.month]} {day.year}")


def declaration_year(anchor: dt.date, today: dt.date) -> Window:
    """From the latest anniversary of `anchor` on or before `today` to the day before the next one.

    An anchor of 29 February uses 28 February in common years. An anchor after today (a future
    award date) gives the year starting on the anchor itself: nothing can count yet.
    """
    if anchor > today:
        start = anchor
    else:
        start = anniversary(anchor, today.year)
        if start > today:
            start = anniversary(anchor, today.year - 1)
    end = anniversary(anchor, start.year + 1) - ONE_DAY
    return Window(start=start, end=end, label=f"the declaration year from {long_date(start)} to {long_date(end)}")


def all_time(start: dt.date, today: dt.date) -> Window:
    """No limit: from `start` (normally the earliest record) to today."""
    return Window(start=min(start, today), end=today, label=f"all records to {long_date(today)}")


def _month_window(year: int, month: int) -> Window:
    return calendar_month(dt.date(year, month, 1))


def months_in(window: Window) -> list[Window]:
    """Each calendar month the window touches, clipped to the window, in order."""
    result = []
    year, month = window.start.year, window.start.month
    while dt.date(year, month, 1) <= window.end:
        whole = _month_window(year, month)
        result.append(dataclasses.replace(whole, start=max(whole.start, window.start), end=min(whole.end, window.end)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


def complete_months(window: Window) -> list[Window]:
    """The calendar months lying wholly inside the window."""
    return [m for m in months_in(window) if m.start.day == 1 and m == _month_window(m.start.year, m.start.month)]


def weeks_in(window: Window) -> list[tuple[Window, Decimal]]:
    """7-day blocks from the window's start, each with its share of a week (a short last block: days ÷ 7)."""
    result = []
    start = window.start
    while start <= window.end:
        end = min(start + dt.timedelta(days=6), window.end)
        block = Window(start=start, end=end, label=f"the week from {long_date(start)}")
        result.append((block, Decimal((end - start).days + 1) / 7))
        start = end + ONE_DAY
    return result


def leave_periods(leave: Iterable[Leave], kinds: Collection[str], until: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The leave of the given kinds as merged inclusive (start, end) periods; open-ended leave ends on `until`."""
    periods = sorted((item.start, item.end or until) for item in leave if item.kind in kinds)
    merged: list[tuple[dt.date, dt.date]] = []
    for start, end in periods:
        if end < start:
            continue
        if merged and start <= merged[-1][1] + ONE_DAY:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def leave_days(periods: Iterable[tuple[dt.date, dt.date]], start: dt.date, end: dt.date) -> int:
    """Days of the merged periods that fall between `start` and `end` inclusive."""
    total = 0
    for p_start, p_end in periods:
        lo, hi = max(p_start, start), min(p_end, end)
        if lo <= hi:
            total += (hi - lo).days + 1
    return total


def extend_for_leave(window: Window, leave: Iterable[Leave], kinds: Collection[str]) -> Window:
    """Move the start earlier by the days of leave (of `kinds`) inside the window.

    The newly covered days may hold more leave, so this repeats until the start stops moving;
    overlapping leave counts once; leave still open ends at the window's end. The result records
    the days added in `extended_by_days`, and its label says so.
    """
    periods = leave_periods(leave, kinds, window.end)
    extra = 0
    while True:
        needed = leave_days(periods, window.start - dt.timedelta(days=extra), window.end)
        if needed == extra:
            break
        extra = needed
    if extra == 0:
        return window
    return Window(
        start=window.start - dt.timedelta(days=extra),
        end=window.end,
        label=f"{window.label} (extended by {_plural(extra, 'day')} for leave)",
        extended_by_days=window.extended_by_days + extra,
    )


def earliest_record(snapshot: Snapshot) -> dt.date:
    """The first date anything in the snapshot happened (today when there is nothing)."""
    dates: list[dt.date] = [snapshot.today]
    dates += [c.start for c in snapshot.cpd]
    dates += [s.date for s in snapshot.supervision]
    dates += [s.date for s in snapshot.supervision_given]
    dates += [c.start for c in snapshot.cases]
    dates += [c.date for c in snapshot.contacts]
    dates += [r.date for r in snapshot.ratings]
    dates += [s.signed_on for s in snapshot.signoffs]
    dates += [c.awarded_on for c in snapshot.credentials]
    dates += [t.date for t in snapshot.training]
    return min(dates)


@dataclasses.dataclass(frozen=True)
class WindowSpec:
    """A requirement's `window` table, validated when the pathway loads; `resolve` gives the dates for a snapshot."""

    type: str = "all"
    months: int = 0
    years: int = 0
    weeks: int = 0

    @property
    def pausable(self) -> bool:
        """Whether leave can extend it: a window with no limit has nothing to extend."""
        return self.type != "all"

    def resolve_with_notes(self, snapshot: Snapshot) -> tuple[Window, tuple[str, ...]]:
        today = snapshot.today
        if self.type == "rolling":
            return rolling(today, months=self.months, years=self.years, weeks=self.weeks), ()
        if self.type == "calendar_month":
            return calendar_month(today), ()
        if self.type == "declaration_year":
            if snapshot.declaration_anchor is None:
                note = "No declaration date is recorded, so the last 12 months are used instead of the declaration year."
                return rolling(today, months=12), (note,)
            return declaration_year(snapshot.declaration_anchor, today), ()
        return all_time(earliest_record(snapshot), today), ()

    def resolve(self, snapshot: Snapshot) -> Window:
        return self.resolve_with_notes(snapshot)[0]


ALL_TIME = WindowSpec()


def parse_window_spec(reader: Reader | None) -> WindowSpec:
    """Read a `window` table (docs/rule-kinds.md); None (no table) means no limit."""
    if reader is None:
        return ALL_TIME
    allowed = {"type", "months", "years", "weeks"}
    for key in reader.table:
        if key not in allowed:
            raise reader.fail(f"unknown key {key!r}; a window has {', '.join(sorted(allowed))}", key)
    kind = reader.str("type")
    if kind not in WINDOW_TYPES:
        raise reader.fail(f"unknown window type {kind!r}; known: {', '.join(WINDOW_TYPES)}", "type")
    lengths = {unit: reader.int(unit, required=False, minimum=1) for unit in ("months", "years", "weeks")}
    given = [unit for unit, n in lengths.items() if n is not None]
    if kind != "rolling":
        if given:
            raise reader.fail(f"a {kind} window has no length", given[0])
        return WindowSpec(type=kind)
    if not given:
        raise reader.fail("a rolling window needs months, years or weeks")
    if lengths["weeks"] is not None and len(given) > 1:
        raise reader.fail("a rolling window is counted in weeks or in months/years, not both", "weeks")
    return WindowSpec(type="rolling", months=lengths["months"] or 0, years=lengths["years"] or 0,
                      weeks=lengths["weeks"] or 0)


def window_from_spec(reader: Reader | None, snapshot: Snapshot) -> Window:
    """Parse and resolve in one step (rules parse once with `parse_window_spec` and resolve per snapshot)."""
    return parse_window_spec(reader).resolve(snapshot)
