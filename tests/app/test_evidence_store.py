"""The evidence store: files checked by content, hashed while streaming, stored once under their SHA-256."""
import hashlib
import io
import stat

import pytest

from app.services.errors import DomainError
from app.services.evidence_store import (DOCX, JPEG, PDF, PNG, TEXT, ascii_file_name, path_for, safe_file_name,
                                         size_text, store)
from tests import evidence_files as files

LIMIT = 1000


def leftovers(store_dir):
    """Every file under the store, temporary ones included."""
    return sorted(p.relative_to(store_dir).as_posix() for p in store_dir.rglob("*") if p.is_file())


def refused(store_dir, data, name, limit=LIMIT):
    with pytest.raises(DomainError) as caught:
        store(io.BytesIO(data), name, store_dir, limit)
    assert caught.value.field == "file"
    assert leftovers(store_dir) == [], "a refused upload left a file behind"
    return caught.value.message


@pytest.mark.parametrize(("data", "name", "expected"), [
    (files.PDF, "certificate.pdf", PDF),
    (files.png(), "scan.png", PNG),
    (files.JPEG, "photo.jpg", JPEG),
    (files.JPEG, "photo.JPEG", JPEG),
    (files.docx(), "reference.docx", DOCX),
    (files.TEXT, "notes.txt", TEXT),
    ("Réflexion — naïve café\n".encode(), "notes.txt", TEXT),
])
def test_each_accepted_type_is_stored_under_its_sha256_read_only(tmp_path, data, name, expected):
    stored = store(io.BytesIO(data), name, tmp_path, LIMIT)
    digest = hashlib.sha256(data).hexdigest()
    assert (stored.sha256, stored.size, stored.file_type, stored.new) == (digest, len(data), expected, True)
    assert stored.path == tmp_path / digest[:2] / digest
    assert stored.path.read_bytes() == data
    assert stat.S_IMODE(stored.path.stat().st_mode) == 0o440
    assert leftovers(tmp_path) == [f"{digest[:2]}/{digest}"]


def test_the_same_bytes_twice_are_stored_once(tmp_path):
    first = store(io.BytesIO(files.PDF), "a.pdf", tmp_path, LIMIT)
    second = store(io.BytesIO(files.PDF), "copy of a.pdf", tmp_path, LIMIT)
    assert first.path == second.path and (first.new, second.new) == (True, False)
    assert len(leftovers(tmp_path)) == 1


@pytest.mark.parametrize(("data", "name", "message"), [
    (files.EXE, "certificate.pdf", "This file's name says PDF but it is a Windows program; "
                                   "Waymark accepts PDF, PNG, JPEG, Word (.docx) or plain text (.txt) files"),
    (files.png(), "certificate.pdf", "This file's name says PDF but it is a PNG image"),
    (files.PDF, "scan.png", "This file's name says PNG but it is a PDF document"),
    (files.JPEG, "notes.txt", "This file's name says plain text but it is a JPEG image"),
    (files.docx(files.WORD_MACRO), "reference.docx",
     "This file's name says Word document but it is a Word document with macros; "
     "Waymark accepts PDF, PNG, JPEG, Word (.docx) or plain text (.txt) files"),
    (files.docx(extra={"word/vbaProject.bin": b"\x00"}), "reference.docx",
     "This file's name says Word document but it is a Word document with macros; "
     "Waymark accepts PDF, PNG, JPEG, Word (.docx) or plain text (.txt) files"),
    (files.plain_zip(), "reference.docx", "This file's name says Word document but it is a ZIP archive; "
                                          "Waymark accepts PDF, PNG, JPEG, Word (.docx) or plain text (.txt) files"),
    (files.docx(document=False), "reference.docx", "This file's name says Word document but it is a ZIP archive; "
     "Waymark accepts PDF, PNG, JPEG, Word (.docx) or plain text (.txt) files"),
    (b"PK\x03\x04 not really a zip", "reference.docx", "This file's name says Word document but it is a damaged "
     "ZIP archive; Waymark accepts PDF, PNG, JPEG, Word (.docx) or plain text (.txt) files"),
    (b"notes\x00with a NUL", "notes.txt", "This file's name says plain text but it is a kind of file Waymark "
     "does not accept; Waymark accepts PDF, PNG, JPEG, Word (.docx) or plain text (.txt) files"),
    (b"bell \x07 ringing", "notes.txt", "This file's name says plain text but it is a kind of file Waymark "
     "does not accept; Waymark accepts PDF, PNG, JPEG, Word (.docx) or plain text (.txt) files"),
    (b"caf\xe9 in Latin-1", "notes.txt", "This file's name says plain text but it is a kind of file Waymark "
     "does not accept; Waymark accepts PDF, PNG, JPEG, Word (.docx) or plain text (.txt) files"),
    (files.PDF, "certificate.exe", "A .exe file cannot be uploaded; "
                                   "Waymark accepts PDF, PNG, JPEG, Word (.docx) or plain text (.txt) files"),
    (b"GIF89a\x01\x00", "picture.gif", "A .gif file cannot be uploaded; "
                                       "Waymark accepts PDF, PNG, JPEG, Word (.docx) or plain text (.txt) files"),
    (b"", "empty.pdf", "The file is empty; choose the file again, or a different one"),
])
def test_a_file_that_is_not_what_its_name_says_is_refused_leaving_nothing(tmp_path, data, name, message):
    assert refused(tmp_path, data, name) == message


