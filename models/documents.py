"""Documents Waymark issued (portfolios, BABCP/KSA/NMC packs, progression packs) and what each one showed.

The manifest is the canonical list of every record the document shows (table, id and a digest of
the row as it then stood), every evidence file (SHA-256) and every sign-off it relies on; its
digest is printed on each page. The PDF's own SHA-256 is kept too, so the verify page can tell an
untouched file from an altered one, and whether anything it shows has changed or been withdrawn since.
"""
from __future__ import annotations

import secrets

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamp, user_fk
from models.people import User

#: Letters that cannot be misread for one another when a document id is typed from paper.
ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_document_id() -> str:
    """WM-XXXX-XXXX-XXXX: 60 random bits, grouped for reading aloud."""
    chars = "".join(secrets.choice(ID_ALPHABET) for _ in range(12))
    return f"WM-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


class IssuedDocument(Base):
    __tablename__ = "issued_documents"

    id: Mapped[str] = mapped_column(String(20), primary_key=True, default=new_document_id)
    #: A document kind (exports.documents.KINDS), e.g. "portfolio", "babcp_application", "progression_pack".
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    subject_id: Mapped[int] = user_fk()
    issued_by_id: Mapped[int] = user_fk()
    issued_at: Mapped[Timestamp]
    #: SHA-256 of the canonical manifest: printed on every page.
    digest: Mapped[str] = mapped_column(String(64), index=True)
    #: The canonical manifest (JSON): records, evidence files and sign-offs shown.
    manifest: Mapped[str] = mapped_column(Text)
    #: SHA-256 and size of the PDF exactly as issued.
    pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)
    pdf_bytes: Mapped[int]
    #: The job that produced it, when it was made in the background.
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)

    subject: Mapped[User] = relationship(foreign_keys=[subject_id])
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])


__all__ = ["ID_ALPHABET", "IssuedDocument", "new_document_id"]
