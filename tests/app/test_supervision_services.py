"""The supervision-log services on their own: the rules, the month-by-month totals and the list's filters."""
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.services import logs
from app.services import supervision_log as log
from app.services.errors import DomainError
from models import SupervisionCaseMinutes, SupervisionKind, SupervisionSession, WorkingPattern
from tests.factories import make_relationship, make_user

TODAY = dt.date(2025, 7, 15)
DAY = dt.timedelta(days=1)
Case = log.CaseMinutes


@pytest.fixture
def pat(session):
    person = make_user(session, full_name="Pat Practitioner")
    session.commit()
    return person


@pytest.fixture
def rel(session, pat):
    sam = make_user(session, organisation=pat.organisation, full_name="Sam Supervisor")
    relationship = make_relationship(session, senior=sam, junior=pat, starts_on=dt.date(2025, 1, 1),
                                     ends_on=dt.date(2025, 12, 31), supervision_kind=SupervisionKind.CLINICAL_SKILLS)
    session.commit()
    return relationship


def details(rel=None, **overrides):
    values = {"occurred_on": dt.date(2025, 7, 1), "minutes": 60, "relationship_id": rel.id if rel else None}
    if rel is None:
        values |= {"outside_name": "Dr Rowan Field", "outside_credentials": "BABCP-accredited supervisor",
                   "kind": SupervisionKind.CLINICAL}
    return log.SupervisionDetails(**(values | overrides))


def refused(session, pat, d, field):
    with pytest.raises(DomainError) as caught:
        log.record_supervision(session, pat, d, today=TODAY)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(SupervisionSession)) == 0
    assert caught.value.field == field
    return caught.value.message


def add(session, person, on, minutes, kind=SupervisionKind.CLINICAL, *, deleted=False, group_size=1):
    entry = SupervisionSession(supervisee_id=person.id, occurred_on=on, minutes=minutes, kind=kind,
                               group_size=group_size, outside_supervisor_name="Dr Out Side")
    if deleted:
        entry.deleted_at = dt.datetime(2025, 7, 1, tzinfo=dt.timezone.utc)
    session.add(entry)
    session.flush()
    return entry


# --- recording ---------------------------------------------------------------------------------

def test_a_session_under_a_relationship_takes_its_supervisor_and_kind(session, pat, rel):
    entry = log.record_supervision(session, pat, details(rel, cases=[Case("A1", 20), Case("", None), Case("B2", 40)]),
                                   today=TODAY)
    assert (entry.supervisor_id, entry.relationship_id, entry.kind) == (rel.senior_id, rel.id,
                                                                       SupervisionKind.CLINICAL_SKILLS)
    assert [(c.case_ref, c.minutes) for c in entry.cases] == [("A1", 20), ("B2", 40)]
    assert entry.group_size == 1 and entry.outside_supervisor_name is None


def test_a_kind_given_for_the_session_overrides_the_relationships(session, pat, rel):
    entry = log.record_supervision(session, pat, details(rel, kind=SupervisionKind.CASE_MANAGEMENT), today=TODAY)
    assert entry.kind is SupervisionKind.CASE_MANAGEMENT


def test_a_session_on_the_relationships_first_and_last_days_is_covered(session, pat, rel):
    for day in (dt.date(2025, 1, 1), dt.date(2025, 7, 15)):
        assert log.record_supervision(session, pat, details(rel, occurred_on=day), today=TODAY).id


@pytest.mark.parametrize("minutes, ok", [(4, False), (5, True), (480, True), (481, False), (0, False), (-60, False),
                                         (1800, False)])
def test_minutes_run_from_5_to_480(session, pat, minutes, ok):
    if ok:
        assert log.record_supervision(session, pat, details(minutes=minutes), today=TODAY).minutes == minutes
    else:
        refused(session, pat, details(minutes=minutes), "minutes")


def test_a_30_hour_session_is_refused_with_its_length_in_hours(session, pat):
    assert refused(session, pat, details(minutes=1800), "minutes") == (
        "A supervision session cannot last more than 480 minutes (8 hours); 1,800 minutes is 30 h")


def test_today_is_allowed_and_tomorrow_is_not(session, pat):
    assert log.record_supervision(session, pat, details(occurred_on=TODAY), today=TODAY).id
    session.rollback()
    refused(session, pat, details(occurred_on=TODAY + DAY), "occurred_on")


