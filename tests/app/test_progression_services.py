"""Pay-step progression services: the round, appraisals, HR standing, decisions and corrections (hand-computed)."""
import datetime as dt

import pytest
from sqlalchemy import select

from app.services import progression as svc
from app.services.errors import DomainError, NotPermitted
from app.services.staff_scope import scope_of
from models import AuditEvent, RelationshipKind, Role
from models.hr import Appraisal, AppraisalOutcome, EmploymentChange, HrStanding, ProgressionDecision, ProgressionOutcome
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date(2026, 11, 30)
CONFIRMED, DEFERRED = ProgressionOutcome.CONFIRMED, ProgressionOutcome.DEFERRED
LM = RelationshipKind.LINE_MANAGEMENT


class Trust:
    def __init__(self, session):
        self.session = session
        org = make_organisation(session)
        self.service = make_service(session, organisation=org)
        self.team = make_team(session, service=self.service, name="North")
        self.manager = make_user(session, team=self.team, roles=(Role.PRACTITIONER, Role.LINE_MANAGER),
                                 full_name="Grace Manager", step_started_on=dt.date(2026, 1, 1))  # due 2028
        self.hr = make_user(session, organisation=org, roles=(Role.HR,), full_name="Joanne HR", profile=False)

    def person(self, started_on, *, name=None, step=1, band="5", managed=True, **fields):
        """Band 5 steps take 2 years: someone who began step 1 on `started_on` is due 2 years later."""
        p = make_user(self.session, team=self.team, full_name=name, band=band, pay_step=step,
                      step_started_on=started_on, band_started_on=min(started_on, dt.date(2024, 4, 1)), **fields)
        if managed:
            make_relationship(self.session, senior=self.manager, junior=p, kind=LM, starts_on=dt.date(2024, 1, 1))
        return p

    def appraise(self, person, held_on, outcome=AppraisalOutcome.MEETS):
        self.session.add(Appraisal(profile_id=person.profile.id, held_on=held_on, outcome=outcome,
                                   appraiser_id=self.manager.id, recorded_by_id=self.manager.id))
        self.session.flush()

    def all_met(self, person):
        self.appraise(person, dt.date(2026, 6, 1))
        self.session.add(HrStanding(profile_id=person.profile.id, mandatory_training_complete=True,
                                    mandatory_training_checked_on=dt.date(2026, 11, 1), capability_process=False,
                                    disciplinary_sanction=False, updated_by_id=self.hr.id))
        self.session.flush()

    def decide(self, person, **kw):
        kw.setdefault("reason", "Standards met at the review.")
        return svc.decide(self.session, person, actor=kw.pop("actor", self.manager), today=kw.pop("today", TODAY),
                          **kw)


@pytest.fixture
def trust(session):
    return Trust(session)


def statuses(row):
    return tuple(s.status for s in row.standards)


# --- the round ---------------------------------------------------------------------------------

@pytest.fixture
def round_people(trust):
    people = {
        "due": trust.person(dt.date(2025, 1, 15), name="Ann Due"),          # due 15 January 2027
        "later": trust.person(dt.date(2025, 4, 1), name="Ben Later"),       # due 1 April 2027
        "overdue": trust.person(dt.date(2024, 10, 1), name="Cat Overdue"),  # due 1 October 2026, no decision
        "review": trust.person(dt.date(2024, 9, 1), name="Dan Review"),     # due 1 September 2026, deferred
        "far": trust.person(dt.date(2024, 8, 1), name="Eve Far"),           # due 1 August 2026, review in June
        "top": trust.person(dt.date(2020, 1, 1), name="Fay Top", step=3),   # band 5 has 3 steps
    }
    for key, review_on in (("review", dt.date(2027, 1, 10)), ("far", dt.date(2027, 6, 1))):
        trust.session.add(ProgressionDecision(
            profile_id=people[key].profile.id, band="5", from_step=1, to_step=2,
            due_on=people[key].profile.step_started_on.replace(year=2026), outcome=DEFERRED, reason="Training",
            plan="Finish it", review_on=review_on, decided_by_id=trust.manager.id))
    trust.appraise(people["due"], dt.date(2025, 11, 29))  # 12 months and a day ago
    trust.session.flush()
    return people


