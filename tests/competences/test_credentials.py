"""Credential flags and reminders: hand-computed dates at the boundaries, and the rules file as data."""
import datetime as dt

import pytest

from competences.catalogue import built_in_catalogue, parse
from competences.credentials import (CredentialFacts, CredentialStatus, ReminderRule, flags, kind_fits_body,
                                     next_due, reminders_due)
from competences.datafile import DataFileError

D = dt.date
PLAIN = ReminderRule(kind="hcpc", remind_days_before=30, due_soon_days=90, next_due_from="renewal_date")
BABCP = ReminderRule(kind="babcp_accreditation", remind_days_before=30, due_soon_days=90, next_due_from="anniversary",
                     body_reminder_days_before=0, lapse_days_after_body_reminder=28, lapse_remind_days_before=7)


def facts(*, kind="hcpc", status=CredentialStatus.CURRENT, awarded=D(2020, 1, 10), renewal=None, expires=None):
    return CredentialFacts(kind=kind, status=status, awarded_on=awarded, renewal_due_on=renewal, expires_on=expires)


# --- the data file -----------------------------------------------------------------------------

def test_the_built_in_rules_remind_30_days_ahead_flag_90_days_ahead_and_lapse_babcp_28_days_after_its_reminder():
    rules = built_in_catalogue().current("credential-rules").content
    assert (rules.default.remind_days_before, rules.default.due_soon_days) == (30, 90)
    babcp = rules.for_kind("babcp_accreditation")
    assert (babcp.next_due_from, babcp.body_reminder_days_before, babcp.lapse_days_after_body_reminder) == (
        "anniversary", 0, 28)
    assert babcp.uncertain
    # A kind the file does not name takes the defaults.
    assert rules.for_kind("pg_dip_hi_cbt") == rules.default
    assert rules.for_kind("nmc").remind_days_before == 60 and rules.for_kind("nmc").due_soon_days == 90


HEAD = """[meta]
id = "credential-rules"
kind = "credential_rules"
version = 2
title = "t"
source = "s"
effective_from = 2026-01-01
status = "confirmed"

[defaults]
remind_days_before = 14
due_soon_days = 60
"""


def test_a_corrected_file_changes_the_figures():
    rules = parse(HEAD + '\n[[kinds]]\nid = "hcpc"\nremind_days_before = 45\n', "fix.toml").content
    assert (rules.for_kind("hcpc").remind_days_before, rules.for_kind("hcpc").due_soon_days) == (45, 60)
    assert rules.for_kind("nmc").remind_days_before == 14


@pytest.mark.parametrize("body, problem", [
    ('\n[[kinds]]\nid = "gmc_licence"\n', "kinds[gmc_licence].id: unknown credential kind 'gmc_licence'"),
    ('\n[[kinds]]\nid = "nmc"\nremind_days = 3\n', "kinds[nmc].remind_days: unknown key 'remind_days'"),
    ('\n[[kinds]]\nid = "nmc"\nlapse_days_after_body_reminder = 28\n',
     "kinds[nmc].lapse_days_after_body_reminder: give both"),
    ('\n[[kinds]]\nid = "nmc"\nnext_due_from = "birthday"\n', "kinds[nmc].next_due_from: must be one of"),
    ('\n[[kinds]]\nid = "nmc"\nremind_days_before = -1\n', "kinds[nmc].remind_days_before: must be at least 0"),
])
def test_a_bad_rules_file_is_refused_naming_the_item(body, problem):
    with pytest.raises(DataFileError) as err:
        parse(HEAD + body, "bad.toml")
    assert problem in str(err.value) and "bad.toml" in str(err.value)


def test_the_defaults_need_the_reminder_and_window_figures():
    with pytest.raises(DataFileError, match="defaults.due_soon_days: is missing"):
        parse(HEAD.replace("due_soon_days = 60\n", ""), "bad.toml")


# --- due soon and expired ------------------------------------------------------------------------

