"""HR facts for the pay progression standards: hand-computed from appraisals, HR standing and line management."""
import datetime as dt

import pytest

from competences import evidence as ev
from models import RelationshipKind, Role
from models.hr import Appraisal, AppraisalOutcome, HrStanding
from competences.catalogue import Catalogue, built_in_catalogue, built_in_texts, parse
from models.hr_snapshot import appraisal_months, hr_facts, hr_facts_for, hr_records_for
from models.snapshot import build_snapshot
from tests.factories import make_relationship, make_team, make_user

TODAY = dt.date(2026, 11, 30)
MEETS, DOES_NOT_MEET = AppraisalOutcome.MEETS, AppraisalOutcome.DOES_NOT_MEET


@pytest.fixture
def team(session):
    return make_team(session)


def appraise(session, person, held_on, outcome=MEETS, by=None):
    session.add(Appraisal(profile_id=person.profile.id, held_on=held_on, outcome=outcome,
                          appraiser_id=(by or person).id, recorded_by_id=(by or person).id))
    session.flush()


def stand(session, person, by, **fields):
    session.add(HrStanding(profile_id=person.profile.id, updated_by_id=by.id, **fields))
    session.flush()


def facts(session, person):
    return hr_facts(session, person, person.profile, TODAY)


def test_nothing_recorded_stays_not_recorded(session, team):
    person = make_user(session, team=team)
    assert facts(session, person) == ev.HrFacts()


def test_someone_without_a_profile_has_no_hr_facts(session, team):
    person = make_user(session, team=team, profile=False)
    assert hr_facts(session, person, None, TODAY) == ev.HrFacts()


def test_an_appraisal_exactly_12_months_ago_is_the_last_appraisal(session, team):
    person = make_user(session, team=team)
    appraise(session, person, dt.date(2025, 11, 30))
    assert facts(session, person).last_appraisal_on == dt.date(2025, 11, 30)


def test_the_latest_meets_appraisal_on_or_before_today_counts(session, team):
    person = make_user(session, team=team)
    appraise(session, person, dt.date(2025, 6, 1))
    appraise(session, person, dt.date(2026, 3, 2))
    appraise(session, person, dt.date(2026, 12, 1))  # after "today": not yet held as at TODAY
    assert facts(session, person).last_appraisal_on == dt.date(2026, 3, 2)


def test_a_later_appraisal_not_in_line_with_standards_leaves_no_counting_appraisal(session, team):
    person = make_user(session, team=team)
    appraise(session, person, dt.date(2026, 3, 2))
    appraise(session, person, dt.date(2026, 9, 1), DOES_NOT_MEET)
    record = hr_records_for(session, [person.profile.id], TODAY)[person.profile.id]
    assert record.facts.last_appraisal_on is None
    assert (record.latest_appraisal_on, record.latest_appraisal_outcome) == (dt.date(2026, 9, 1), DOES_NOT_MEET)


def test_hr_standing_gives_training_and_capability(session, team):
    person, hr = make_user(session, team=team), make_user(session, team=team, roles=(Role.HR,))
    stand(session, person, hr, mandatory_training_complete=False, capability_process=True)
    got = facts(session, person)
    assert (got.mandatory_training_complete, got.capability_process, got.live_disciplinary_sanction) == (
        False, True, None)


@pytest.mark.parametrize(("sanction", "until", "live"), [
    (True, dt.date(2026, 11, 30), True),   # live through its last day
    (True, dt.date(2026, 11, 29), False),  # ended yesterday
    (True, None, True),                    # no end date known: live
    (False, None, False),
    (None, None, None),                    # not recorded
])
def test_a_sanction_is_live_unless_it_ended_before_today(session, team, sanction, until, live):
    person, hr = make_user(session, team=team), make_user(session, team=team, roles=(Role.HR,))
    stand(session, person, hr, disciplinary_sanction=sanction, sanction_live_until=until)
    assert facts(session, person).live_disciplinary_sanction is live


def test_team_appraisals_need_every_current_report_appraised_in_12_months(session, team):
    manager = make_user(session, team=team, roles=(Role.PRACTITIONER, Role.LINE_MANAGER))
    done, late = make_user(session, team=team), make_user(session, team=team)
    former = make_user(session, team=team)
    for junior in (done, late):
        make_relationship(session, senior=manager, junior=junior, kind=RelationshipKind.LINE_MANAGEMENT)
    # Managed until last month: no longer theirs to appraise.
    make_relationship(session, senior=manager, junior=former, kind=RelationshipKind.LINE_MANAGEMENT,
                      ends_on=dt.date(2026, 10, 31))
    appraise(session, done, dt.date(2025, 11, 30), DOES_NOT_MEET, by=manager)  # any outcome: the manager held it
    appraise(session, late, dt.date(2025, 11, 29), by=manager)  # a day more than 12 months ago
    record = hr_records_for(session, [manager.profile.id], TODAY)[manager.profile.id]
    assert record.facts.team_appraisals_done is False
    assert (record.reports, record.reports_unappraised) == (2, 1)

    appraise(session, late, dt.date(2026, 11, 2), by=manager)
    assert facts(session, manager).team_appraisals_done is True


