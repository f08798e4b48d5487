"""Correcting the competences data files without a code change: checking, storing and listing versions.

A correction is a new version of an existing file: same meta.id, a higher meta.version. It goes
through the same loader as the built-in files, and the whole catalogue is rebuilt with it, so a
pathway naming a framework that does not exist, or a version that clashes, is refused before
anything is stored.

New ids are refused on purpose: a mistyped meta.id would otherwise be stored as a new file that
nothing reads, while the admin believes the real one was corrected. A new framework or pathway is
a new release of the data, reviewed with the code that uses it.
"""
from __future__ import annotations

import dataclasses
import hashlib

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer, selectinload

from app.services.errors import DomainError
from competences.catalogue import Catalogue, Loaded, build_catalogue, parse
from competences.datafile import DataFileError
from models import ReferenceDataVersion, User
from models.reference_data import DATABASE, catalogue_for, stored_texts

#: Far larger than any data file (the built-in ones are under 10 KB), small enough to parse in a request.
MAX_BYTES = 512 * 1024
MAX_NOTE = 2000
#: The longest meta.title the table holds.
TITLE_LENGTH = 255
#: How an upload is named in error messages ("Uploaded file: meta.version: is missing").
UPLOAD_NAME = "Uploaded file"


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def too_large() -> DomainError:
    return DomainError(f"The file must be {MAX_BYTES // 1024} KB or smaller", field="file")


def decode_upload(data: bytes) -> str:
    """The text of an uploaded file: UTF-8 (a byte-order mark is dropped), within the size limit."""
    if len(data) > MAX_BYTES:
        raise too_large()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError(f"The file is not UTF-8 text (byte {exc.start + 1} cannot be read). Save it with the "
                          "encoding UTF-8 and upload it again", field="file") from None


def _check_supersedes(catalogue: Catalogue, new: Loaded) -> None:
    meta = new.meta
    if len(meta.title) > TITLE_LENGTH:
        raise DomainError(f"{UPLOAD_NAME}: meta.title: must be {TITLE_LENGTH} characters or fewer", field="file")
    if not catalogue.has(meta.id):
        known = ", ".join(catalogue.ids()) or "none"
        raise DomainError(f"There is no data file with the id {meta.id!r} to correct. A correction keeps the id "
                          f"of the file it supersedes (in [meta]); the ids are: {known}", field="file")
    latest = catalogue.current(meta.id)
    if meta.version <= latest.meta.version:
        raise DomainError(f"{latest.meta.title} ({meta.id}) is already at version {latest.meta.version}; "
                          f"a correction needs version {latest.meta.version + 1} or higher in [meta], "
                          f"not {meta.version}", field="file")


def upload_correction(session: Session, *, text: str, note: str, actor: User) -> ReferenceDataVersion:
    """Check a corrected data file against every other file and store it as that file's newest version."""
    note = note.strip()
    if not note:
        raise DomainError("Enter why this correction is needed", field="note")
    if len(note) > MAX_NOTE:
        raise DomainError(f"The reason must be {MAX_NOTE} characters or fewer", field="note")
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise too_large()
    if not text.strip():
        raise DomainError("The file is empty", field="file")
    if "\x00" in text:
        raise DomainError("The file holds a NUL character, so it is not a TOML text file", field="file")
    try:
        new = parse(text, UPLOAD_NAME, origin=DATABASE)
        _check_supersedes(catalogue_for(session), new)
        # The whole catalogue again, with the new file in it: references from and to other files are checked.
        named = f"{UPLOAD_NAME} ({new.meta.id} version {new.meta.version})"
        build_catalogue([*stored_texts(session), (named, text)], origin=DATABASE)
    except DataFileError as exc:
        raise DomainError(str(exc), field="file") from None
    meta = new.meta
    row = ReferenceDataVersion(file_id=meta.id, version=meta.version, kind=meta.kind, title=meta.title,
                               effective_from=meta.effective_from, status=meta.status, content=text,
                               sha256=sha256_of(text), uploaded_by=actor, note=note)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Another admin stored the same version between our check and this insert.
        raise DomainError(f"{meta.title} ({meta.id}) version {meta.version} has just been stored by someone "
                          "else; reload the file's page to see it", field="file") from None
    return row


# --- what the pages show ---------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class FileVersion:
    """One version of a data file and, when an admin stored it, who did and why."""

    loaded: Loaded
    #: None for a version shipped with the code.
    upload: ReferenceDataVersion | None

    @property
    def sha256(self) -> str:
        return self.upload.sha256 if self.upload else sha256_of(self.loaded.text)


def _uploads(session: Session, file_id: str | None = None) -> dict[tuple[str, int], ReferenceDataVersion]:
    """Stored versions without their text (a template touching it raises rather than loads it)."""
    stmt = (select(ReferenceDataVersion)
            .options(defer(ReferenceDataVersion.content, raiseload=True), selectinload(ReferenceDataVersion.uploaded_by)))
    if file_id is not None:
        stmt = stmt.where(ReferenceDataVersion.file_id == file_id)
    return {(r.file_id, r.version): r for r in session.scalars(stmt)}


def latest_versions(session: Session) -> list[FileVersion]:
    """The newest version of every data file, by title."""
    catalogue = catalogue_for(session)
    uploads = _uploads(session)
    latest = [catalogue.current(file_id) for file_id in catalogue.ids()]
    return [FileVersion(v, uploads.get((v.meta.id, v.meta.version)))
            for v in sorted(latest, key=lambda v: (v.meta.title.lower(), v.meta.id))]


def file_versions(session: Session, file_id: str) -> list[FileVersion] | None:
    """Every version of one file, newest first; None when there is no such file."""
    catalogue = catalogue_for(session)
    if not catalogue.has(file_id):
        return None
    uploads = _uploads(session, file_id)
    return [FileVersion(v, uploads.get((file_id, v.meta.version))) for v in reversed(catalogue.versions(file_id))]