def names(rows):
    return [(r.name, r.status) for r in rows]


def test_the_round_shows_due_in_the_window_overdue_and_deferral_reviews(session, trust, round_people):
    start, end = svc.default_window(TODAY)
    assert (start, end) == (TODAY, dt.date(2027, 2, 28))
    rows = svc.due_list(session, scope_of(session, trust.hr, TODAY), TODAY, start, end)
    # Ordered by date: overdue (1 October), Dan's review (10 January), Ann due (15 January).
    assert names(rows) == [("Cat Overdue", "overdue"), ("Dan Review", "review"), ("Ann Due", "due")]
    ann = rows[-1]
    assert ann.position.next_step_on == dt.date(2027, 1, 15)
    assert statuses(ann) == ("not_met", "not_recorded", "not_recorded", "not_recorded", "not_applicable")
    assert rows[1].decision is not None and rows[1].decision.review_on == dt.date(2027, 1, 10)


def test_overdue_only_and_custom_windows(session, trust, round_people):
    scope = scope_of(session, trust.hr, TODAY)
    assert names(svc.due_list(session, scope, TODAY, None, None, overdue_only=True)) == [("Cat Overdue", "overdue")]
    custom = svc.due_list(session, scope, TODAY, dt.date(2027, 3, 1), dt.date(2027, 6, 30))
    assert names(custom) == [("Cat Overdue", "overdue"), ("Ben Later", "due"), ("Eve Far", "review")]


def test_the_round_filters_by_name_and_team(session, trust, round_people):
    scope = scope_of(session, trust.hr, TODAY)
    start, end = svc.default_window(TODAY)
    assert names(svc.due_list(session, scope, TODAY, start, end, search="ann")) == [("Ann Due", "due")]
    other = make_team(session, service=trust.service)
    assert svc.due_list(session, scope, TODAY, start, end, team_id=other.id) == []


def test_a_line_managers_round_holds_only_their_reports(session, trust, round_people):
    stranger = trust.person(dt.date(2025, 1, 10), name="Gus Elsewhere", managed=False)
    start, end = svc.default_window(TODAY)
    mine = svc.due_list(session, scope_of(session, trust.manager, TODAY), TODAY, start, end)
    assert "Gus Elsewhere" not in [r.name for r in mine] and len(mine) == 3
    everyone = svc.due_list(session, scope_of(session, trust.hr, TODAY), TODAY, start, end)
    assert "Gus Elsewhere" in [r.name for r in everyone]
    assert stranger.id in {r.user_id for r in everyone}


def test_the_round_takes_the_same_queries_for_3_or_12_people(session, trust, count_queries):
    for i in range(3):
        trust.all_met(trust.person(dt.date(2025, 1, 1) + dt.timedelta(days=i)))
    scope = scope_of(session, trust.hr, TODAY)
    start, end = svc.default_window(TODAY)
    svc.due_list(session, scope, TODAY, start, end)  # the pay scale catalogue is read once and cached
    session.expire_all()
    with count_queries() as few:
        assert len(svc.due_list(session, scope, TODAY, start, end)) == 3
    for i in range(9):
        trust.all_met(trust.person(dt.date(2025, 1, 1) + dt.timedelta(days=i)))
    session.expire_all()
    with count_queries() as many:
        assert len(svc.due_list(session, scope, TODAY, start, end)) == 12
    assert few.count == many.count


def test_a_manager_with_an_unappraised_report_fails_standard_five(session, trust):
    boss = make_user(session, team=trust.team, roles=(Role.LINE_MANAGER,))
    make_relationship(session, senior=boss, junior=trust.manager, kind=LM)
    report = trust.person(dt.date(2025, 1, 1))
    trust.appraise(report, dt.date(2025, 11, 1))  # 13 months ago
    view = svc.person_progression(session, trust.manager, TODAY)
    team = view.standards[-1]
    assert (team.status, team.detail) == ("not_met", "0 of 1 appraised")


# --- appraisals and standing -------------------------------------------------------------------