def test_the_relationship_must_cover_the_date(session, pat, rel):
    message = refused(session, pat, details(rel, occurred_on=dt.date(2024, 12, 31)), "supervisor")
    assert message.startswith("Sam Supervisor's supervision of you runs from 1 January 2025 to 31 December 2025, "
                              "so it does not cover 31 December 2024")


def test_a_relationship_forged_to_make_the_person_their_own_supervisor_is_refused(session, pat, rel):
    # The schema refuses such a row, so the forgery lives only in this session's memory.
    rel.senior_id, rel.senior = pat.id, pat
    assert refused(session, pat, details(rel), "supervisor") == "You cannot record yourself as your own supervisor"


def test_someone_elses_relationship_or_a_made_up_one_is_refused(session, pat, rel):
    other = make_user(session, organisation=pat.organisation)
    theirs = make_relationship(session, senior=rel.senior, junior=other)
    session.commit()
    assert refused(session, pat, details(theirs), "supervisor") == "Choose a supervisor from the list"
    made_up = details(rel, relationship_id=999_999)
    assert refused(session, pat, made_up, "supervisor") == "Choose a supervisor from the list"


def test_both_a_relationship_and_an_outside_supervisor_is_refused(session, pat, rel):
    refused(session, pat, details(rel, outside_name="Dr Rowan Field"), "supervisor")


@pytest.mark.parametrize("overrides, field", [
    ({"outside_name": "  "}, "outside_name"),
    ({"outside_credentials": None}, "outside_credentials"),
    ({"outside_name": "x" * 121}, "outside_name"),
    ({"kind": None}, "kind"),
])
def test_an_outside_supervisor_needs_name_credentials_and_kind(session, pat, overrides, field):
    refused(session, pat, details(**overrides), field)


@pytest.mark.parametrize("size, ok", [(None, False), (0, False), (1, False), (2, True), (50, True), (51, False)])
def test_group_supervision_has_2_to_50_supervisees(session, pat, size, ok):
    d = details(group=True, group_size=size)
    if ok:
        assert log.record_supervision(session, pat, d, today=TODAY).group_size == size
    else:
        refused(session, pat, d, "group_size")


def test_individual_supervision_is_a_group_of_one_whatever_size_is_given(session, pat):
    assert log.record_supervision(session, pat, details(group=False, group_size=7), today=TODAY).group_size == 1


def test_per_case_minutes_may_equal_but_not_exceed_the_session(session, pat):
    entry = log.record_supervision(session, pat, details(minutes=60, cases=[Case("A", 30), Case("B", 30)]),
                                   today=TODAY)
    assert sum(c.minutes for c in entry.cases) == 60
    session.rollback()
    message = refused(session, pat, details(minutes=60, cases=[Case("A", 30), Case("B", 31)]), "cases")
    assert message == "The minutes per case add up to 61, more than the 60-minute session"


@pytest.mark.parametrize("rows, field", [
    ([Case("", None), Case("943 476 5919", 10)], "cases-1-case_ref"),
    ([Case("9434765919", 10)], "cases-0-case_ref"),
    ([Case("LS1 4AP", 10)], "cases-0-case_ref"),
    ([Case("A-01/02/1980", 10)], "cases-0-case_ref"),
    ([Case("A", 0)], "cases-0-minutes"),
    ([Case("A", None)], "cases-0-minutes"),
    ([Case(None, 10)], "cases-0-case_ref"),
    ([Case("x" * 41, 10)], "cases-0-case_ref"),
    ([Case("A", 5), Case("a", 5)], "cases-1-case_ref"),
    ([Case(f"C{i}", 1) for i in range(7)], "cases"),
])
def test_bad_case_rows_are_refused_on_their_row(session, pat, rows, field):
    refused(session, pat, details(cases=rows), field)
    assert session.scalar(select(func.count()).select_from(SupervisionCaseMinutes)) == 0


def test_an_nhs_number_in_a_case_reference_is_named_as_such(session, pat):
    message = refused(session, pat, details(cases=[Case("943 476 5919", 10)]), "cases-0-case_ref")
    assert message.startswith("This looks like an NHS number")


@pytest.mark.parametrize("themes", ["Moved to LS1 4AP last month", "Client born 3 March 1990", "9434765919",
                                    "x" * 2001])
