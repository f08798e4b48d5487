import datetime as dt
from decimal import Decimal

import pytest

from competences.datafile import DataFileError, Reader
from competences.evidence import Leave, Snapshot
from competences.requirements import Window
from competences.windows import (
    add_months,
    all_time,
    calendar_month,
    complete_months,
    declaration_year,
    extend_for_leave,
    months_in,
    parse_window_spec,
    rolling,
    weeks_in,
    window_from_spec,
)

D = dt.date


def window_reader(table):
    return Reader("pathway_test.toml", "requirements[supervision].window", table)


def test_rolling_twelve_months_starts_the_day_after_the_same_date_a_year_earlier():
    window = rolling(D(2026, 11, 30), months=12)
    assert (window.start, window.end) == (D(2025, 12, 1), D(2026, 11, 30))
    assert window.label == "the 12 months to 30 November 2026"


def test_rolling_years_count_as_twelve_months_each():
    assert rolling(D(2026, 11, 30), years=3).start == D(2023, 12, 1)
    assert rolling(D(2026, 11, 30), years=1).label == "the year to 30 November 2026"


def test_month_arithmetic_clamps_the_31st_to_the_end_of_a_shorter_month():
    assert add_months(D(2025, 5, 31), -3) == D(2025, 2, 28)
    assert add_months(D(2024, 5, 31), -3) == D(2024, 2, 29)
    assert add_months(D(2025, 12, 31), -1) == D(2025, 11, 30)
    # 31 March minus one month is 28 February, so the window is the whole of March.
    assert rolling(D(2025, 3, 31), months=1).start == D(2025, 3, 1)
    # A year back from 29 February 2024 is 28 February 2023.
    assert rolling(D(2024, 2, 29), years=1).start == D(2023, 3, 1)


def test_rolling_weeks_are_exactly_seven_days_each():
    window = rolling(D(2026, 11, 30), weeks=8)
    assert (window.end - window.start).days + 1 == 56
    assert window.start == D(2026, 10, 6)


def test_rolling_needs_a_length_and_cannot_mix_weeks_with_months():
    with pytest.raises(ValueError):
        rolling(D(2026, 11, 30))
    with pytest.raises(ValueError):
        rolling(D(2026, 11, 30), months=1, weeks=1)


def test_calendar_month_is_the_whole_month_containing_the_day():
    window = calendar_month(D(2024, 2, 10))
    assert (window.start, window.end, window.label) == (D(2024, 2, 1), D(2024, 2, 29), "February 2024")


def test_declaration_year_runs_from_the_latest_anniversary_to_the_day_before_the_next():
    assert declaration_year(D(2020, 6, 15), D(2026, 6, 14)) == Window(
        D(2025, 6, 15), D(2026, 6, 14), "the declaration year from 15 June 2025 to 14 June 2026")
    assert declaration_year(D(2020, 6, 15), D(2026, 6, 15)).start == D(2026, 6, 15)


def test_a_leap_day_anchor_uses_28_february_in_common_years():
    window = declaration_year(D(2024, 2, 29), D(2025, 6, 1))
    assert (window.start, window.end) == (D(2025, 2, 28), D(2026, 2, 27))
    # In a leap year the anniversary is 29 February again.
    assert declaration_year(D(2024, 2, 29), D(2028, 3, 1)).start == D(2028, 2, 29)
    assert declaration_year(D(2024, 2, 29), D(2028, 2, 28)).start == D(2027, 2, 28)


def test_a_future_anchor_starts_the_year_on_the_anchor():
    assert declaration_year(D(2027, 1, 10), D(2026, 11, 30)).start == D(2027, 1, 10)


def test_all_time_runs_from_the_start_to_today():
    window = all_time(D(2020, 1, 1), D(2026, 11, 30))
    assert (window.start, window.end, window.label) == (D(2020, 1, 1), D(2026, 11, 30), "all records to 30 November 2026")


def test_months_in_clips_the_first_and_last_month_and_complete_months_drops_them():
    window = Window(D(2025, 11, 16), D(2026, 11, 15), "test")
    months = months_in(window)
    assert len(months) == 13
    assert (months[0].start, months[0].end) == (D(2025, 11, 16), D(2025, 11, 30))
    assert (months[-1].start, months[-1].end) == (D(2026, 11, 1), D(2026, 11, 15))
    complete = complete_months(window)
    assert [m.label for m in complete][:2] == ["December 2025", "January 2026"]
    assert len(complete) == 11


