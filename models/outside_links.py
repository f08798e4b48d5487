"""Single-use, expiring links that let a named outside person confirm supervision or write a KSA reference.

The practitioner creates a link for one purpose and a fixed set of items; the raw token is shown
once and e-mailed, and only its SHA-256 hash is stored. A link works until it is used once, expires
or is revoked; every visit, completion and revocation is a named event in the audit trail.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IntPK, Str120, Timestamp, user_fk
from models.enums import str_enum
from models.ksa import ReferenceRequest
from models.people import User


class LinkPurpose(enum.StrEnum):
    CONFIRM_SUPERVISION = "confirm_supervision"
    KSA_REFERENCE = "ksa_reference"
    KSA_COUNTERSIGNATURE = "ksa_countersignature"

    @property
    def label(self) -> str:
        return {"confirm_supervision": "Confirm supervision sessions", "ksa_reference": "KSA reference",
                "ksa_countersignature": "KSA countersignature"}[self.value]


class OutsideLink(Base):
    """One link for one outside person and a fixed set of items."""

    __tablename__ = "outside_links"
    __table_args__ = (
        CheckConstraint("purpose = 'confirm_supervision' OR reference_request_id IS NOT NULL", name="has_request"),
        CheckConstraint("expires_at > created_at", name="expires_after_created"),
    )

    id: Mapped[IntPK]
    owner_id: Mapped[int] = user_fk()
    purpose: Mapped[LinkPurpose] = mapped_column(str_enum(LinkPurpose, 30))
    #: For confirm_supervision: the SupervisionSession ids the outside supervisor may confirm, and no others.
    session_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: For a KSA reference or countersignature: the request it answers.
    reference_request_id: Mapped[int | None] = mapped_column(ForeignKey("reference_requests.id"), index=True)
    recipient_name: Mapped[Str120]
    #: None when the practitioner copies the link rather than having Waymark e-mail it.
    recipient_email: Mapped[str | None] = mapped_column(String(255))
    #: SHA-256 of the token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[Timestamp]
    expires_at: Mapped[dt.datetime]
    #: The first visit (for the practitioner's "opened" status); every visit is in the audit trail.
    opened_at: Mapped[dt.datetime | None]
    #: Set once, when the outside person completes it; the link then stops working.
    used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    #: The name the outside person typed as their confirmation.
    completed_by_name: Mapped[str | None] = mapped_column(String(120))

    owner: Mapped[User] = relationship()
    reference_request: Mapped[ReferenceRequest | None] = relationship()

    def works_at(self, now: dt.datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at

    def status_at(self, now: dt.datetime) -> str:
        """completed, revoked, expired, opened or sent: what the practitioner sees."""
        if self.used_at is not None:
            return "completed"
        if self.revoked_at is not None:
            return "revoked"
        if now >= self.expires_at:
            return "expired"
        return "opened" if self.opened_at is not None else "sent"