def test_the_line_manager_records_an_appraisal(session, trust):
    person = trust.person(dt.date(2025, 1, 1))
    a = svc.record_appraisal(session, person, held_on=dt.date(2026, 11, 2), outcome=AppraisalOutcome.MEETS,
                             summary="  Objectives agreed.  ", actor=trust.manager, today=TODAY)
    assert (a.held_on, a.appraiser_id, a.summary) == (dt.date(2026, 11, 2), trust.manager.id, "Objectives agreed.")


@pytest.mark.parametrize(("held_on", "message"), [
    (dt.date(2026, 12, 1), "The appraisal date cannot be in the future"),
    (dt.date(2024, 3, 31), "The appraisal date cannot be before they started, on 1 April 2024"),
    (None, "Enter the date the appraisal was held"),
])
def test_an_appraisal_date_must_be_possible(session, trust, held_on, message):
    person = trust.person(dt.date(2025, 1, 1))
    with pytest.raises(DomainError) as err:
        svc.record_appraisal(session, person, held_on=held_on, outcome=AppraisalOutcome.MEETS, summary=None,
                             actor=trust.manager, today=TODAY)
    assert (err.value.message, err.value.field) == (message, "held_on")


def test_only_the_line_manager_records_an_appraisal(session, trust):
    person = trust.person(dt.date(2025, 1, 1))
    for actor in (trust.hr, person):
        with pytest.raises(NotPermitted):
            svc.record_appraisal(session, person, held_on=TODAY, outcome=AppraisalOutcome.MEETS, summary=None,
                                 actor=actor, today=TODAY)


def test_hr_record_the_standing_and_only_hr(session, trust):
    person = trust.person(dt.date(2025, 1, 1))
    standing = svc.save_standing(session, person, mandatory_training_complete=True, checked_on=dt.date(2026, 11, 1),
                                 capability_process=False, disciplinary_sanction=True,
                                 sanction_live_until=dt.date(2027, 3, 1), actor=trust.hr, today=TODAY)
    assert (standing.updated_by_id, standing.sanction_live_until) == (trust.hr.id, dt.date(2027, 3, 1))
    statuses_now = [s.status for s in svc.person_progression(session, person, TODAY).standards]
    assert statuses_now == ["not_recorded", "met", "met", "not_met", "not_applicable"]
    with pytest.raises(NotPermitted):
        svc.save_standing(session, person, mandatory_training_complete=None, checked_on=None, capability_process=None,
                          disciplinary_sanction=None, sanction_live_until=None, actor=trust.manager, today=TODAY)


def test_recorded_training_needs_the_date_it_was_checked(session, trust):
    person = trust.person(dt.date(2025, 1, 1))
    with pytest.raises(DomainError) as err:
        svc.save_standing(session, person, mandatory_training_complete=False, checked_on=None,
                          capability_process=None, disciplinary_sanction=None, sanction_live_until=None,
                          actor=trust.hr, today=TODAY)
    assert err.value.field == "checked_on"


# --- decisions ---------------------------------------------------------------------------------

def test_confirming_moves_the_step_from_the_step_date(session, trust):
    person = trust.person(dt.date(2024, 11, 30))  # due today
    trust.all_met(person)
    d = trust.decide(person, outcome=CONFIRMED)
    profile = person.profile
    assert (d.from_step, d.to_step, d.due_on, d.effective_on) == (1, 2, TODAY, TODAY)
    assert d.previous_step_started_on == dt.date(2024, 11, 30)
    assert (profile.pay_step, profile.step_started_on) == (2, TODAY)
    change = session.scalar(select(EmploymentChange).where(EmploymentChange.profile_id == profile.id))
    assert (change.pay_step, change.previous_step, change.reason, change.effective_on) == (
        2, 1, "Pay step progression", TODAY)


def test_a_decision_opens_30_days_before_the_step_date(session, trust):
    early = trust.person(dt.date(2024, 12, 31))  # due 31 December 2026: 31 days ahead
    with pytest.raises(DomainError) as err:
        trust.decide(early, outcome=CONFIRMED)
    assert err.value.message == ("Their step date is 31 December 2026: a decision can be recorded from "
                                 "1 December 2026")
    ready = trust.person(dt.date(2024, 12, 30))  # due 30 December 2026: exactly 30 days ahead
    trust.all_met(ready)
    d = trust.decide(ready, outcome=DEFERRED, plan="Two modules", review_on=dt.date(2027, 1, 30))
    assert (d.due_on, d.review_on) == (dt.date(2026, 12, 30), dt.date(2027, 1, 30))


