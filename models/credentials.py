"""What hangs off a recorded credential: the evidence that supports it and the reminders already sent about it."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IntPK, Timestamp
from models.evidence import EvidenceItem
from models.people import ProfessionalRegistration


class CredentialEvidence(Base):
    """An evidence item (a certificate, the body's letter) supporting a credential; the owner's own items only."""

    __tablename__ = "credential_evidence"
    __table_args__ = (UniqueConstraint("credential_id", "evidence_id"),)

    id: Mapped[IntPK]
    credential_id: Mapped[int] = mapped_column(ForeignKey("professional_registrations.id"), index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)

    credential: Mapped[ProfessionalRegistration] = relationship()
    evidence: Mapped[EvidenceItem] = relationship()


class CredentialReminder(Base):
    """A reminder e-mail queued about one due date, so the reminder job never sends it twice."""

    __tablename__ = "credential_reminders"
    __table_args__ = (UniqueConstraint("credential_id", "due_on", "kind"),)

    id: Mapped[IntPK]
    credential_id: Mapped[int] = mapped_column(ForeignKey("professional_registrations.id"), index=True)
    #: The declaration, renewal or expiry date the reminder was about.
    due_on: Mapped[dt.date]
    #: "declaration", "lapse" or "expiry" (competences.credentials.Reminder.kind).
    kind: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[Timestamp]
    outbox_mail_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_mails.id"))
