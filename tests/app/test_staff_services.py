"""The rules in app.services.staff, checked against hand-worked dates and whole-time equivalents."""
import datetime as dt
from decimal import Decimal

import pytest

from app.services import staff
from app.services.errors import DomainError
from models import LeaveKind, Regulator, Role, StaffProfile
from tests.factories import make_organisation, make_service, make_team, make_user

D = dt.date


@pytest.fixture
def person(session):
    """A practitioner whose profile has one working pattern: 1.00 WTE from 1 April 2024."""
    return make_user(session)


def profile_of(person) -> StaffProfile:
    assert person.profile is not None
    return person.profile


# --- roles -------------------------------------------------------------------------------------

def test_an_admin_cannot_remove_their_own_admin_role(session):
    org = make_organisation(session)
    admin = make_user(session, roles=(Role.ADMIN,), organisation=org)
    make_user(session, roles=(Role.ADMIN,), organisation=org)
    with pytest.raises(DomainError, match="your own administrator role"):
        staff.remove_role(session, admin.grants_for(Role.ADMIN)[0], actor=admin)
    assert admin.has_role(Role.ADMIN)


def test_the_last_active_admin_keeps_the_admin_role(session):
    org = make_organisation(session)
    last = make_user(session, roles=(Role.ADMIN,), organisation=org, full_name="Ada Last")
    inactive = make_user(session, roles=(Role.ADMIN,), organisation=org)
    inactive.active = False
    hr = make_user(session, roles=(Role.HR,), organisation=org)
    with pytest.raises(DomainError, match="Ada Last is the last active administrator"):
        staff.remove_role(session, last.grants_for(Role.ADMIN)[0], actor=hr)
    # An inactive admin's role can go: it does not keep anyone able to administer.
    staff.remove_role(session, inactive.grants_for(Role.ADMIN)[0], actor=last)
    assert not inactive.has_role(Role.ADMIN)


def test_an_admin_of_another_organisation_does_not_count_as_a_remaining_admin(session):
    org = make_organisation(session)
    only = make_user(session, roles=(Role.ADMIN,), organisation=org)
    make_user(session, roles=(Role.ADMIN,))  # another organisation's admin
    with pytest.raises(DomainError, match="last active administrator"):
        staff.remove_role(session, only.grants_for(Role.ADMIN)[0], actor=make_user(session, organisation=org))


def test_removing_an_ordinary_role_revokes_it(session):
    org = make_organisation(session)
    admin = make_user(session, roles=(Role.ADMIN,), organisation=org)
    person = make_user(session, roles=(Role.PRACTITIONER, Role.SUPERVISOR), organisation=org)
    staff.remove_role(session, person.grants_for(Role.SUPERVISOR)[0], actor=admin)
    assert person.roles == {Role.PRACTITIONER}


# --- the profile -------------------------------------------------------------------------------

def test_save_profile_creates_a_profile_with_blanks_as_none(session):
    user = make_user(session, profile=False)
    profile = staff.save_profile(session, user, job_title="  High intensity therapist ", core_profession="Nurse",
                                 band="", employee_number="  ")
    assert (profile.id, profile.job_title, profile.band, profile.employee_number) == (
        user.profile.id, "High intensity therapist", None, None)


def test_save_profile_updates_band_step_and_dates(session, person):
    team = make_team(session, service=make_service(session, organisation=person.organisation))
    profile = staff.save_profile(session, person, job_title="Senior PWP", core_profession="PWP", team=team,
                                 band="6", band_started_on=D(2025, 4, 1), pay_step=2, step_started_on=D(2026, 4, 1),
                                 employee_number="E123")
    assert (profile.team, profile.band, profile.band_started_on, profile.pay_step, profile.step_started_on,
            profile.employee_number) == (team, "6", D(2025, 4, 1), 2, D(2026, 4, 1), "E123")


@pytest.mark.parametrize(("changes", "field"), [
    ({"job_title": " "}, "job_title"),
    ({"core_profession": ""}, "core_profession"),
    ({"band": "10"}, "band"),
    ({"band": None, "band_started_on": D(2025, 1, 1)}, "band"),
    ({"pay_step": 4}, "pay_step"),
    ({"pay_step": 0}, "pay_step"),
    ({"pay_step": None, "step_started_on": D(2025, 1, 1)}, "pay_step"),
    # The step of a band cannot begin the day before the band itself did.
    ({"band_started_on": D(2025, 4, 1), "step_started_on": D(2025, 3, 31)}, "step_started_on"),
])
def test_save_profile_refuses_inconsistent_details(session, person, changes, field):
    fields = {"job_title": "PWP", "core_profession": "PWP", "band": "5", "band_started_on": D(2024, 4, 1),
              "pay_step": 1, "step_started_on": D(2024, 4, 1), **changes}
    with pytest.raises(DomainError) as err:
        staff.save_profile(session, person, **fields)
    assert err.value.field == field


