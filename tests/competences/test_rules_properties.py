import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

import competences.rules  # noqa: F401  (registers the rule kinds)
from competences.datafile import Reader
from competences.evidence import CpdActivity, Snapshot, SupervisionSession
from competences.requirements import RULE_KINDS, Context

TODAY = dt.date(2026, 11, 30)
CONTEXT = Context(catalogue=None)


def make_rule(kind, **params):
    table = {"id": "req", "kind": kind, "title": "Property", "source": "test", **params}
    return RULE_KINDS[kind](Reader("pathway_test.toml", "requirements[req]", table))


RULES = {
    "supervision_total": make_rule("minutes", record="supervision", where={"cbt": True}, need_minutes=1080,
                                   window={"type": "rolling", "months": 12}),
    "training_group": make_rule("minutes", record="supervision", counting="babcp_training_group", need_minutes=2400),
    "monthly_average": make_rule("monthly_minutes", where={"cbt": True}, counting="group_limit",
                                 window={"type": "rolling", "months": 6}),
    "monthly_every": make_rule("monthly_minutes", mode="every_month", window={"type": "rolling", "months": 6}),
    "weekly": make_rule("weekly_rate", record="supervision", measure="minutes", need_per_week="60",
                        window={"type": "rolling", "weeks": 12}),
    "cpd_total": make_rule("minutes", record="cpd", where={"cbt": True}, need_minutes=2100,
                           window={"type": "rolling", "years": 3}),
    "cpd_count": make_rule("count", record="cpd", where={"has_reflective_statement": True}, min=5,
                           max_where={"where": {"cbt": False}, "max": 1}, max_where_excludes="cbt_skills",
                           window={"type": "rolling", "months": 12}),
}

days = st.dates(min_value=TODAY - dt.timedelta(days=800), max_value=TODAY)


@st.composite
def sessions(draw, max_size=12):
    count = draw(st.integers(min_value=0, max_value=max_size))
    return tuple(SupervisionSession(id=f"s{i}", date=draw(days), minutes=draw(st.integers(0, 240)),
                                    kind=draw(st.sampled_from(["clinical", "clinical_skills"])),
                                    group_size=draw(st.integers(1, 8)), cbt=draw(st.booleans()))
                 for i in range(count))


@st.composite
def activities(draw, max_size=12):
    count = draw(st.integers(min_value=0, max_value=max_size))
    result = []
    for i in range(count):
        end = draw(days)
        result.append(CpdActivity(id=f"c{i}", start=end, end=end, title=f"Activity {i}", category="clinical",
                                  minutes=draw(st.integers(0, 600)), cbt=draw(st.booleans()),
                                  cbt_skills=draw(st.booleans()), has_reflective_statement=draw(st.booleans())))
    return tuple(result)


def judge_all(snapshot):
    return {name: rule.evaluate(snapshot, CONTEXT) for name, rule in RULES.items()}


@settings(max_examples=50, deadline=None)
@given(sessions(), activities(), st.randoms(use_true_random=False))
def test_reordering_the_records_never_changes_a_result(supervision, cpd, rnd):
    before = judge_all(Snapshot(person_id="p", today=TODAY, supervision=supervision, cpd=cpd))
    shuffled_supervision, shuffled_cpd = list(supervision), list(cpd)
    rnd.shuffle(shuffled_supervision)
    rnd.shuffle(shuffled_cpd)
    after = judge_all(Snapshot(person_id="p", today=TODAY, supervision=tuple(shuffled_supervision),
                               cpd=tuple(shuffled_cpd)))
    assert before == after


def split(minutes, cuts):
    points = sorted({c for c in cuts if 0 < c < minutes})
    edges = [0, *points, minutes]
    return [b - a for a, b in zip(edges, edges[1:])]


@settings(max_examples=50, deadline=None)
@given(sessions(max_size=6), days, st.integers(1, 600), st.lists(st.integers(1, 599), max_size=4), st.booleans())
def test_splitting_a_supervision_session_across_records_never_changes_a_plain_total(others, day, minutes, cuts, cbt):
    rule = RULES["supervision_total"]
    whole = SupervisionSession(id="whole", date=day, minutes=minutes, kind="clinical", cbt=cbt)
    parts = tuple(SupervisionSession(id=f"part{i}", date=day, minutes=m, kind="clinical", cbt=cbt)
                  for i, m in enumerate(split(minutes, cuts)))
    one = rule.evaluate(Snapshot(person_id="p", today=TODAY, supervision=others + (whole,)), CONTEXT)
    many = rule.evaluate(Snapshot(person_id="p", today=TODAY, supervision=others + parts), CONTEXT)
    assert one.have == many.have
    assert one.met == many.met


@settings(max_examples=50, deadline=None)
@given(activities(max_size=6), days, st.integers(1, 900), st.lists(st.integers(1, 899), max_size=4), st.booleans())
def test_splitting_a_cpd_activity_across_records_never_changes_a_minutes_total(others, day, minutes, cuts, cbt):
    rule = RULES["cpd_total"]

    def activity(ident, m):
        return CpdActivity(id=ident, start=day, end=day, title="Course", category="clinical", minutes=m, cbt=cbt)

    parts = tuple(activity(f"part{i}", m) for i, m in enumerate(split(minutes, cuts)))
    one = rule.evaluate(Snapshot(person_id="p", today=TODAY, cpd=others + (activity("whole", minutes),)), CONTEXT)
    many = rule.evaluate(Snapshot(person_id="p", today=TODAY, cpd=others + parts), CONTEXT)
    assert one.have == many.have


@settings(max_examples=50, deadline=None)
@given(sessions(), sessions(max_size=1), activities(), activities(max_size=1))
def test_adding_a_record_never_lowers_a_minutes_total(supervision, extra_session, cpd, extra_cpd):
    extra_session = tuple(s.__class__(**{**s.__dict__, "id": "extra"}) for s in extra_session)
    extra_cpd = tuple(c.__class__(**{**c.__dict__, "id": "extra"}) for c in extra_cpd)
    before = judge_all(Snapshot(person_id="p", today=TODAY, supervision=supervision, cpd=cpd))
    after = judge_all(Snapshot(person_id="p", today=TODAY, supervision=supervision + extra_session,
                               cpd=cpd + extra_cpd))
    for name in ("supervision_total", "training_group", "cpd_total"):
        assert after[name].have >= before[name].have
