"""Server-side SVG bar charts for the readiness dashboard now and the portfolio PDFs later.

Pure functions: data in, an SVG string out, no JavaScript and only basic SVG (g, rect, line, text,
title, desc) so that browsers and WeasyPrint draw the same picture. Every chart has a fixed viewBox,
role="img" with a <title> and a <desc> that says what the bars show, and all text is escaped. A
chart never stands alone: the page (or PDF) prints the same figures as a table beside it (`Chart.rows`).

The series helpers read a competences Snapshot, so the web page and a PDF chart the same records the
readiness rules judged: supervision minutes per calendar month (every kind, counted in full), clinical
contacts per week (weeks from Monday) and CPD per calendar year (an activity counts when it ends, as
in the rules). Records dated after the snapshot's `today` are left out.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import html
import math
from collections.abc import Sequence
from decimal import Decimal

from competences.evidence import Snapshot
from competences.rules import minutes_text
from competences.windows import add_months, long_date

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 24, 48
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

#: NHS identity colours: blue bars, red target line, grey grid and text.
BAR, TARGET, GRID, INK = "#005eb8", "#d5281b", "#d8dde0", "#4c6272"
FONT = "Frutiger W01, Arial, sans-serif"

Number = int | Decimal


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _c(value: float) -> str:
    """A coordinate, to one decimal place (no exponent, no trailing noise)."""
    return f"{value:.1f}".removesuffix(".0")


def value_text(value: Number, unit: str) -> str:
    """90 minutes → "1 h 30 min"; 3 contacts → "3 contacts"."""
    if unit == "minutes":
        return minutes_text(int(value))
    number = format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)
    return f"{number} {unit}"


def _nice_step(top: float, unit: str) -> float:
    """A round gridline step giving about four lines up to `top` (whole hours for minutes over an hour)."""
    raw = max(top, 1) / 4
    if unit == "minutes":
        if raw <= 60:
            return next(s for s in (5, 10, 15, 30, 60) if s >= raw)
        return 60 * _nice_step(raw / 60 * 4, "")
    magnitude: float = 10.0 ** math.floor(math.log10(raw))
    return next(float(m * magnitude) for m in (1, 2, 5, 10) if m * magnitude >= raw)


def _axis_text(value: float, unit: str) -> str:
    if value == 0:
        return "0"
    if unit == "minutes":
        return minutes_text(int(value))
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclasses.dataclass(frozen=True)
class _Bar:
    label: str
    #: A second label line (the year under a month), or "".
    sublabel: str
    value: int
    #: The period in words, for the description ("March 2025").
    period: str


def _describe(bars: Sequence[_Bar], target: Number | None, unit: str, title: str, noun: str) -> str:
    if not bars:
        return f"{title}: nothing to show."
    first, last = bars[0].period, bars[-1].period
    parts = [f"Bar chart, {title}, one bar for each of the {len(bars)} {noun} from {first} to {last}."]
    total = sum(b.value for b in bars)
    if total == 0:
        parts.append("None is recorded in this period.")
    else:
        top = max(bars, key=lambda b: b.value)
        parts.append(f"Highest: {value_text(top.value, unit)} in {top.period}.")
    if target is not None:
        below = sum(1 for b in bars if b.value < target)
        parts.append(f"A line marks the minimum of {value_text(target, unit)}; {below} of the {len(bars)} {noun} are below it.")
    return " ".join(parts)


def _bar_chart(bars: Sequence[_Bar], target: Number | None, title: str, unit: str, noun: str, ident: str) -> str:
    ident = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in ident) or "chart"
    top = max([b.value for b in bars] + [float(target) if target is not None else 0, 0])
    step = _nice_step(top * 1.1 if top else 1, unit)
    ceiling = step * max(math.ceil(top * 1.1 / step), 1)

    def y(value: float) -> float:
        return TOP + PLOT_H - (value / ceiling) * PLOT_H

    out = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
         f'aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT}" font-size="12" class="waymark-chart">'),
        f'<title id="{ident}-title">{_esc(title)}</title>',
        f'<desc id="{ident}-desc">{_esc(_describe(bars, target, unit, title, noun))}</desc>',
        '<g class="waymark-chart__grid">',
    ]
    ticks = round(ceiling / step)
    for i in range(ticks + 1):
        value = step * i
        ty = y(value)
        out.append(f'<line x1="{LEFT}" y1="{_c(ty)}" x2="{WIDTH - RIGHT}" y2="{_c(ty)}" stroke="{GRID}" stroke-width="1"/>')
        out.append(f'<text x="{LEFT - 6}" y="{_c(ty + 4)}" text-anchor="end" fill="{INK}">'
                   f'{_esc(_axis_text(value, unit))}</text>')
    out.append("</g>")

    out.append('<g class="waymark-chart__bars">')
    n = max(len(bars), 1)
    slot = PLOT_W / n
    width = slot * 0.7
    for i, bar in enumerate(bars):
        cx = LEFT + slot * i + slot / 2
        if bar.value > 0:
            by = y(bar.value)
            out.append(f'<rect x="{_c(cx - width / 2)}" y="{_c(by)}" width="{_c(width)}" '
                       f'height="{_c(TOP + PLOT_H - by)}" fill="{BAR}"/>')
            if len(bars) <= 6:
                out.append(f'<text x="{_c(cx)}" y="{_c(by - 4)}" text-anchor="middle" fill="{INK}">'
                           f'{_esc(value_text(bar.value, unit))}</text>')
        out.append(f'<text x="{_c(cx)}" y="{TOP + PLOT_H + 16}" text-anchor="middle" fill="{INK}">{_esc(bar.label)}</text>')
        if bar.sublabel:
            out.append(f'<text x="{_c(cx)}" y="{TOP + PLOT_H + 30}" text-anchor="middle" fill="{INK}">'
                       f'{_esc(bar.sublabel)}</text>')
    out.append("</g>")

    base = TOP + PLOT_H
    out.append(f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="{INK}" stroke-width="1"/>')
    if target is not None:
        ty = y(float(target))
        out.append('<g class="waymark-chart__target">')
        out.append(f'<line x1="{LEFT}" y1="{_c(ty)}" x2="{WIDTH - RIGHT}" y2="{_c(ty)}" stroke="{TARGET}" '
                   f'stroke-width="2" stroke-dasharray="6 4"/>')
        out.append(f'<text x="{WIDTH - RIGHT}" y="{_c(ty - 6)}" text-anchor="end" fill="{TARGET}">'
                   f'{_esc("Minimum " + value_text(target, unit))}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


# --- the three charts --------------------------------------------------------------------------

def monthly_bar_chart(months: list[tuple[dt.date, int]], target: Number | None, title: str, unit: str, *,
                      ident: str = "monthly-chart") -> str:
    """One bar per calendar month (any day of the month names it); the year is printed under January and the first bar."""
    bars = [_Bar(label=f"{day:%b}", sublabel=str(day.year) if i == 0 or day.month == 1 else "", value=value,
                 period=f"{day:%B %Y}") for i, (day, value) in enumerate(months)]
    return _bar_chart(bars, target, title, unit, "months", ident)


def weekly_bar_chart(weeks: list[tuple[dt.date, int]], target: Number | None, title: str, unit: str, *,
                     ident: str = "weekly-chart") -> str:
    """One bar per week, labelled with the week's first day."""
    bars = [_Bar(label=f"{day.day} {day:%b}", sublabel="", value=value, period=f"the week from {long_date(day)}")
            for day, value in weeks]
    return _bar_chart(bars, target, title, unit, "weeks", ident)