def test_weeks_in_counts_a_short_last_block_as_a_fraction_of_a_week():
    weeks = weeks_in(Window(D(2026, 11, 1), D(2026, 11, 10), "test"))
    assert [(w.start, w.end) for w, _ in weeks] == [(D(2026, 11, 1), D(2026, 11, 7)), (D(2026, 11, 8), D(2026, 11, 10))]
    assert [share for _, share in weeks] == [Decimal(1), Decimal(3) / 7]


def test_leave_inside_the_window_moves_its_start_earlier_by_the_days_of_leave():
    window = rolling(D(2026, 11, 30), months=12)
    leave = [Leave("maternity", D(2026, 3, 1), D(2026, 3, 30))]
    extended = extend_for_leave(window, leave, ["maternity"])
    assert extended.start == D(2025, 11, 1)
    assert extended.extended_by_days == 30
    assert extended.label == "the 12 months to 30 November 2026 (extended by 30 days for leave)"


def test_leave_in_the_newly_covered_days_also_extends_the_window():
    window = rolling(D(2026, 11, 30), months=12)
    leave = [Leave("sickness", D(2026, 3, 1), D(2026, 3, 30)), Leave("sickness", D(2025, 11, 10), D(2025, 11, 19))]
    extended = extend_for_leave(window, leave, ["sickness"])
    # 30 days reach back to 1 November, taking in 10 more days of leave: 40 in all.
    assert extended.extended_by_days == 40
    assert extended.start == D(2025, 10, 22)


def test_overlapping_leave_counts_once_and_other_kinds_do_not_count():
    window = rolling(D(2026, 11, 30), months=12)
    leave = [Leave("sickness", D(2026, 3, 1), D(2026, 3, 10)), Leave("unpaid", D(2026, 3, 5), D(2026, 3, 14)),
             Leave("secondment", D(2026, 5, 1), D(2026, 5, 31))]
    assert extend_for_leave(window, leave, ["sickness", "unpaid"]).extended_by_days == 14
    assert extend_for_leave(window, leave, []) == window


def test_open_ended_leave_runs_to_the_end_of_the_window():
    window = rolling(D(2026, 11, 30), months=12)
    extended = extend_for_leave(window, [Leave("career_break", D(2026, 11, 21), None)], ["career_break"])
    assert extended.extended_by_days == 10


def test_window_spec_parses_each_type():
    snapshot = Snapshot(person_id="p", today=D(2026, 11, 30), declaration_anchor=D(2020, 6, 15))
    assert window_from_spec(window_reader({"type": "rolling", "months": 12}), snapshot).start == D(2025, 12, 1)
    assert window_from_spec(window_reader({"type": "rolling", "weeks": 8}), snapshot).start == D(2026, 10, 6)
    assert window_from_spec(window_reader({"type": "calendar_month"}), snapshot).start == D(2026, 11, 1)
    assert window_from_spec(window_reader({"type": "declaration_year"}), snapshot).start == D(2026, 6, 15)
    assert window_from_spec(window_reader({"type": "all"}), snapshot).end == D(2026, 11, 30)
    assert window_from_spec(None, snapshot).end == D(2026, 11, 30)


def test_no_window_means_all_records_from_the_earliest():
    from competences.evidence import CpdActivity

    snapshot = Snapshot(person_id="p", today=D(2026, 11, 30),
                        cpd=(CpdActivity("c1", D(2019, 4, 2), D(2019, 4, 3), "Workshop", "clinical", 60),))
    assert window_from_spec(None, snapshot).start == D(2019, 4, 2)


def test_a_declaration_year_without_an_anchor_is_the_last_12_months_with_a_note():
    spec = parse_window_spec(window_reader({"type": "declaration_year"}))
    window, notes = spec.resolve_with_notes(Snapshot(person_id="p", today=D(2026, 11, 30)))
    assert window.start == D(2025, 12, 1)
    assert "No declaration date is recorded" in notes[0]


@pytest.mark.parametrize(("table", "item", "words"), [
    ({"type": "fortnightly"}, "requirements[supervision].window.type", "unknown window type 'fortnightly'"),
    ({"type": "rolling"}, "requirements[supervision].window", "needs months, years or weeks"),
    ({"type": "rolling", "months": 0}, "requirements[supervision].window.months", "at least 1"),
    ({"type": "rolling", "months": 2, "weeks": 1}, "requirements[supervision].window.weeks", "not both"),
    ({"type": "calendar_month", "months": 2}, "requirements[supervision].window.months", "has no length"),
    ({"type": "rolling", "days": 2}, "requirements[supervision].window.days", "unknown key 'days'"),
])
def test_a_bad_window_table_names_the_file_and_item(table, item, words):
    with pytest.raises(DataFileError) as error:
        parse_window_spec(window_reader(table))
    assert error.value.file == "pathway_test.toml"
    assert error.value.item == item
    assert words in error.value.problem
