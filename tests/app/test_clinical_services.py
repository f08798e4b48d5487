"""The clinical log's services: case rules and outcomes, the caseload summary, contact rules and weekly totals."""
import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.services import clinical_log, logs
from app.services.clinical_log import CaseValues, ContactValues
from app.services.errors import DomainError
from competences.catalogue import built_in_catalogue
from models import ClinicalCase, ClinicalContact
from tests.factories import make_user

DATA = built_in_catalogue().current("outcome-measures").content
TODAY = dt.date(2026, 3, 11)  # a Wednesday; its week began on Monday 9 March


def case_values(**overrides):
    values = CaseValues(case_ref="HI-0042", problem="depression", step=3, modality="cbt",
                        started_on=dt.date(2026, 1, 5), ended_on=dt.date(2026, 3, 2), training_case=False,
                        closely_supervised=False, assessed_case_study=False, attended_sessions=6,
                        first_scores={"phq9": 14, "gad7": 11}, last_scores={"phq9": 6, "gad7": 5})
    return dataclasses.replace(values, **overrides)


def a_case(**fields):
    """A case in memory only: outcomes and the summary need no database."""
    defaults = {"case_ref": "X", "problem": "depression", "step": 3, "modality": "cbt", "started_on": dt.date(2026, 1, 5),
                    "ended_on": dt.date(2026, 3, 2), "attended_sessions": 6, "first_scores": {}, "last_scores": {}}
    return ClinicalCase(**{**defaults, **fields})


def contact_values(**overrides):
    values = ContactValues(occurred_on=dt.date(2026, 3, 10), week=False, count=1, minutes=50, step=3,
                           format="face_to_face", individual=True, cbt=True)
    return dataclasses.replace(values, **overrides)


# --- outcomes ----------------------------------------------------------------------------------

def test_phq9_14_to_6_and_gad7_11_to_5_over_6_sessions_is_a_finished_recovered_reliably_improved_course():
    result = clinical_log.case_outcome(a_case(first_scores={"phq9": 14, "gad7": 11},
                                              last_scores={"phq9": 6, "gad7": 5}), DATA)
    # Caseness: 14 ≥ 10 and 11 ≥ 8; at the end 6 < 10 and 5 < 8; falls of 8 ≥ 6 and 6 ≥ 4.
    assert (result.finished, result.case_at_start, result.recovered, result.reliably_improved,
            result.reliably_deteriorated) == (True, True, True, True, False)
    assert result.measures_used == ("phq9", "gad7")
    assert result.notes == ()


def test_an_open_case_is_not_a_finished_course_whatever_its_sessions_but_its_caseness_is_known():
    result = clinical_log.case_outcome(a_case(ended_on=None, first_scores={"phq9": 14, "gad7": 11},
                                              last_scores={"phq9": 6, "gad7": 5}), DATA)
    assert (result.finished, result.case_at_start, result.recovered, result.reliably_improved,
            result.reliably_deteriorated) == (False, True, None, None, None)
    assert result.notes[-1].startswith("The case is still open")
    assert not any("Not a finished course" in note for note in result.notes)


def test_a_closed_case_with_one_attended_session_is_not_a_finished_course():
    result = clinical_log.case_outcome(a_case(attended_sessions=1, first_scores={"phq9": 14},
                                              last_scores={"phq9": 6}), DATA)
    assert result.finished is False and result.recovered is None
    assert any("1 attended treatment session," in note for note in result.notes)


def test_the_outcome_explained_gives_each_verdict_with_its_rule():
    result = clinical_log.case_outcome(a_case(first_scores={"phq9": 14, "gad7": 11},
                                              last_scores={"phq9": 6, "gad7": 5}), DATA)
    explained = {e.question: (e.answer, e.rule) for e in clinical_log.explain_outcome(result, DATA)}
    assert explained["Recovered"][0] == "Yes"
    assert explained["Reliably deteriorated"][0] == "No"
    assert "PHQ-9 10 or more, or GAD-7 8 or more" in explained["At caseness at the start"][1]
    assert "at least 6 on PHQ-9 or at least 4 on GAD-7" in explained["Reliably improved"][1]


def test_a_case_not_at_caseness_says_recovery_does_not_apply():
    result = clinical_log.case_outcome(a_case(first_scores={"phq9": 8, "gad7": 6},
                                              last_scores={"phq9": 4, "gad7": 3}), DATA)
    explained = {e.question: e.answer for e in clinical_log.explain_outcome(result, DATA)}
    assert explained["Recovered"].startswith("Does not apply")


def test_scores_that_no_longer_fit_the_data_make_the_outcome_a_domain_error():
    with pytest.raises(DomainError, match="PHQ-9 score 30 is outside its range"):
        clinical_log.case_outcome(a_case(first_scores={"phq9": 30}), DATA)