def test_a_step_is_confirmed_from_its_step_date_and_never_starts_after_today(session, trust):
    early = trust.person(dt.date(2024, 12, 10))  # due 10 December 2026: 10 days ahead
    trust.all_met(early)
    with pytest.raises(DomainError) as err:
        trust.decide(early, outcome=CONFIRMED)
    assert (err.value.message, err.value.field) == (
        "A step can be confirmed from its step date, 10 December 2026: until then it can only be deferred", "outcome")
    assert early.profile.pay_step == 1
    with pytest.raises(DomainError) as err:
        trust.decide(early, outcome=CONFIRMED, effective_on=dt.date(2026, 12, 11), today=dt.date(2026, 12, 10))
    assert (err.value.message, err.value.field) == (
        "The new step cannot start after today: choose a day from the step date, 10 December 2026, to today",
        "effective_on")
    d = trust.decide(early, outcome=CONFIRMED, today=dt.date(2026, 12, 10))
    assert (d.effective_on, early.profile.pay_step) == (dt.date(2026, 12, 10), 2)


def test_nobody_at_the_top_of_their_band_has_a_decision(session, trust):
    top = trust.person(dt.date(2020, 1, 1), step=3)
    with pytest.raises(DomainError) as err:
        trust.decide(top, outcome=CONFIRMED)
    assert "top of their band" in err.value.message


def test_a_new_step_cannot_start_before_its_step_date(session, trust):
    person = trust.person(dt.date(2024, 11, 30))
    trust.all_met(person)
    with pytest.raises(DomainError) as err:
        trust.decide(person, outcome=CONFIRMED, effective_on=dt.date(2026, 11, 29))
    assert err.value.field == "effective_on"


def test_confirming_with_an_unmet_standard_needs_the_override(session, trust):
    person = trust.person(dt.date(2024, 11, 30))
    trust.appraise(person, dt.date(2025, 11, 29))  # 12 months and a day ago: not met
    with pytest.raises(DomainError) as err:
        trust.decide(person, outcome=CONFIRMED)
    assert err.value.field == "override"
    assert err.value.message.startswith("Not met: appraisal completed within the last 12 months, with an outcome in "
                                        "line with organisational standards. Defer the step")
    assert person.profile.pay_step == 1
    d = trust.decide(person, outcome=CONFIRMED, override=True, reason="Appraisal booked; delayed by sickness.")
    assert (d.outcome, person.profile.pay_step) == (CONFIRMED, 2)


def test_unrecorded_standards_do_not_block_a_confirmation(session, trust):
    person = trust.person(dt.date(2024, 11, 30))
    assert trust.decide(person, outcome=CONFIRMED).outcome is CONFIRMED


@pytest.mark.parametrize(("plan", "review_on", "field"), [
    (None, dt.date(2027, 2, 1), "plan"),
    ("Support", None, "review_on"),
    ("Support", TODAY, "review_on"),
])
def test_a_deferral_needs_a_plan_and_a_later_review_date(session, trust, plan, review_on, field):
    person = trust.person(dt.date(2024, 11, 30))
    with pytest.raises(DomainError) as err:
        trust.decide(person, outcome=DEFERRED, plan=plan, review_on=review_on)
    assert err.value.field == field


def test_a_deferral_keeps_the_step_and_blocks_a_second_decision_until_its_review(session, trust):
    person = trust.person(dt.date(2024, 11, 30))
    d = trust.decide(person, outcome=DEFERRED, reason="Training incomplete", plan="Two modules",
                     review_on=dt.date(2027, 1, 29))
    assert (d.review_on, d.effective_on, person.profile.pay_step) == (dt.date(2027, 1, 29), None, 1)
    with pytest.raises(DomainError) as err:
        trust.decide(person, outcome=CONFIRMED)
    assert "HR can correct the decision" in err.value.message
    # At the review, the manager records its outcome; the step starts on the day it is confirmed.
    later = trust.decide(person, outcome=CONFIRMED, today=dt.date(2027, 1, 29))
    assert (later.effective_on, person.profile.pay_step, person.profile.step_started_on) == (
        dt.date(2027, 1, 29), 2, dt.date(2027, 1, 29))