def test_save_profile_accepts_a_step_starting_the_same_day_as_the_band(session, person):
    profile = staff.save_profile(session, person, job_title="PWP", core_profession="PWP", band="5",
                                 band_started_on=D(2025, 4, 1), pay_step=1, step_started_on=D(2025, 4, 1))
    assert profile.step_started_on == profile.band_started_on


def test_employee_numbers_are_unique(session, person):
    other = make_user(session, employee_number="E42")
    with pytest.raises(DomainError, match="already has this employee number") as err:
        staff.save_profile(session, person, job_title="PWP", core_profession="PWP", employee_number=" E42 ")
    assert err.value.field == "employee_number"
    # Saving the holder's own profile again is not a clash with itself.
    staff.save_profile(session, other, job_title="PWP", core_profession="PWP", employee_number="E42")


def test_a_team_of_another_organisation_is_refused(session, person):
    foreign = make_team(session)
    with pytest.raises(DomainError) as err:
        staff.save_profile(session, person, job_title="PWP", core_profession="PWP", team=foreign)
    assert err.value.field == "team"


# --- working pattern ---------------------------------------------------------------------------

def test_a_working_pattern_change_closes_the_previous_pattern_the_day_before(session, person):
    profile = profile_of(person)
    new = staff.change_working_pattern(session, profile, starts_on=D(2025, 3, 1), wte=Decimal("0.8"))
    old, = [p for p in profile.working_patterns if p is not new]
    # 1 March 2025 minus one day is 28 February (2025 is not a leap year).
    assert (old.wte, old.starts_on, old.ends_on) == (Decimal("1.00"), D(2024, 4, 1), D(2025, 2, 28))
    assert (new.wte, new.starts_on, new.ends_on) == (Decimal("0.80"), D(2025, 3, 1), None)
    assert profile.wte_on(D(2025, 2, 28)) == Decimal("1.00")
    assert profile.wte_on(D(2025, 3, 1)) == Decimal("0.80")


def test_a_change_on_the_first_of_march_in_a_leap_year_closes_on_the_29th(session, person):
    profile = profile_of(person)
    staff.change_working_pattern(session, profile, starts_on=D(2028, 3, 1), wte=Decimal("0.5"))
    assert profile.working_patterns[0].ends_on == D(2028, 2, 29)


def test_a_working_pattern_cannot_start_before_the_current_one(session, person):
    with pytest.raises(DomainError, match="on or after 1 April 2024") as err:
        staff.change_working_pattern(session, profile_of(person), starts_on=D(2024, 3, 31), wte=Decimal("0.5"))
    assert err.value.field == "starts_on"
    assert len(profile_of(person).working_patterns) == 1


def test_the_current_patterns_own_start_date_corrects_it(session, person):
    profile = profile_of(person)
    pattern = staff.change_working_pattern(session, profile, starts_on=D(2024, 4, 1), wte=Decimal("0.60"))
    assert len(profile.working_patterns) == 1
    assert (pattern.wte, pattern.ends_on) == (Decimal("0.60"), None)


def test_the_first_working_pattern_needs_no_previous_one(session):
    profile = staff.save_profile(session, make_user(session, profile=False), job_title="PWP", core_profession="PWP")
    pattern = staff.change_working_pattern(session, profile, starts_on=D(2025, 1, 6), wte=Decimal("1"))
    assert (pattern.wte, profile.working_patterns) == (Decimal("1.00"), [pattern])


@pytest.mark.parametrize("wte", ["0", "0.00", "1.01", "-0.5", "NaN", "Infinity", None])
def test_whole_time_equivalent_must_be_between_001_and_1(session, person, wte):
    with pytest.raises(DomainError, match="from 0.01 to 1.00") as err:
        staff.change_working_pattern(session, profile_of(person), starts_on=D(2025, 1, 1),
                                     wte=None if wte is None else Decimal(wte))
    assert err.value.field == "wte"


def test_whole_time_equivalent_has_at_most_two_decimal_places(session, person):
    with pytest.raises(DomainError, match="2 decimal places"):
        staff.change_working_pattern(session, profile_of(person), starts_on=D(2025, 1, 1), wte=Decimal("0.805"))


