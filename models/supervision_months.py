"""Supervision received summed per person and calendar month in the database, for the service dashboard.

competences.month_totals judges a monthly-minimum rule from these sums exactly (its docstring says
why that holds). One query whatever the number of people: the people come in as a subquery (the
caller's scope query), never as a list of ids, and only the sums leave the database — no session
rows, no case minutes, no notes. Deleted sessions never count and neither do sessions dated after
`today`, as in models.snapshot and the rules.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Integer, String, case, cast, extract, func, select, type_coerce
from sqlalchemy.orm import Session

from competences.month_totals import SupervisionTotal
from models.portfolio import SupervisionSession

#: (year, month) of a calendar month.
Month = tuple[int, int]


def supervision_month_totals(session: Session, people: Any, since: dt.date,
                             today: dt.date) -> dict[int, dict[Month, list[SupervisionTotal]]]:
    """{user id: {(year, month): the month's totals}} for sessions from `since` to `today` received by `people`,
    a subquery (or select) of user ids."""
    s = SupervisionSession
    # As integers: PostgreSQL's EXTRACT gives numeric, which the driver would turn into a Decimal per row.
    year, month = cast(extract("year", s.occurred_on), Integer), cast(extract("month", s.occurred_on), Integer)
    halved = case((s.group_size <= 1, s.minutes), else_=(s.minutes * 2) // s.group_size)
    # models.snapshot's test: only a confirmed countersignature counts as countersigned.
    countersigned = case((s.countersign_status == "confirmed", True), else_=False)
    kind = type_coerce(s.kind, String)  # the stored value as it is: no enum round trip for every row
    keys = (s.supervisee_id, year, month, kind, s.group_size, s.cbt, s.live_or_recorded_sampled, countersigned)
    rows = session.execute(
        select(*keys, func.sum(s.minutes), func.sum(halved))
        .where(s.supervisee_id.in_(people), s.deleted_at.is_(None), s.occurred_on >= since, s.occurred_on <= today)
        .group_by(*keys))
    out: defaultdict[int, defaultdict[Month, list[SupervisionTotal]]] = defaultdict(lambda: defaultdict(list))
    # A service's tens of thousands of person-months hold a few dozen distinct totals: each is built once
    # (SupervisionTotal is frozen, so sharing one is safe).
    made: dict[tuple[Any, ...], SupervisionTotal] = {}
    for user_id, y, m, *values in rows:
        key = tuple(values)
        total = made.get(key)
        if total is None:
            kind_value, size, cbt, sampled, signed, minutes, half = values
            total = made[key] = SupervisionTotal(
                kind=kind_value, group_size=size, cbt=cbt, live_or_recorded_sampled=sampled,
                countersigned=bool(signed), minutes=int(minutes), halved=int(half))
        out[user_id][(int(y), int(m))].append(total)
    return {user_id: dict(months) for user_id, months in out.items()}


__all__ = ["Month", "supervision_month_totals"]
