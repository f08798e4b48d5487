"""Server-side SVG charts for the service dashboard: grouped bars by band or month, and one stacked bar.

The look, sizes, colours and escaping are exports.charts' own (imported, not copied), so the
service dashboard, the practitioner's dashboard and a PDF draw alike. Every chart has role="img",
a <title> and a <desc> that reads out every figure, and comes with its table (`TableChart.rows`):
the page prints the same figures beside it, and each figure may carry the key of the list of
people behind it (`TableChart.links`), which the web page turns into a link and a PDF ignores.
Colours are NHS identity colours with at least 3:1 contrast against white (WCAG 1.4.11).
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from decimal import Decimal

from exports.charts import (BAR, FONT, GRID, HEIGHT, INK, LEFT, PLOT_H, PLOT_W, RIGHT, TOP, WIDTH, axis_text,
                            coord, esc, nice_step)

Number = int | Decimal
#: Shown where a figure is not judged yet (the current, unfinished month).
NOT_JUDGED = "Not judged until the month ends"

#: NHS purple, red, green and mid grey: 12.6, 4.9, 5.4 and 3.6 to 1 against white.
PURPLE, RED, GREEN, GREY = "#330072", "#d5281b", "#007f3b", "#768692"


@dataclasses.dataclass(frozen=True)
class Series:
    """One set of bars in a grouped chart: its name (the legend), colour and one value per category.

    None is a figure not judged yet: no bar, and the description says so.
    """

    name: str
    colour: str
    values: tuple[Number | None, ...]


@dataclasses.dataclass(frozen=True)
class TableChart:
    """A chart with the table of the same figures; `links[r][c]` is the key of the people behind rows[r][c], or None."""

    ident: str
    title: str
    svg: str
    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    links: tuple[tuple[str | None, ...], ...] = ()
    #: Under the title: what the chart counts, in a sentence.
    caption: str = ""

    def link(self, row: int, column: int) -> str | None:
        if row < len(self.links) and column < len(self.links[row]):
            return self.links[row][column]
        return None


def _ident(ident: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in ident) or "chart"


def _figure(value: Number | None) -> str:
    return "not judged yet" if value is None else number_text(value)


def number_text(value: Number) -> str:
    """3 → "3"; Decimal("2.50") → "2.5"; Decimal("0.00") → "0"."""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "") else text
    return str(value)


def _open(ident: str, title: str, desc: str, height: int = HEIGHT) -> list[str]:
    return [
        (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
         f'aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT}" font-size="12" class="waymark-chart">'),
        f'<title id="{ident}-title">{esc(title)}</title>',
        f'<desc id="{ident}-desc">{esc(desc)}</desc>',
    ]


def _legend(series: Sequence[tuple[str, str]], y: float) -> list[str]:
    out = ['<g class="waymark-chart__legend">']
    x = float(LEFT)
    for name, colour in series:
        out.append(f'<rect x="{coord(x)}" y="{coord(y - 10)}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{coord(x + 16)}" y="{coord(y)}" fill="{INK}">{esc(name)}</text>')
        x += 32 + 7 * len(name)
    out.append("</g>")
    return out


def fit(label: str, width: float) -> str:
    """The label, shortened with an ellipsis to fit `width` (about 7 units a character); the <desc> keeps it whole."""
    room = max(int(width // 7), 4)
    return label if len(label) <= room else label[:room - 1].rstrip() + "…"


def describe_grouped(title: str, categories: Sequence[str], series: Sequence[Series], unit: str) -> str:
    if not categories:
        return f"{title}: nothing to show."
    names = " and ".join(s.name for s in series)
    parts = [f"Bar chart, {title}: {names} for each of {len(categories)} {unit}."]
    for i, category in enumerate(categories):
        figures = ", ".join(f"{s.name} {_figure(s.values[i])}" for s in series)
        parts.append(f"{category}: {figures}.")
    return " ".join(parts)


def grouped_bar_chart(categories: Sequence[str], series: Sequence[Series], title: str, *, ident: str,
                      unit: str = "categories") -> str:
    """Side-by-side bars, one group per category (a band, a month), one bar per series, y from 0."""
    ident = _ident(ident)
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(categories)} categories")
    top = float(max([float(v) for s in series for v in s.values if v is not None] + [0]))
    step = nice_step(top * 1.1 if top else 1, "")
    ceiling = step * max(math.ceil(top * 1.1 / step), 1)
    base = TOP + PLOT_H

    def y(value: float) -> float:
        return base - (value / ceiling) * PLOT_H

    out = _open(ident, title, describe_grouped(title, categories, series, unit))
    out.append('<g class="waymark-chart__grid">')
    for i in range(round(ceiling / step) + 1):
        ty = y(step * i)
        out.append(f'<line x1="{LEFT}" y1="{coord(ty)}" x2="{WIDTH - RIGHT}" y2="{coord(ty)}" stroke="{GRID}" stroke-width="1"/>')
        out.append(f'<text x="{LEFT - 6}" y="{coord(ty + 4)}" text-anchor="end" fill="{INK}">'
                   f'{esc(axis_text(step * i, ""))}</text>')
    out.append("</g>")
    slot = PLOT_W / max(len(categories), 1)
    width = slot * 0.8 / max(len(series), 1)
    out.append('<g class="waymark-chart__bars">')
    for i, category in enumerate(categories):
        left = LEFT + slot * i + slot * 0.1
        for j, s in enumerate(series):
            figure = s.values[i]
            if figure is not None and figure > 0:
                by = y(float(figure))
                out.append(f'<rect x="{coord(left + width * j)}" y="{coord(by)}" width="{coord(width)}" '
                           f'height="{coord(base - by)}" fill="{s.colour}" data-series="{j}">'
                           f'<title>{esc(f"{category}, {s.name}: {number_text(figure)}")}</title></rect>')
        out.append(f'<text x="{coord(LEFT + slot * i + slot / 2)}" y="{base + 16}" text-anchor="middle" fill="{INK}">'
                   f'{esc(fit(category, slot))}</text>')
    out.append("</g>")
    out.append(f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="{INK}" stroke-width="1"/>')
    out += _legend([(s.name, s.colour) for s in series], HEIGHT - 10)
    out.append("</svg>")
    return "\n".join(out)


STACK_HEIGHT = 120


def stacked_bar_chart(segments: Sequence[tuple[str, str, int]], title: str, *, ident: str, noun: str = "people") -> str:
    """One horizontal bar split into (name, colour, count) segments, each as wide as its share of the total."""
    ident = _ident(ident)
    total = sum(n for _, _, n in segments)
    if total:
        figures = "; ".join(f"{name}: {n} of {total}" for name, _, n in segments)
        desc = f"Stacked bar, {title}, {total} {noun} in all. {figures}."
    else:
        desc = f"{title}: nothing to show."
    out = _open(ident, title, desc, STACK_HEIGHT)
    out.append('<g class="waymark-chart__bars">')
    x = float(LEFT)
    bar_top, bar_height = 16, 48
    for j, (name, colour, n) in enumerate(segments):
        if n <= 0:
            continue
        w = PLOT_W * n / total
        out.append(f'<rect x="{coord(x)}" y="{bar_top}" width="{coord(w)}" height="{bar_height}" fill="{colour}" '
                   f'stroke="#ffffff" stroke-width="1" data-series="{j}"><title>{esc(f"{name}: {n}")}</title></rect>')
        if w >= 24:
            out.append(f'<text x="{coord(x + w / 2)}" y="{bar_top + bar_height / 2 + 4:.0f}" text-anchor="middle" '
                       f'fill="#ffffff" font-weight="bold">{n}</text>')
        x += w
    out.append("</g>")
    out.append(f'<line x1="{LEFT}" y1="{bar_top + bar_height}" x2="{WIDTH - RIGHT}" y2="{bar_top + bar_height}" '
               f'stroke="{INK}" stroke-width="1"/>')
    out += _legend([(f"{name} ({n})", colour) for name, colour, n in segments], STACK_HEIGHT - 24)
    out.append("</svg>")
    return "\n".join(out)


# --- the dashboard's four charts, each with its table -----------------------------------------

@dataclasses.dataclass(frozen=True)
class BandFigures:
    """One band's establishment: people and WTE in post (the people in scope), funded and held WTE (its posts)."""

    #: A band code, or "" for people whose band is not recorded.
    band: str
    headcount: int
    wte: Decimal
    funded_wte: Decimal
    held_wte: Decimal
    vacant_wte: Decimal
    vacant_posts: int


