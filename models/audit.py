"""The append-only, hash-chained audit trail: every change, sign-in and permission-relevant act.

Each event stores the previous event's hash. The chain head is a single row that every writer
locks (an UPDATE, so a row lock on PostgreSQL and the write lock on SQLite) before it reads the
last hash, so two concurrent writers cannot both extend the same link. A UNIQUE sequence number
backs that up: a fork would fail to commit rather than be stored.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import JSON, BigInteger, Connection, ForeignKey, String, Table, insert, inspect, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, IntPK, utcnow

GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    """One recorded act. Rows are never updated or deleted (a trigger refuses it on PostgreSQL)."""

    __tablename__ = "audit_events"
    __audit__ = False

    id: Mapped[IntPK]
    #: 1, 2, 3 … without gaps; the order of the chain.
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[dt.datetime]
    #: Who acted; None for the system (migrations, CLI without a named user, failed sign-ins).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: create / update / delete for rows; named acts such as login, login_failed, password_reset.
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(64))
    #: SHA-256 of the row's canonical JSON before and after; the values themselves are not copied
    #: here, so the trail never leaks a reflective statement or a password hash.
    before_digest: Mapped[str | None] = mapped_column(String(64))
    after_digest: Mapped[str | None] = mapped_column(String(64))
    #: Changed field names and other non-sensitive context.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditChainHead(Base):
    """The single row (id = 1) naming the last event; writers lock it to serialise the chain."""

    __tablename__ = "audit_chain_heads"
    __audit__ = False

    id: Mapped[IntPK]
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


@dataclasses.dataclass(frozen=True)
class EventData:
    action: str
    object_type: str
    object_id: str | None = None
    actor_id: int | None = None
    before_digest: str | None = None
    after_digest: str | None = None
    detail: dict[str, Any] = dataclasses.field(default_factory=dict)


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat()
    if isinstance(value, (dt.date, Decimal)):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return value


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=_jsonable, ensure_ascii=False)


def digest(state: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(state).encode()).hexdigest()


def event_hash(prev_hash: str, seq: int, occurred_at: dt.datetime, e: EventData) -> str:
    body = [prev_hash, seq, occurred_at, e.actor_id, e.action, e.object_type, e.object_id,
            e.before_digest, e.after_digest, e.detail]
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def append_events(conn: Connection, events: Sequence[EventData], *, now: dt.datetime | None = None) -> None:
    """Chain `events` after the current head inside the caller's transaction (a batch at once)."""
    if not events:
        return
    head_t = cast(Table, AuditChainHead.__table__)
    # Taking the lock before reading is what stops two writers from forking the chain.
    conn.execute(update(head_t).where(head_t.c.id == 1).values(seq=head_t.c.seq))
    row = conn.execute(select(head_t.c.seq, head_t.c.hash).where(head_t.c.id == 1)).one_or_none()
    if row is None:
        raise RuntimeError("audit chain head is missing: run the migrations (flask --app app db upgrade)")
    seq, prev = int(row.seq), str(row.hash)
    occurred_at = now or utcnow()
    rows = []
    for e in events:
        seq += 1
        h = event_hash(prev, seq, occurred_at, e)
        rows.append({
            "seq": seq, "occurred_at": occurred_at, "actor_id": e.actor_id, "action": e.action,
            "object_type": e.object_type, "object_id": e.object_id, "before_digest": e.before_digest,
            "after_digest": e.after_digest, "detail": e.detail, "prev_hash": prev, "hash": h,
        })
        prev = h
    conn.execute(insert(cast(Table, AuditEvent.__table__)), rows)
    conn.execute(update(head_t).where(head_t.c.id == 1).values(seq=seq, hash=prev))


def record(session: Session, action: str, object_type: str, object_id: object = None, *,
           actor_id: int | None = None, detail: dict[str, Any] | None = None) -> None:
    """Record a named act (sign-in, reset issued, export…) in the caller's transaction."""
    if actor_id is None:
        actor_id = session.info.get("actor_id")
    append_events(session.connection(), [EventData(
        action=action, object_type=object_type, object_id=None if object_id is None else str(object_id),
        actor_id=actor_id, detail=detail or {},
    )])


# --- capturing ORM changes -------------------------------------------------------------------

def _is_audited(obj: object) -> bool:
    return isinstance(obj, Base) and getattr(type(obj), "__audit__", True)


