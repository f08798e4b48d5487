"""HTML to PDF with WeasyPrint, fetching nothing but the package's own print assets.

Long documents are laid out section by section (`render_bodies`): each section starts on a new page,
so its pages do not depend on the others, can be laid out in parallel and kept in a `BodyCache` keyed
by the SHA-256 of its own HTML (any change to what it shows changes the key; the cache is never the
source of truth). A short "frame" document — the cover, then one blank page per body page carrying the
running header, the footer with "Page X of Y", the bookmarks and the section anchors — is rendered as
PDF/A-3b with the attachments, and `stamp` draws each body page into its frame page as a form XObject.

`SafeFetcher` serves files from exports/assets under a fake origin and small `data:` URLs; every
other URL — `file:`, `http(s):` to anywhere, paths that climb out of the assets folder, large
`data:` URLs — is refused and logged. HTML is rendered with a fake base URL, never a filesystem
path (which would turn relative links into `file:` URLs). Output is PDF/A-3b, so the manifest can
travel inside the file as an attachment; fonts are the system's DejaVu, installed from packages.
"""
from __future__ import annotations

import dataclasses
import gc
import hashlib
import io
import json
import logging
import mimetypes
import multiprocessing
import os
import tempfile
import threading
import time
import zlib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import weasyprint
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, StreamObject
from weasyprint import HTML, Attachment
from weasyprint.urls import URLFetcher, URLFetcherResponse

ASSETS = Path(__file__).resolve().parent / "assets"
ORIGIN = "https://waymark.invalid"
ASSET_PREFIX = "/assets/"
BASE_URL = f"{ORIGIN}/"
#: Largest data: URL allowed (an evidence image is re-checked and embedded well under this).
MAX_DATA_URL = 2 * 1024 * 1024
log = logging.getLogger(__name__)


class BlockedResource(ValueError):
    """A document asked for something outside the app's own assets."""


class SafeFetcher(URLFetcher):  # type: ignore[misc]
    """Only exports/assets (by the fake origin) and small data: URLs; no network, no files, no redirects."""

    def __init__(self, root: Path = ASSETS) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=5)
        self.root = root.resolve()
        self.blocked: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme == "data":
            if len(url) > MAX_DATA_URL:
                return self._refuse(url[:60] + "…", "data: URL too large")
            return super().fetch(url, headers)
        if parts.scheme == "https" and parts.netloc == urlsplit(ORIGIN).netloc and parts.path.startswith(ASSET_PREFIX) \
                and not parts.query:
            path = (self.root / unquote(parts.path[len(ASSET_PREFIX):])).resolve()
            if path.is_relative_to(self.root) and path.is_file():
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
        return self._refuse(url, "outside the app's print assets")

    def _refuse(self, url: str, why: str) -> URLFetcherResponse:
        self.blocked.append(url)
        log.warning("PDF resource refused (%s): %s", why, url)
        raise BlockedResource(f"{url}: {why}")


@dataclasses.dataclass(frozen=True)
class EmbeddedFile:
    name: str
    data: bytes
    description: str


def render_pdf(html: str, *, identifier: str, attachments: Sequence[EmbeddedFile] = (),
               fetcher: SafeFetcher | None = None) -> bytes:
    """The PDF/A-3b bytes of `html`; its <title> and <meta name=author|description|keywords> become metadata."""
    fetcher = fetcher or SafeFetcher()
    files = [Attachment(string=f.data, name=f.name, description=f.description, url_fetcher=fetcher,
                        relationship="Data") for f in attachments]
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(pdf_variant="pdf/a-3b", pdf_identifier=identifier.encode("ascii"),
                                    attachments=files, uncompressed_pdf=False)
    return pdf


#: Bump when the way a body is laid out or stored changes, so older cached bodies are never reused.
BODY_FORMAT = "waymark-body-1"


@dataclasses.dataclass(frozen=True)
class Mark:
    """A bookmark on a body page (a heading), redrawn on its frame page so the PDF outline is unchanged."""
    level: int
    label: str
    #: From the top of the page's content area (inside its margins), in CSS pixels.
    y: float