def test_nobody_decides_on_themselves_or_someone_they_do_not_manage(session, trust):
    person = trust.person(dt.date(2024, 11, 30))
    for who, actor in ((person, person), (trust.manager, trust.manager), (person, trust.hr)):
        with pytest.raises(NotPermitted):
            trust.decide(who, outcome=CONFIRMED, actor=actor)


# --- corrections -------------------------------------------------------------------------------

def test_correcting_a_confirmation_to_a_deferral_puts_the_step_back(session, trust):
    person = trust.person(dt.date(2024, 11, 30))
    trust.all_met(person)
    first = trust.decide(person, outcome=CONFIRMED)
    new = svc.correct(session, first, outcome=DEFERRED, reason="Training was not complete", plan="Finish it",
                      review_on=dt.date(2027, 1, 15), correction_reason="Recorded against the wrong record",
                      actor=trust.hr, today=TODAY)
    assert first.superseded and new.corrects_id == first.id and not new.superseded
    assert (person.profile.pay_step, person.profile.step_started_on) == (1, dt.date(2024, 11, 30))
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "progression_corrected"))
    assert (event.object_id, event.actor_id) == (str(new.id), trust.hr.id)


def test_correcting_a_deferral_to_a_confirmation_applies_the_step(session, trust):
    person = trust.person(dt.date(2024, 11, 30))
    first = trust.decide(person, outcome=DEFERRED, plan="Plan", review_on=dt.date(2027, 1, 15))
    new = svc.correct(session, first, outcome=CONFIRMED, reason="Met all along", correction_reason="Wrong record",
                      actor=trust.hr, today=dt.date(2026, 12, 10))
    assert (new.effective_on, new.previous_step_started_on) == (TODAY, dt.date(2024, 11, 30))
    assert (person.profile.pay_step, person.profile.step_started_on) == (2, TODAY)
    with pytest.raises(DomainError) as err:
        svc.correct(session, first, outcome=CONFIRMED, reason="Again", correction_reason="Again", actor=trust.hr,
                    today=TODAY)
    assert "already been corrected" in err.value.message


def test_a_correction_needs_its_reason_and_hr(session, trust):
    person = trust.person(dt.date(2024, 11, 30))
    first = trust.decide(person, outcome=CONFIRMED)
    with pytest.raises(DomainError) as err:
        svc.correct(session, first, outcome=DEFERRED, reason="x", plan="y", review_on=dt.date(2027, 1, 1),
                    correction_reason="  ", actor=trust.hr, today=TODAY)
    assert err.value.field == "correction_reason"
    with pytest.raises(NotPermitted):
        svc.correct(session, first, outcome=DEFERRED, reason="x", plan="y", review_on=dt.date(2027, 1, 1),
                    correction_reason="z", actor=trust.manager, today=TODAY)


# --- review fixes ------------------------------------------------------------------------------

def test_a_deferral_whose_review_has_passed_shows_as_review_overdue(session, trust):
    today = dt.date(2026, 6, 1)
    person = trust.person(dt.date(2024, 3, 1), name="Hal Late")  # due 1 March 2026
    session.add(ProgressionDecision(profile_id=person.profile.id, band="5", from_step=1, to_step=2,
                                    due_on=dt.date(2026, 3, 1), outcome=DEFERRED, reason="Training",
                                    plan="Finish it", review_on=dt.date(2026, 5, 1), decided_by_id=trust.manager.id))
    session.flush()
    scope = scope_of(session, trust.hr, today)
    start, end = svc.default_window(today)
    rows = svc.due_list(session, scope, today, start, end)
    assert [(r.name, r.status, r.status_text) for r in rows] == [("Hal Late", "review_overdue",
                                                                  "Deferral review overdue")]
    assert names(svc.due_list(session, scope, today, None, None, overdue_only=True)) == [("Hal Late", "review_overdue")]


