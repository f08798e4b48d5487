"""Property: the order of the evidence in a snapshot never changes a readiness report."""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from competences.catalogue import built_in_catalogue
from competences.engine import evaluate
from competences.evidence import Employment, Leave, Snapshot, WorkingPeriod
from tests.competences import snapshots as s

CATALOGUE = built_in_catalogue()

#: Snapshots that meet their pathway, and some that miss or cannot be judged, so every branch is shuffled.
CASES: list[tuple[str, Snapshot]] = [
    *s.all_builders().items(),
    ("babcp-practitioner-accreditation", s.trainee_hit_year(taught_live_blocks=7, ctsr_totals=(35, 38, 41))),
    ("babcp-first-accreditation-audit", s.newly_accredited(skip_month=dt.date(2025, 2, 1))),
    ("babcp-reaccreditation", s.accredited_therapist(group_only=True, second_non_cbt=True)),
    ("babcp-supervisor-accreditation", s.experienced_supervisor(pwp_only_on_20th=True)),
    ("pwp-register-bps", s.registered_pwp(cbt_informed=2)),
    ("next-pay-step", s.band_7_therapist(step_started_on=dt.date(2024, 1, 1))),
]

#: Two working periods and overlapping leave, so WTE and leave handling see shuffled tuples too.
BUSY_EMPLOYMENT = Employment(
    working=(WorkingPeriod(start=dt.date(2015, 1, 1), end=dt.date(2024, 12, 31), wte=Decimal("1.0")),
             WorkingPeriod(start=dt.date(2025, 1, 1), end=None, wte=Decimal("0.6"))),
    leave=(Leave(kind="sickness", start=dt.date(2024, 10, 1), end=dt.date(2024, 10, 20)),
           Leave(kind="maternity", start=dt.date(2024, 10, 15), end=dt.date(2024, 11, 30)),
           Leave(kind="other", start=dt.date(2025, 3, 3), end=dt.date(2025, 3, 7))),
)


def shuffled(draw: Any, items: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(draw(st.permutations(items))) if len(items) > 1 else items


@st.composite
def reordered(draw: Any, snapshot: Snapshot) -> Snapshot:
    """The same evidence with every tuple (top-level and nested) in an order Hypothesis picks."""
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(snapshot):
        value = getattr(snapshot, field.name)
        if isinstance(value, tuple):
            if field.name == "supervision":
                value = tuple(dataclasses.replace(v, cases=shuffled(draw, v.cases)) for v in value)
            changes[field.name] = shuffled(draw, value)
    employment = snapshot.employment
    changes["employment"] = dataclasses.replace(employment, working=shuffled(draw, employment.working),
                                                leave=shuffled(draw, employment.leave))
    return dataclasses.replace(snapshot, **changes)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), case=st.sampled_from(CASES), busy=st.booleans())
def test_reordering_every_evidence_tuple_never_changes_a_report(data, case, busy):
    pathway_id, snapshot = case
    if busy:
        snapshot = dataclasses.replace(snapshot, employment=dataclasses.replace(
            BUSY_EMPLOYMENT, band=snapshot.employment.band, step=snapshot.employment.step,
            step_started_on=snapshot.employment.step_started_on, is_line_manager=snapshot.employment.is_line_manager))
    pathway = CATALOGUE.current(pathway_id).content
    expected = evaluate(pathway, snapshot, CATALOGUE)
    again = evaluate(pathway, data.draw(reordered(snapshot)), CATALOGUE)
    assert again == expected