@dataclasses.dataclass(frozen=True)
class Body:
    """The pages of one section: a plain PDF (no metadata of its own) and each page's bookmarks."""
    pdf: bytes
    marks: tuple[tuple[Mark, ...], ...]

    @property
    def pages(self) -> int:
        return len(self.marks)


def body_key(html: str) -> str:
    """The cache key of a section: its HTML, the stylesheet it links and the layout engine's version."""
    h = hashlib.sha256()
    for part in (BODY_FORMAT, weasyprint.__version__, (ASSETS / "print.css").read_text(encoding="utf-8"), html):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def render_body(html: str, fetcher: SafeFetcher | None = None) -> Body:
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher or SafeFetcher()).render()
    if any(page.links for page in document.pages):
        raise ValueError("a section laid out on its own cannot hold links (stamp draws its pages without them)")
    marks = tuple(tuple(Mark(int(level), str(label), float(target[1]) - page._page_box.content_box_y())
                        for level, label, target, _state in page.bookmarks) for page in document.pages)
    return Body(document.write_pdf(uncompressed_pdf=False), marks)


class BodyCache:
    """Laid-out sections on disk, one PDF and one JSON file per key.

    Entries unused for max_age are deleted (sections hold private records: one deleted from Waymark must not
    linger here long), and the least recently used go first past max_bytes. Safe for several workers: files
    are written under a temporary name and renamed, and a file that cannot be read back counts as missing.
    """

    def __init__(self, root: Path, *, max_bytes: int = 256 * 1024 * 1024, max_age: float = 7 * 24 * 3600) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.max_age = max_age

    def _paths(self, key: str) -> tuple[Path, Path]:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError(f"not a cache key: {key!r}")
        return self.root / f"{key}.pdf", self.root / f"{key}.json"

    def get(self, key: str) -> Body | None:
        pdf_path, marks_path = self._paths(key)
        try:
            pdf = pdf_path.read_bytes()
            stored = json.loads(marks_path.read_text(encoding="utf-8"))
            if stored.get("sha256") != hashlib.sha256(pdf).hexdigest():
                return None
            marks = tuple(tuple(Mark(int(m[0]), str(m[1]), float(m[2])) for m in page) for page in stored["marks"])
            os.utime(pdf_path)  # recently used: pruned last
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None
        return Body(pdf, marks)

    def put(self, key: str, body: Body) -> None:
        pdf_path, marks_path = self._paths(key)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            marks = [[[m.level, m.label, m.y] for m in page] for page in body.marks]
            _write_atomically(marks_path, json.dumps({"sha256": hashlib.sha256(body.pdf).hexdigest(),
                                                      "marks": marks}).encode("utf-8"))
            _write_atomically(pdf_path, body.pdf)
            self.prune()
        except OSError as exc:  # a cache that cannot be written only costs time
            log.warning("PDF body cache not written (%s)", exc)

    def prune(self, now: float | None = None) -> None:
        oldest = (time.time() if now is None else now) - self.max_age
        files = []
        for path in self.root.glob("*.pdf"):
            try:
                stat = path.stat()
            except OSError:
                continue
            files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _mtime, size, _path in files)
        for mtime, size, path in sorted(files):
            if total <= self.max_bytes and mtime >= oldest:
                break
            path.unlink(missing_ok=True)
            path.with_suffix(".json").unlink(missing_ok=True)
            total -= size


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _render_body_html(html: str) -> Body:
    return render_body(html)


#: Processes that lay out one document's sections when the caller does not say (PDF_RENDER_PROCESSES).
RENDER_PROCESSES = 2


def render_workers(processes: int = RENDER_PROCESSES) -> int:
    """How many processes to lay sections out in: `processes`, but never more than the cores this process may use."""
    return max(1, min(processes, len(os.sched_getaffinity(0))))


