"""The dashboard's supervision months judged from the database's monthly sums give exactly what the rule itself
gives on the records (service_dashboard.month_results, the reference): on random sessions, rules, WTE and leave."""
import dataclasses
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.services import service_dashboard as sd
from competences import evidence as ev
from competences.catalogue import built_in_catalogue
from competences.month_totals import SupervisionTotal, judges_by_totals
from competences.rules import Counting, Where
from competences.windows import LEAVE_KINDS, add_months
from models import SupervisionKind, User
from models.bulk_snapshot import people_with_snapshots
from models.supervision_months import supervision_month_totals
from tests.factories import make_user
from tests.models.test_snapshot import add_supervision

CATALOGUE = built_in_catalogue()
PATHWAY = CATALOGUE.current("babcp-reaccreditation").content
BASE_RULE = next(r for r in PATHWAY.requirements if r.id == "supervision")
KINDS = [k.value for k in SupervisionKind]
WTES = [Decimal(w) for w in ("0.2", "0.4", "0.49", "0.5", "0.8", "1.00")]
DAY0 = dt.date(2025, 6, 1)

days = st.integers(min_value=0, max_value=600).map(lambda n: DAY0 + dt.timedelta(days=n))
countings = st.one_of(st.just(Counting()),
                      st.builds(Counting, method=st.sampled_from(["babcp_training_group", "group_limit"]),
                                max_group=st.integers(min_value=1, max_value=8)))
terms = st.one_of(
    st.tuples(st.just("kind"), st.lists(st.sampled_from(KINDS), min_size=1, max_size=2, unique=True).map(tuple)),
    st.tuples(st.just("cbt"), st.sampled_from([(True,), (False,)])),
    st.tuples(st.just("group_size"), st.lists(st.integers(1, 4), min_size=1, max_size=2, unique=True).map(tuple)),
    st.tuples(st.just("countersigned"), st.sampled_from([(True,), (False,)])),
    st.tuples(st.just("live_or_recorded_sampled"), st.sampled_from([(True,), (False,)])))


@st.composite
def rules(draw):
    part = draw(st.integers(min_value=0, max_value=120))
    return dataclasses.replace(
        BASE_RULE, counting=draw(countings),
        where=Where(terms=tuple(draw(st.lists(terms, max_size=2, unique_by=lambda t: t[0])))),
        full_minutes=draw(st.integers(min_value=0, max_value=180)),
        part_time_below_wte=draw(st.sampled_from([None, Decimal("0.5")])), part_time_minutes=part,
        mode=draw(st.sampled_from(["average", "every_month"])),
        not_group_only_at_wte=draw(st.sampled_from([None, Decimal("0.5"), Decimal("0.8")])),
        leave_pauses=tuple(draw(st.lists(st.sampled_from(LEAVE_KINDS), max_size=3, unique=True))))


@st.composite
def employments(draw):
    working = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        start = draw(days)
        end = draw(st.one_of(st.none(), days.filter(lambda d, s=start: d >= s)))
        working.append(ev.WorkingPeriod(start=start, end=end, wte=draw(st.sampled_from(WTES))))
    leave = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        start = draw(days)
        length = draw(st.integers(min_value=0, max_value=120))
        end = draw(st.sampled_from([None, start + dt.timedelta(days=length)]))
        leave.append(ev.Leave(kind=draw(st.sampled_from(LEAVE_KINDS)), start=start, end=end))
    return ev.Employment(working=tuple(working), leave=tuple(leave))


sessions = st.lists(st.builds(
    ev.SupervisionSession, id=st.just(""), date=days, minutes=st.integers(min_value=1, max_value=600),
    kind=st.sampled_from(KINDS), group_size=st.integers(min_value=1, max_value=9), cbt=st.booleans(),
    live_or_recorded_sampled=st.booleans(), countersigned=st.booleans()), max_size=40)


def totals_of(records, today):
    """The sums models.supervision_months makes in SQL, made in Python."""
    sums = defaultdict(lambda: [0, 0])
    for r in records:
        if r.date <= today:
            key = (r.date.year, r.date.month, r.kind, r.group_size, r.cbt, r.live_or_recorded_sampled, r.countersigned)
            sums[key][0] += r.minutes
            sums[key][1] += min(r.minutes, r.minutes * 2 // max(r.group_size, 1))
    out = defaultdict(list)
    for (y, m, *attrs), (minutes, halved) in sums.items():
        out[(y, m)].append(SupervisionTotal(*attrs, minutes=minutes, halved=halved))
    return out


def months_around(today):
    """The dashboard's 13 months, and the month after (not begun)."""
    first = today.replace(day=1)
    return [add_months(first, -i) for i in range(sd.SUPERVISION_MONTHS, -2, -1)]


@settings(max_examples=400, deadline=None)
@given(records=sessions, employment=employments(), rules_=st.lists(rules(), min_size=1, max_size=2), today=days)
def test_every_month_judged_from_totals_equals_the_rule_on_the_records(records, employment, rules_, today):
    records = [dataclasses.replace(r, id=f"supervision:{i}") for i, r in enumerate(records)]
    snapshot = ev.Snapshot(person_id="1", today=today, employment=employment, supervision=tuple(records))
    pairs = [(PATHWAY, r) for r in rules_]
    totals = totals_of(records, today)
    for month in months_around(today):
        assert sd.month_results_by_totals(snapshot, pairs, month, CATALOGUE, totals.get((month.year, month.month), [])) \
            == sd.month_results(snapshot, pairs, month, CATALOGUE), month


def test_a_rule_filtering_on_what_the_totals_drop_is_judged_on_the_records():
    assert judges_by_totals(BASE_RULE)
    assert not judges_by_totals(dataclasses.replace(BASE_RULE, where=Where(terms=(("minutes", (60,)),))))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(days, st.integers(min_value=1, max_value=600), st.sampled_from(list(SupervisionKind)),
                               st.integers(min_value=1, max_value=9), st.booleans(), st.booleans(),
                               st.sampled_from(["awaiting", "confirmed", "disputed"]), st.booleans()), max_size=25),
       today=days, rules_=st.lists(rules(), min_size=1, max_size=2))
def test_the_database_sums_judge_every_month_as_the_rule_does_on_the_stored_sessions(session, rows, today, rules_):
    nested = session.begin_nested()
    try:
        user = make_user(session)
        for on, minutes, kind, size, cbt, sampled, status, deleted in rows:
            add_supervision(session, user, on, minutes, kind=kind, group_size=size, cbt=cbt,
                            live_or_recorded_sampled=sampled, countersign_status=status,
                            deleted_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) if deleted else None)
        months = months_around(today)
        (_user, snapshot), = people_with_snapshots(session, [user.id], today, parts=("employment", "supervision"))
        totals = supervision_month_totals(session, select(User.id).where(User.id == user.id).scalar_subquery(),
                                          months[0], today).get(user.id, {})
        pairs = [(PATHWAY, r) for r in rules_]
        for month in months:
            assert sd.month_results_by_totals(snapshot, pairs, month, CATALOGUE,
                                              totals.get((month.year, month.month), [])) \
                == sd.month_results(snapshot, pairs, month, CATALOGUE), month
    finally:
        nested.rollback()