@pytest.mark.parametrize(("employed_from", "managed_from", "due"), [
    (dt.date(2026, 1, 1), dt.date(2026, 1, 1), False),    # a new starter: 11 months in post
    (dt.date(2024, 4, 1), dt.date(2025, 12, 1), False),   # long employed, line-managed by them for 11 months
    (dt.date(2025, 11, 30), dt.date(2025, 11, 30), True),  # exactly 12 months: due
])
def test_a_report_not_yet_due_an_appraisal_does_not_count_against_the_manager(session, team, employed_from,
                                                                               managed_from, due):
    manager = make_user(session, team=team, roles=(Role.PRACTITIONER, Role.LINE_MANAGER))
    new = make_user(session, team=team, band_started_on=employed_from, step_started_on=employed_from)
    new.profile.working_patterns[0].starts_on = employed_from
    make_relationship(session, senior=manager, junior=new, kind=RelationshipKind.LINE_MANAGEMENT,
                      starts_on=managed_from)
    record = hr_records_for(session, [manager.profile.id], TODAY)[manager.profile.id]
    if due:
        assert (record.facts.team_appraisals_done, record.reports, record.reports_not_due) == (False, 1, 0)
    else:  # nobody due, so nothing is outstanding: met
        assert (record.facts.team_appraisals_done, record.reports, record.reports_not_due) == (True, 0, 1)
    old = make_user(session, team=team)  # employed since April 2024, managed since January 2025, never appraised
    make_relationship(session, senior=manager, junior=old, kind=RelationshipKind.LINE_MANAGEMENT)
    record = hr_records_for(session, [manager.profile.id], TODAY)[manager.profile.id]
    assert record.facts.team_appraisals_done is False
    assert (record.reports, record.reports_unappraised) == ((2, 2) if due else (1, 1))


def test_the_appraisal_look_back_comes_from_the_next_pay_step_pathway(session, team):
    built_in = built_in_catalogue()
    assert appraisal_months(built_in, TODAY) == 12
    others = [v for i in built_in.ids() if i != "next-pay-step" for v in built_in.versions(i)]
    assert appraisal_months(Catalogue(others), TODAY) == 12  # no pathway: the fallback
    name, text = next((n, t) for n, t in built_in_texts() if n == "pathway_next_pay_step.toml")
    assert "\nmonths = 12\n" in text
    nine = parse(text.replace("\nmonths = 12\n", "\nmonths = 9\n"), name)
    assert appraisal_months(Catalogue([*others, nine]), TODAY) == 9
    person = make_user(session, team=team)
    appraise(session, person, dt.date(2026, 2, 27))  # 9 months back is 28 February (clamped): a day earlier
    manager = make_user(session, team=team, roles=(Role.LINE_MANAGER,))
    make_relationship(session, senior=manager, junior=person, kind=RelationshipKind.LINE_MANAGEMENT,
                      starts_on=dt.date(2024, 6, 1))
    assert hr_facts_for(session, [manager.profile.id], TODAY, months=12)[manager.profile.id].team_appraisals_done
    assert not hr_facts_for(session, [manager.profile.id], TODAY, months=9)[manager.profile.id].team_appraisals_done


def test_a_manager_with_nobody_to_appraise_is_not_recorded_rather_than_met(session, team):
    manager = make_user(session, team=team, roles=(Role.PRACTITIONER, Role.LINE_MANAGER))
    assert facts(session, manager).team_appraisals_done is None


def test_the_bulk_variant_takes_two_queries_whatever_the_number(session, team, count_queries):
    def build(n):
        people = [make_user(session, team=team) for _ in range(n)]
        for p in people:
            appraise(session, p, dt.date(2026, 5, 1))
            appraise(session, p, dt.date(2025, 5, 1))
        return [p.profile.id for p in people]

    few, many = build(3), build(12)
    session.expire_all()
    with count_queries() as q_few:
        got_few = hr_facts_for(session, few, TODAY, months=12)
    with count_queries() as q_many:
        got_many = hr_facts_for(session, many, TODAY, months=12)
    assert len(got_few) == 3 and len(got_many) == 12
    assert {f.last_appraisal_on for f in got_many.values()} == {dt.date(2026, 5, 1)}
    assert q_few.count == q_many.count == 2


def test_the_snapshot_carries_the_hr_facts(session, team):
    person, hr = make_user(session, team=team), make_user(session, team=team, roles=(Role.HR,))
    appraise(session, person, dt.date(2026, 2, 10))
    stand(session, person, hr, mandatory_training_complete=True, capability_process=False,
          disciplinary_sanction=False)
    assert build_snapshot(session, person.id, TODAY).hr == ev.HrFacts(
        last_appraisal_on=dt.date(2026, 2, 10), mandatory_training_complete=True, capability_process=False,
        live_disciplinary_sanction=False, team_appraisals_done=None)