@pytest.mark.parametrize("days_ahead, due_soon", [(0, True), (1, True), (90, True), (91, False)])
def test_a_renewal_is_due_soon_from_90_days_ahead_to_the_day_itself(days_ahead, due_soon):
    today = D(2026, 3, 1)
    f = flags(facts(renewal=today + dt.timedelta(days=days_ahead)), PLAIN, today)
    assert f.due_soon is due_soon and not f.expired


@pytest.mark.parametrize("today, expired, due_soon", [
    (D(2026, 6, 29), False, True),   # the expiry day itself is still valid
    (D(2026, 6, 30), True, False),   # the day after
    (D(2026, 4, 1), False, True),    # 89 days before
    (D(2026, 3, 31), False, True),   # 90 days before
    (D(2026, 3, 30), False, False),  # 91 days before
])
def test_an_expiry_date_is_the_last_valid_day(today, expired, due_soon):
    f = flags(facts(expires=D(2026, 6, 29)), PLAIN, today)
    assert (f.expired, f.due_soon) == (expired, due_soon)


def test_an_expired_status_is_expired_whatever_the_dates_and_is_not_reminded():
    f = flags(facts(status=CredentialStatus.EXPIRED, renewal=D(2026, 3, 10)), PLAIN, D(2026, 3, 1))
    assert f.expired and not f.due_soon and not f.declaration_due and f.reminders == ()


# --- declarations, reminders and lapses ----------------------------------------------------------

@pytest.mark.parametrize("today, due", [(D(2026, 4, 30), False), (D(2026, 5, 1), True), (D(2026, 5, 31), True)])
def test_the_declaration_is_due_from_30_days_before_the_renewal_date(today, due):
    f = flags(facts(renewal=D(2026, 5, 31)), PLAIN, today)
    assert f.reminder_on == D(2026, 5, 1)
    assert f.declaration_due is due and not f.overdue


def test_past_the_renewal_date_the_declaration_is_overdue():
    f = flags(facts(renewal=D(2026, 5, 31)), PLAIN, D(2026, 6, 1))
    assert f.overdue and f.declaration_due and f.lapse_on is None


def test_babcp_declarations_fall_on_the_anniversary_and_lapse_28_days_after_its_reminder():
    # Awarded 10 January 2020; today 1 December 2025 → next anniversary 10 January 2026.
    f = flags(facts(kind="babcp_accreditation", awarded=D(2020, 1, 10)), BABCP, D(2025, 12, 1))
    assert f.next_due_on == D(2026, 1, 10)
    assert f.reminder_on == D(2025, 12, 11)             # 30 days before
    assert f.lapse_on == D(2026, 2, 7)                  # BABCP's reminder on 10 January + 28 days
    assert [(r.kind, r.due_on, r.send_on, r.last_day) for r in f.reminders] == [
        ("declaration", D(2026, 1, 10), D(2025, 12, 11), D(2026, 1, 10)),
        ("lapse", D(2026, 1, 10), D(2026, 1, 31), D(2026, 2, 7)),  # 7 days before the lapse
    ]


@pytest.mark.parametrize("today, due, overdue, lapse_passed", [
    (D(2025, 3, 1), D(2025, 3, 1), False, False),    # the anniversary itself
    (D(2025, 3, 2), D(2025, 3, 1), True, False),     # the day after: overdue, lapses on 29 March
    (D(2025, 3, 29), D(2025, 3, 1), True, False),    # the lapse date itself: still overdue
    (D(2025, 3, 30), D(2026, 3, 1), False, False),   # unrecorded either way: next year's is due
])
def test_an_anniversary_stays_due_and_overdue_until_its_lapse_date(today, due, overdue, lapse_passed):
    f = flags(facts(kind="babcp_accreditation", awarded=D(2020, 3, 1)), BABCP, today)
    assert (f.next_due_on, f.overdue, f.lapse_passed) == (due, overdue, lapse_passed)
    if overdue:
        assert f.lapse_on == D(2025, 3, 29) and [r.kind for r in reminders_due(
            facts(kind="babcp_accreditation", awarded=D(2020, 3, 1)), BABCP, today)] == ["lapse"] * (today >= D(2025, 3, 22))


