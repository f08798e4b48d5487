"""Evidence files on disk: checked by content, hashed while streaming, stored once under their SHA-256.

The store is a directory outside `static/`: `<store>/<first two hex digits>/<sha256>`, written
read-only. An upload goes to a temporary file in the store itself (same file system, so the final
`os.replace` is atomic), is hashed and counted chunk by chunk, and is refused (the temporary file
removed) the moment it passes the size limit, when it is empty, or when its content is not what its
name says. Nothing here touches the database; app.services.evidence records what was stored.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from typing import BinaryIO, Protocol

from app.services.errors import DomainError

CHUNK = 64 * 1024
#: The longest stored file name (EvidenceItem.file_name is 255 characters).
MAX_NAME = 255
#: [Content_Types].xml larger than this is not a Word document anyone wrote (a zip bomb, perhaps).
MAX_CONTENT_TYPES_XML = 1024 * 1024
HEX64 = re.compile(r"[0-9a-f]{64}")


class Readable(Protocol):
    """An upload's stream (werkzeug's FileStorage.stream, a file, BytesIO)."""

    def read(self, size: int = ..., /) -> bytes: ...


@dataclasses.dataclass(frozen=True)
class FileType:
    key: str
    media_type: str
    #: How the type is named in "This file's name says PDF …".
    name: str
    #: How the content is described in "… but it is a PNG image".
    described: str
    extensions: tuple[str, ...]
    #: Browsers can show it safely inline (through the sandboxed preview).
    previewable: bool


PDF = FileType("pdf", "application/pdf", "PDF", "a PDF document", ("pdf",), True)
PNG = FileType("png", "image/png", "PNG", "a PNG image", ("png",), True)
JPEG = FileType("jpeg", "image/jpeg", "JPEG", "a JPEG image", ("jpg", "jpeg"), True)
DOCX = FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "Word document", "a Word document", ("docx",), False)
TEXT = FileType("text", "text/plain", "plain text", "a plain text file", ("txt",), False)
#: The file types the library accepts, in the order a person is told them.
TYPES: tuple[FileType, ...] = (PDF, PNG, JPEG, DOCX, TEXT)
BY_MEDIA_TYPE = {t.media_type: t for t in TYPES}
BY_EXTENSION = {ext: t for t in TYPES for ext in t.extensions}
ACCEPTED = "PDF, PNG, JPEG, Word (.docx) or plain text (.txt)"

#: Content a person might upload by mistake (or on purpose), named so the refusal says what it was.
_KNOWN_OTHERS: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\xca\xfe\xba\xbe", "a program"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"#!", "a script"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an older Office document (.doc, .xls or .ppt)"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"<!DOCTYPE html", "a web page"),
    (b"<html", "a web page"),
    (b"<svg", "an SVG image"),
)


@dataclasses.dataclass(frozen=True)
class Stored:
    """What the store holds for one upload: the content's hash, size and type, and its path."""

    sha256: str
    size: int
    file_type: FileType
    path: Path
    #: False when the same bytes were already in the store (de-duplicated).
    new: bool


# --- names -----------------------------------------------------------------------------------------

def _is_control(char: str) -> bool:
    # Cc: C0/C1 controls and DEL; Cf: format characters such as the right-to-left override,
    # which can make "cert\u202efdp.exe" display as "certexe.pdf".
    return unicodedata.category(char) in {"Cc", "Cf"}


def safe_file_name(raw: str | None) -> str:
    """The uploaded name without any directory part, or DomainError (field "file") if nothing usable is left.

    Some browsers send the whole client path ("C:\\Users\\me\\cert.pdf"); only the last part is kept.
    Names holding control or bidirectional-format characters are refused rather than silently changed,
    so a person is never shown a different name from the one they chose.
    """
    if raw is None or not raw.strip():
        raise DomainError("Choose a file to upload", field="file")
    name = re.split(r"[/\\]", raw)[-1].strip()
    if any(_is_control(c) for c in raw):
        raise DomainError("The file name contains control characters; rename the file and try again", field="file")
    if name in {"", ".", ".."}:
        raise DomainError("The file name is only a folder path; choose a file with a proper name", field="file")
    name = unicodedata.normalize("NFC", name)
    stem, dot, ext = name.rpartition(".")
    if not dot:
        raise DomainError(f"The file name has no extension; Waymark accepts {ACCEPTED} files", field="file")
    stem = stem.strip(" .") or "evidence"
    room = MAX_NAME - len(ext) - 1
    return f"{stem[:room].rstrip(' .') or 'evidence'}.{ext}"


