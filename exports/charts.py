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


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def coord(value: float) -> str:
    """A coordinate, to one decimal place (no exponent, no trailing noise)."""
    return f"{value:.1f}".removesuffix(".0")


def value_text(value: Number, unit: str) -> str:
    """90 minutes → "1 h 30 min"; 3 contacts → "3 contacts"."""
    if unit == "minutes":
        return minutes_text(int(value))
    number = format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)
    return f"{number} {unit}"


def nice_step(top: float, unit: str) -> float:
    """A round gridline step giving about four lines up to `top` (whole hours for minutes over an hour)."""
    raw = max(top, 1) / 4
    if unit == "minutes":
        if raw <= 60:
            return next(s for s in (5, 10, 15, 30, 60) if s >= raw)
        return 60 * nice_step(raw / 60 * 4, "")
    magnitude: float = 10.0 ** math.floor(math.log10(raw))
    return next(float(m * magnitude) for m in (1, 2, 5, 10) if m * magnitude >= raw)


def axis_text(value: float, unit: str) -> str:
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
    step = nice_step(top * 1.1 if top else 1, unit)
    ceiling = step * max(math.ceil(top * 1.1 / step), 1)

    def y(value: float) -> float:
        return TOP + PLOT_H - (value / ceiling) * PLOT_H

    out = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
         f'aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT}" font-size="12" class="waymark-chart">'),
        f'<title id="{ident}-title">{esc(title)}</title>',
        f'<desc id="{ident}-desc">{esc(_describe(bars, target, unit, title, noun))}</desc>',
        '<g class="waymark-chart__grid">',
    ]
    ticks = round(ceiling / step)
    for i in range(ticks + 1):
        value = step * i
        ty = y(value)
        out.append(f'<line x1="{LEFT}" y1="{coord(ty)}" x2="{WIDTH - RIGHT}" y2="{coord(ty)}" stroke="{GRID}" stroke-width="1"/>')
        out.append(f'<text x="{LEFT - 6}" y="{coord(ty + 4)}" text-anchor="end" fill="{INK}">'
                   f'{esc(axis_text(value, unit))}</text>')
    out.append("</g>")

    out.append('<g class="waymark-chart__bars">')
    n = max(len(bars), 1)
    slot = PLOT_W / n
    width = slot * 0.7
    for i, bar in enumerate(bars):
        cx = LEFT + slot * i + slot / 2
        if bar.value > 0:
            by = y(bar.value)
            out.append(f'<rect x="{coord(cx - width / 2)}" y="{coord(by)}" width="{coord(width)}" '
                       f'height="{coord(TOP + PLOT_H - by)}" fill="{BAR}"/>')
            if len(bars) <= 6:
                out.append(f'<text x="{coord(cx)}" y="{coord(by - 4)}" text-anchor="middle" fill="{INK}">'
                           f'{esc(value_text(bar.value, unit))}</text>')
        out.append(f'<text x="{coord(cx)}" y="{TOP + PLOT_H + 16}" text-anchor="middle" fill="{INK}">{esc(bar.label)}</text>')
        if bar.sublabel:
            out.append(f'<text x="{coord(cx)}" y="{TOP + PLOT_H + 30}" text-anchor="middle" fill="{INK}">'
                       f'{esc(bar.sublabel)}</text>')
    out.append("</g>")

    base = TOP + PLOT_H
    out.append(f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="{INK}" stroke-width="1"/>')
    if target is not None:
        ty = y(float(target))
        out.append('<g class="waymark-chart__target">')
        out.append(f'<line x1="{LEFT}" y1="{coord(ty)}" x2="{WIDTH - RIGHT}" y2="{coord(ty)}" stroke="{TARGET}" '
                   f'stroke-width="2" stroke-dasharray="6 4"/>')
        out.append(f'<text x="{WIDTH - RIGHT}" y="{coord(ty - 6)}" text-anchor="end" fill="{TARGET}">'
                   f'{esc("Minimum " + value_text(target, unit))}</text>')
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


# --- rating history (CTS-R): one point per rating, a series per rater -------------------------
# Points are circles, squares and diamonds (circle and polygon draw the same in browsers and
# WeasyPrint), so the series differ by shape as well as colour.

#: Rater role → (legend text, colour, marker shape).
RATER_SERIES: dict[str, tuple[str, str, str]] = {
    "self": ("Self-rating", "#007f3b", "circle"),
    "supervisor": ("Supervisor", BAR, "square"),
    "course_tutor": ("Course tutor", "#330072", "diamond"),
}
#: Shorter legend words for the small per-item charts, where the full ones would run off the edge.
RATER_SHORT = {"self": "Self", "supervisor": "Supervisor", "course_tutor": "Tutor"}


@dataclasses.dataclass(frozen=True)
class ScoredRating:
    """One rating as the history charts read it: scores in the scale's item order."""

    date: dt.date
    rater_role: str
    total: int
    scores: tuple[int, ...]
    #: The recording's reference, for the point's tooltip and the table.
    label: str = ""


def _marker(shape: str, x: float, y: float, colour: str, tip: str) -> str:
    tip_el = f"<title>{esc(tip)}</title>" if tip else ""
    if shape == "square":
        return (f'<rect x="{coord(x - 4.5)}" y="{coord(y - 4.5)}" width="9" height="9" fill="{colour}">{tip_el}</rect>')
    if shape == "diamond":
        pts = f"{coord(x)},{coord(y - 6)} {coord(x + 6)},{coord(y)} {coord(x)},{coord(y + 6)} {coord(x - 6)},{coord(y)}"
        return f'<polygon points="{pts}" fill="{colour}">{tip_el}</polygon>'
    return (f'<circle cx="{coord(x)}" cy="{coord(y)}" r="5" fill="#ffffff" stroke="{colour}" stroke-width="2.5">'
            f"{tip_el}</circle>")


def rating_history_svg(points: Sequence[tuple[dt.date, str, int, str]], maximum: int, pass_mark: int | None,
                       title: str, *, ident: str, unit: str = "points", width: int = WIDTH,
                       height: int = HEIGHT) -> str:
    """A dot-and-line chart of (date, rater role, value, tooltip) points: one line per rater role, y from 0 to `maximum`.

    Dates are placed by time, so ratings close together sit close together; a dashed line marks
    the pass mark when one is given.
    """
    ident = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in ident) or "chart"
    left, right, top, bottom = (48, 16, 32, 36) if width < WIDTH else (LEFT, RIGHT, TOP + 16, BOTTOM)
    plot_w, plot_h = width - left - right, height - top - bottom
    days = sorted({p[0] for p in points})
    first, last = (days[0], days[-1]) if days else (None, None)
    span = (last - first).days if first and last else 0

    def x(day: dt.date) -> float:
        if not span or first is None:
            return left + plot_w / 2
        return left + 12 + (day - first).days / span * (plot_w - 24)

    def y(value: float) -> float:
        return top + plot_h - (value / maximum) * plot_h

    roles = [r for r in RATER_SERIES if any(p[1] == r for p in points)]
    roles += sorted({p[1] for p in points} - set(RATER_SERIES))
    parts = [f"Dot chart, {title}, {len(points)} rating{'s' if len(points) != 1 else ''}"]
    if first and last:
        parts[0] += f" from {long_date(first)} to {long_date(last)}"
    parts[0] += f", on a scale of 0 to {maximum}."
    for role in roles:
        mine = [p for p in points if p[1] == role]
        name = RATER_SERIES.get(role, (role,))[0]
        parts.append(f"{name}: {len(mine)}, latest {mine[-1][2]}, highest {max(p[2] for p in mine)}.")
    if pass_mark is not None:
        reached = sum(1 for p in points if p[2] >= pass_mark)
        parts.append(f"A dashed line marks the pass mark of {pass_mark}; {reached} of {len(points)} reach it.")
    if not points:
        parts = [f"{title}: no ratings to show."]

    out = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
         f'aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT}" font-size="12" class="waymark-chart">'),
        f'<title id="{ident}-title">{esc(title)}</title>',
        f'<desc id="{ident}-desc">{esc(" ".join(parts))}</desc>',
        '<g class="waymark-chart__grid">',
    ]
    step = next(s for s in (1, 2, 3, 6, 12, 24) if maximum / s <= 6) if maximum <= 144 else nice_step(maximum, unit)
    value = 0.0
    while value <= maximum:
        out.append(f'<line x1="{left}" y1="{coord(y(value))}" x2="{width - right}" y2="{coord(y(value))}" stroke="{GRID}" '
                   f'stroke-width="1"/>')
        out.append(f'<text x="{left - 6}" y="{coord(y(value) + 4)}" text-anchor="end" fill="{INK}">{coord(value)}</text>')
        value += step
    out.append("</g>")
    if first and last:
        out.append(f'<text x="{coord(x(first))}" y="{top + plot_h + 18}" text-anchor="start" fill="{INK}">'
                   f'{esc(f"{first.day} {first:%b %Y}")}</text>')
        if last != first:
            out.append(f'<text x="{coord(x(last))}" y="{top + plot_h + 18}" text-anchor="end" fill="{INK}">'
                       f'{esc(f"{last.day} {last:%b %Y}")}</text>')
    if pass_mark is not None:
        out.append('<g class="waymark-chart__target">')
        out.append(f'<line x1="{left}" y1="{coord(y(pass_mark))}" x2="{width - right}" y2="{coord(y(pass_mark))}" '
                   f'stroke="{TARGET}" stroke-width="2" stroke-dasharray="6 4"/>')
        out.append(f'<text x="{width - right}" y="{coord(y(pass_mark) - 6)}" text-anchor="end" fill="{TARGET}">'
                   f'{esc(f"Pass mark {pass_mark}")}</text>')
        out.append("</g>")
    legend_x = left
    for role in roles:
        name, colour, shape = RATER_SERIES.get(role, (role, INK, "circle"))
        mine = [p for p in points if p[1] == role]
        out.append(f'<g class="waymark-chart__series" data-rater="{esc(role)}">')
        if len(mine) > 1:
            coords = " ".join(f"{coord(x(p[0]))},{coord(y(p[2]))}" for p in mine)
            out.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for p in mine:
            out.append(_marker(shape, x(p[0]), y(p[2]), colour, p[3]))
        out.append("</g>")
        if width < WIDTH:
            name = RATER_SHORT.get(role, name)
        out.append(f'<g class="waymark-chart__legend">{_marker(shape, legend_x + 6, 14, colour, "")}'
                   f'<text x="{legend_x + 16}" y="18" fill="{INK}">{esc(name)}</text></g>')
        legend_x += 24 + 7 * len(name)
    base = top + plot_h
    out.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="{INK}" stroke-width="1"/>')
    out.append("</svg>")
    return "\n".join(out)


