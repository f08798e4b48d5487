"""Issuing documents: which kinds exist, who may produce which for whom, and the issue itself.

Each kind gathers its content with the same services the pages use, recording every row and file
it shows in a ManifestBuilder (exports.manifest); exports.documents renders it. Private kinds
(portfolio, BABCP/KSA/NMC packs: they hold reflections and case summaries) are produced by the
person, or their current supervisor or tutor; HR kinds (the progression pack) by the person or
whoever covers them for HR (app.services.staff_scope), and hold only what HR may see.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services import evidence_store, staff_scope
from app.services.access import can_view_private_records
from app.services.errors import NotPermitted
from exports.documents import DocumentContent, render
from exports.pdf import BodyCache, EmbeddedFile, render_workers
from exports.manifest import ManifestBuilder
from models import User
from models.audit import record
from models.base import utcnow
from models.documents import IssuedDocument, new_document_id

PRIVATE = "private"
HR = "hr"
#: Only the person themself (the supervisor application shows supervision they gave, which only they see).
OWN = "own"

Gather = Callable[[Session, User, ManifestBuilder, Mapping[str, Any], dt.date], DocumentContent]


@dataclasses.dataclass(frozen=True)
class Kind:
    id: str
    title: str
    #: PRIVATE (the person, their current supervisor or tutor) or HR (also HR, service leads, line managers).
    audience: str
    gather: Gather
    #: Offered for this person? (an NMC pack only to NMC registrants); the person may still be refused nothing.
    applies: Callable[[Session, User, dt.date], bool] = lambda _s, _u, _d: True
    description: str = ""
    #: The person may choose which evidence the document lists (options["evidence_ids"]); totals count it all.
    showcase: bool = False


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.id] = kind
    return kind


def may_issue(session: Session, viewer: User, subject: User, kind: Kind, today: dt.date) -> bool:
    if viewer.organisation_id != subject.organisation_id:
        return False
    if viewer.left_on is not None and viewer.left_on < today and viewer.id != subject.id:
        return False  # a leaver's account only exports their own data (app.services.leavers)
    if viewer.id == subject.id:
        return True
    if kind.audience == OWN:
        return False
    if kind.audience == PRIVATE:
        return can_view_private_records(session, viewer, subject, today)
    return staff_scope.covers(session, viewer, subject, today)


def may_issue_all(session: Session, viewer: User, subject_ids: Collection[int], kind: Kind, today: dt.date) -> bool:
    """may_issue for everyone a job covers; an HR kind is checked against the viewer's scope in one query."""
    subjects = list(session.scalars(select(User).where(User.id.in_(list(subject_ids)))))
    if len(subjects) != len(set(subject_ids)):
        return False
    if kind.audience == HR and len(subjects) > 1:
        if viewer.left_on is not None and viewer.left_on < today:
            return False
        scope = staff_scope.scope_of(session, viewer, today)
        covered = set(session.scalars(staff_scope.people_in(scope).with_only_columns(User.id)))
        return all(s.id in covered or s.id == viewer.id for s in subjects)
    return all(may_issue(session, viewer, s, kind, today) for s in subjects)


def kinds_for(session: Session, viewer: User, subject: User, today: dt.date) -> list[Kind]:
    return [k for k in KINDS.values() if k.applies(session, subject, today) and may_issue(session, viewer, subject, k, today)]


def slug(text: str) -> str:
    """A safe ASCII file-name part: "Rachel Adeyemi" → "rachel-adeyemi"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "document"


#: Evidence files attached inside a PDF: each at most this size, all together at most ATTACH_TOTAL.
ATTACH_EACH = 10 * 1024 * 1024
ATTACH_TOTAL = 50 * 1024 * 1024


def evidence_attachments(manifest: Mapping[str, Any], store_dir: Path) -> list[EmbeddedFile]:
    """The evidence files a document lists, to travel inside it (PDF/A-3b), each re-checked first.

    A file is attached only if it is still in the store, still has its SHA-256, is still one of the accepted
    types by its content, and is within the size limits; anything else is listed (with its hash) but not
    attached, so a document never carries a file Waymark would not accept today.
    """
    files: list[EmbeddedFile] = []
    total = 0
    for entry in manifest.get("evidence", []):
        sha, name = str(entry["sha256"]), str(entry["name"])
        try:
            path = evidence_store.path_for(store_dir, sha)
        except ValueError:
            continue
        if not path.is_file() or path.stat().st_size > ATTACH_EACH or total + path.stat().st_size > ATTACH_TOTAL:
            continue
        kind, _described = evidence_store.sniff(path)
        data = path.read_bytes()
        if kind is None or hashlib.sha256(data).hexdigest() != sha:
            continue
        total += len(data)
        files.append(EmbeddedFile(f"{sha[:12]}-{evidence_store.ascii_file_name(name)}", data,
                                  f"Evidence: {name} (SHA-256 {sha})"))
    return files


#: The folder, inside the jobs folder, where laid-out sections are kept for the next export (exports.pdf.BodyCache).
PDF_CACHE = ".pdf-sections"


def issue(session: Session, kind_id: str, subject: User, actor: User, today: dt.date, *,
          options: Mapping[str, Any] | None = None, job_id: int | None = None,
          evidence_dir: Path | None = None, pdf_cache: Path | None = None,
          render_processes: int | None = None) -> tuple[IssuedDocument, bytes]:
    """Gather, render and record one document; the caller commits (with the file written).

    With options["attach_evidence"] and the evidence store's folder, the evidence files it lists travel inside it.
    With pdf_cache, sections whose content is unchanged since an earlier export are not laid out again.
    render_processes (PDF_RENDER_PROCESSES) caps the processes its sections are laid out in; 1 forks none.
    """
    kind = KINDS.get(kind_id)
    if kind is None:
        raise NotPermitted(f"There is no document called {kind_id!r}")
    if not may_issue(session, actor, subject, kind, today):
        raise NotPermitted(f"You may not produce a {kind.title.lower()} for {subject.full_name}")
    builder = ManifestBuilder(kind.id, subject.id)
    content = kind.gather(session, subject, builder, options or {}, today)
    document_id = new_document_id()
    extra = (evidence_attachments(builder.manifest(), evidence_dir)
             if (options or {}).get("attach_evidence") and evidence_dir is not None else [])
    rendered = render(content, builder, document_id=document_id, issued_at=utcnow(), extra=extra,
                      cache=BodyCache(pdf_cache) if pdf_cache is not None else None,
                      workers=render_workers(render_processes) if render_processes is not None else None)
    row = IssuedDocument(id=document_id, kind=kind.id, title=f"{kind.title} – {subject.full_name}"[:200],
                         subject_id=subject.id, issued_by_id=actor.id, digest=rendered.digest,
                         manifest=rendered.manifest, pdf_sha256=rendered.sha256, pdf_bytes=len(rendered.pdf),
                         job_id=job_id)
    session.add(row)
    session.flush()
    record(session, "document_issued", "issued_documents", document_id, actor_id=actor.id,
           detail={"kind": kind.id, "subject": subject.id, "digest": rendered.digest, "sha256": rendered.sha256})
    return row, rendered.pdf


def file_name(row: IssuedDocument, subject: User) -> str:
    return f"{slug(subject.full_name)}-{row.kind.replace('_', '-')}-{row.id}.pdf"


__all__ = ["HR", "KINDS", "Kind", "OWN", "PDF_CACHE", "PRIVATE", "file_name", "issue", "kinds_for", "may_issue", "may_issue_all", "register", "slug"]
