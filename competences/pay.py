"""Agenda for Change pay: pay points, step timings, progression standards and HCAS, read from data, with a calculator.

Every figure comes from a versioned data file (competences/data/afc_pay_england.toml and
hcas_england.toml); nothing here knows a pound amount. A value the data marks `unknown` (or a
year the data does not hold, such as 2026/27 while it is unsettled) raises `UnknownPayValue`
naming exactly what is missing; a value marked `uncertain` is used but flags the result.

Money is Decimal, rounded to pennies with ROUND_HALF_UP only at the end of a calculation.
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from competences.bands import AFC_BANDS
from competences.datafile import DataFileError, Meta, RawFile, Reader

#: Names of the pay points in a band's step structure, by number of points.
POINT_NAMES: dict[int, tuple[str, ...]] = {
    1: ("top",),
    2: ("entry", "top"),
    3: ("entry", "intermediate", "top"),
}
#: The zone id meaning "no high cost area supplement"; it needs no rates in the HCAS data.
NO_ZONE = "none"

PENNY = Decimal("0.01")
HUNDRED = Decimal(100)


class UnknownPayValue(ValueError):
    """A pay value the data does not know (an unsettled year, an unknown HCAS minimum …); the message says which."""


# --------------------------------------------------------------------------------------------
# Pay scale
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PayPoint:
    """One pay point: step 1 is entry, 2 intermediate when the band has one, the last is top."""

    band: str
    step: int
    #: Full-time annual basic pay in pounds; None when the data records the value as unknown.
    amount: Decimal | None
    uncertain: bool
    #: Why the value is uncertain or unknown (e.g. "derived: 2025/26 ÷ 1.036").
    note: str = ""

    @property
    def known(self) -> bool:
        return self.amount is not None


@dataclasses.dataclass(frozen=True)
class PayYear:
    """One pay year (1 April to 31 March in England) and its pay points by band."""

    label: str
    starts_on: dt.date
    ends_on: dt.date
    points: dict[str, tuple[PayPoint, ...]]
    source: tuple[str, ...]
    notes: str = ""

    def covers(self, on: dt.date) -> bool:
        return self.starts_on <= on <= self.ends_on


@dataclasses.dataclass(frozen=True)
class StepRule:
    """How many pay points some bands have, and the whole years from each point to the next, over a date range."""

    id: str
    bands: tuple[str, ...]
    points: int
    #: years[i]: minimum whole years on step i + 1 before step i + 2 is due (len = points - 1).
    years: tuple[int, ...]
    starts_on: dt.date | None
    ends_on: dt.date | None
    source: tuple[str, ...]
    notes: str = ""

    def in_force(self, on: dt.date) -> bool:
        return (self.starts_on is None or self.starts_on <= on) and (self.ends_on is None or on <= self.ends_on)


@dataclasses.dataclass(frozen=True)
class ProgressionStandard:
    """A standard a member of staff must meet to move to the next pay step (England, since 1 April 2019)."""

    id: str
    text: str
    line_managers_only: bool


@dataclasses.dataclass(frozen=True)
class PayScale:
    meta: Meta
    nation: str
    years: tuple[PayYear, ...]
    step_rules: tuple[StepRule, ...]
    standards: tuple[ProgressionStandard, ...]
    source: tuple[str, ...] = ()


def step_name(step: int, points: int) -> str:
    """'entry', 'intermediate' or 'top' for step `step` of a band with `points` pay points."""
    names = POINT_NAMES.get(points)
    if names is None or not 1 <= step <= points:
        return f"step {step}"
    return names[step - 1]


def _pay_year_label(on: dt.date) -> str:
    """The April–March pay year containing `on`, as "2026/27" (used to name a year the data lacks)."""
    first = on.year if on.month >= 4 else on.year - 1
    return f"{first}/{(first + 1) % 100:02d}"


def _figure(r: Reader, key: str, *, required: bool) -> tuple[Decimal | None, bool, str] | None:
    """A money or percentage value: a number, or {amount = …, uncertain = true, note = "…"}, or {unknown = true}.

    Returns None when the key is absent (the caller decides whether that is allowed).
    """
    if not r.has(key):
        if required:
            raise r.fail("is missing", key)
        return None
    value = r.table[key]
    if isinstance(value, Mapping):
        sub = r.table_of(key)
        assert sub is not None
        allowed = {"amount", "uncertain", "unknown", "note"}
        extra = sorted(set(value) - allowed)
        if extra:
            raise sub.fail(f"unexpected key(s) {', '.join(extra)}; allowed: {', '.join(sorted(allowed))}")
        note = sub.str("note", required=False) or ""
        if sub.bool("unknown"):
            if sub.has("amount"):
                raise sub.fail("is marked unknown but also gives an amount")
            return None, False, note
        amount = sub.decimal("amount", minimum=Decimal(0))
        return amount, sub.uncertain(), note
    amount = r.decimal(key, minimum=Decimal(0))
    return amount, False, ""


def _dated_years(r: Reader, key: str) -> list[tuple[Reader, str, dt.date, dt.date]]:
    """[[years]] tables with unique labels, in date order, neither overlapping nor leaving gaps."""
    items = []
    for y in r.tables(key, id_key="label"):
        label = y.str("label")
        starts_on, ends_on = y.date("starts_on"), y.date("ends_on")
        if ends_on < starts_on:
            raise y.fail(f"ends_on {ends_on} is before starts_on {starts_on}", "ends_on")
        if not label.startswith(str(starts_on.year)):
            raise y.fail(f"label {label!r} does not match starts_on {starts_on}", "label")
        items.append((y, label, starts_on, ends_on))
    if not items:
        raise r.fail("needs at least one [[" + key + "]] table", key)
    items.sort(key=lambda item: item[2])
    for (_, prev, _, prev_end), (y, label, start, _) in zip(items, items[1:]):
        if start <= prev_end:
            raise y.fail(f"overlaps {prev}, which runs to {prev_end}")
        if start != prev_end + dt.timedelta(days=1):
            raise y.fail(f"leaves a gap after {prev}, which ends on {prev_end}; the next year should start on "
                         f"{prev_end + dt.timedelta(days=1)}")
    return items


def _parse_step_rules(r: Reader) -> tuple[StepRule, ...]:
    rules = []
    for s in r.tables("step_rules"):
        bands = s.str_list("bands")
        if not bands:
            raise s.fail("must name at least one band", "bands")
        for band in bands:
            if band not in AFC_BANDS:
                raise s.fail(f"unknown band {band!r}; expected one of {', '.join(AFC_BANDS)}", "bands")
        points = s.int("points", minimum=1)
        if points not in POINT_NAMES:
            raise s.fail(f"a band has 1 to {max(POINT_NAMES)} pay points, not {points}", "points")
        raw_years = s.table.get("years", [])
        if not isinstance(raw_years, list):
            raise s.fail("must be a list of whole numbers of years", "years")
        years = []
        for i, value in enumerate(raw_years):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise s.fail(f"step {i + 1} ({step_name(i + 1, points)}) needs a duration of at least 1 whole year, "
                             f"not {value!r}", "years")
            years.append(value)
        if len(years) < points - 1:
            missing = len(years) + 1
            raise s.fail(f"step {missing} ({step_name(missing, points)}) has no duration: {points} pay points need "
                         f"{points - 1} durations in years, found {len(years)}", "years")
        if len(years) > points - 1:
            raise s.fail(f"{points} pay points need {points - 1} durations in years, found {len(years)}", "years")
        starts_on, ends_on = s.date("starts_on", required=False), s.date("ends_on", required=False)
        if starts_on and ends_on and ends_on < starts_on:
            raise s.fail(f"ends_on {ends_on} is before starts_on {starts_on}", "ends_on")
        rules.append(StepRule(id=s.str("id"), bands=bands, points=points, years=tuple(years), starts_on=starts_on,
                              ends_on=ends_on, source=s.source(), notes=s.str("notes", required=False) or ""))
    if not rules:
        raise r.fail("needs at least one [[step_rules]] table", "step_rules")
    for i, a in enumerate(rules):
        for b in rules[i + 1:]:
            shared = [band for band in a.bands if band in b.bands]
            if shared and _ranges_overlap(a, b):
                raise DataFileError(r.file, f"step_rules[{b.id}]",
                                    f"overlaps step_rules[{a.id}] for band {shared[0]}; each band needs one rule at a time")
    return tuple(rules)


def _ranges_overlap(a: StepRule, b: StepRule) -> bool:
    lo, hi = dt.date.min, dt.date.max
    return max(a.starts_on or lo, b.starts_on or lo) <= min(a.ends_on or hi, b.ends_on or hi)


def _rule_for_year(rules: tuple[StepRule, ...], band: str, starts_on: dt.date, ends_on: dt.date) -> StepRule | None:
    """The band's rule in force at any time in the year (rules of one band never overlap)."""
    for rule in rules:
        if band in rule.bands and (rule.starts_on is None or rule.starts_on <= ends_on) \
                and (rule.ends_on is None or starts_on <= rule.ends_on):
            return rule
    return None


