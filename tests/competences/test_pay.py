"""Agenda for Change pay points, step timings and HCAS: the England data (facts.md §1) and the calculator."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from importlib.resources import files

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competences.catalogue import parse
from competences.datafile import DataFileError
from competences.pay import (
    HcasTable,
    PayScale,
    UnknownPayValue,
    add_years,
    annual_pay,
    next_step_date,
    pay_point,
    pay_year_for,
    step_on,
    steps_in_band,
    years_to_next_step,
)

D = Decimal
APRIL_2025 = dt.date(2025, 4, 1)
JUNE_2024 = dt.date(2024, 6, 1)
JUNE_2025 = dt.date(2025, 6, 1)


def _built_in(name: str) -> object:
    return parse((files("competences") / "data" / name).read_text(encoding="utf-8"), name).content


SCALE = _built_in("afc_pay_england.toml")
HCAS = _built_in("hcas_england.toml")
assert isinstance(SCALE, PayScale) and isinstance(HCAS, HcasTable)


# ---- the data matches facts.md §1.3 ----------------------------------------------------------

#: England 2025/26, facts.md §1.3: band → (entry, intermediate, top); None = no such point.
ENGLAND_2025_26 = {
    "2": (24465, None, 24465),
    "3": (24937, None, 26598),
    "4": (27485, None, 30162),
    "5": (31049, 33487, 37796),
    "6": (38682, 40823, 46580),
    "7": (47810, 50273, 54710),
    "8a": (55690, 58487, 62682),
    "8b": (64455, 68631, 74896),
    "8c": (76965, 81652, 88682),
    "8d": (91342, 96941, 105337),
    "9": (109179, 115763, 125637),
}


def _steps(table: dict[str, tuple[int, int | None, int]]) -> list[tuple[str, int, int]]:
    out = []
    for band, (entry, middle, top) in table.items():
        amounts = [entry, top] if middle is None else [entry, middle, top]
        out += [(band, step, amount) for step, amount in enumerate(amounts, start=1)]
    return out


@pytest.mark.parametrize(("band", "step", "amount"), _steps(ENGLAND_2025_26))
def test_every_2025_26_pay_point_matches_the_facts(band, step, amount):
    point = pay_point(SCALE, on=JUNE_2025, band=band, step=step)
    assert point.amount == D(amount)
    assert point.uncertain is False


@pytest.mark.parametrize(("band", "points"), [(b, 2 if m is None else 3) for b, (_, m, _) in ENGLAND_2025_26.items()])
def test_every_band_has_the_facts_number_of_points_in_2025_26(band, points):
    assert steps_in_band(SCALE, band, JUNE_2025) == points
    assert len(pay_year_for(SCALE, JUNE_2025).points[band]) == points


def test_the_scale_holds_exactly_2022_23_to_2025_26_each_april_to_march():
    assert [(y.label, y.starts_on, y.ends_on) for y in SCALE.years] == [
        ("2022/23", dt.date(2022, 4, 1), dt.date(2023, 3, 31)),
        ("2023/24", dt.date(2023, 4, 1), dt.date(2024, 3, 31)),
        ("2024/25", dt.date(2024, 4, 1), dt.date(2025, 3, 31)),
        ("2025/26", dt.date(2025, 4, 1), dt.date(2026, 3, 31)),
    ]
    assert all(y.source for y in SCALE.years)
    assert SCALE.nation == "england"


@pytest.mark.parametrize(("band", "entry", "middle", "top"), [
    ("8a", 53755, 56454, 60504),
    ("8b", 62215, 66246, 72293),
    ("8c", 74290, 78814, 85601),
    ("8d", 88168, 93572, 101677),
])
def test_bands_8a_to_8d_have_three_points_in_2024_25(band, entry, middle, top):
    assert [p.amount for p in pay_year_for(SCALE, JUNE_2024).points[band]] == [D(entry), D(middle), D(top)]


@pytest.mark.parametrize(("on", "band", "step", "amount"), [
    (dt.date(2022, 4, 1), "5", 2, 29180),
    (dt.date(2023, 3, 31), "8a", 2, 54619),   # 2022/23 top: two points only
    (dt.date(2023, 4, 1), "2", 1, 22383),
    (dt.date(2024, 3, 31), "7", 3, 50056),
    (dt.date(2024, 4, 1), "4", 2, 29114),
    (dt.date(2026, 3, 31), "9", 3, 125637),
])
def test_pay_points_of_other_years_and_their_boundaries(on, band, step, amount):
    assert pay_point(SCALE, on=on, band=band, step=step).amount == D(amount)


def test_the_progression_standards_are_data_with_the_line_manager_one_flagged():
    assert [s.id for s in SCALE.standards] == [
        "appraisal", "no-capability-process", "no-live-disciplinary-sanction", "statutory-mandatory-training",
        "team-appraisals-complete",
    ]
    assert [s.id for s in SCALE.standards if s.line_managers_only] == ["team-appraisals-complete"]
    assert "12 months" in SCALE.standards[0].text


# ---- step timing (facts §1.1) ----------------------------------------------------------------

def test_band_8a_has_two_points_and_five_years_to_top_on_31_march_2024():
    on = dt.date(2024, 3, 31)
    assert steps_in_band(SCALE, "8a", on) == 2
    assert years_to_next_step(SCALE, "8a", 1, on) == 5
    assert years_to_next_step(SCALE, "8a", 2, on) is None


def test_band_8a_has_three_points_from_1_april_2024():
    on = dt.date(2024, 4, 1)
    assert steps_in_band(SCALE, "8a", on) == 3
    assert years_to_next_step(SCALE, "8a", 1, on) == 2
    assert years_to_next_step(SCALE, "8a", 2, on) == 3
    assert years_to_next_step(SCALE, "8a", 3, on) is None


@pytest.mark.parametrize(("band", "step", "years"), [
    ("2", 1, 2), ("2", 2, None),
    ("3", 1, 2),
    ("4", 1, 3), ("4", 2, None),
    ("5", 1, 2), ("5", 2, 2), ("5", 3, None),
    ("6", 1, 2), ("6", 2, 3),
    ("7", 1, 2), ("7", 2, 3), ("7", 3, None),
    ("9", 1, 2), ("9", 2, 3),
])
def test_years_to_next_step_follow_the_facts(band, step, years):
    assert years_to_next_step(SCALE, band, step, JUNE_2025) == years


def test_a_step_the_band_does_not_have_is_refused():
    with pytest.raises(ValueError, match="band 4 has steps 1 to 2"):
        years_to_next_step(SCALE, "4", 3, JUNE_2025)
    with pytest.raises(ValueError, match="unknown Agenda for Change band '1'"):
        steps_in_band(SCALE, "1", JUNE_2025)


def test_a_29_february_anniversary_falls_on_28_february_in_a_common_year():
    assert add_years(dt.date(2024, 2, 29), 2) == dt.date(2026, 2, 28)
    assert add_years(dt.date(2024, 2, 29), 4) == dt.date(2028, 2, 29)
    assert add_years(dt.date(2023, 3, 1), 1) == dt.date(2024, 3, 1)


def test_band_5_entry_started_on_29_february_2024_is_due_on_28_february_2026():
    # 2 years after 29 Feb 2024; 2026 has no 29 February, so the anniversary is taken as 28 Feb.
    assert next_step_date(SCALE, "5", 1, dt.date(2024, 2, 29)) == dt.date(2026, 2, 28)


def test_band_4_entry_started_on_29_february_2024_is_due_on_28_february_2027():
    assert next_step_date(SCALE, "4", 1, dt.date(2024, 2, 29)) == dt.date(2027, 2, 28)


def test_leave_inside_the_window_pushes_the_step_date_back_by_its_days():
    # Band 5 intermediate from 1 Jun 2023: due 1 Jun 2025 (2 years). Leave 8–21 Jan 2024 inclusive
    # is 14 days, all inside the window, so the step is due 14 days later: 15 Jun 2025.
    leave = [(dt.date(2024, 1, 8), dt.date(2024, 1, 21))]
    assert next_step_date(SCALE, "5", 2, dt.date(2023, 6, 1), leave) == dt.date(2025, 6, 15)


def test_leave_running_past_the_due_date_is_counted_until_the_date_stops_moving():
    # Band 3 entry from 1 Jan 2024: due 1 Jan 2026. Leave 25 Dec 2025 – 10 Jan 2026 (17 days).
    #   due 1 Jan 2026: leave before it 25–31 Dec = 7 days  → 8 Jan 2026
    #   due 8 Jan 2026: 25 Dec – 7 Jan = 14 days            → 15 Jan 2026
    #   due 15 Jan 2026: all 17 days                        → 18 Jan 2026, stable.
    leave = [(dt.date(2025, 12, 25), dt.date(2026, 1, 10))]
    assert next_step_date(SCALE, "3", 1, dt.date(2024, 1, 1), leave) == dt.date(2026, 1, 18)


def test_leave_outside_the_window_is_ignored_and_overlapping_leave_counts_once():
    before = (dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    after = (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    overlapping = [(dt.date(2024, 3, 1), dt.date(2024, 3, 10)), (dt.date(2024, 3, 6), dt.date(2024, 3, 15))]
    # Band 7 entry from 1 Jan 2024: due 1 Jan 2026; 1–15 Mar 2024 is 15 days → 16 Jan 2026.
    assert next_step_date(SCALE, "7", 1, dt.date(2024, 1, 1), [before, after, *overlapping]) == dt.date(2026, 1, 16)


def test_deferring_kinds_filters_leave_given_with_its_kind():
    leave = [(dt.date(2024, 3, 1), dt.date(2024, 3, 10), "unpaid"), (dt.date(2024, 5, 1), dt.date(2024, 5, 5), "sickness")]
    start = dt.date(2024, 1, 1)
    # Band 7 entry: due 1 Jan 2026; only the 10 days of unpaid leave count → 11 Jan 2026.
    assert next_step_date(SCALE, "7", 1, start, leave, deferring_kinds={"unpaid"}) == dt.date(2026, 1, 11)
    # Without a filter every period given counts: 10 + 5 days → 16 Jan 2026.
    assert next_step_date(SCALE, "7", 1, start, leave) == dt.date(2026, 1, 16)


def test_leave_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends"):
        next_step_date(SCALE, "7", 1, dt.date(2024, 1, 1), [(dt.date(2024, 3, 10), dt.date(2024, 3, 1))])


def test_the_top_step_has_no_next_step_date():
    assert next_step_date(SCALE, "5", 3, dt.date(2024, 1, 1)) is None
    assert next_step_date(SCALE, "8a", 2, dt.date(2023, 1, 1)) is None


def test_band_8a_entry_uses_the_step_rule_in_force_when_the_step_started():
    # Before April 2024: entry → top after 5 years; from April 2024: entry → intermediate after 2.
    assert next_step_date(SCALE, "8a", 1, dt.date(2023, 1, 1)) == dt.date(2028, 1, 1)
    assert next_step_date(SCALE, "8a", 1, dt.date(2024, 4, 1)) == dt.date(2026, 4, 1)


def test_band_8a_top_since_2020_is_the_top_of_todays_three_points():
    # Step 2 of 2 (top) since 1 May 2020; on 30 November 2026 band 8a has 3 points, so the top is step 3.
    assert step_on(SCALE, "8a", 2, dt.date(2020, 5, 1), dt.date(2026, 11, 30)) == 3
    # On 31 March 2024 the two-point structure still stood: step 2 is the top.
    assert step_on(SCALE, "8a", 2, dt.date(2020, 5, 1), dt.date(2024, 3, 31)) == 2


def test_band_8a_entry_before_april_2024_stays_entry_and_other_bands_keep_their_step():
    assert step_on(SCALE, "8a", 1, dt.date(2020, 5, 1), dt.date(2026, 11, 30)) == 1
    assert step_on(SCALE, "9", 2, dt.date(2023, 1, 1), dt.date(2024, 4, 1)) == 3
    # Begun under today's structure: the number is already today's.
    assert step_on(SCALE, "8a", 2, dt.date(2024, 4, 1), dt.date(2026, 11, 30)) == 2
    assert step_on(SCALE, "6", 2, dt.date(2020, 5, 1), dt.date(2026, 11, 30)) == 2


def test_the_8a_top_since_2020_is_paid_as_top_in_2025_26():
    """2025/26 band 8a top = £62,682 (intermediate £58,487); full time, no HCAS."""
    on = dt.date(2025, 11, 30)
    step = step_on(SCALE, "8a", 2, dt.date(2020, 5, 1), on)
    result = annual_pay(SCALE, HCAS, on=on, band="8a", step=step, wte=D(1))
    assert (result.step, result.annual_basic, result.total) == (3, D("62682.00"), D("62682.00"))


# ---- the calculator --------------------------------------------------------------------------

def test_full_time_band_7_intermediate_2025_26_is_the_pay_point():
    result = annual_pay(SCALE, HCAS, on=JUNE_2025, band="7", step=2, wte=D(1))
    assert (result.annual_basic, result.hcas, result.total) == (D("50273.00"), D("0.00"), D("50273.00"))
    assert (result.band, result.step, result.pay_year, result.uncertain, result.notes) == ("7", 2, "2025/26", False, ())


def test_part_time_pay_is_the_pay_point_times_wte():
    # 0.6 × £50,273 = £30,163.80
    result = annual_pay(SCALE, HCAS, on=JUNE_2025, band="7", step=2, wte=D("0.6"))
    assert result.annual_basic == D("30163.80")
    assert result.total == D("30163.80")
    assert result.wte == D("0.6")


def test_basic_pay_is_rounded_half_up_to_the_penny():
    # 0.33335 × £31,049 = £10,350.18415 → £10,350.18
    assert annual_pay(SCALE, HCAS, on=JUNE_2025, band="5", step=1, wte=D("0.33335")).annual_basic == D("10350.18")
    # 0.5 × £24,937 = £12,468.50 exactly
    assert annual_pay(SCALE, HCAS, on=JUNE_2025, band="3", step=1, wte=D("0.5")).annual_basic == D("12468.50")
    # 0.12345 × £24,465 = £3,020.20425 → £3,020.20; 0.12347 × £24,465 = £3,020.69355 → £3,020.69
    assert annual_pay(SCALE, HCAS, on=JUNE_2025, band="2", step=1, wte=D("0.12345")).annual_basic == D("3020.20")
    assert annual_pay(SCALE, HCAS, on=JUNE_2025, band="2", step=1, wte=D("0.12347")).annual_basic == D("3020.69")
    # An exact half penny rounds up: 0.001 × £24,465 = £24.465 → £24.47 (half-even would give £24.46)
    assert annual_pay(SCALE, HCAS, on=JUNE_2025, band="2", step=1, wte=D("0.001")).annual_basic == D("24.47")


def test_inner_london_hcas_for_band_4_is_raised_to_the_minimum():
    # 2024/25 band 4 entry £26,530 × 20% = £5,306.00, below the inner London minimum £5,415
    # → HCAS £5,415.00; total £26,530 + £5,415 = £31,945.00. Both 2024/25 values are confirmed.
    result = annual_pay(SCALE, HCAS, on=JUNE_2024, band="4", step=1, wte=D(1), zone="inner-london")
    assert (result.annual_basic, result.hcas, result.total) == (D("26530.00"), D("5415.00"), D("31945.00"))
    assert result.uncertain is False
    assert any("minimum" in n for n in result.notes)


def test_inner_london_hcas_minimum_is_pro_rated_for_part_time_staff():
    # 0.5 × £26,530 = £13,265.00 basic; HCAS minimum £5,415 × 0.5 = £2,707.50.
    result = annual_pay(SCALE, HCAS, on=JUNE_2024, band="4", step=1, wte=D("0.5"), zone="inner-london")
    assert (result.annual_basic, result.hcas, result.total) == (D("13265.00"), D("2707.50"), D("15972.50"))


def test_inner_london_hcas_for_band_8d_is_capped_at_the_maximum():
    # 2024/25 band 8d top £101,677 × 20% = £20,335.40, above the maximum £8,171 → £8,171.00;
    # total £101,677 + £8,171 = £109,848.00.
    result = annual_pay(SCALE, HCAS, on=JUNE_2024, band="8d", step=3, wte=D(1), zone="inner-london")
    assert (result.annual_basic, result.hcas, result.total) == (D("101677.00"), D("8171.00"), D("109848.00"))
    assert result.uncertain is False
    assert any("maximum" in n for n in result.notes)


def test_a_confirmed_maximum_that_caps_hcas_is_certain_though_the_minimum_is_not():
    # 2025/26 band 8d entry £91,342 × 20% = £18,268.40 → capped at the confirmed maximum £8,465;
    # the uncertain 2025/26 minimum cannot matter once the maximum applies.
    result = annual_pay(SCALE, HCAS, on=JUNE_2025, band="8d", step=1, wte=D(1), zone="inner-london")
    assert (result.hcas, result.total) == (D("8465.00"), D("99807.00"))
    assert result.uncertain is False


def test_hcas_between_the_limits_is_the_percentage_and_flags_an_uncertain_minimum():
    # 2025/26 band 5 entry £31,049 × 20% = £6,209.80, between £5,415 and £8,465; the minimum is
    # uncertain (source says unchanged; ≈£5,610 if uprated), so the result is flagged.
    result = annual_pay(SCALE, HCAS, on=JUNE_2025, band="5", step=1, wte=D(1), zone="inner-london")
    assert (result.hcas, result.total) == (D("6209.80"), D("37258.80"))
    assert result.uncertain is True
    assert any("minimum" in n and "uncertain" in n and "2025/26" in n for n in result.notes)


@pytest.mark.parametrize(("zone", "expected"), [
    # 2024/25 band 6 intermediate £39,405: outer 15% = £5,910.75 → capped at £5,735;
    # fringe 5% = £1,970.25, between £1,258 and £2,121.
    ("outer-london", D("5735.00")),
    ("fringe", D("1970.25")),
    ("none", D("0.00")),
])
def test_hcas_in_each_zone(zone, expected):
    result = annual_pay(SCALE, HCAS, on=JUNE_2024, band="6", step=2, wte=D(1), zone=zone)
    assert result.hcas == expected
    assert result.zone == zone


def test_hcas_with_an_unknown_minimum_names_the_zone_and_year():
    with pytest.raises(UnknownPayValue, match=r"HCAS minimum for the Inner London zone \(inner-london\) in 2022/23 is unknown"):
        annual_pay(SCALE, HCAS, on=dt.date(2022, 6, 1), band="5", step=1, wte=D(1), zone="inner-london")


def test_no_hcas_zone_needs_no_hcas_data():
    result = annual_pay(SCALE, HCAS, on=dt.date(2022, 6, 1), band="5", step=1, wte=D(1))
    assert (result.annual_basic, result.hcas) == (D("27055.00"), D("0.00"))


def test_the_2021_22_fringe_limits_are_recorded_as_unknown_not_invented():
    year = next(y for y in HCAS.years if y.label == "2021/22")
    assert year.rates["fringe"].minimum.amount is None and year.rates["fringe"].maximum.amount is None
    assert year.rates["inner-london"].minimum.amount == D(4608)
    assert year.rates["inner-london"].maximum.amount == D(7097)


def test_the_2025_26_hcas_minima_are_uncertain_and_maxima_confirmed():
    year = next(y for y in HCAS.years if y.label == "2025/26")
    for zone, low, high in (("inner-london", 5415, 8465), ("outer-london", 4552, 5941), ("fringe", 1258, 2197)):
        rate = year.rates[zone]
        assert (rate.minimum.amount, rate.minimum.uncertain) == (D(low), True)
        assert (rate.maximum.amount, rate.maximum.uncertain) == (D(high), False)


def test_pay_in_2026_27_says_the_scale_is_unknown():
    with pytest.raises(UnknownPayValue, match=r"pay scale for 2026/27 is unknown.*2026-04-01"):
        annual_pay(SCALE, HCAS, on=dt.date(2026, 4, 1), band="5", step=1, wte=D(1))


def test_an_unknown_zone_and_a_float_wte_are_refused():
    with pytest.raises(ValueError, match="unknown HCAS zone 'mars'"):
        annual_pay(SCALE, HCAS, on=JUNE_2025, band="5", step=1, wte=D(1), zone="mars")
    with pytest.raises(TypeError, match="never a float"):
        annual_pay(SCALE, HCAS, on=JUNE_2025, band="5", step=1, wte=0.5)  # type: ignore[arg-type]
    for wte in (D(0), D("1.01"), D(-1)):
        with pytest.raises(ValueError, match="wte"):
            annual_pay(SCALE, HCAS, on=JUNE_2025, band="5", step=1, wte=wte)


@pytest.mark.parametrize(("on", "band", "step", "amount"), [
    (dt.date(2022, 6, 1), "2", 1, "20270.00"),   # [U] may be the interim living-wage rate
    (JUNE_2024, "9", 1, "105385.00"),             # [D] 2025/26 ÷ 1.036
    (JUNE_2024, "9", 2, "111740.00"),
    (JUNE_2024, "9", 3, "121271.00"),
])
def test_uncertain_pay_points_are_used_but_flagged(on, band, step, amount):
    result = annual_pay(SCALE, HCAS, on=on, band=band, step=step, wte=D(1))
    assert result.annual_basic == D(amount)
    assert result.uncertain is True
    assert any("uncertain" in n and f"band {band}" in n for n in result.notes)


def test_the_confirmed_2022_23_band_2_top_is_not_flagged():
    assert annual_pay(SCALE, HCAS, on=dt.date(2022, 6, 1), band="2", step=2, wte=D(1)).uncertain is False


def test_derived_2023_24_hcas_is_flagged_uncertain():
    # 2023/24 band 7 entry £43,742 × 20% = £8,748.40 → capped at the derived maximum £7,746.
    result = annual_pay(SCALE, HCAS, on=dt.date(2023, 6, 1), band="7", step=1, wte=D(1), zone="inner-london")
    assert result.hcas == D("7746.00")
    assert result.uncertain is True


# ---- malformed files -------------------------------------------------------------------------

META = """
[meta]
id = "afc-pay-test"
kind = "afc_pay_scale"
version = 1
title = "Test scale"
source = "test"
effective_from = 2025-04-01
status = "confirmed"
"""
RULE = """
[[step_rules]]
id = "band-5"
bands = ["5"]
points = 3
years = [2, 2]
"""
YEAR_2025 = """
[[years]]
label = "2025/26"
starts_on = 2025-04-01
ends_on = 2026-03-31
[years.points]
"5" = { entry = 31049, intermediate = 33487, top = 37796 }
"""
YEAR_2024 = """
[[years]]
label = "2024/25"
starts_on = 2024-04-01
ends_on = 2025-03-31
[years.points]
"5" = { entry = 29970, intermediate = 32324, top = 36483 }
"""


def _scale(body: str) -> object:
    return parse('nation = "england"\n' + META + body, "bad.toml").content


def test_the_minimal_test_scale_parses():
    scale = _scale(RULE + YEAR_2024 + YEAR_2025)
    assert isinstance(scale, PayScale)
    assert [y.label for y in scale.years] == ["2024/25", "2025/26"]


@pytest.mark.parametrize(("body", "item", "problem"), [
    (RULE + YEAR_2025.replace("intermediate = 33487, ", ""), "years[2025/26].points.5.intermediate",
     "missing intermediate pay point for band 5"),
    (RULE.replace("years = [2, 2]", "years = [2]"), "step_rules[band-5].years", "step 2 (intermediate) has no duration"),
    (RULE.replace("years = [2, 2]", "years = [2, 0]"), "step_rules[band-5].years", "step 2"),
    (RULE.replace('bands = ["5"]', 'bands = ["5", "10"]'), "step_rules[band-5].bands", "unknown band '10'"),
    (RULE + YEAR_2025.replace('"5" =', '"5" = { entry = 1, intermediate = 2, top = 3 }\n"10" ='),
     "years[2025/26].points.10", "unknown band '10'"),
    (RULE + YEAR_2025 + YEAR_2025, "years[1]", "duplicate label '2025/26'"),
    (RULE + YEAR_2025 + YEAR_2024.replace("ends_on = 2025-03-31", "ends_on = 2025-04-30"), "years[2025/26]",
     "overlaps 2024/25"),
    (RULE + YEAR_2025 + YEAR_2024.replace("2025-03-31", "2025-03-30"), "years[2025/26]", "leaves a gap after 2024/25"),
    (RULE + YEAR_2025.replace("entry = 31049", "entry = -1"), "years[2025/26].points.5.entry", "at least 0"),
    (RULE + YEAR_2025.replace("intermediate = 33487", "intermediate = 40000"), "years[2025/26].points.5.intermediate",
     "not between entry"),
    (RULE + YEAR_2025.replace("top = 37796", "top = 30000, middle = 1"), "years[2025/26].points.5.middle",
     "no 'middle' pay point"),
    (RULE + YEAR_2025.replace("starts_on = 2025-04-01", 'starts_on = "2025-04-01"'), "years[2025/26].starts_on",
     "must be a date"),
    (RULE + YEAR_2025.replace('label = "2025/26"', 'label = "2024/25"'), "years[2024/25].label", "does not match"),
    (RULE + YEAR_2025.replace("entry = 31049", 'entry = { amount = 31049, unknown = true }'),
     "years[2025/26].points.5.entry", "marked unknown but also gives an amount"),
    (RULE + RULE.replace('id = "band-5"', 'id = "band-5-again"') + YEAR_2025, "step_rules[band-5-again]",
     "overlaps step_rules[band-5] for band 5"),
    (RULE.replace("years = [2, 2]", "years = [2, 2]\nends_on = 2025-09-30") + YEAR_2025, "years[2025/26].points.5",
     "changes part-way through 2025/26"),
    (YEAR_2025, "step_rules", "is missing"),
    (RULE, "years", "is missing"),
])
def test_a_malformed_pay_scale_fails_naming_the_file_and_item(body, item, problem):
    with pytest.raises(DataFileError) as caught:
        _scale(body)
    assert caught.value.file == "bad.toml"
    assert caught.value.item == item
    assert problem in caught.value.problem


def test_a_pay_scale_with_nation_written_after_meta_explains_the_toml_rule():
    with pytest.raises(DataFileError, match="write it before \\[meta\\]"):
        parse(META + 'nation = "england"\n' + RULE + YEAR_2025, "late.toml")


def test_an_unknown_pay_point_is_loadable_but_asking_for_it_says_which_value_is_unknown():
    scale = _scale(RULE + YEAR_2025.replace("top = 37796", 'top = { unknown = true, note = "not published" }'))
    assert isinstance(scale, PayScale)
    assert pay_point(scale, on=JUNE_2025, band="5", step=1).amount == D(31049)
    with pytest.raises(UnknownPayValue, match=r"band 5 top pay point \(step 3\) for 2025/26 is unknown \(not published\)"):
        annual_pay(scale, HCAS, on=JUNE_2025, band="5", step=3, wte=D(1))


def test_a_band_with_no_points_in_the_year_says_so():
    scale = _scale(RULE + YEAR_2025)
    assert isinstance(scale, PayScale)
    with pytest.raises(UnknownPayValue, match="band 7 pay points for 2025/26 are unknown"):
        annual_pay(scale, HCAS, on=JUNE_2025, band="7", step=1, wte=D(1))


HCAS_META = """nation = "england"
[meta]
id = "hcas-test"
kind = "hcas"
version = 1
title = "Test HCAS"
source = "test"
effective_from = 2025-04-01
status = "confirmed"
[[zones]]
id = "none"
name = "None"
[[zones]]
id = "fringe"
name = "Fringe"
[[years]]
label = "2025/26"
starts_on = 2025-04-01
ends_on = 2026-03-31
"""


@pytest.mark.parametrize(("rates", "item", "problem"), [
    ("fringe = { percentage = 5, minimum = 2000, maximum = 1000 }", "years[2025/26].rates.fringe.maximum",
     "below minimum"),
    ("fringe = { percentage = 105, minimum = 1, maximum = 2 }", "years[2025/26].rates.fringe.percentage",
     "between 0 and 100"),
    ("fringe = { percentage = 5, minimum = -1, maximum = 2 }", "years[2025/26].rates.fringe.minimum", "at least 0"),
    ('fringe = { percentage = "nan", minimum = 1, maximum = 2 }', "years[2025/26].rates.fringe.percentage",
     "finite number"),
    ("mars = { percentage = 5 }", "years[2025/26].rates.mars", "unknown zone 'mars'"),
    ("none = { percentage = 0 }", "years[2025/26].rates.none", "takes no rates"),
    ("", "years[2025/26].rates.fringe", "missing rates for zone 'fringe'"),
])
def test_a_malformed_hcas_file_fails_naming_the_file_and_item(rates, item, problem):
    with pytest.raises(DataFileError) as caught:
        parse(HCAS_META + "[years.rates]\n" + rates + "\n", "hcas-bad.toml")
    assert (caught.value.file, caught.value.item) == ("hcas-bad.toml", item)
    assert problem in caught.value.problem


def test_hcas_limits_left_out_are_unknown_and_asking_for_them_names_zone_and_year():
    table = parse(HCAS_META + "[years.rates]\nfringe = { percentage = 5, maximum = 2197 }\n", "hcas-test.toml").content
    assert isinstance(table, HcasTable)
    assert table.years[0].rates["fringe"].minimum.amount is None
    with pytest.raises(UnknownPayValue, match=r"HCAS minimum for the Fringe zone \(fringe\) in 2025/26 is unknown"):
        annual_pay(SCALE, table, on=JUNE_2025, band="5", step=1, wte=D(1), zone="fringe")


# ---- properties --------------------------------------------------------------------------------

POSTS = [(band, step) for band, (_, m, _) in ENGLAND_2025_26.items() for step in range(1, 3 if m is None else 4)]
WTE = st.decimals(min_value=D("0.0001"), max_value=D(1), places=4)


@settings(max_examples=50, deadline=None)
@given(post=st.sampled_from(POSTS), on=st.sampled_from([JUNE_2024, JUNE_2025]),
       zone=st.sampled_from(["none", "fringe", "outer-london", "inner-london"]), a=WTE, b=WTE)
def test_annual_pay_is_monotonic_in_wte_and_never_exceeds_full_time(post, on, zone, a, b):
    band, step = post
    low, high = sorted((a, b))
    pay = {w: annual_pay(SCALE, HCAS, on=on, band=band, step=step, wte=w, zone=zone) for w in (low, high, D(1))}
    assert pay[low].annual_basic <= pay[high].annual_basic <= pay[D(1)].annual_basic
    assert pay[low].hcas <= pay[high].hcas <= pay[D(1)].hcas
    assert pay[low].total <= pay[high].total <= pay[D(1)].total
    assert pay[high].total == pay[high].annual_basic + pay[high].hcas
