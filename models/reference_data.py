"""Corrected versions of the competences data files, stored so every web and queue worker loads the same ones.

A row is one version of one data file (same `meta.id`, higher `meta.version`), kept as the TOML
text an admin uploaded. Rows are never updated or deleted: a claim judged against version 2 of a
framework must still be explainable against version 2 after version 3 arrives. The database
refuses UPDATE and DELETE on both SQLite and PostgreSQL (see migration 0002).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading

from sqlalchemy import CheckConstraint, Date, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from competences import catalogue as catalogues
from competences.catalogue import Catalogue, Loaded, build_catalogue
from models.base import Base, IntPK, Str255, Timestamp, user_fk
from models.people import User

#: The origin `competences.catalogue` gives every stored version.
DATABASE = "database"


class ReferenceDataVersion(Base):
    """One admin-uploaded version of a data file; insert-only."""

    __tablename__ = "reference_data_versions"
    __table_args__ = (
        UniqueConstraint("file_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("note <> ''", name="note_given"),
    )

    id: Mapped[IntPK]
    #: The file's meta.id; the built-in file with the same id holds the earlier versions.
    #: (UNIQUE(file_id, version) is the index for looking a file up.)
    file_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int]
    #: kind, title, effective_from and status are copied from [meta] so pages can list versions
    #: without parsing the TOML; `content` stays the authority.
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[Str255]
    effective_from: Mapped[dt.date] = mapped_column(Date)
    #: "confirmed" or "uncertain" (an admin should check it).
    status: Mapped[str] = mapped_column(String(20))
    #: The TOML exactly as uploaded (decoded from UTF-8, without a byte-order mark).
    content: Mapped[str] = mapped_column(Text)
    #: SHA-256 of `content` encoded as UTF-8, so a downloaded copy can be checked against the record.
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = user_fk()
    uploaded_at: Mapped[Timestamp]
    #: Why the correction was made: the source that changed, the error found.
    note: Mapped[str] = mapped_column(Text)

    uploaded_by: Mapped[User] = relationship()

    @property
    def name(self) -> str:
        """The name the catalogue gives this version in its error messages."""
        return stored_name(self.file_id, self.version)


def stored_name(file_id: str, version: int) -> str:
    return f"{DATABASE}:{file_id}@v{version}"


def stored_texts(session: Session) -> list[tuple[str, str]]:
    """Every stored version as (name, TOML text), oldest upload first."""
    rows = session.execute(select(ReferenceDataVersion.file_id, ReferenceDataVersion.version,
                                  ReferenceDataVersion.content).order_by(ReferenceDataVersion.id))
    return [(stored_name(file_id, version), content) for file_id, version, content in rows]


# --- one catalogue per process, rebuilt only when a version is stored ----------------------------

@dataclasses.dataclass(frozen=True)
class _Cached:
    signature: tuple[object, ...]
    built_in: tuple[Loaded, ...]
    catalogue: Catalogue


#: Keyed by database URL, so two apps in one process (tests, a CLI beside a worker) never share one.
_cache: dict[str, _Cached] = {}
_lock = threading.Lock()


def _signature(session: Session) -> tuple[object, ...]:
    """(count, max id, newest sha256): rows are insert-only, so this changes exactly when one is added.

    The newest row's hash is there for databases emptied and refilled under the same URL (tests):
    the same count and id with different text would otherwise look unchanged.
    """
    t = ReferenceDataVersion
    newest = select(t.sha256).order_by(t.id.desc()).limit(1).correlate(None).scalar_subquery()
    count, max_id, sha = session.execute(select(func.count(t.id), func.max(t.id), newest)).one()
    return (count, max_id, sha)


def catalogue_for(session: Session) -> Catalogue:
    """Built-in files plus every stored version: one small query per call, a rebuild only after an upload.

    Every web and queue worker calls this, so a correction stored by one worker is picked up by
    the others on their next call. Raises competences.datafile.DataFileError if a stored version
    no longer loads (a parser changed under it): that needs a developer, not a silent skip.
    """
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    signature = _signature(session)
    # Looked up on the module at each call, so tests that replace the built-in files are seen.
    built_in = catalogues._built_in()
    cached = _cache.get(url)
    if cached is not None and cached.signature == signature and cached.built_in is built_in:
        return cached.catalogue
    with _lock:
        cached = _cache.get(url)
        if cached is not None and cached.signature == signature and cached.built_in is built_in:
            return cached.catalogue
        catalogue = build_catalogue(stored_texts(session), origin=DATABASE)
        _cache[url] = _Cached(signature, built_in, catalogue)
        return catalogue


def forget_cached_catalogues() -> None:
    """For tests that swap the built-in files or empty the database under the same URL."""
    with _lock:
        _cache.clear()