def yearly_bar_chart(years: list[tuple[dt.date, int]], target: Number | None, title: str, unit: str, *,
                     ident: str = "yearly-chart") -> str:
    """One bar per calendar year (each date is any day of its year)."""
    bars = [_Bar(label=str(day.year), sublabel="", value=value, period=str(day.year)) for day, value in years]
    return _bar_chart(bars, target, title, unit, "years", ident)


# --- series from a snapshot --------------------------------------------------------------------

def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def supervision_by_month(snapshot: Snapshot, months: int = 12) -> list[tuple[dt.date, int]]:
    """Supervision minutes received in each of the `months` calendar months up to and including today's."""
    this_month = _month_start(snapshot.today)
    starts = [add_months(this_month, -i) for i in range(months - 1, -1, -1)]
    totals = dict.fromkeys(starts, 0)
    for s in snapshot.supervision:
        key = _month_start(s.date)
        if s.date <= snapshot.today and key in totals:
            totals[key] += s.minutes
    return list(totals.items())


def contacts_by_week(snapshot: Snapshot, weeks: int = 12) -> list[tuple[dt.date, int]]:
    """Clinical contacts (a weekly count row counts as its `count`) in each of the `weeks` weeks up to this one."""
    this_week = _week_start(snapshot.today)
    starts = [this_week - dt.timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]
    totals = dict.fromkeys(starts, 0)
    for c in snapshot.contacts:
        key = _week_start(c.date)
        if c.date <= snapshot.today and key in totals:
            totals[key] += c.count
    return list(totals.items())


