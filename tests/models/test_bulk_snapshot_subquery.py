"""Bulk snapshots for people given as a query of user ids: the same snapshots as for the id list, and no
statement carries the ids as bound parameters however many people there are."""
import datetime as dt
import re

from sqlalchemy import select

from models import User
from models.bulk_snapshot import cpd_in_windows, people_with_snapshots, snapshots_for
from tests.models.test_bulk_snapshot import TODAY, _person
from tests.models.test_snapshot import add_cpd


def _bound(statement):
    """Bound parameters in a statement, whatever the driver's placeholder style."""
    return len(re.findall(r"%\(\w+\)s|\?|\$\d+", statement))


def test_a_query_of_user_ids_gives_the_same_snapshots_as_the_id_list(session, count_queries):
    people = [_person(session, n) for n in range(4)]
    add_cpd(session, people[0], dt.date(2026, 1, 5), 90, hcpc_standards=[1, 3])
    add_cpd(session, people[1], dt.date(2026, 2, 5), 30, hcpc_standards=None)
    session.commit()
    ids = [p.id for p in people[:3]]
    query = select(User.id).where(User.id.in_(ids))
    by_list = snapshots_for(session, ids, TODAY)
    session.expire_all()
    with count_queries() as q:
        by_query = snapshots_for(session, query, TODAY)
    assert by_query == by_list
    assert set(by_query) == set(ids)
    assert [u.id for u, _ in people_with_snapshots(session, query, TODAY)] == sorted(ids)
    # The ids travel once, inside the query the caller gave; every other statement takes it as a subquery.
    assert max(_bound(s) for s in q.statements) <= len(ids) + 2
    assert all("IN (SELECT" in s.replace("\n", " ") for s in q.statements)


def test_the_bound_parameters_do_not_grow_with_the_people(session, count_queries):
    query = select(User.id).where(User.full_name.like("Person %"))
    measured = []
    for first, last in ((0, 2), (2, 10)):
        for n in range(first, last):
            _person(session, n)
        session.commit()
        with count_queries() as q:
            assert len(snapshots_for(session, query, TODAY)) == last
        measured.append((q.count, max(_bound(s) for s in q.statements)))
    assert measured[0] == measured[1]


def test_a_query_naming_nobody_stops_after_the_people(session, count_queries):
    with count_queries() as q:
        assert snapshots_for(session, select(User.id).where(User.id < 0), TODAY) == {}
    assert q.count == 1


def test_cpd_in_windows_keeps_each_persons_activities_ending_in_their_own_window(session, count_queries):
    a, b, c = _person(session, 0), _person(session, 1), _person(session, 2)
    for day in (dt.date(2025, 12, 31), dt.date(2026, 1, 1), dt.date(2026, 6, 30), dt.date(2026, 7, 1)):
        add_cpd(session, a, day, 60, hcpc_standards=[2])
        add_cpd(session, b, day, 45)
    add_cpd(session, c, dt.date(2026, 3, 3), 30)
    session.commit()
    full = snapshots_for(session, [a.id, b.id, c.id], TODAY)
    windows = {a.id: (dt.date(2026, 1, 1), dt.date(2026, 6, 30)), b.id: (dt.date(2026, 7, 1), dt.date(2026, 7, 1)),
               c.id: (dt.date(2026, 3, 4), dt.date(2026, 12, 31))}
    with count_queries() as q:
        got = cpd_in_windows(session, windows)
    assert got == {uid: tuple(x for x in full[uid].cpd if since <= x.end <= until)
                   for uid, (since, until) in windows.items() if uid != c.id}
    assert [x.end for x in got[a.id]] == [dt.date(2026, 1, 1), dt.date(2026, 6, 30)]
    assert got[a.id][0].hcpc_standards == (2,)
    assert (q.count, _bound(q.statements[0])) == (1, 1)  # the windows travel as one JSON parameter
    with count_queries() as q:
        assert cpd_in_windows(session, {}) == {}
    assert q.count == 1  # a page's query count does not depend on whom it judges