def test_a_file_over_the_limit_is_refused_while_streaming_leaving_nothing(tmp_path):
    class Endless:
        """A stream that never ends: the limit must stop reading, not the end of the data."""

        def __init__(self):
            self.read_bytes = 0

        def read(self, size=-1):
            self.read_bytes += 64 * 1024
            return b"%PDF-" + b"x" * (64 * 1024 - 5)

    stream = Endless()
    with pytest.raises(DomainError, match="^The file must be 1 MB or smaller$"):
        store(stream, "huge.pdf", tmp_path, 1024 * 1024)
    assert stream.read_bytes <= 1024 * 1024 + 64 * 1024
    assert leftovers(tmp_path) == []


def test_a_file_exactly_at_the_limit_is_accepted_and_one_byte_more_is_not(tmp_path):
    data = files.PDF + b"%" * (LIMIT - len(files.PDF))
    assert store(io.BytesIO(data), "a.pdf", tmp_path, LIMIT).size == LIMIT
    assert refused(tmp_path / "other", data + b"%", "a.pdf") == f"The file must be {LIMIT:,} bytes or smaller"


@pytest.mark.parametrize(("raw", "safe"), [
    ("certificate.pdf", "certificate.pdf"),
    ("C:\\Users\\priya\\Documents\\certificate.pdf", "certificate.pdf"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("/tmp/notes.txt", "notes.txt"),
    ("  spaced name.pdf  ", "spaced name.pdf"),
    (".pdf", "evidence.pdf"),
    ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
    ("Re\u0301sume\u0301.pdf", "Résumé.pdf"),
])
def test_file_names_lose_their_folders_and_are_kept_short(raw, safe):
    assert safe_file_name(raw) == safe


@pytest.mark.parametrize(("raw", "message"), [
    ("", "Choose a file to upload"),
    (None, "Choose a file to upload"),
    ("/", "The file name is only a folder path; choose a file with a proper name"),
    ("..\\..\\", "The file name is only a folder path; choose a file with a proper name"),
    ("../..", "The file name is only a folder path; choose a file with a proper name"),
    ("cert\x00.pdf", "The file name contains control characters; rename the file and try again"),
    ("line\nbreak.pdf", "The file name contains control characters; rename the file and try again"),
    ("\x01\x02", "The file name contains control characters; rename the file and try again"),
    ("invoice\u202efdp.exe", "The file name contains control characters; rename the file and try again"),
    ("certificate", "The file name has no extension; "
                    "Waymark accepts PDF, PNG, JPEG, Word (.docx) or plain text (.txt) files"),
])
def test_unusable_file_names_are_refused_beside_the_file(raw, message):
    with pytest.raises(DomainError) as caught:
        safe_file_name(raw)
    assert (caught.value.message, caught.value.field) == (message, "file")


def test_the_ascii_fallback_name_has_no_quotes_or_backslashes():
    assert ascii_file_name('Résumé "final".pdf') == "Resume _final_.pdf"
    assert ascii_file_name("证书.pdf") == "evidence.pdf"


def test_path_for_accepts_only_a_sha256(tmp_path):
    digest = "ab" + "0" * 62
    assert path_for(tmp_path, digest) == tmp_path / "ab" / digest
    with pytest.raises(ValueError):
        path_for(tmp_path, "../" + "0" * 61)


def test_sizes_read_in_the_units_of_the_limit():
    assert [size_text(n) for n in (1, 900, 2048, 10 * 1024 * 1024)] == ["1 byte", "900 bytes", "2 KB", "10.0 MB"]
