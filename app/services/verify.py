"""Checking a document Waymark issued: is this file exactly what was issued, and is what it shows still current?

An uploaded PDF is matched by its SHA-256 against every issued document: a match means the bytes
are untouched. Otherwise the document id is read back from the file (its metadata, or the id printed
in it); if Waymark issued that id, the file has been altered. Either way the manifest is then
compared with the database: records changed or deleted since, and sign-offs withdrawn (which make
the document superseded).
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import re
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from sqlalchemy import select
from sqlalchemy.orm import Session

from exports.manifest import Changes, changes_since
from models.documents import ID_ALPHABET, IssuedDocument

AUTHENTIC = "authentic"
ALTERED = "altered"
ISSUED = "issued"
UNKNOWN = "unknown"
ID_PATTERN = re.compile(rf"WM-[{ID_ALPHABET}]{{4}}-[{ID_ALPHABET}]{{4}}-[{ID_ALPHABET}]{{4}}")
#: A genuine file names its own id a few times; more candidates than this are not looked up (the page is public).
MAX_CANDIDATES = 3
log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Verdict:
    #: AUTHENTIC (these exact bytes were issued), ALTERED (the id was issued, the bytes differ), ISSUED (looked up
    #: by id only, so the bytes were not checked) or UNKNOWN (nothing Waymark issued).
    outcome: str
    document: IssuedDocument | None = None
    changes: Changes | None = None
    sha256: str | None = None

    @property
    def superseded(self) -> bool:
        return bool(self.changes and self.changes.withdrawn)


def normalise_id(text: str) -> str | None:
    """"wm-abcd efgh-jkmn" → "WM-ABCD-EFGH-JKMN"; None when it cannot be a document id."""
    compact = re.sub(r"[\s-]", "", text.upper())
    if compact.startswith("WM"):
        compact = compact[2:]
    if len(compact) != 12 or any(c not in ID_ALPHABET for c in compact):
        return None
    return f"WM-{compact[:4]}-{compact[4:8]}-{compact[8:]}"


def _ids_in(data: bytes) -> list[str]:
    """Document ids the file names: its metadata first, then any id in its raw bytes."""
    found: list[str] = []
    try:
        reader = PdfReader(io.BytesIO(data))
        meta: Any = reader.metadata or {}
        for key in ("/Keywords", "/Subject"):
            found += ID_PATTERN.findall(str(meta.get(key) or ""))
        trailer_id = reader.trailer.get("/ID")
        if trailer_id:
            raw = trailer_id[0]
            found += ID_PATTERN.findall(raw.decode("latin-1") if isinstance(raw, bytes) else str(raw))
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.info("verify: the uploaded file could not be read as a PDF (%s)", exc)
    for match in ID_PATTERN.finditer(data.decode("latin-1")):
        if len(dict.fromkeys(found)) >= MAX_CANDIDATES:
            break
        found.append(match.group())
    return list(dict.fromkeys(found))[:MAX_CANDIDATES]


def verify_file(session: Session, data: bytes) -> Verdict:
    sha = hashlib.sha256(data).hexdigest()
    document = session.scalar(select(IssuedDocument).where(IssuedDocument.pdf_sha256 == sha))
    if document is not None:
        return Verdict(AUTHENTIC, document, changes_since(session, document.manifest), sha)
    candidates = _ids_in(data)
    if candidates:
        issued = {d.id: d for d in session.scalars(select(IssuedDocument).where(IssuedDocument.id.in_(candidates)))}
        for document_id in candidates:
            if document_id in issued:
                document = issued[document_id]
                return Verdict(ALTERED, document, changes_since(session, document.manifest), sha)
    return Verdict(UNKNOWN, sha256=sha)


def verify_id(session: Session, text: str) -> Verdict:
    document_id = normalise_id(text)
    document = session.get(IssuedDocument, document_id) if document_id else None
    if document is None:
        return Verdict(UNKNOWN)
    return Verdict(ISSUED, document, changes_since(session, document.manifest))


__all__ = ["ALTERED", "AUTHENTIC", "ISSUED", "UNKNOWN", "Verdict", "normalise_id", "verify_file", "verify_id"]