# --- the caseload summary ----------------------------------------------------------------------

def test_the_caseload_summary_counts_finished_courses_recovery_and_reliable_change():
    cases = [
        # A: finished, at caseness, recovered, reliably improved.
        a_case(first_scores={"phq9": 14, "gad7": 11}, last_scores={"phq9": 6, "gad7": 5}),
        # B: GAD; PHQ-9 11 at the end is still at caseness (not recovered); GAD-7 falls 6 (reliably improved).
        a_case(problem="gad", attended_sessions=4, first_scores={"phq9": 12, "gad7": 15},
               last_scores={"phq9": 11, "gad7": 9}),
        # C: not at caseness at the start (8 < 10, 6 < 8); PHQ-9 rises 8: reliable deterioration.
        a_case(attended_sessions=5, first_scores={"phq9": 8, "gad7": 6}, last_scores={"phq9": 16, "gad7": 7}),
        # D: one session: not finished.
        a_case(attended_sessions=1, first_scores={"phq9": 20, "gad7": 15}, last_scores={"phq9": 5, "gad7": 3}),
        # E: still open: not finished.
        a_case(ended_on=None, attended_sessions=3, first_scores={"phq9": 20}, last_scores={"phq9": 5}),
        # F: social anxiety judged on SPIN, whose cut-off is unknown: at caseness (PHQ-9), recovery unknown.
        a_case(problem="social_anxiety", first_scores={"phq9": 14, "spin": 40}, last_scores={"phq9": 6, "spin": 20}),
        # G: a problem no longer in the data: counted, but not judged.
        a_case(problem="withdrawn", first_scores={"phq9": 14}, last_scores={"phq9": 6}),
    ]
    summary = clinical_log.caseload_summary(cases, DATA)
    assert (summary.total, summary.open) == (7, 1)
    assert summary.by_problem == (("Depression", 4), ("Generalised anxiety disorder", 1),
                                  ("Social anxiety disorder", 1), ("withdrawn", 1))
    assert summary.finished == 4                      # A, B, C, F
    assert summary.finished_at_caseness == 3          # A, B, F
    assert (summary.recovered, summary.recovery_judged) == (1, 2)  # A of A and B; F cannot be judged
    assert summary.recovery_rate == Decimal("50.0")
    assert summary.reliably_improved == 2             # A, B (F unknown)
    assert summary.reliably_deteriorated == 1         # C
    assert summary.not_judged == 1                    # G


def test_an_empty_caseload_has_no_recovery_rate():
    summary = clinical_log.caseload_summary([], DATA)
    assert (summary.total, summary.finished, summary.recovery_rate) == (0, 0, None)


def test_a_recovery_rate_of_two_in_three_is_rounded_to_one_decimal_place():
    recovered = {"first_scores": {"phq9": 14, "gad7": 11}, "last_scores": {"phq9": 6, "gad7": 5}}
    # Without a last GAD-7 recovery is unknown, but PHQ-9 12 at the end is at caseness: not recovered.
    not_recovered = {"first_scores": {"phq9": 14}, "last_scores": {"phq9": 12}}
    cases = [a_case(**recovered), a_case(**recovered), a_case(**not_recovered)]
    assert clinical_log.caseload_summary(cases, DATA).recovery_rate == Decimal("66.7")


# --- case rules --------------------------------------------------------------------------------

@pytest.fixture
def owner(session):
    return make_user(session)