def render_bodies(htmls: Sequence[str], *, cache: BodyCache | None = None, workers: int | None = None,
                  fetcher: SafeFetcher | None = None) -> list[Body]:
    """Each section's body, from the cache when its HTML is unchanged, else laid out (in parallel if allowed).

    Workers are forked (the parent has WeasyPrint and the fonts loaded already) when this is the process's only
    thread, else started by a fork server (see below); with a fetcher, whose
    record of refused URLs a caller reads, everything stays in this process.
    """
    keys = [body_key(h) for h in htmls]
    found: dict[str, Body] = {}
    for key in keys:
        if cache is not None and key not in found and (hit := cache.get(key)) is not None:
            found[key] = hit
    todo = sorted({k: h for k, h in zip(keys, htmls) if k not in found}.items(), key=lambda kh: -len(kh[1]))
    if workers is None:
        workers = render_workers()
    if fetcher is None and workers > 1 and len(todo) > 1 and threading.active_count() > 1 \
            and "forkserver" in multiprocessing.get_all_start_methods():
        # Forking beside other threads (the web server's, the in-process job worker) could copy a lock one of
        # them holds and hang the child for ever; children then come from a clean single-threaded server.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=context) as pool:
            done = list(pool.map(_render_body_html, [h for _k, h in todo]))
    elif fetcher is None and workers > 1 and len(todo) > 1 and "fork" in multiprocessing.get_all_start_methods():
        gc.freeze()  # the children never collect (and so never close) the parent's objects, e.g. its connections
        try:
            with ProcessPoolExecutor(max_workers=min(workers, len(todo)),
                                     mp_context=multiprocessing.get_context("fork")) as pool:
                done = list(pool.map(_render_body_html, [h for _k, h in todo]))
        finally:
            gc.unfreeze()
    else:
        done = [render_body(h, fetcher) for _k, h in todo]
    for (key, _html), body in zip(todo, done):
        found[key] = body
        if cache is not None:
            cache.put(key, body)
    return [found[k] for k in keys]


def stamp(frame_pdf: bytes, bodies: Sequence[tuple[int, Body]]) -> bytes:
    """Draw each body's pages, as form XObjects under the frame's own content, into the frame's pages from the
    given index on; the frame's catalogue (PDF/A metadata, output intent, attachments, outline) is kept as is."""
    frame = PdfReader(io.BytesIO(frame_pdf))
    writer = PdfWriter(clone_from=frame)
    for first, body in bodies:
        reader = PdfReader(io.BytesIO(body.pdf))
        if first + len(reader.pages) > len(writer.pages):
            raise ValueError("the frame has fewer pages than its bodies")
        for n, source in enumerate(reader.pages):
            target = writer.pages[first + n]
            form = DecodedStreamObject()
            drawn = source.get_contents()
            form.set_data(drawn.get_data() if drawn is not None else b"")
            form.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                         NameObject("/BBox"): source.mediabox.clone(writer),
                         NameObject("/Resources"): source["/Resources"].clone(writer)})
            # A page of its own resources: WeasyPrint shares one dictionary between pages.
            resources = DictionaryObject(target.get("/Resources", DictionaryObject()))
            xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()))
            name = NameObject(f"/WmBody{first + n}")
            xobjects[name] = writer._add_object(_flate(form))
            resources[NameObject("/XObject")] = xobjects
            target[NameObject("/Resources")] = resources
            draw = StreamObject()
            draw.set_data(f"q {name} Do Q\n".encode("ascii"))
            contents = target.raw_get("/Contents")
            kept = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
            target[NameObject("/Contents")] = ArrayObject([writer._add_object(draw), *kept])
    writer.pdf_header = frame.pdf_header
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _flate(stream: DecodedStreamObject) -> StreamObject:
    packed = StreamObject()
    packed.update({k: v for k, v in stream.items()})
    packed.set_data(zlib.compress(stream.get_data()))
    packed[NameObject("/Filter")] = NameObject("/FlateDecode")
    return packed


__all__ = ["ASSETS", "ASSET_PREFIX", "BASE_URL", "Body", "BodyCache", "BlockedResource", "EmbeddedFile", "Mark",
           "RENDER_PROCESSES", "SafeFetcher", "body_key", "render_body", "render_bodies", "render_pdf", "render_workers",
           "stamp"]