def _rater_text(role: str) -> str:
    return RATER_SERIES.get(role, (role,))[0]


def ctsr_totals_chart(ratings: Sequence[ScoredRating], maximum: int, pass_mark: int | None, *,
                      title: str = "CTS-R totals over time") -> Chart:
    """Totals of every rating, self against supervisor (and course tutor), oldest first."""
    ordered = sorted(ratings, key=lambda r: r.date)
    points = [(r.date, r.rater_role, r.total,
               f"{long_date(r.date)}, {_rater_text(r.rater_role)}: {r.total} of {maximum}"
               + (f" ({r.label})" if r.label else "")) for r in ordered]
    rows = tuple((f"{long_date(r.date)}, {_rater_text(r.rater_role)}" + (f", {r.label}" if r.label else ""),
                  f"{r.total} of {maximum}") for r in ordered)
    return Chart(ident="chart-ctsr-totals", title=title,
                 svg=rating_history_svg(points, maximum, pass_mark, title, ident="chart-ctsr-totals"),
                 headings=("Rating", "Total"), rows=rows,
                 target_text=str(pass_mark) if pass_mark is not None else None)


def ctsr_item_charts(ratings: Sequence[ScoredRating], items: Sequence[tuple[int, str]], max_score: int) -> list[Chart]:
    """Small multiples: one chart per item (number, title) of its score in each rating, by rater."""
    ordered = sorted(ratings, key=lambda r: r.date)
    found = []
    for index, (number, item_title) in enumerate(items):
        title = f"Item {number}: {item_title}"
        ident = f"chart-ctsr-item-{number}"
        points = [(r.date, r.rater_role, r.scores[index],
                   f"{long_date(r.date)}, {_rater_text(r.rater_role)}: {r.scores[index]} of {max_score}")
                  for r in ordered if index < len(r.scores)]
        rows = tuple((f"{long_date(r.date)}, {_rater_text(r.rater_role)}", str(r.scores[index]))
                     for r in ordered if index < len(r.scores))
        found.append(Chart(ident=ident, title=title,
                           svg=rating_history_svg(points, max_score, None, title, ident=ident, width=320, height=200),
                           headings=("Rating", "Score"), rows=rows, target_text=None))
    return found