def _parse_points(y: Reader, label: str, rules: tuple[StepRule, ...], starts_on: dt.date,
                  ends_on: dt.date) -> dict[str, tuple[PayPoint, ...]]:
    table = y.table_of("points")
    assert table is not None
    for band in table.table:
        if band not in AFC_BANDS:
            raise table.fail(f"unknown band {band!r}; expected one of {', '.join(AFC_BANDS)}", band)
    points: dict[str, tuple[PayPoint, ...]] = {}
    for band in AFC_BANDS:
        rule = _rule_for_year(rules, band, starts_on, ends_on)
        if rule is None:
            if band in table.table:
                raise table.fail(f"band {band} has no step rule in force in {label}", band)
            continue
        if not (rule.in_force(starts_on) and rule.in_force(ends_on)):
            raise table.fail(f"step_rules[{rule.id}] changes part-way through {label}; a step rule must start and end "
                             f"on pay-year boundaries", band)
        if band not in table.table:
            raise table.fail(f"missing pay points for band {band} in {label} (step_rules[{rule.id}] gives it "
                             f"{rule.points}: {', '.join(POINT_NAMES[rule.points])})", band)
        b = table.table_of(band)
        assert b is not None
        names = POINT_NAMES[rule.points]
        extra = [k for k in b.table if k not in names]
        if extra:
            raise b.fail(f"band {band} has no {extra[0]!r} pay point in {label} (step_rules[{rule.id}] gives it "
                         f"{', '.join(names)})", extra[0])
        band_points = []
        for step, name in enumerate(names, start=1):
            if not b.has(name):
                raise b.fail(f"missing {name} pay point for band {band} in {label} (step_rules[{rule.id}] gives it "
                             f"{', '.join(names)})", name)
            figure = _figure(b, name, required=True)
            assert figure is not None
            amount, uncertain, note = figure
            band_points.append(PayPoint(band=band, step=step, amount=amount, uncertain=uncertain, note=note))
        _check_order(b, band, label, band_points, names)
        points[band] = tuple(band_points)
    return points