def establishment_chart(bands: Sequence[BandFigures]) -> TableChart:
    title = "Staff in post and vacancies by band"
    labels = [f"Band {b.band}" if b.band else "No band recorded" for b in bands]
    svg = grouped_bar_chart(labels, [Series("WTE in post", BAR, tuple(b.wte for b in bands)),
                                     Series("Vacant WTE", PURPLE, tuple(b.vacant_wte for b in bands))],
                            title, ident="chart-establishment", unit="bands")
    rows = tuple((label, str(b.headcount), number_text(b.wte), number_text(b.funded_wte), number_text(b.held_wte),
                  number_text(b.vacant_wte), str(b.vacant_posts)) for label, b in zip(labels, bands))
    links = tuple((None, f"band-{b.band or 'none'}" if b.headcount else None, None, None, None, None,
                   f"vacant-{b.band}" if b.vacant_posts else None) for b in bands)
    return TableChart(ident="chart-establishment", title=title, svg=svg,
                      headings=("Band", "People", "WTE in post", "Funded WTE", "Held WTE", "Vacant WTE",
                                "Vacant posts"),
                      rows=rows, links=links,
                      caption="People and WTE are the staff in view by their own band; funded, held and vacant WTE "
                              "come from the posts, held by whoever holds them.")


def due_chart(months: Sequence[tuple[str, str, int]], overdue: int, *, deferred: int = 0,
              review_passed: int = 0) -> TableChart:
    """`months`: (key, label, people due) for each month; then the people whose step date has passed with no
    decision, and those whose step is deferred, with the review to come or its date passed."""
    title = "Pay progressions due in the next 3 months"
    svg = grouped_bar_chart([label for _, label, _ in months], [Series("People due", BAR, tuple(n for *_, n in months))],
                            title, ident="chart-due", unit="months")
    others = (("overdue", "Overdue (date passed, step not moved)", overdue),
              ("deferred", "Deferred, review to come", deferred),
              ("review-passed", "Deferred, review date passed", review_passed))
    rows = tuple((label, str(n)) for _, label, n in (*months, *others))
    links = tuple((None, key if n else None) for key, _, n in (*months, *others))
    return TableChart(ident="chart-due", title=title, svg=svg, headings=("Month", "People due"), rows=rows, links=links,
                      caption="The date each person's next pay step falls due, moved back by any leave the pay data "
                              "says defers it. A step deferred by their manager is counted apart until it is "
                              "reviewed, as in the progression round.")


