"""Supervision given: in-service sessions and the outside log, the totals by kind, the snapshot, and the pathway figures."""
import datetime as dt
from decimal import Decimal

import pytest

from models.countersigning import CountersignStatus

from app.services import supervision_given as given
from app.services.errors import DomainError
from competences.catalogue import built_in_catalogue
from models import Role, SupervisionKind, SupervisionSession
from models.snapshot import NOT_RECORDED, build_snapshot
from models.supervisor_snapshot import supervision_given_for
from tests.factories import make_relationship, make_user

TODAY = dt.date(2025, 7, 15)


@pytest.fixture
def sam(session):
    return make_user(session, full_name="Sam Supervisor", roles=(Role.PRACTITIONER, Role.SUPERVISOR), band="8a",
                     job_title="Senior CBT therapist")


def supervisee(session, sam, *, band, job_title):
    person = make_user(session, organisation=sam.organisation, band=band, job_title=job_title)
    make_relationship(session, senior=sam, junior=person, starts_on=dt.date(2024, 1, 1))
    return person


def logged(session, sam, person, on, minutes, group_size=1, cbt=True, deleted=False,
           status=CountersignStatus.CONFIRMED):
    row = SupervisionSession(supervisee_id=person.id, supervisor_id=sam.id, occurred_on=on, minutes=minutes,
                             kind=SupervisionKind.CLINICAL, group_size=group_size, cbt=cbt, countersign_status=status)
    if deleted:
        from models.base import utcnow
        row.deleted_at = utcnow()
    session.add(row)
    session.flush()
    return row


def outside(session, sam, on, minutes, **fields):
    values = {"given_on": on, "minutes": minutes, "group_size": 1, "cbt": True, "supervisee_is_pwp": False,
              "setting": "Private practice"} | fields
    return given.record_given(session, sam, given.GivenInput(**values), today=TODAY)


@pytest.fixture
def history(session, sam):
    hit = supervisee(session, sam, band="7", job_title="High intensity CBT therapist")
    pwp = supervisee(session, sam, band="5", job_title="Psychological wellbeing practitioner")
    logged(session, sam, hit, dt.date(2025, 7, 1), 60)                    # individual CBT: counts
    logged(session, sam, hit, dt.date(2025, 6, 3), 90, group_size=3)      # group CBT: counts once, in full
    logged(session, sam, pwp, dt.date(2025, 6, 10), 45)                   # PWP: never counts
    logged(session, sam, hit, dt.date(2024, 12, 2), 30, cbt=False)        # not CBT: never counts
    logged(session, sam, hit, dt.date(2025, 5, 5), 120, deleted=True)     # deleted: left out
    outside(session, sam, dt.date(2025, 6, 20), 60, group_size=2)          # outside group CBT: counts
    outside(session, sam, dt.date(2024, 11, 5), 30, supervisee_is_pwp=True)  # outside PWP: never counts
    return hit, pwp


def test_supervision_given_reads_supervisees_sessions_and_the_outside_log(session, sam, history):
    rows = supervision_given_for(session, sam.id)
    assert [(r.date, r.minutes, r.group_size, r.cbt, r.supervisee_is_pwp) for r in rows] == [
        (dt.date(2024, 12, 2), 30, 1, False, False), (dt.date(2025, 6, 3), 90, 3, True, False),
        (dt.date(2025, 6, 10), 45, 1, True, True), (dt.date(2025, 7, 1), 60, 1, True, False),
        (dt.date(2024, 11, 5), 30, 1, True, True), (dt.date(2025, 6, 20), 60, 2, True, False)]


def test_the_snapshot_carries_supervision_given_and_no_longer_calls_it_unrecorded(session, sam, history):
    assert "supervision_given" not in NOT_RECORDED
    assert len(build_snapshot(session, sam.id, TODAY).supervision_given) == 6