def _check_order(b: Reader, band: str, label: str, band_points: list[PayPoint], names: tuple[str, ...]) -> None:
    entry, top = band_points[0].amount, band_points[-1].amount
    if entry is not None and top is not None and top < entry:
        raise b.fail(f"band {band} top ({top}) is below entry ({entry}) in {label}", "top")
    if len(band_points) == 3:
        middle = band_points[1].amount
        if middle is not None and ((entry is not None and middle < entry) or (top is not None and middle > top)):
            raise b.fail(f"band {band} intermediate ({middle}) is not between entry ({entry}) and top ({top}) "
                         f"in {label}", names[1])


def _nation(r: Reader) -> str:
    if not r.has("nation"):
        raise r.fail("is missing (write it before [meta]: in TOML, keys after a table header belong to that table)",
                     "nation")
    nation: str = r.str("nation")
    return nation


def parse_pay_scale(raw: RawFile) -> PayScale:
    """Read an `afc_pay_scale` file: step rules, progression standards and pay points by year and band."""
    r = Reader(raw.name, "", raw.body)
    nation = _nation(r)
    rules = _parse_step_rules(r)
    standards = tuple(
        ProgressionStandard(id=s.str("id"), text=s.str("text"), line_managers_only=s.bool("line_managers_only"))
        for s in r.tables("standards", required=False)
    )
    years = []
    for y, label, starts_on, ends_on in _dated_years(r, "years"):
        years.append(PayYear(label=label, starts_on=starts_on, ends_on=ends_on,
                             points=_parse_points(y, label, rules, starts_on, ends_on),
                             source=y.source(), notes=y.str("notes", required=False) or ""))
    return PayScale(meta=raw.meta, nation=nation, years=tuple(years), step_rules=rules, standards=standards,
                    source=r.source())


