"""Pay-step positions for lists: hand-computed step dates, leave that defers them only when the data says so,
and the same number of queries for 3 or 30 people."""
import datetime as dt

import pytest

from app.services import pay_steps
from competences.catalogue import built_in_catalogue
from competences.evidence import Leave
from models import LeaveKind, LeaveOfAbsence
from tests.factories import make_user

TODAY = dt.date(2026, 11, 30)
CATALOGUE = built_in_catalogue()
SCALE = pay_steps.pay_scale(CATALOGUE, TODAY)


def pos(band, step, started, leave=(), kinds=()):
    return pay_steps.position(1, band, step, started, leave, scale=SCALE, kinds=kinds, today=TODAY)


def test_band_5_entry_step_is_due_two_years_after_it_began():
    p = pos("5", 1, dt.date(2025, 3, 14))
    assert p.next_step_on == dt.date(2027, 3, 14)
    assert p.step_text == "Step 1 of 3 (entry)"
    assert not p.at_top and p.problem is None


def test_band_6_intermediate_step_takes_three_years():
    assert pos("6", 2, dt.date(2024, 7, 1)).next_step_on == dt.date(2027, 7, 1)


def test_band_8a_step_begun_before_april_2024_keeps_the_old_five_year_rule():
    # 8a had two points until 31 March 2024: entry to top after 5 years. The step is described on
    # today's three-point structure, and the transitional move is flagged as not modelled.
    p = pos("8a", 1, dt.date(2023, 6, 1))
    assert (p.step, p.steps_in_band, p.next_step_on) == (1, 3, dt.date(2028, 6, 1))
    assert p.step_text == "Step 1 of 3 (entry)"
    assert p.note is not None and "not modelled" in p.note
    # Begun on 1 April 2024: three points, the next after 2 years.
    assert pos("8a", 1, dt.date(2024, 4, 1)).next_step_on == dt.date(2026, 4, 1)


def test_band_8a_top_since_2020_is_at_the_top_of_todays_three_points():
    # Step 2 of 2 (top) since 1 May 2020: on 30 November 2026 it is step 3 of 3, with no next step.
    p = pos("8a", 2, dt.date(2020, 5, 1))
    assert (p.step, p.steps_in_band, p.step_text) == (3, 3, "Step 3 of 3 (top)")
    assert p.at_top and p.next_step_on is None and p.problem is None and p.note is None


def test_band_8a_entry_begun_on_the_new_structure_has_no_note():
    p = pos("8a", 1, dt.date(2024, 4, 1))
    assert (p.step, p.steps_in_band, p.note) == (1, 3, None)


def test_top_of_band_has_no_next_step():
    p = pos("4", 2, dt.date(2020, 1, 1))
    assert p.at_top and p.next_step_on is None and p.problem is None


def test_a_leap_day_start_falls_due_on_28_february():
    assert pos("5", 1, dt.date(2024, 2, 29)).next_step_on == dt.date(2026, 2, 28)


def test_leave_defers_only_the_kinds_named_and_only_days_already_taken():
    leave = [Leave(kind="unpaid", start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 10)),
             Leave(kind="maternity", start=dt.date(2025, 2, 1), end=dt.date(2025, 2, 28))]
    assert pos("5", 1, dt.date(2024, 6, 1), leave).next_step_on == dt.date(2026, 6, 1)
    deferred = pos("5", 1, dt.date(2024, 6, 1), leave, kinds=("unpaid",))
    assert (deferred.next_step_on, deferred.deferred_days) == (dt.date(2026, 6, 11), 10)
    # Leave still running counts only up to today: 1 to 30 November 2026 is 30 days.
    open_ended = [Leave(kind="unpaid", start=dt.date(2026, 11, 1), end=None)]
    assert pos("6", 1, dt.date(2025, 1, 1), open_ended, kinds=("unpaid",)).next_step_on == dt.date(2027, 1, 31)


@pytest.mark.parametrize(("band", "step", "started", "problem"), [
    (None, None, None, "Band or pay step not recorded"),
    ("6", 1, None, "Step start date not recorded"),
])
def test_missing_facts_are_named_not_guessed(band, step, started, problem):
    p = pos(band, step, started)
    assert p.problem == problem and p.next_step_on is None


def test_a_step_beyond_the_band_is_a_problem_not_an_error():
    p = pos("4", 3, dt.date(2024, 1, 1))
    assert p.next_step_on is None and "step" in (p.problem or "")


@pytest.mark.parametrize(("started", "text"), [
    (dt.date(2024, 8, 30), "2 years 3 months"),
    (dt.date(2025, 11, 30), "1 year"),
    (dt.date(2026, 11, 1), "0 months"),
    (dt.date(2026, 10, 30), "1 month"),
])
def test_time_in_step_counts_whole_months(started, text):
    assert pos("6", 1, started).time_in_step(TODAY) == text


def test_no_leave_kind_defers_by_default_in_the_built_in_data():
    assert pay_steps.deferring_kinds(CATALOGUE, TODAY) == ()


def _staff(session, n):
    people = []
    for i in range(n):
        user = make_user(session, band="6", full_name=f"Person {i}")
        user.profile.pay_step = 1
        user.profile.step_started_on = dt.date(2025, 1, 1)
        user.profile.leave_periods.append(LeaveOfAbsence(kind=LeaveKind.UNPAID, starts_on=dt.date(2025, 3, 1),
                                                         ends_on=dt.date(2025, 3, 5)))
        people.append(user)
    session.flush()
    return people


def test_positions_for_many_people_take_the_same_queries_as_for_few(session, count_queries):
    few, many = _staff(session, 3), _staff(session, 30)
    few_ids, many_ids = [u.profile.id for u in few], [u.profile.id for u in many]
    pay_steps.positions(session, few_ids, TODAY)  # the catalogue is built once per database
    with count_queries() as small:
        got = pay_steps.positions(session, few_ids, TODAY)
    with count_queries() as large:
        pay_steps.positions(session, many_ids, TODAY)
    assert large.count == small.count
    assert got[few[0].profile.id].next_step_on == dt.date(2027, 1, 1)


def test_no_people_no_queries(session, count_queries):
    with count_queries() as queries:
        assert pay_steps.positions(session, [], TODAY) == {}
    assert queries.count == 0
