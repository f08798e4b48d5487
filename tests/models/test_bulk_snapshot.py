"""Bulk snapshots: the same records as the one-person snapshot builder, in the same number of queries for 2 or 10 people."""
import datetime as dt
from decimal import Decimal

import pytest

from competences.credentials import CredentialStatus
from models import LeaveKind, LeaveOfAbsence, Regulator, Role, SupervisionKind, WorkingPattern
from models.bulk_snapshot import snapshots_for
from models.snapshot import build_snapshot
from tests.factories import make_user
from tests.models.test_snapshot import add_cpd, add_registration, add_supervision

TODAY = dt.date(2025, 6, 15)


def _person(session, n=0):
    user = make_user(session, roles=(Role.PRACTITIONER, Role.LINE_MANAGER), band="6", full_name=f"Person {n}",
                     job_title="High intensity CBT therapist")
    user.profile.working_patterns[0].ends_on = dt.date(2024, 12, 31)
    user.profile.working_patterns.append(WorkingPattern(wte=Decimal("0.60"), starts_on=dt.date(2025, 1, 1)))
    user.profile.leave_periods.append(LeaveOfAbsence(kind=LeaveKind.SICKNESS, starts_on=dt.date(2025, 2, 3),
                                                     ends_on=dt.date(2025, 2, 14)))
    add_registration(session, user, Regulator.BABCP, registered_on=dt.date(2021, 3, 1))
    add_registration(session, user, Regulator.NMC, status=CredentialStatus.LAPSED, expires_on=dt.date(2026, 1, 1))
    add_cpd(session, user, dt.date(2025, 5, 2), 120, title="Workshop", cbt_skills=True,
            reflection_learned="Learned", reflection_practice="Apply")
    add_cpd(session, user, dt.date(2024, 9, 2), 60, category="research", cbt=False)
    add_supervision(session, user, dt.date(2025, 6, 1), 90, cases=(("AB1", 30), ("AB2", 20)), themes="Private")
    add_supervision(session, user, dt.date(2025, 5, 1), 60, kind=SupervisionKind.CASE_MANAGEMENT, group_size=3)
    deleted = add_supervision(session, user, dt.date(2025, 5, 8), 45)
    deleted.deleted_at = dt.datetime(2025, 5, 9, tzinfo=dt.timezone.utc)
    session.flush()
    return user


def test_one_person_gets_the_same_records_as_the_full_snapshot(session):
    person = _person(session)
    session.commit()
    session.expire_all()

    full = build_snapshot(session, person.id, TODAY)
    session.expire_all()
    bulk = snapshots_for(session, [person.id], TODAY)[person.id]

    assert bulk.employment == full.employment
    assert bulk.supervision == full.supervision
    assert bulk.cpd == full.cpd
    assert bulk.credentials == full.credentials
    assert bulk.declaration_anchor == full.declaration_anchor == dt.date(2021, 3, 1)
    assert (bulk.person_id, bulk.today) == (full.person_id, full.today)
    # Hand-checked: two supervision sessions (the deleted one left out), the first with its case minutes.
    assert [(s.date, s.minutes, s.cases) for s in bulk.supervision][1][2][0].minutes == 30
    assert len(bulk.supervision) == 2 and bulk.employment.is_line_manager
    assert [p.wte for p in bulk.employment.working] == [Decimal("1.00"), Decimal("0.60")]


def test_the_query_count_is_the_same_for_2_and_10_people(session, count_queries):
    few = [_person(session, i) for i in range(2)]
    many = [_person(session, i) for i in range(10, 20)]
    session.commit()
    few_ids, many_ids = [u.id for u in few], [u.id for u in many]
    session.expire_all()

    with count_queries() as small:
        got = snapshots_for(session, few_ids, TODAY)
    session.expire_all()
    with count_queries() as large:
        snapshots_for(session, many_ids, TODAY)

    assert small.count == large.count == 8
    assert set(got) == set(few_ids)


def test_parts_not_asked_for_are_empty_and_cost_no_query(session, count_queries):
    person = _person(session)
    session.commit()
    with count_queries() as q:
        snap = snapshots_for(session, [person.id], TODAY, parts=("supervision",))[person.id]
    assert q.count == 3  # people, supervision, case minutes
    assert snap.cpd == () and snap.credentials == () and snap.employment.working == ()
    assert len(snap.supervision) == 2


def test_since_leaves_out_older_supervision_and_cpd(session):
    person = _person(session)
    session.commit()
    only_supervision = snapshots_for(session, [person.id], TODAY, since={"supervision": dt.date(2025, 5, 2)})
    assert len(only_supervision[person.id].supervision) == 1 and len(only_supervision[person.id].cpd) == 2
    snap = snapshots_for(session, [person.id], TODAY, since={"supervision": dt.date(2025, 5, 2), "cpd": dt.date(2025, 5, 2)})[person.id]
    assert [s.date for s in snap.supervision] == [dt.date(2025, 6, 1)]
    assert [c.end for c in snap.cpd] == [dt.date(2025, 5, 2)]


def test_supervision_notes_are_never_read_from_the_database(session, count_queries):
    person = _person(session)
    session.commit()
    person_id = person.id
    session.expire_all()
    with count_queries() as q:
        snapshots_for(session, [person_id], TODAY)
    read = " ".join(q.statements)
    assert "supervision_sessions.occurred_on" in read
    assert "themes" not in read and "countersign_comment" not in read


def test_no_people_no_queries_and_unknown_parts_are_refused(session, count_queries):
    with count_queries() as q:
        assert snapshots_for(session, [], TODAY) == {}
    assert q.count == 0
    with pytest.raises(ValueError, match="unknown snapshot parts"):
        snapshots_for(session, [1], TODAY, parts=("cases",))