def pay_year_for(scale: PayScale, on: dt.date) -> PayYear:
    for year in scale.years:
        if year.covers(on):
            return year
    raise UnknownPayValue(f"the {scale.nation.capitalize()} Agenda for Change pay scale for {_pay_year_label(on)} is unknown: "
                          f"no pay year in {scale.meta.id} version {scale.meta.version} covers {on.isoformat()}")


def step_rule_for(scale: PayScale, band: str, on: dt.date) -> StepRule:
    """The step structure of `band` in force on `on` (ValueError for a band that is not an AfC band)."""
    _check_band(band)
    for rule in scale.step_rules:
        if band in rule.bands and rule.in_force(on):
            return rule
    raise UnknownPayValue(f"the step structure of band {band} on {on.isoformat()} is unknown: no step rule in "
                          f"{scale.meta.id} version {scale.meta.version} covers that date")


def _check_band(band: str) -> None:
    if band not in AFC_BANDS:
        raise ValueError(f"unknown Agenda for Change band {band!r}; expected one of {', '.join(AFC_BANDS)}")


def _check_step(band: str, step: int, points: int, on: dt.date) -> None:
    if isinstance(step, bool) or not isinstance(step, int) or not 1 <= step <= points:
        raise ValueError(f"band {band} has steps 1 to {points} on {on.isoformat()}, not {step!r}")


def steps_in_band(scale: PayScale, band: str, on: dt.date) -> int:
    """How many pay points `band` has on `on` (band 8a: 2 until 31 March 2024, 3 from 1 April 2024)."""
    return step_rule_for(scale, band, on).points


def step_on(scale: PayScale, band: str, step: int, step_started_on: dt.date, on: dt.date) -> int:
    """The step, counted on the structure in force on `on`, of someone recorded on `step` since `step_started_on`.

    Steps are recorded on the structure in force when they began. When a band gained pay points
    since then (bands 8a–9 went from two points to three on 1 April 2024), the top stays the top:
    step 2 of 2 begun in 2020 is step 3 of 3 today. Other steps keep their number: entry stays 1.
    Transitional moves of people on the old entry point on to the new intermediate point are not
    modelled; such a person stays on step 1 until a change is recorded.
    """
    then = steps_in_band(scale, band, step_started_on)
    now = steps_in_band(scale, band, on)
    if then < now and step == then:
        return now
    return step


def years_to_next_step(scale: PayScale, band: str, step: int, on: dt.date) -> int | None:
    """Whole years from the start of `step` to the next pay point, by the rule in force on `on`; None at the top."""
    rule = step_rule_for(scale, band, on)
    _check_step(band, step, rule.points, on)
    if step == rule.points:
        return None
    return rule.years[step - 1]


def add_years(start: dt.date, years: int) -> dt.date:
    """The same day and month `years` later; 29 February becomes 28 February in a year that has none.

    28 February (not 1 March) keeps the anniversary inside the month it started in, the usual
    HR-system convention; it is the earlier of the two candidate dates, so never late.
    """
    year = start.year + years
    if start.month == 2 and start.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return start.replace(year=year)


LeavePeriod = tuple[dt.date, dt.date] | tuple[dt.date, dt.date, str]