def test_themes_holding_patient_identifiers_or_too_long_are_refused(session, pat, themes):
    refused(session, pat, details(themes=themes), "themes")


def test_themes_are_trimmed_and_blank_themes_stored_as_none(session, pat):
    assert log.record_supervision(session, pat, details(themes="  Endings  "), today=TODAY).themes == "Endings"
    assert log.record_supervision(session, pat, details(themes="   "), today=TODAY).themes is None


# --- changing ----------------------------------------------------------------------------------

def test_a_change_keeps_the_rows_of_cases_still_listed(session, pat, rel):
    entry = log.record_supervision(session, pat, details(rel, cases=[Case("A", 10), Case("B", 20)]), today=TODAY)
    kept_id = entry.cases[0].id
    log.update_supervision(session, entry, details(rel, minutes=45, cases=[Case("A", 15), Case("C", 5)]),
                           today=TODAY)
    session.expire_all()
    rows = list(session.scalars(select(SupervisionCaseMinutes).order_by(SupervisionCaseMinutes.id)))
    assert [(r.id == kept_id, r.case_ref, r.minutes) for r in rows] == [(True, "A", 15), (False, "C", 5)]
    assert session.get(SupervisionSession, entry.id).minutes == 45


def test_a_change_can_move_from_a_relationship_to_an_outside_supervisor(session, pat, rel):
    entry = log.record_supervision(session, pat, details(rel), today=TODAY)
    log.update_supervision(session, entry, details(), today=TODAY)
    assert (entry.supervisor_id, entry.relationship_id, entry.outside_supervisor_name) == (None, None,
                                                                                          "Dr Rowan Field")


def test_a_deleted_entry_must_be_restored_before_it_is_changed(session, pat):
    entry = log.record_supervision(session, pat, details(), today=TODAY)
    logs.soft_delete(session, entry)
    with pytest.raises(DomainError):
        log.update_supervision(session, entry, details(minutes=30), today=TODAY)
    logs.undo_delete(session, entry)
    assert log.update_supervision(session, entry, details(minutes=30), today=TODAY).minutes == 30


# --- month by month ----------------------------------------------------------------------------

def test_monthly_totals_are_hand_computed_per_kind_with_empty_months_at_zero(session, pat):
    other = make_user(session, organisation=pat.organisation)
    add(session, pat, dt.date(2025, 6, 3), 60)                                         # June: clinical 60
    add(session, pat, dt.date(2025, 6, 30), 30, SupervisionKind.CASE_MANAGEMENT)       # June: case management 30
    add(session, pat, dt.date(2025, 6, 12), 45, deleted=True)                          # deleted: left out
    add(session, other, dt.date(2025, 6, 12), 120)                                     # someone else's
    add(session, pat, dt.date(2025, 4, 1), 50, SupervisionKind.SUPERVISION_OF_SUPERVISION)
    add(session, pat, dt.date(2025, 4, 30), 40, SupervisionKind.SUPERVISION_OF_SUPERVISION)
    add(session, pat, dt.date(2024, 7, 1), 45, SupervisionKind.CLINICAL_SKILLS)        # first month of the twelve
    add(session, pat, dt.date(2024, 6, 30), 500 - 20)                                  # before the window
    add(session, pat, dt.date(2025, 7, 1), 90)                                         # after the window
    totals = log.monthly_totals(session, pat.id, dt.date(2025, 6, 30))
    assert [t.month for t in totals] == [dt.date(2024, 7, 1), dt.date(2024, 8, 1), dt.date(2024, 9, 1),
                                         dt.date(2024, 10, 1), dt.date(2024, 11, 1), dt.date(2024, 12, 1),
                                         dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1),
                                         dt.date(2025, 4, 1), dt.date(2025, 5, 1), dt.date(2025, 6, 1)]
    june, may, april, first = totals[-1], totals[-2], totals[-3], totals[0]
    assert june.total == 90 and june.by_kind == {SupervisionKind.CLINICAL: 60, SupervisionKind.CASE_MANAGEMENT: 30,
                                                 SupervisionKind.CLINICAL_SKILLS: 0,
                                                 SupervisionKind.SUPERVISION_OF_SUPERVISION: 0}
    assert may.total == 0 and set(may.by_kind.values()) == {0}
    assert april.total == 90 and april.by_kind[SupervisionKind.SUPERVISION_OF_SUPERVISION] == 90
    assert first.total == 45 and first.by_kind[SupervisionKind.CLINICAL_SKILLS] == 45
    assert sum(t.total for t in totals) == 225
    assert log.sum_by_kind(totals)[SupervisionKind.SUPERVISION_OF_SUPERVISION] == 90