def test_create_case_stores_the_values_and_the_scores(session, owner):
    case = clinical_log.create_case(session, owner, case_values(case_ref="  HI-0042 "), DATA, TODAY)
    assert (case.case_ref, case.first_scores, case.last_scores, case.owner_id) == (
        "HI-0042", {"phq9": 14, "gad7": 11}, {"phq9": 6, "gad7": 5}, owner.id)


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"first_scores": {"phq9": 28}}, "first_phq9", "PHQ-9 score 28 is outside its range (0–27)"),
    ({"first_scores": {"gad7": -1}}, "first_gad7", "GAD-7 score -1 is outside its range (0–21)"),
    ({"last_scores": {"gad7": 22}}, "last_gad7", "GAD-7 score 22 is outside its range (0–21)"),
    ({"last_scores": {"spin": -3}}, "last_spin", "SPIN score -3 is outside its range (at least 0)"),
    ({"first_scores": {"ies-r": 1000}}, "first_ies_r", "IES-R score 1000 is too high"),
    ({"first_scores": {"nope": 3}}, "first_nope", "There is no outcome measure"),
    ({"ended_on": dt.date(2026, 1, 4)}, "ended_on", "The end date cannot be before the start date"),
    ({"ended_on": TODAY + dt.timedelta(days=1)}, "ended_on", "The end date cannot be in the future"),
    ({"started_on": TODAY + dt.timedelta(days=1), "ended_on": None}, "started_on",
     "The start date cannot be in the future"),
    ({"case_ref": "943 476 5919"}, "case_ref", "This looks like an NHS number"),
    ({"case_ref": "AB 12/03/1985"}, "case_ref", "This looks like a date of birth"),
    ({"case_ref": "LS1 4AP"}, "case_ref", "This looks like a postcode"),
    ({"case_ref": "x" * 41}, "case_ref", "40 characters or fewer"),
    ({"case_ref": "   "}, "case_ref", "Enter the case reference"),
    ({"problem": "flu"}, "problem", "Choose the presenting problem"),
    ({"step": 4}, "step", "Choose step 2 or step 3"),
    ({"modality": "emdr"}, "modality", "Choose the modality"),
    ({"closely_supervised": True}, "closely_supervised", "Only a training case can be closely supervised"),
    ({"assessed_case_study": True}, "assessed_case_study", "Only a training case can be an assessed case study"),
    ({"attended_sessions": 101}, "attended_sessions", "between 0 and 100"),
    ({"attended_sessions": -1}, "attended_sessions", "between 0 and 100"),
])
def test_a_case_breaking_a_rule_is_refused_beside_its_field(session, owner, overrides, field, message):
    with pytest.raises(DomainError) as caught:
        clinical_log.create_case(session, owner, case_values(**overrides), DATA, TODAY)
    assert caught.value.field == field and message in caught.value.message
    assert session.scalar(select(func.count()).select_from(ClinicalCase)) == 0


def test_a_training_case_may_be_closely_supervised_and_an_assessed_case_study(session, owner):
    case = clinical_log.create_case(session, owner, case_values(training_case=True, closely_supervised=True,
                                                                assessed_case_study=True), DATA, TODAY)
    assert (case.training_case, case.closely_supervised, case.assessed_case_study) == (True, True, True)


def test_a_reference_is_unique_per_person_whatever_its_case_and_even_when_deleted(session, owner):
    first = clinical_log.create_case(session, owner, case_values(), DATA, TODAY)
    with pytest.raises(DomainError, match="already have a case with the reference hi-0042") as caught:
        clinical_log.create_case(session, owner, case_values(case_ref="hi-0042"), DATA, TODAY)
    assert caught.value.field == "case_ref"
    logs.soft_delete(session, first)
    with pytest.raises(DomainError, match="among your deleted cases"):
        clinical_log.create_case(session, owner, case_values(), DATA, TODAY)
    # Someone else may use the same reference.
    clinical_log.create_case(session, make_user(session), case_values(), DATA, TODAY)


def test_updating_a_case_keeps_its_own_reference_and_checks_the_rest(session, owner):
    case = clinical_log.create_case(session, owner, case_values(), DATA, TODAY)
    clinical_log.update_case(session, case, case_values(last_scores={"phq9": 12, "gad7": 9}), DATA, TODAY)
    assert case.last_scores == {"phq9": 12, "gad7": 9}
    with pytest.raises(DomainError, match="27"):
        clinical_log.update_case(session, case, case_values(last_scores={"phq9": 99}), DATA, TODAY)


# --- contact rules -----------------------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"occurred_on": TODAY + dt.timedelta(days=1)}, "occurred_on", "The date cannot be in the future"),
    ({"week": True, "occurred_on": dt.date(2026, 3, 4), "count": 5, "minutes": 250}, "occurred_on",
     "give the Monday the week starts on (that week’s Monday is 2 March 2026)"),
    ({"count": 2, "minutes": 100}, "count", "One session is one contact"),
    ({"week": True, "occurred_on": dt.date(2026, 3, 2), "count": 61, "minutes": 3000}, "count",
     "between 1 and 60"),
    ({"week": True, "occurred_on": dt.date(2026, 3, 2), "count": 0, "minutes": 10}, "count", "between 1 and 60"),
    ({"minutes": 0}, "minutes", "Total minutes must be at least 1"),
    ({"minutes": 300}, "minutes", "One contact cannot last more than 240 minutes"),
    ({"week": True, "occurred_on": dt.date(2026, 3, 2), "count": 60, "minutes": 3001}, "minutes",
     "3,000 (50 hours) or fewer"),
    ({"week": True, "occurred_on": dt.date(2026, 3, 2), "count": 2, "minutes": 500}, "minutes",
     "more than 240 minutes (4 hours) a contact"),
    ({"week": True, "occurred_on": dt.date(2026, 3, 2), "count": 20, "minutes": 10}, "minutes",
     "less than a minute a contact"),
    ({"step": 1}, "step", "Choose step 2 or step 3"),
    ({"format": "letter"}, "format", "Choose the format"),
    ({"format": "group", "individual": True}, "individual", "A group session is not individual"),
])
def test_contacts_breaking_a_rule_are_refused_beside_their_field(session, owner, overrides, field, message):
    with pytest.raises(DomainError) as caught:
        clinical_log.record_contacts(session, owner, contact_values(**overrides), TODAY)
    assert caught.value.field == field and message in caught.value.message
    assert session.scalar(select(func.count()).select_from(ClinicalContact)) == 0