def _state(obj: Base, *, before: bool) -> dict[str, Any]:
    """Column values before or after this flush; nothing is loaded from the database here."""
    insp = inspect(obj)
    out: dict[str, Any] = {}
    for attr in insp.mapper.column_attrs:
        if not before:
            out[attr.key] = insp.dict.get(attr.key)
            continue
        hist = insp.attrs[attr.key].history
        if hist.deleted:
            out[attr.key] = hist.deleted[0]
        elif hist.unchanged:
            out[attr.key] = hist.unchanged[0]
        else:
            out[attr.key] = None
    return out


def _changed_fields(obj: Base) -> list[str]:
    insp = inspect(obj)
    return sorted(a.key for a in insp.mapper.column_attrs if insp.attrs[a.key].history.has_changes())


def _pk(obj: Base) -> str | None:
    insp = inspect(obj)
    # During after_flush a new row has its primary key but not yet its identity key.
    ident = insp.identity or insp.mapper.primary_key_from_instance(obj)
    if not ident or any(v is None for v in ident):
        return None
    return ":".join(str(v) for v in ident)


def _type_name(obj: Base) -> str:
    return str(type(obj).__tablename__)


def changes_as_events(session: Session, flush_context: Any = None) -> list[EventData]:
    """Create, update and delete events for this flush; rows removed as orphans count as deletes."""
    actor = session.info.get("actor_id")
    deleted = set(session.deleted)
    if flush_context is not None:
        # delete-orphan cascades are decided inside the flush, so they are not in session.deleted.
        deleted |= {st.obj() for st in flush_context.states if flush_context.is_deleted(st) and st.obj() is not None}
    events: list[EventData] = []
    for obj in _sorted(session.new):
        events.append(EventData("create", _type_name(obj), _pk(obj), actor, None,
                                digest(_state(obj, before=False))))
    for obj in _sorted(session.dirty):
        if obj in deleted or not session.is_modified(obj, include_collections=False):
            continue
        events.append(EventData("update", _type_name(obj), _pk(obj), actor, digest(_state(obj, before=True)),
                                digest(_state(obj, before=False)), {"fields": _changed_fields(obj)}))
    for obj in _sorted(deleted):
        events.append(EventData("delete", _type_name(obj), _pk(obj), actor, digest(_state(obj, before=True)), None))
    return events


def _sorted(objs: Iterable[object]) -> list[Base]:
    """A stable order, so the same flush always chains the same way."""
    audited = [o for o in objs if _is_audited(o)]
    return sorted(audited, key=lambda o: (_type_name(o), _pk(o) or ""))  # type: ignore[arg-type]


def after_flush(session: Session, flush_context: Any) -> None:
    events = changes_as_events(session, flush_context)
    if events:
        append_events(session.connection(), events)


# --- verifying ---------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ChainReport:
    checked: int
    ok: bool
    broken_seq: int | None = None
    problem: str | None = None


def verify_chain(session: Session, *, batch: int = 5000) -> ChainReport:
    """Walk the chain from the first event; stop at the first link that does not hold."""
    prev, expected, checked = GENESIS_HASH, 1, 0
    t = AuditEvent.__table__
    last_id = 0
    while True:
        rows = session.execute(select(t).where(t.c.id > last_id).order_by(t.c.seq, t.c.id).limit(batch)).all()
        if not rows:
            break
        for r in rows:
            last_id = max(last_id, r.id)
            if r.seq != expected:
                return ChainReport(checked, False, r.seq, f"expected event {expected}, found {r.seq} (missing or reordered)")
            if r.prev_hash != prev:
                return ChainReport(checked, False, r.seq, "its previous-hash does not match the event before it")
            e = EventData(r.action, r.object_type, r.object_id, r.actor_id, r.before_digest, r.after_digest,
                          r.detail or {})
            if event_hash(prev, r.seq, r.occurred_at, e) != r.hash:
                return ChainReport(checked, False, r.seq, "its contents do not match its hash (altered)")
            prev, expected, checked = r.hash, expected + 1, checked + 1
    head = session.execute(select(AuditChainHead.seq, AuditChainHead.hash).where(AuditChainHead.id == 1)).one_or_none()
    if head is None:
        return ChainReport(checked, False, None, "the chain head row is missing")
    if head.seq > checked:
        return ChainReport(checked, False, checked + 1,
                           f"the chain head names event {head.seq} but the trail ends at event {checked} (events removed)")
    if head.seq < checked:
        return ChainReport(checked, False, head.seq + 1,
                           f"the chain head names event {head.seq} but the trail goes on to event {checked} "
                           "(events added outside the chain, or the head altered)")
    if head.hash != prev:
        return ChainReport(checked, False, head.seq, "the chain head's hash does not match the last event (altered)")
    return ChainReport(checked, True)