def supervision_chart(months: Sequence[tuple[str, str, int, int | None]]) -> TableChart:
    """`months`: (key, label, people expected to meet a minimum, people below it or None if not judged yet)."""
    title = "People below their supervision minimum by month"
    svg = grouped_bar_chart([label for _, label, _, _ in months],
                            [Series("Expected", GREY, tuple(m[2] for m in months)),
                             Series("Below minimum", RED, tuple(m[3] for m in months))],
                            title, ident="chart-supervision-compliance", unit="months")
    rows = tuple((label, str(expected), NOT_JUDGED if below is None else str(below))
                 for _, label, expected, below in months)
    links = tuple((None, f"expected-{key}" if expected else None, key if below else None)
                  for key, _, expected, below in months)
    return TableChart(ident="chart-supervision-compliance", title=title, svg=svg,
                      headings=("Month", "People with a minimum", "Below their minimum"), rows=rows, links=links,
                      caption="Each person's minimum is the monthly supervision minimum of the pathways that apply to "
                              "them, for their WTE; months wholly on leave are left out. The current month shows "
                              "the supervision so far and is judged when it ends.")


def credentials_chart(kinds: Sequence[tuple[str, str, int, int]], days: int | None) -> TableChart:
    """`kinds`: (kind id, its name, due within `days`, lapsed, expired or overdue); `days` None: it differs by kind."""
    title = "Accreditations and registrations due or lapsed"
    due_heading = "Due soon" if days is None else f"Due within {days} days"
    svg = grouped_bar_chart([name for _, name, _, _ in kinds],
                            [Series(due_heading, BAR, tuple(k[2] for k in kinds)),
                             Series("Lapsed, expired or overdue", RED, tuple(k[3] for k in kinds))],
                            title, ident="chart-credentials", unit="kinds of credential")
    rows = tuple((name, str(due), str(lapsed)) for _, name, due, lapsed in kinds)
    links = tuple((None, f"due-{kind}" if due else None, f"lapsed-{kind}" if lapsed else None)
                  for kind, _, due, lapsed in kinds)
    return TableChart(ident="chart-credentials", title=title, svg=svg,
                      headings=("Credential", due_heading, "Lapsed, expired or overdue"), rows=rows,
                      links=links)