def _deferring_periods(leave: Iterable[LeavePeriod],
                       deferring_kinds: Collection[str] | None) -> list[tuple[dt.date, dt.date]]:
    periods = []
    for item in leave:
        start, end = item[0], item[1]
        if end < start:
            raise ValueError(f"leave period ends ({end.isoformat()}) before it starts ({start.isoformat()})")
        if deferring_kinds is not None and len(item) == 3 and item[2] not in deferring_kinds:
            continue
        periods.append((start, end))
    periods.sort()
    merged: list[tuple[dt.date, dt.date]] = []
    for start, end in periods:
        if merged and start <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _days_between(periods: list[tuple[dt.date, dt.date]], start: dt.date, before: dt.date) -> int:
    """Days of the (inclusive) periods that fall on or after `start` and before `before`."""
    total = 0
    for p_start, p_end in periods:
        lo, hi = max(p_start, start), min(p_end, before - dt.timedelta(days=1))
        if lo <= hi:
            total += (hi - lo).days + 1
    return total


def next_step_date(scale: PayScale, band: str, step: int, step_started_on: dt.date,
                   leave: Iterable[LeavePeriod] = (),
                   deferring_kinds: Collection[str] | None = None) -> dt.date | None:
    """When the next pay point is due for someone who started `step` of `band` on `step_started_on`; None at the top.

    The due date is the anniversary (see `add_years`) after the step's duration, by the step rule
    in force on `step_started_on`, pushed back one day for every day of the given leave that falls
    between the start and the due date; since pushing the date back can take in more leave, this is
    repeated until the date stops moving. Leave periods are inclusive (start, end) pairs; overlapping
    periods count once. Pass only leave that defers progression: the facts held do not say which
    kinds do, so there is no built-in list. `deferring_kinds`, when given, filters periods given as
    (start, end, kind) triples; (start, end) pairs always count.

    A step that spans a change of step rule (bands 8a–9 on 1 April 2024) uses the rule in force when
    the step started; transitional moves on to the new intermediate point are not modelled.
    """
    years = years_to_next_step(scale, band, step, step_started_on)
    if years is None:
        return None
    base = add_years(step_started_on, years)
    periods = _deferring_periods(leave, deferring_kinds)
    due = base
    while True:
        moved = base + dt.timedelta(days=_days_between(periods, step_started_on, due))
        if moved == due:
            return due
        due = moved


def pay_point(scale: PayScale, *, on: dt.date, band: str, step: int) -> PayPoint:
    """The pay point for `band` and `step` in the pay year containing `on` (UnknownPayValue if its amount is unknown).

    Steps count on the structure in force on `on`: band 8a's top is step 2 until 31 March 2024
    and step 3 from 1 April 2024, when the intermediate point was added.
    """
    _check_band(band)
    year = pay_year_for(scale, on)
    points = year.points.get(band)
    if points is None:
        raise UnknownPayValue(f"band {band} pay points for {year.label} are unknown: {scale.meta.id} version "
                              f"{scale.meta.version} holds none")
    _check_step(band, step, len(points), on)
    point = points[step - 1]
    if point.amount is None:
        raise UnknownPayValue(f"the band {band} {step_name(step, len(points))} pay point (step {step}) for "
                              f"{year.label} is unknown" + (f" ({point.note})" if point.note else ""))
    return point


# --------------------------------------------------------------------------------------------
# High Cost Area Supplements
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class HcasLimit:
    """A cash minimum or maximum; `amount` None when the data records it as unknown."""

    amount: Decimal | None
    uncertain: bool = False
    note: str = ""


@dataclasses.dataclass(frozen=True)
class HcasZone:
    id: str
    name: str
    source: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class HcasRate:
    """One zone in one pay year: a percentage of full-time basic pay, kept between a cash minimum and maximum."""

    zone: str
    percentage: Decimal
    minimum: HcasLimit
    maximum: HcasLimit


@dataclasses.dataclass(frozen=True)
class HcasYear:
    label: str
    starts_on: dt.date
    ends_on: dt.date
    rates: dict[str, HcasRate]
    source: tuple[str, ...]
    notes: str = ""

    def covers(self, on: dt.date) -> bool:
        return self.starts_on <= on <= self.ends_on


@dataclasses.dataclass(frozen=True)
class HcasTable:
    meta: Meta
    nation: str
    zones: tuple[HcasZone, ...]
    years: tuple[HcasYear, ...]

    def zone(self, zone_id: str) -> HcasZone:
        for zone in self.zones:
            if zone.id == zone_id:
                return zone
        raise ValueError(f"unknown HCAS zone {zone_id!r}; expected one of {', '.join(z.id for z in self.zones)}")