def test_monthly_totals_take_one_query(session, pat, count_queries):
    for day in range(1, 28):
        add(session, pat, dt.date(2025, 6, day), 30)
    session.flush()
    with count_queries() as q:
        totals = log.monthly_totals(session, pat.id, dt.date(2025, 6, 15), months=3)
    assert q.count == 1
    assert [(t.month, t.total) for t in totals] == [(dt.date(2025, 4, 1), 0), (dt.date(2025, 5, 1), 0),
                                                    (dt.date(2025, 6, 1), 27 * 30)]


def test_the_last_complete_month_ends_the_day_before_this_month_began():
    assert log.last_complete_month_end(dt.date(2025, 3, 31)) == dt.date(2025, 2, 28)
    assert log.last_complete_month_end(dt.date(2025, 1, 1)) == dt.date(2024, 12, 31)


@pytest.mark.parametrize("wte, target", [(None, 90), (Decimal("1.00"), 90), (Decimal("0.50"), 90),
                                         (Decimal("0.49"), 45), (Decimal("0.20"), 45)])
def test_the_monthly_minimum_is_90_minutes_or_45_under_half_time(wte, target):
    assert log.monthly_target(wte) == target


def test_the_wte_is_the_working_pattern_in_force_on_the_day(session, pat):
    pat.profile.working_patterns[0].ends_on = dt.date(2025, 3, 31)
    pat.profile.working_patterns.append(WorkingPattern(wte=Decimal("0.40"), starts_on=dt.date(2025, 4, 1)))
    session.flush()
    assert log.wte_on(pat.profile, dt.date(2025, 3, 31)) == Decimal("1.00")
    assert log.wte_on(pat.profile, dt.date(2025, 4, 30)) == Decimal("0.40")
    assert log.wte_on(pat.profile, dt.date(2020, 1, 1)) is None
    assert log.wte_on(None, dt.date(2025, 4, 30)) is None


# --- the list's statement ----------------------------------------------------------------------

def test_the_list_statement_filters_sorts_and_keeps_deleted_entries_apart(session, pat):
    a = add(session, pat, dt.date(2025, 5, 1), 60)
    b = add(session, pat, dt.date(2025, 6, 1), 90, SupervisionKind.CASE_MANAGEMENT, group_size=4)
    c = add(session, pat, dt.date(2025, 7, 1), 30)
    gone = add(session, pat, dt.date(2025, 6, 15), 30, deleted=True)

    def ids(**filters):
        return [e.id for e in session.scalars(log.list_statement(pat.id, log.SupervisionFilters(**filters)))]

    assert ids() == [c.id, b.id, a.id]
    assert ids(sort="oldest") == [a.id, b.id, c.id]
    assert ids(sort="longest") == [b.id, a.id, c.id]
    assert ids(kind=SupervisionKind.CASE_MANAGEMENT) == [b.id]
    assert ids(format="group") == [b.id] and ids(format="individual") == [c.id, a.id]
    assert ids(start=dt.date(2025, 5, 2), end=dt.date(2025, 7, 1)) == [c.id, b.id]
    assert ids(deleted=True) == [gone.id]


def test_supervisors_offered_are_those_covering_the_date_plus_the_one_already_chosen(session, pat, rel):
    earlier = make_relationship(session, senior=make_user(session, organisation=pat.organisation), junior=pat,
                                starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2024, 12, 31))
    assert log.supervision_relationships(session, pat.id, covering=dt.date(2025, 3, 1)) == [rel]
    assert log.supervision_relationships(session, pat.id, covering=dt.date(2024, 3, 1)) == [earlier]
    assert log.supervision_relationships(session, pat.id, covering=dt.date(2025, 3, 1), also=earlier.id) == [
        earlier, rel]
    assert log.relationship_label(rel) == ("Sam Supervisor – Clinical skills supervision, "
                                           "from 1 January 2025 to 31 December 2025")