@pytest.mark.parametrize("wte", ["0.01", "1.00", "1.000", "0.5"])
def test_whole_time_equivalent_boundaries_are_accepted(wte):
    assert staff.check_wte(Decimal(wte)) == Decimal(wte).quantize(Decimal("0.01"))


# --- leave -------------------------------------------------------------------------------------

def test_leave_ending_before_it_starts_is_refused(session, person):
    with pytest.raises(DomainError) as err:
        staff.add_leave(session, profile_of(person), kind=LeaveKind.SICKNESS, starts_on=D(2025, 5, 10),
                        ends_on=D(2025, 5, 9))
    assert err.value.field == "ends_on"
    assert profile_of(person).leave_periods == []


def test_one_day_of_leave_may_start_and_end_the_same_day(session, person):
    leave = staff.add_leave(session, profile_of(person), kind=LeaveKind.SICKNESS, starts_on=D(2025, 5, 9),
                            ends_on=D(2025, 5, 9))
    assert leave.id is not None


def test_overlapping_leave_is_refused(session, person):
    profile = profile_of(person)
    staff.add_leave(session, profile, kind=LeaveKind.MATERNITY, starts_on=D(2025, 1, 6), ends_on=D(2025, 10, 3))
    with pytest.raises(DomainError, match="overlaps the maternity leave from 6 January 2025 to 3 October 2025"):
        staff.add_leave(session, profile, kind=LeaveKind.SICKNESS, starts_on=D(2025, 10, 3))
    # The day after the maternity leave ends is free.
    staff.add_leave(session, profile, kind=LeaveKind.SICKNESS, starts_on=D(2025, 10, 4), ends_on=D(2025, 10, 5))


def test_open_ended_leave_overlaps_everything_after_it(session, person):
    profile = profile_of(person)
    staff.add_leave(session, profile, kind=LeaveKind.CAREER_BREAK, starts_on=D(2025, 1, 1))
    with pytest.raises(DomainError, match="with no end date"):
        staff.add_leave(session, profile, kind=LeaveKind.UNPAID, starts_on=D(2030, 1, 1), ends_on=D(2030, 1, 2))
    staff.add_leave(session, profile, kind=LeaveKind.UNPAID, starts_on=D(2024, 12, 1), ends_on=D(2024, 12, 31))


def test_ending_open_leave_sets_its_last_day(session, person):
    profile = profile_of(person)
    leave = staff.add_leave(session, profile, kind=LeaveKind.SECONDMENT, starts_on=D(2025, 1, 1))
    staff.add_leave(session, profile, kind=LeaveKind.SICKNESS, starts_on=D(2024, 6, 1), ends_on=D(2024, 6, 3))
    with pytest.raises(DomainError) as err:
        staff.end_leave(session, leave, ends_on=D(2024, 12, 31))
    assert err.value.field == "ends_on"
    staff.end_leave(session, leave, ends_on=D(2025, 6, 30))
    assert leave.ends_on == D(2025, 6, 30)


# --- registrations -----------------------------------------------------------------------------

def test_a_registration_is_added_then_updated_for_the_same_regulator(session, person):
    profile = profile_of(person)
    first = staff.save_registration(session, profile, regulator=Regulator.BABCP, registration_number=" 12345 ",
                                    registered_on=D(2023, 9, 1), renewal_due_on=D(2026, 9, 1))
    again = staff.save_registration(session, profile, regulator=Regulator.BABCP, registration_number="12345",
                                    registered_on=D(2023, 9, 1), renewal_due_on=D(2027, 9, 1))
    staff.save_registration(session, profile, regulator=Regulator.NMC, registration_number="99A1234E")
    assert again is first
    assert [(r.regulator, r.registration_number, r.renewal_due_on) for r in profile.registrations] == [
        (Regulator.BABCP, "12345", D(2027, 9, 1)), (Regulator.NMC, "99A1234E", None)]


@pytest.mark.parametrize(("number", "registered", "renewal", "field"), [
    ("  ", None, None, "registration_number"),
    ("1", D(2025, 1, 1), D(2025, 1, 1), "renewal_due_on"),
    ("1", D(2025, 1, 1), D(2024, 12, 31), "renewal_due_on"),
])
def test_a_registration_needs_a_number_and_a_renewal_after_registration(session, person, number, registered,
                                                                         renewal, field):
    with pytest.raises(DomainError) as err:
        staff.save_registration(session, profile_of(person), regulator=Regulator.HCPC, registration_number=number,
                                registered_on=registered, renewal_due_on=renewal)
    assert err.value.field == field