def parse_hcas(raw: RawFile) -> HcasTable:
    """Read an `hcas` file: zones, and per pay year each zone's percentage and cash minimum and maximum."""
    r = Reader(raw.name, "", raw.body)
    nation = _nation(r)
    zones = tuple(HcasZone(id=z.str("id"), name=z.str("name"), source=z.source()) for z in r.tables("zones"))
    ids = [z.id for z in zones]
    if NO_ZONE not in ids:
        raise r.fail(f"must declare the zone {NO_ZONE!r} (no supplement)", "zones")
    years = []
    for y, label, starts_on, ends_on in _dated_years(r, "years"):
        table = y.table_of("rates")
        assert table is not None
        for zone_id in table.table:
            if zone_id == NO_ZONE:
                raise table.fail(f"zone {NO_ZONE!r} means no supplement and takes no rates", zone_id)
            if zone_id not in ids:
                raise table.fail(f"unknown zone {zone_id!r}; declared zones: {', '.join(ids)}", zone_id)
        rates = {}
        for zone_id in ids:
            if zone_id == NO_ZONE:
                continue
            if zone_id not in table.table:
                raise table.fail(f"missing rates for zone {zone_id!r} in {label} (write minimum/maximum as "
                                 f"{{ unknown = true }} when they are not known)", zone_id)
            z = table.table_of(zone_id)
            assert z is not None
            percentage = z.decimal("percentage", minimum=Decimal(0))
            if percentage > HUNDRED:
                raise z.fail(f"must be a percentage between 0 and 100, not {percentage}", "percentage")
            limits = []
            for key in ("minimum", "maximum"):
                figure = _figure(z, key, required=False)
                limits.append(HcasLimit(None, False, "not recorded") if figure is None else HcasLimit(*figure))
            low, high = limits
            if low.amount is not None and high.amount is not None and high.amount < low.amount:
                raise z.fail(f"maximum {high.amount} is below minimum {low.amount} in {label}", "maximum")
            rates[zone_id] = HcasRate(zone=zone_id, percentage=percentage, minimum=low, maximum=high)
        years.append(HcasYear(label=label, starts_on=starts_on, ends_on=ends_on, rates=rates, source=y.source(),
                              notes=y.str("notes", required=False) or ""))
    return HcasTable(meta=raw.meta, nation=nation, zones=zones, years=tuple(years))


def hcas_year_for(table: HcasTable, on: dt.date) -> HcasYear:
    for year in table.years:
        if year.covers(on):
            return year
    raise UnknownPayValue(f"HCAS rates for {_pay_year_label(on)} are unknown: no year in {table.meta.id} version "
                          f"{table.meta.version} covers {on.isoformat()}")


# --------------------------------------------------------------------------------------------
# The calculator
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PayResult:
    """Annual pay for one post, with the reasons: every uncertain value used adds a note."""

    annual_basic: Decimal
    hcas: Decimal
    total: Decimal
    wte: Decimal
    band: str
    step: int
    pay_year: str
    uncertain: bool
    notes: tuple[str, ...]
    zone: str = NO_ZONE