def test_the_appraisal_is_judged_as_at_the_step_date_when_it_is_later(session, trust):
    today = dt.date(2025, 6, 5)
    person = trust.person(dt.date(2023, 7, 1))  # due 1 July 2025
    trust.appraise(person, dt.date(2024, 6, 10))  # within 12 months of 5 June 2025, not of 1 July 2025
    view = svc.person_progression(session, person, today)
    assert (view.standards[0].status, view.standards[0].detail) == (
        "not_met", "Last appraisal 10 June 2024, more than 12 months before the step date, 1 July 2025")
    row = svc.due_list(session, scope_of(session, trust.hr, today), today, *svc.default_window(today))[0]
    assert row.standards[0].status == "not_met"
    after = svc.person_progression(session, person, dt.date(2025, 7, 1))
    assert after.standards[0].status == "not_met"  # 12 months back from 1 July 2025 is 1 July 2024


def test_a_decision_about_an_earlier_step_date_does_not_count_for_the_current_one(session, trust):
    person = trust.person(dt.date(2024, 10, 1), name="Ivy Back")  # back on step 1 by HR: due 1 October 2026
    session.add(ProgressionDecision(profile_id=person.profile.id, band="5", from_step=1, to_step=2,
                                    due_on=dt.date(2022, 10, 1), outcome=CONFIRMED, reason="Met",
                                    effective_on=dt.date(2022, 10, 1), decided_by_id=trust.manager.id))
    session.flush()
    rows = svc.due_list(session, scope_of(session, trust.hr, TODAY), TODAY, None, None, overdue_only=True)
    assert names(rows) == [("Ivy Back", "overdue")]
    assert svc.person_progression(session, person, TODAY).not_decidable is None


def test_correcting_a_confirmations_start_date_writes_the_career_history(session, trust):
    person = trust.person(dt.date(2024, 11, 1))  # due 1 November 2026
    trust.all_met(person)
    first = trust.decide(person, outcome=CONFIRMED)
    assert first.effective_on == dt.date(2026, 11, 1)
    svc.correct(session, first, outcome=CONFIRMED, reason="Met", effective_on=dt.date(2026, 11, 15),
                correction_reason="Started the new post on the 15th", actor=trust.hr, today=TODAY)
    changes = session.scalars(select(EmploymentChange).where(EmploymentChange.profile_id == person.profile.id)
                              .order_by(EmploymentChange.id)).all()
    assert [(c.effective_on, c.previous_step, c.pay_step, c.reason) for c in changes] == [
        (dt.date(2026, 11, 1), 1, 2, "Pay step progression"),
        (dt.date(2026, 11, 15), 1, 2, "Pay step progression corrected")]
    assert person.profile.step_started_on == dt.date(2026, 11, 15)


def test_correcting_a_deferral_to_a_confirmation_needs_the_override_for_an_unmet_standard(session, trust):
    person = trust.person(dt.date(2024, 11, 1))
    trust.appraise(person, dt.date(2025, 10, 1))  # more than 12 months ago
    first = trust.decide(person, outcome=DEFERRED, plan="Plan", review_on=dt.date(2027, 1, 15))
    with pytest.raises(DomainError) as err:
        svc.correct(session, first, outcome=CONFIRMED, reason="Met", correction_reason="Wrong", actor=trust.hr,
                    today=TODAY)
    assert err.value.field == "override" and person.profile.pay_step == 1
    new = svc.correct(session, first, outcome=CONFIRMED, reason="Appraisal delayed by sickness", override=True,
                      correction_reason="Wrong", actor=trust.hr, today=TODAY)
    assert (new.effective_on, person.profile.pay_step) == (dt.date(2026, 11, 1), 2)


def test_a_correction_to_a_confirmation_also_waits_for_the_step_date(session, trust):
    person = trust.person(dt.date(2024, 12, 10))  # due 10 December 2026
    first = trust.decide(person, outcome=DEFERRED, plan="Plan", review_on=dt.date(2027, 1, 15))
    with pytest.raises(DomainError) as err:
        svc.correct(session, first, outcome=CONFIRMED, reason="Met", correction_reason="Wrong", actor=trust.hr,
                    today=TODAY)
    assert err.value.field == "outcome" and person.profile.pay_step == 1


