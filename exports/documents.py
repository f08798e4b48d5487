"""Rendering an issued document: content gathered by the app → HTML (autoescaped Jinja) → PDF/A-3b with its manifest.

The app gathers each kind of document (app/services/documents) into `DocumentContent`: a cover and
sections, each section a template under exports/templates/pdf with its context, and a
`ManifestBuilder` that has recorded every row and file shown. This module prints the document id
and the manifest's digest on every page, embeds the manifest as an attachment, and returns the bytes.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from competences.rules import minutes_text
from exports import charts
from exports.manifest import ManifestBuilder, manifest_digest, manifest_text
from exports.pdf import EmbeddedFile, SafeFetcher, render_pdf

TEMPLATES = Path(__file__).resolve().parent / "templates"
MANIFEST_NAME = "waymark-manifest.json"


@dataclasses.dataclass(frozen=True)
class Section:
    id: str
    title: str
    #: A template under exports/templates (e.g. "pdf/sections/cpd.html"); it reads `ctx`.
    template: str
    context: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class DocumentContent:
    kind: str
    title: str
    subject_name: str
    sections: Sequence[Section]
    subtitle: str = ""
    cover_rows: Sequence[tuple[str, str]] = ()


@dataclasses.dataclass(frozen=True)
class Rendered:
    document_id: str
    digest: str
    manifest: str
    pdf: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


def _date(value: dt.date | dt.datetime | None, fmt: str = "%-d %B %Y") -> str:
    if value is None:
        return ""
    return value.strftime(fmt)


def _minutes(value: int | None) -> str:
    """90 → "1 h 30 min", as the web pages and readiness reports write it."""
    return "" if value is None else minutes_text(int(value))


_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_env.filters["date"] = _date
_env.filters["minutes"] = _minutes
_env.globals["value_text"] = charts.value_text


def render_html(content: DocumentContent, *, document_id: str, digest: str, issued_at: dt.datetime) -> str:
    return _env.get_template("pdf/document.html").render(doc=content, doc_id=document_id, digest=digest,
                                                         issued_at=issued_at)


def render(content: DocumentContent, manifest: ManifestBuilder, *, document_id: str, issued_at: dt.datetime,
           fetcher: SafeFetcher | None = None, extra: Sequence[EmbeddedFile] = ()) -> Rendered:
    data = manifest.manifest()
    text = manifest_text(data)
    digest = manifest_digest(data)
    html = render_html(content, document_id=document_id, digest=digest, issued_at=issued_at)
    pdf = render_pdf(html, identifier=document_id, fetcher=fetcher,
                     attachments=[EmbeddedFile(MANIFEST_NAME, text.encode("utf-8"),
                                               f"Manifest of document {document_id}: the records and files it shows"),
                                  *extra])
    return Rendered(document_id, digest, text, pdf)


__all__ = ["DocumentContent", "MANIFEST_NAME", "Rendered", "Section", "TEMPLATES", "render", "render_html"]
