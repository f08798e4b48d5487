"""What a document shows, as a canonical manifest whose SHA-256 is printed on every page.

Each record is named by its table and id with a digest of its row as it stood when the document
was made (every column, the same canonical JSON the audit trail uses); each evidence file by its
SHA-256; each sign-off by its claim and the status it had. Checking a document later recomputes
the digests from the database: a record whose digest moved has changed since, one that is gone
was deleted, and a sign-off no longer signed off has been withdrawn.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from models import Base, CompetenceClaim
from models.audit import canonical_json, digest

MANIFEST_VERSION = 1
SECRET_COLUMNS = frozenset({"password_hash", "session_token", "token_hash"})
#: Columns that change without the record changing for a reader (signing in, a preference): never digested.
VOLATILE_COLUMNS = frozenset({"last_login_at", "password_changed_at", "digest_opt_in"})


def row_state(obj: Any) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    return {a.key: getattr(obj, a.key) for a in mapper.column_attrs
            if a.key not in SECRET_COLUMNS and a.key not in VOLATILE_COLUMNS}


def row_digest(obj: Any) -> str:
    return digest(row_state(obj))


def _table(obj: Any) -> str:
    return str(getattr(inspect(obj).mapper.local_table, "name"))


def _pk(obj: Any) -> str:
    ident = inspect(obj).identity
    if not ident:
        raise ValueError(f"{obj!r} has no identity yet: only saved records can be shown in a document")
    return ":".join(str(v) for v in ident)


class ManifestBuilder:
    """Collects what a document shows while its sections are gathered; `record` returns its argument."""

    def __init__(self, kind: str, subject_id: int) -> None:
        self.kind = kind
        self.subject_id = subject_id
        self._records: dict[tuple[str, str], str] = {}
        self._evidence: dict[str, str] = {}
        self._signoffs: dict[int, str] = {}

    def record(self, obj: Any) -> Any:
        self._records[(_table(obj), _pk(obj))] = row_digest(obj)
        return obj

    def records(self, objs: Iterable[Any]) -> list[Any]:
        return [self.record(o) for o in objs]

    def evidence(self, sha256: str, name: str) -> None:
        self._evidence[sha256] = name

    def signoff(self, claim_id: int, status: str) -> None:
        self._signoffs[claim_id] = status

    def manifest(self) -> dict[str, Any]:
        return {
            "version": MANIFEST_VERSION,
            "kind": self.kind,
            "subject": self.subject_id,
            "records": [{"table": t, "id": i, "digest": d} for (t, i), d in sorted(self._records.items())],
            "evidence": [{"sha256": s, "name": n} for s, n in sorted(self._evidence.items())],
            "signoffs": [{"claim": c, "status": st} for c, st in sorted(self._signoffs.items())],
        }


def manifest_text(manifest: Mapping[str, Any]) -> str:
    return canonical_json(manifest)


def manifest_digest(manifest: Mapping[str, Any]) -> str:
    return hashlib.sha256(manifest_text(manifest).encode("utf-8")).hexdigest()


@dataclasses.dataclass(frozen=True)
class Changes:
    changed: tuple[tuple[str, str], ...]
    deleted: tuple[tuple[str, str], ...]
    #: Claims shown as signed off that are no longer signed off (withdrawn, returned or needing re-signing).
    withdrawn: tuple[int, ...]

    @property
    def unchanged(self) -> bool:
        return not (self.changed or self.deleted or self.withdrawn)


def _mapper_for(table: str) -> Any:
    for mapper in Base.registry.mappers:
        if getattr(mapper.local_table, "name", None) == table:
            return mapper.class_
    return None


def changes_since(session: Session, manifest_json: str) -> Changes:
    """Compare the records a manifest names with the database now: one query per table named."""
    manifest = json.loads(manifest_json)
    by_table: dict[str, dict[str, str]] = defaultdict(dict)
    for ref in manifest.get("records", []):
        by_table[ref["table"]][ref["id"]] = ref["digest"]
    changed: list[tuple[str, str]] = []
    deleted: list[tuple[str, str]] = []
    claim_status: dict[int, Any] = {}
    for table, expected in sorted(by_table.items()):
        cls = _mapper_for(table)
        if cls is None:
            deleted.extend((table, i) for i in expected)
            continue
        pk = inspect(cls).primary_key[0]
        keys: list[Any] = [int(i) for i in expected] if _int_key(pk) else list(expected)
        found = {_pk(obj): obj for obj in session.scalars(select(cls).where(pk.in_(keys)))}
        for ident, want in sorted(expected.items()):
            obj = found.get(ident)
            if obj is None:
                deleted.append((table, ident))
            elif row_digest(obj) != want:
                changed.append((table, ident))
    signed = [s["claim"] for s in manifest.get("signoffs", []) if s.get("status") == "signed_off"]
    if signed:
        claim_status = {cid: status.value for cid, status in session.execute(
            select(CompetenceClaim.id, CompetenceClaim.status).where(CompetenceClaim.id.in_(signed)))}
    withdrawn = tuple(c for c in signed if claim_status.get(c) != "signed_off")
    return Changes(tuple(changed), tuple(deleted), withdrawn)


def _int_key(column: Any) -> bool:
    try:
        return column.type.python_type is int
    except NotImplementedError:
        return False


__all__ = ["Changes", "MANIFEST_VERSION", "ManifestBuilder", "changes_since", "manifest_digest", "manifest_text",
           "row_digest", "row_state"]
