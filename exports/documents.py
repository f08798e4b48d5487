"""Rendering an issued document: content gathered by the app → HTML (autoescaped Jinja) → PDF/A-3b with its manifest.

The app gathers each kind of document (app/services/documents) into `DocumentContent`: a cover and
sections, each section a template under exports/templates/pdf with its context, and a
`ManifestBuilder` that has recorded every row and file shown. This module prints the document id
and the manifest's digest on every page, embeds the manifest as an attachment, and returns the bytes.

Sections are laid out one by one (exports.pdf.render_bodies: in parallel, and reused from a cache when
their HTML is unchanged), then drawn into a frame that carries the cover, the header, the footer and
the PDF/A-3b file structure: a repeat export of unchanged records lays out only the cover.
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
from exports.pdf import BodyCache, EmbeddedFile, SafeFetcher, render_bodies, render_pdf, stamp

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


def render_section_html(section: Section) -> str:
    """One section as a document of its own; it must not name the document (id, digest, date) to be reusable."""
    return _env.get_template("pdf/section.html").render(s=section)


def render_frame_html(content: DocumentContent, frames: Sequence[Sequence[Sequence[Any]]], *, document_id: str,
                      digest: str, issued_at: dt.datetime) -> str:
    return _env.get_template("pdf/document.html").render(doc=content, doc_id=document_id, digest=digest,
                                                         issued_at=issued_at, frames=frames)


def render(content: DocumentContent, manifest: ManifestBuilder, *, document_id: str, issued_at: dt.datetime,
           fetcher: SafeFetcher | None = None, extra: Sequence[EmbeddedFile] = (),
           cache: BodyCache | None = None, workers: int | None = None) -> Rendered:
    data = manifest.manifest()
    text = manifest_text(data)
    digest = manifest_digest(data)
    bodies = render_bodies([render_section_html(s) for s in content.sections], cache=cache, workers=workers,
                           fetcher=fetcher)
    html = render_frame_html(content, [b.marks for b in bodies], document_id=document_id, digest=digest,
                             issued_at=issued_at)
    frame = render_pdf(html, identifier=document_id, fetcher=fetcher,
                       attachments=[EmbeddedFile(MANIFEST_NAME, text.encode("utf-8"),
                                                 f"Manifest of document {document_id}: the records and files it shows"),
                                    *extra])
    first = _frame_pages(frame) - sum(b.pages for b in bodies)
    placed = []
    for body in bodies:
        placed.append((first, body))
        first += body.pages
    return Rendered(document_id, digest, text, stamp(frame, placed))


def _frame_pages(pdf: bytes) -> int:
    from io import BytesIO

    from pypdf import PdfReader

    return len(PdfReader(BytesIO(pdf)).pages)


__all__ = ["DocumentContent", "MANIFEST_NAME", "Rendered", "Section", "TEMPLATES", "render", "render_frame_html",
           "render_html", "render_section_html"]
