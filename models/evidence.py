"""The evidence library: uploaded files stored once by content hash, and what each one supports.

A `StoredFile` is the content, named by its SHA-256 and written under the instance's evidence
store (never under `static/`), so two people uploading the same certificate store it once. An
`EvidenceItem` is one person's description of a file; it can support many claims, CPD entries and
cases through the link rows, each its own audited row so adding or removing a link is in the trail.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IntPK, Str255, Timestamp, user_fk
from models.people import User
from models.portfolio import ClinicalCase, CpdActivity, SoftDeleted


class StoredFile(Base):
    """File content, kept once under its SHA-256 name; rows are never changed (the hash is the name)."""

    __tablename__ = "stored_files"

    #: Lower-case hex SHA-256 of the content; also the file's name in the evidence store.
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    #: Media type decided from the content (magic bytes), never from the uploaded name.
    media_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[Timestamp]


class EvidenceItem(SoftDeleted, Base):
    """One person's evidence: a file with a title, date, kind and description."""

    __tablename__ = "evidence_items"

    id: Mapped[IntPK]
    owner_id: Mapped[int] = user_fk()
    title: Mapped[Str255]
    #: certificate, reflective_account, reference, case_study, recording_rating, supervisor_report,
    #: transcript, other (app.services.evidence.KINDS).
    kind: Mapped[str] = mapped_column(String(30))
    dated_on: Mapped[dt.date]
    #: Private to the owner and their supervisors unless the item is shared with HR.
    description: Mapped[str | None] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(ForeignKey("stored_files.sha256"), index=True)
    #: The uploaded name made safe (no path, no control characters); used for downloads.
    file_name: Mapped[Str255]
    #: The owner's choice: HR may see this item (a certificate, say). Nothing else reaches HR.
    shared_with_hr: Mapped[bool] = mapped_column(default=False)

    owner: Mapped[User] = relationship()
    file: Mapped[StoredFile] = relationship()


class CpdEvidence(Base):
    """Evidence supporting a CPD entry."""

    __tablename__ = "cpd_evidence"
    __table_args__ = (UniqueConstraint("cpd_id", "evidence_id"),)

    id: Mapped[IntPK]
    cpd_id: Mapped[int] = mapped_column(ForeignKey("cpd_activities.id"), index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)

    cpd: Mapped[CpdActivity] = relationship()
    evidence: Mapped[EvidenceItem] = relationship()


class CaseEvidence(Base):
    """Evidence supporting a clinical case (a case study, a rating of a recording …)."""

    __tablename__ = "case_evidence"
    __table_args__ = (UniqueConstraint("case_id", "evidence_id"),)

    id: Mapped[IntPK]
    case_id: Mapped[int] = mapped_column(ForeignKey("clinical_cases.id"), index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)

    case: Mapped[ClinicalCase] = relationship()
    evidence: Mapped[EvidenceItem] = relationship()