def type_for_name(name: str) -> FileType:
    ext = name.rpartition(".")[2].lower()
    found = BY_EXTENSION.get(ext)
    if found is None:
        raise DomainError(f"A .{ext} file cannot be uploaded; Waymark accepts {ACCEPTED} files", field="file")
    return found


def ascii_file_name(name: str) -> str:
    """A fallback for the plain `filename=` of Content-Disposition: ASCII only, no quotes or backslashes."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r'["\\]', "_", folded)
    stem, _dot, ext = cleaned.rpartition(".")
    return cleaned if stem.strip(" .") else f"evidence.{ext or 'bin'}"


# --- content ---------------------------------------------------------------------------------------

def _docx_problem(path: Path) -> str | None:
    """None for a Word document; otherwise what the zip file is instead."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                return "a ZIP archive"
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > MAX_CONTENT_TYPES_XML:
                return "a damaged or unusual ZIP archive"
            content_types = archive.read(info).decode("utf-8", "replace").lower()
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError):
        return "a damaged ZIP archive"
    if "macroenabled" in content_types or "word/vbaproject.bin" in {n.lower() for n in names}:
        return "a Word document with macros"
    if "wordprocessingml.document.main+xml" not in content_types:
        return "a Word template or other Office file"
    return None


def _is_plain_text(path: Path) -> bool:
    """UTF-8 throughout, with no NUL or other control character except tab, carriage return and line feed."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    allowed = {"\t", "\r", "\n"}
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                text = decoder.decode(chunk)
                if any((ord(c) < 32 and c not in allowed) or c == "\x7f" for c in text):
                    return False
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sniff(path: Path) -> tuple[FileType | None, str]:
    """The accepted type the content is, or (None, what it looks like instead)."""
    with path.open("rb") as handle:
        head = handle.read(64)
    if head.startswith(b"%PDF-"):
        return PDF, PDF.described
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG, PNG.described
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG, JPEG.described
    if head.startswith(b"PK\x03\x04"):
        problem = _docx_problem(path)
        return (DOCX, DOCX.described) if problem is None else (None, problem)
    for magic, described in _KNOWN_OTHERS:
        if head[:len(magic)].lower() == magic.lower():
            return None, described
    if _is_plain_text(path):
        return TEXT, TEXT.described
    return None, "a kind of file Waymark does not accept"


# --- the store -------------------------------------------------------------------------------------

def path_for(store_dir: Path, sha256: str) -> Path:
    if not HEX64.fullmatch(sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")
    return store_dir / sha256[:2] / sha256


def size_text(size: int) -> str:
    """A size as people read it, in the same units as the upload limit (1 MB = 1,024 KB)."""
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _megabytes(limit: int) -> str:
    mb = limit / (1024 * 1024)
    return f"{mb:g} MB" if mb >= 1 else f"{limit:,} bytes"


def _copy_counting(stream: Readable, handle: BinaryIO, max_bytes: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise DomainError(f"The file must be {_megabytes(max_bytes)} or smaller", field="file")
        digest.update(chunk)
        handle.write(chunk)
    if size == 0:
        raise DomainError("The file is empty; choose the file again, or a different one", field="file")
    return digest.hexdigest(), size


def store(stream: Readable, file_name: str, store_dir: Path, max_bytes: int) -> Stored:
    """Write `stream` into the store, or DomainError (field "file") with no file left behind.

    `file_name` must already be safe (safe_file_name); its extension must agree with the content.
    """
    expected = type_for_name(file_name)
    store_dir.mkdir(parents=True, exist_ok=True, mode=0o750)
    fd, temp_name = tempfile.mkstemp(prefix=".upload-", dir=store_dir)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            sha256, size = _copy_counting(stream, handle, max_bytes)
        found, described = sniff(temp)
        if found is not expected:
            raise DomainError(f"This file's name says {expected.name} but it is {described}"
                              + ("" if found else f"; Waymark accepts {ACCEPTED} files"), field="file")
        final = path_for(store_dir, sha256)
        if final.exists():
            temp.unlink()
            return Stored(sha256, size, found, final, new=False)
        final.parent.mkdir(exist_ok=True, mode=0o750)
        os.chmod(temp, 0o440)
        os.replace(temp, final)
        return Stored(sha256, size, found, final, new=True)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