def test_contacts_may_name_only_one_of_the_persons_own_cases_within_its_dates(session, owner):
    mine = clinical_log.create_case(session, owner, case_values(started_on=dt.date(2026, 3, 3), ended_on=None),
                                    DATA, TODAY)
    theirs = clinical_log.create_case(session, make_user(session), case_values(), DATA, TODAY)
    with pytest.raises(DomainError, match="Choose one of your cases") as caught:
        clinical_log.record_contacts(session, owner, contact_values(case_id=theirs.id), TODAY)
    assert caught.value.field == "case_id"
    with pytest.raises(DomainError, match="started on 3 March 2026, after these contacts"):
        clinical_log.record_contacts(session, owner, contact_values(occurred_on=dt.date(2026, 3, 2), case_id=mine.id),
                                     TODAY)
    # A week that overlaps the start is fine.
    week = clinical_log.record_contacts(session, owner, contact_values(
        week=True, occurred_on=dt.date(2026, 3, 2), count=3, minutes=150, case_id=mine.id), TODAY)
    assert week.case_id == mine.id


def test_a_week_of_contacts_is_recorded_on_its_monday(session, owner):
    contact = clinical_log.record_contacts(session, owner, contact_values(
        week=True, occurred_on=dt.date(2026, 3, 9), count=12, minutes=600, step=2, format="telephone", cbt=False),
        TODAY)
    assert (contact.occurred_on, contact.count, contact.minutes, contact.step, contact.format, contact.cbt) == (
        dt.date(2026, 3, 9), 12, 600, 2, "telephone", False)


def test_weekly_totals_add_up_the_last_twelve_weeks_by_hand(session, owner):
    def record(**overrides):
        return clinical_log.record_contacts(session, owner, contact_values(**overrides), TODAY)

    record(occurred_on=dt.date(2026, 3, 9), step=2, cbt=False, minutes=45)
    record(occurred_on=dt.date(2026, 3, 10), step=3, cbt=True, minutes=60)
    record(week=True, occurred_on=dt.date(2026, 3, 2), count=5, minutes=250)
    record(week=True, occurred_on=dt.date(2026, 3, 2), count=2, minutes=180, step=2, format="group",
           individual=False, cbt=False)
    record(occurred_on=dt.date(2026, 2, 25), step=2, format="video", minutes=30)
    # Before the twelve weeks (which start on Monday 22 December 2025): all-time only.
    record(week=True, occurred_on=dt.date(2025, 12, 15), count=3, minutes=240)
    logs.soft_delete(session, record(occurred_on=dt.date(2026, 3, 9), minutes=60))
    clinical_log.record_contacts(session, make_user(session), contact_values(minutes=90), TODAY)

    totals = clinical_log.weekly_contact_totals(session, owner, TODAY)
    assert len(totals.weeks) == 12
    assert totals.weeks[0].monday == dt.date(2025, 12, 22) and totals.weeks[-1].monday == dt.date(2026, 3, 9)
    by_week = {w.monday: (w.contacts, w.cbt_contacts, w.step2_minutes, w.individual_cbt_minutes)
               for w in totals.weeks}
    assert by_week[dt.date(2026, 3, 9)] == (2, 1, 45, 60)
    assert by_week[dt.date(2026, 3, 2)] == (7, 5, 180, 250)
    assert by_week[dt.date(2026, 2, 23)] == (1, 1, 30, 30)
    assert sum(1 for v in by_week.values() if v == (0, 0, 0, 0)) == 9
    assert totals.cbt_contacts_a_week == Decimal("0.6")      # 7 / 12 = 0.583…
    assert totals.step2_minutes_a_week == 21                 # 255 / 12 = 21.25
    assert totals.individual_cbt_minutes_all_time == 580     # 60 + 250 + 30 + 240


def test_updating_contacts_checks_the_same_rules(session, owner):
    contact = clinical_log.record_contacts(session, owner, contact_values(), TODAY)
    clinical_log.update_contacts(session, contact, contact_values(minutes=75), TODAY)
    assert contact.minutes == 75
    with pytest.raises(DomainError, match="240 minutes"):
        clinical_log.update_contacts(session, contact, contact_values(minutes=241), TODAY)
