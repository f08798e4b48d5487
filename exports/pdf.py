"""HTML to PDF with WeasyPrint, fetching nothing but the package's own print assets.

`SafeFetcher` serves files from exports/assets under a fake origin and small `data:` URLs; every
other URL — `file:`, `http(s):` to anywhere, paths that climb out of the assets folder, large
`data:` URLs — is refused and logged. HTML is rendered with a fake base URL, never a filesystem
path (which would turn relative links into `file:` URLs). Output is PDF/A-3b, so the manifest can
travel inside the file as an attachment; fonts are the system's DejaVu, installed from packages.
"""
from __future__ import annotations

import dataclasses
import logging
import mimetypes
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

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


__all__ = ["ASSETS", "ASSET_PREFIX", "BASE_URL", "BlockedResource", "EmbeddedFile", "SafeFetcher", "render_pdf"]