def test_a_recorded_renewal_date_wins_over_the_anniversary():
    f = flags(facts(kind="babcp_accreditation", awarded=D(2020, 1, 10), renewal=D(2026, 3, 1)), BABCP, D(2025, 12, 1))
    assert (f.next_due_on, f.lapse_on) == (D(2026, 3, 1), D(2026, 3, 29))


def test_once_the_lapse_date_has_passed_the_credential_may_have_lapsed():
    f = flags(facts(kind="babcp_accreditation", renewal=D(2026, 1, 10)), BABCP, D(2026, 2, 8))
    assert f.overdue and f.lapse_passed
    assert not flags(facts(kind="babcp_accreditation", renewal=D(2026, 1, 10)), BABCP, D(2026, 2, 7)).lapse_passed


@pytest.mark.parametrize("today, anniversary", [
    (D(2025, 1, 15), D(2025, 2, 28)),   # a common year: 28 February
    (D(2025, 3, 28), D(2025, 2, 28)),   # past it but not its lapse date (28 February + 28 days)
    (D(2025, 3, 29), D(2026, 2, 28)),   # past its lapse date: next year's
    (D(2027, 12, 1), D(2028, 2, 29)),   # a leap year: 29 February
    (D(2028, 2, 29), D(2028, 2, 29)),   # the anniversary itself is still this year's
])
def test_an_award_on_29_february_has_its_anniversary_on_28_february_in_common_years(today, anniversary):
    assert next_due(facts(awarded=D(2024, 2, 29)), BABCP, today) == anniversary


def test_the_first_declaration_is_a_year_after_the_award():
    assert next_due(facts(awarded=D(2025, 6, 1)), BABCP, D(2025, 6, 1)) == D(2026, 6, 1)


def test_without_a_renewal_date_a_plain_kind_has_no_declaration_to_remind():
    f = flags(facts(), PLAIN, D(2026, 1, 1))
    assert (f.next_due_on, f.declaration_due, f.reminders) == (None, False, ())


# --- which reminders go out today ----------------------------------------------------------------

@pytest.mark.parametrize("today, kinds", [
    (D(2025, 12, 10), []),                         # the day before the reminder date
    (D(2025, 12, 11), ["declaration"]),
    (D(2026, 1, 10), ["declaration"]),             # the anniversary itself
    (D(2026, 1, 11), []),                          # after it, before the lapse reminder
    (D(2026, 1, 31), ["lapse"]),
    (D(2026, 2, 7), ["lapse"]),                    # the lapse date itself
])
def test_reminders_go_out_between_their_day_and_the_date_they_are_about(today, kinds):
    due = reminders_due(facts(kind="babcp_accreditation", renewal=D(2026, 1, 10)), BABCP, today)
    assert [r.kind for r in due] == kinds


@pytest.mark.parametrize("status", [CredentialStatus.LAPSED, CredentialStatus.SUSPENDED, CredentialStatus.PENDING])
def test_only_a_current_credential_is_reminded(status):
    assert reminders_due(facts(status=status, renewal=D(2026, 1, 10)), PLAIN, D(2026, 1, 1)) == ()


def test_an_expiry_of_its_own_is_reminded_30_days_ahead():
    due = reminders_due(facts(expires=D(2026, 7, 31)), PLAIN, D(2026, 7, 1))
    assert [(r.kind, r.due_on) for r in due] == [("expiry", D(2026, 7, 31))]
    assert reminders_due(facts(expires=D(2026, 7, 31)), PLAIN, D(2026, 6, 30)) == ()


@pytest.mark.parametrize("kind, body, fits", [
    ("babcp_accreditation", "babcp", True), ("babcp_accreditation", "nmc", False), ("pg_dip_hi_cbt", "university", True),
    ("nmc", "nmc", True), ("bps_wpwr", "babcp", False), ("made_up", "babcp", False)])
def test_a_kind_belongs_to_the_bodies_that_award_it(kind, body, fits):
    assert kind_fits_body(kind, body) is fits