def _money(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def _pounds(value: Decimal) -> str:
    return f"£{value:,.2f}" if value != value.to_integral_value() else f"£{value:,.0f}"


def _check_wte(wte: Any) -> Decimal:
    if isinstance(wte, bool) or isinstance(wte, float) or not isinstance(wte, (Decimal, int)):
        raise TypeError(f"wte must be a Decimal (never a float), not {wte!r}")
    value = Decimal(wte)
    if not value.is_finite() or not Decimal(0) < value <= Decimal(1):
        raise ValueError(f"wte must be more than 0 and at most 1, not {wte}")
    return value


def annual_pay(scale: PayScale, hcas_table: HcasTable, *, on: dt.date, band: str, step: int, wte: Decimal,
               zone: str = NO_ZONE) -> PayResult:
    """Annual basic pay and HCAS for `band` `step` at `wte` on `on`, in `zone`.

    Basic = the pay point × wte, rounded to pennies (ROUND_HALF_UP).

    HCAS = the zone's percentage of the full-time basic, kept between the year's cash minimum
    and maximum, then × wte, rounded to pennies. The T&Cs (section 4) pro-rate the minimum and
    maximum for part-time staff, which is the same thing: clamp(p × basic × wte, min × wte,
    max × wte) = clamp(p × basic, min, max) × wte. Only the final figure is rounded. Long-term
    recruitment and retention premia (which count towards the HCAS base) are not modelled.

    Raises UnknownPayValue when a needed value is unknown (the year's scale, the pay point, the
    zone's percentage, minimum or maximum), saying which. Uncertain values are used, and set
    `uncertain` with a note: the pay point's; for HCAS, the minimum and maximum unless the other
    one decides the result (a maximum that caps the supplement makes the minimum irrelevant).
    """
    wte_value = _check_wte(wte)
    point = pay_point(scale, on=on, band=band, step=step)
    year = pay_year_for(scale, on)
    assert point.amount is not None
    size = len(year.points[band])
    notes: list[str] = []
    uncertain = False
    if scale.meta.uncertain:
        uncertain = True
        notes.append(f"{scale.meta.id} version {scale.meta.version} as a whole is marked uncertain")
    if point.uncertain:
        uncertain = True
        notes.append(f"the band {band} {step_name(step, size)} pay point for {year.label} "
                     f"({_pounds(point.amount)}) is uncertain" + (f": {point.note}" if point.note else ""))
    full_time = point.amount
    basic = _money(full_time * wte_value)

    hcas = Decimal("0.00")
    if zone != NO_ZONE:
        if hcas_table.nation != scale.nation:
            raise ValueError(f"HCAS table {hcas_table.meta.id} is for {hcas_table.nation}, "
                             f"the pay scale {scale.meta.id} for {scale.nation}")
        name = hcas_table.zone(zone).name
        hyear = hcas_year_for(hcas_table, on)
        rate = hyear.rates[zone]
        for which, limit in (("minimum", rate.minimum), ("maximum", rate.maximum)):
            if limit.amount is None:
                raise UnknownPayValue(f"the HCAS {which} for the {name} zone ({zone}) in {hyear.label} is unknown"
                                      + (f" ({limit.note})" if limit.note else ""))
        low, high = rate.minimum.amount, rate.maximum.amount
        assert low is not None and high is not None
        by_percentage = full_time * rate.percentage / HUNDRED
        relevant: list[tuple[str, HcasLimit]] = []
        if by_percentage >= high:
            supplement = high
            notes.append(f"HCAS {rate.percentage}% of {_pounds(full_time)} is {_pounds(by_percentage)}, "
                         f"capped at the {name} maximum of {_pounds(high)} for {hyear.label}")
            relevant.append(("maximum", rate.maximum))
        elif by_percentage <= low:
            supplement = low
            notes.append(f"HCAS {rate.percentage}% of {_pounds(full_time)} is {_pounds(by_percentage)}, "
                         f"raised to the {name} minimum of {_pounds(low)} for {hyear.label}")
            relevant.append(("minimum", rate.minimum))
        else:
            supplement = by_percentage
            relevant += [("minimum", rate.minimum), ("maximum", rate.maximum)]
        for which, limit in relevant:
            if limit.uncertain:
                uncertain = True
                notes.append(f"the HCAS {name} {which} for {hyear.label} ({_pounds(limit.amount or Decimal(0))}) "
                             f"is uncertain" + (f": {limit.note}" if limit.note else ""))
        if hcas_table.meta.uncertain:
            uncertain = True
            notes.append(f"{hcas_table.meta.id} version {hcas_table.meta.version} as a whole is marked uncertain")
        hcas = _money(supplement * wte_value)
        if wte_value != 1:
            notes.append(f"HCAS pro-rated to {wte_value} WTE")
    return PayResult(annual_basic=basic, hcas=hcas, total=basic + hcas, wte=wte_value, band=band, step=step,
                     pay_year=year.label, uncertain=uncertain, notes=tuple(notes), zone=zone)
