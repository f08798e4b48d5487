"""Bulk inserts for the synthetic Trust, each batch chained into the audit trail in the same transaction.

Core inserts do not pass through the session's flush, so the after_flush hook that audits ORM
changes never sees them. Each batch is therefore followed by models.audit.append_events with one
"create" event per row, as the hook would have written: the table, the new row's id and the SHA-256
of the values inserted (models.audit.digest). The chain stays whole, so `waymark audit verify` passes.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table, insert

from models.audit import EventData, append_events, digest
from models.base import Base, utcnow

#: Rows per INSERT batch: large enough to amortise round trips, small enough for SQLite's variable limit per statement.
BATCH = 2000


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    """An aware UTC datetime on `day` (rows carry times of the day they describe, not of the run)."""
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.timezone.utc)


def _batches(rows: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


class Writer:
    """Inserts rows table by table; returns their new ids; audits each row; counts what it wrote."""

    def __init__(self, conn: Connection, *, batch: int = BATCH) -> None:
        self.conn = conn
        self.batch = batch
        self.counts: Counter[str] = Counter()
        #: Every event of the run carries the same time: they are one act.
        self.now = utcnow()

    def insert(self, model: type[Base], rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert `rows` (all with the same keys) in batches; the new integer ids in the order given."""
        table = cast(Table, model.__table__)
        has_id = "id" in table.c and table.c.id.primary_key
        ids: list[int] = []
        for chunk in _batches(rows, self.batch):
            if has_id:
                stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
                new = list(self.conn.execute(stmt, list(chunk)).scalars())
                ids += new
                keys = [str(i) for i in new]
                states = [{**row, "id": i} for row, i in zip(chunk, new)]
            else:
                self.conn.execute(insert(table), list(chunk))
                pk = [c.name for c in table.primary_key.columns]
                keys = [":".join(str(row[c]) for c in pk) for row in chunk]
                states = list(chunk)
            append_events(self.conn, [EventData("create", table.name, key, None, None, digest(state))
                                      for key, state in zip(keys, states)], now=self.now)
        self.counts[table.name] += len(rows)
        return ids


__all__ = ["BATCH", "Writer", "at"]