def cpd_by_year(snapshot: Snapshot, years: int = 5) -> list[tuple[dt.date, int]]:
    """CPD minutes in each of the `years` calendar years up to this one, by the activity's end date."""
    this_year = snapshot.today.year
    starts = [dt.date(year, 1, 1) for year in range(this_year - years + 1, this_year + 1)]
    totals = dict.fromkeys(starts, 0)
    for a in snapshot.cpd:
        key = dt.date(a.end.year, 1, 1)
        if a.end <= snapshot.today and key in totals:
            totals[key] += a.minutes
    return list(totals.items())


# --- a chart with its table, ready for a page or a PDF ----------------------------------------

@dataclasses.dataclass(frozen=True)
class Chart:
    ident: str
    title: str
    svg: str
    #: Column headings of the table beside the chart.
    headings: tuple[str, str]
    #: (period, figure) rows, the same figures as the bars.
    rows: tuple[tuple[str, str], ...]
    #: The minimum the line shows, in words, or None when no requirement sets one.
    target_text: str | None


def _so_far(label: str, current: bool) -> str:
    return f"{label} (so far)" if current else label


def supervision_chart(snapshot: Snapshot, target: Number | None, *, months: int = 12) -> Chart:
    series = supervision_by_month(snapshot, months)
    title = "Supervision received per month"
    this_month = _month_start(snapshot.today)
    rows = tuple((_so_far(f"{day:%B %Y}", day == this_month), minutes_text(value)) for day, value in series)
    return Chart(ident="chart-supervision", title=title,
                 svg=monthly_bar_chart(series, target, title, "minutes", ident="chart-supervision"),
                 headings=("Month", "Supervision"), rows=rows,
                 target_text=value_text(target, "minutes") if target is not None else None)


def contacts_chart(snapshot: Snapshot, target: Number | None, *, weeks: int = 12) -> Chart:
    series = contacts_by_week(snapshot, weeks)
    title = "Clinical contacts per week"
    this_week = _week_start(snapshot.today)
    rows = tuple((_so_far(f"Week from {long_date(day)}", day == this_week), str(value)) for day, value in series)
    return Chart(ident="chart-contacts", title=title,
                 svg=weekly_bar_chart(series, target, title, "contacts", ident="chart-contacts"),
                 headings=("Week", "Contacts"), rows=rows,
                 target_text=value_text(target, "contacts") if target is not None else None)


def cpd_chart(snapshot: Snapshot, target: Number | None = None, *, years: int = 5) -> Chart:
    series = cpd_by_year(snapshot, years)
    title = "CPD per year"
    rows = tuple((_so_far(str(day.year), day.year == snapshot.today.year), minutes_text(value)) for day, value in series)
    return Chart(ident="chart-cpd", title=title,
                 svg=yearly_bar_chart(series, target, title, "minutes", ident="chart-cpd"),
                 headings=("Year", "CPD"), rows=rows,
                 target_text=value_text(target, "minutes") if target is not None else None)