def test_totals_split_in_service_outside_individual_group_and_pwp_with_pwp_and_non_cbt_not_countable(session, sam,
                                                                                                       history):
    totals = given.totals(supervision_given_for(session, sam.id))
    # 30 + 90 + 45 + 60 in service; 60 + 30 outside.
    assert (totals.minutes, totals.in_service, totals.outside) == (315, 225, 90)
    # Groups: 90 (3 people) + 60 (2 people); the rest individual.
    assert (totals.individual, totals.group) == (165, 150)
    # PWP: 45 + 30. Countable: CBT and not PWP = 90 + 60 + 60.
    assert (totals.pwp, totals.countable) == (75, 210)


def test_the_summary_groups_by_year_and_month_and_judges_the_supervisor_pathways_figures(session, sam, history):
    summary = given.given_summary(session, sam.id, TODAY, built_in_catalogue())
    assert [(year, t.minutes) for year, t in summary.by_year] == [(2025, 255), (2024, 60)]
    assert [(month, t.countable) for month, t in summary.by_month] == [
        (dt.date(2025, 7, 1), 60), (dt.date(2025, 6, 1), 150), (dt.date(2024, 12, 1), 0), (dt.date(2024, 11, 1), 0)]
    figures = {f.pathway_title: f.result for f in summary.figures}
    application = figures["BABCP supervisor accreditation (application)"]
    # 80 hours in 2 years from the data file; 210 countable minutes given.
    assert (application.have, application.need) == (210, 4800)


def test_outside_supervision_with_a_problem_names_the_field(session, sam):
    for overrides, field in (({"given_on": TODAY + dt.timedelta(days=1)}, "given_on"), ({"minutes": 0}, "minutes"),
                             ({"minutes": 601}, "minutes"), ({"group_size": 0}, "group_size"),
                             ({"setting": "  "}, "setting")):
        values = {"given_on": TODAY, "minutes": 60, "group_size": 1, "cbt": True, "supervisee_is_pwp": False,
                  "setting": "Private practice"} | overrides
        with pytest.raises(DomainError) as err:
            given.record_given(session, sam, given.GivenInput(**values), today=TODAY)
        assert err.value.field == field


def test_supervision_training_keeps_quarter_hours_as_minutes_and_refuses_unfinished_courses(session, sam):
    entry = given.record_training(session, sam, given.TrainingInput(
        title="Supervision skills", provider="BABCP", start_on=dt.date(2025, 3, 1), end_on=None,
        hours=Decimal("7.5")), today=TODAY)
    assert (entry.end_on, entry.minutes) == (dt.date(2025, 3, 1), 450)
    with pytest.raises(DomainError) as err:
        given.record_training(session, sam, given.TrainingInput(
            title="Later course", provider=None, start_on=TODAY, end_on=TODAY + dt.timedelta(days=2),
            hours=Decimal(6)), today=TODAY)
    assert err.value.field == "end_on"


def test_supervision_given_for_takes_two_queries_however_many_sessions(session, sam, count_queries):
    person = supervisee(session, sam, band="7", job_title="CBT therapist")
    logged(session, sam, person, dt.date(2025, 1, 1), 60)
    with count_queries() as q_few:
        supervision_given_for(session, sam.id)
    for n in range(10):
        logged(session, sam, supervisee(session, sam, band="5", job_title="PWP"), dt.date(2025, 2, 1 + n), 60)
        outside(session, sam, dt.date(2025, 3, 1 + n), 60)
    with count_queries() as q_many:
        assert len(supervision_given_for(session, sam.id)) == 21
    assert q_few.count == q_many.count == 2


def test_only_sessions_the_supervisor_confirmed_count_as_given(session, sam):
    person = supervisee(session, sam, band="6", job_title="CBT therapist")
    for status in (CountersignStatus.AWAITING, CountersignStatus.DISPUTED, CountersignStatus.CONFIRMED):
        logged(session, sam, person, dt.date(2025, 3, 3), 60, status=status)
    given = supervision_given_for(session, sam.id)
    assert [g.minutes for g in given] == [60]