def skills_chart(gaps: Sequence[tuple[str, str, int, int, int]]) -> TableChart:
    """`gaps`: (service, skill or area, target, held, in training), one per unmet target."""
    title = "Skill-mix targets not met"
    svg = grouped_bar_chart([f"{skill} ({service})" for service, skill, *_ in gaps],
                            [Series("Target", GREY, tuple(g[2] for g in gaps)),
                             Series("Held", BAR, tuple(g[3] for g in gaps)),
                             Series("In training", GREEN, tuple(g[4] for g in gaps))],
                            title, ident="chart-skills", unit="targets")
    rows = tuple((service, skill, str(target), str(held), str(target - held), str(training))
                 for service, skill, target, held, training in gaps)
    links = tuple((None, None, None, None, None, f"gap-{i}" if g[4] else None) for i, g in enumerate(gaps))
    return TableChart(ident="chart-skills", title=title, svg=svg,
                      headings=("Service", "Skill or area", "Target", "Held", "Short by", "In training"), rows=rows,
                      links=links)


CPD_STATUSES: tuple[tuple[str, str, str], ...] = (
    ("met", "Met", GREEN), ("on_track", "On track", BAR), ("behind", "Behind", RED), ("unknown", "Cannot tell", GREY))


def cpd_chart(counts: dict[str, int]) -> TableChart:
    """`counts`: people by CPD_STATUSES key."""
    title = "CPD for the declaration year"
    segments = [(label, colour, counts.get(key, 0)) for key, label, colour in CPD_STATUSES]
    svg = stacked_bar_chart(segments, title, ident="chart-cpd-compliance")
    rows = tuple((label, str(counts.get(key, 0))) for key, label, _ in CPD_STATUSES)
    links = tuple((None, key if counts.get(key, 0) else None) for key, _, _ in CPD_STATUSES)
    return TableChart(ident="chart-cpd-compliance", title=title, svg=svg, headings=("Status", "People"), rows=rows,
                      links=links,
                      caption="People with a declaration year (BABCP accreditation, the PWP registers), judged by their "
                              "pathways' CPD requirements for that year. On track: at least the share of each "
                              "requirement that the part of the year gone by calls for.")


__all__ = ["CPD_STATUSES", "NOT_JUDGED", "credentials_chart", "fit", "skills_chart", "BandFigures", "Series", "TableChart", "cpd_chart", "due_chart", "establishment_chart",
           "grouped_bar_chart", "number_text", "stacked_bar_chart", "supervision_chart"]