def test_only_the_latest_decision_can_be_corrected(session, trust):
    person = trust.person(dt.date(2024, 11, 1))
    deferral = trust.decide(person, outcome=DEFERRED, plan="Plan", review_on=dt.date(2026, 12, 1))
    trust.decide(person, outcome=CONFIRMED, today=dt.date(2026, 12, 1))  # the review's outcome
    with pytest.raises(DomainError) as err:
        svc.correct(session, deferral, outcome=DEFERRED, reason="x", plan="y", review_on=dt.date(2027, 1, 1),
                    correction_reason="z", actor=trust.hr, today=dt.date(2026, 12, 2))
    assert "only the latest decision can be corrected" in err.value.message
    assert not deferral.superseded


def test_hr_do_not_correct_a_decision_they_made(session, trust):
    person = trust.person(dt.date(2024, 11, 1))
    first = trust.decide(person, outcome=DEFERRED, plan="Plan", review_on=dt.date(2027, 1, 15))
    mine = svc.correct(session, first, outcome=DEFERRED, reason="x", plan="y", review_on=dt.date(2027, 2, 1),
                       correction_reason="Review later", actor=trust.hr, today=TODAY)
    with pytest.raises(NotPermitted):
        svc.correct(session, mine, outcome=DEFERRED, reason="x", plan="y", review_on=dt.date(2027, 3, 1),
                    correction_reason="Again", actor=trust.hr, today=TODAY)
    other_hr = make_user(session, organisation=trust.hr.organisation, roles=(Role.HR,), profile=False)
    assert svc.correct(session, mine, outcome=DEFERRED, reason="x", plan="y", review_on=dt.date(2027, 3, 1),
                       correction_reason="Again", actor=other_hr, today=TODAY).corrects_id == mine.id


@pytest.mark.parametrize(("field", "text", "what"), [
    ("reason", "Patient 943 476 5919 complained", "NHS number"),
    ("plan", "Shadow the clinic at LS1 4AP", "postcode"),
    ("correction_reason", "Mixed up with a client born 12/03/1985", "date of birth"),
])
def test_free_text_refuses_patient_identifiers(session, trust, field, text, what):
    person = trust.person(dt.date(2024, 11, 1))
    values = {"reason": "Training", "plan": "Modules", "correction_reason": "Wrong record", field: text}
    with pytest.raises(DomainError) as err:
        if field == "correction_reason":
            first = trust.decide(person, outcome=DEFERRED, plan="Plan", review_on=dt.date(2027, 1, 15))
            svc.correct(session, first, outcome=DEFERRED, reason=values["reason"], plan=values["plan"],
                        review_on=dt.date(2027, 2, 1), correction_reason=values["correction_reason"],
                        actor=trust.hr, today=TODAY)
        else:
            trust.decide(person, outcome=DEFERRED, reason=values["reason"], plan=values["plan"],
                         review_on=dt.date(2027, 1, 15))
    assert err.value.field == field and what in err.value.message


def test_an_appraisal_summary_refuses_patient_identifiers(session, trust):
    person = trust.person(dt.date(2024, 11, 1))
    with pytest.raises(DomainError) as err:
        svc.record_appraisal(session, person, held_on=TODAY, outcome=AppraisalOutcome.MEETS,
                             summary="Discussed DOB 1 March 1980 case", actor=trust.manager, today=TODAY)
    assert err.value.field == "summary" and "date of birth" in err.value.message


def test_the_standards_titles_come_from_the_pay_data(session, trust):
    from app.services.pay_steps import pay_scale
    from models.reference_data import catalogue_for
    scale = pay_scale(catalogue_for(session), TODAY)
    texts = {s.id: s.text for s in scale.standards}
    view = svc.person_progression(session, trust.manager, TODAY)
    assert [s.title for s in view.standards] == [texts[svc.STANDARD_IDS[s.key]] for s in view.standards]
    assert view.standards[-1].title == "Line managers only: appraisals completed for all their staff as required"
