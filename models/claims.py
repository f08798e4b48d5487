"""Competence claims against a framework item, their evidence links and their status history.

The framework and item are named by id with the framework version in force when the claim was
made, so a claim survives an admin loading a corrected framework. The status rules are in
competences.claims; this module only stores them. The history is append-only: every move is a new
`ClaimStatusChange` row with a digest of the claim as it then stood, so a sign-off can be checked
against the words that were signed.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competences.claims import ClaimStatus
from models.base import Base, IntPK, Timestamp, user_fk
from models.enums import str_enum
from models.evidence import EvidenceItem
from models.people import User
from models.portfolio import SoftDeleted


class CompetenceClaim(SoftDeleted, Base):
    """A practitioner's claim to a framework item (a KSA criterion, a UCL competence, a KSF dimension at a level)."""

    __tablename__ = "competence_claims"

    id: Mapped[IntPK]
    #: Optimistic lock: every UPDATE checks and bumps it, so two reviewers (or a reviewer and the
    #: owner) acting on the same state cannot both win; the loser's flush raises StaleDataError.
    version: Mapped[int] = mapped_column(server_default="1")
    owner_id: Mapped[int] = user_fk()
    framework_id: Mapped[str] = mapped_column(String(60))
    #: The framework version the claim was written against (competences.catalogue).
    framework_version: Mapped[int]
    item_id: Mapped[str] = mapped_column(String(60))
    #: For levelled frameworks (KSF): the level claimed.
    level: Mapped[int | None]
    status: Mapped[ClaimStatus] = mapped_column(str_enum(ClaimStatus, 20), default=ClaimStatus.DRAFT)
    #: {statement component id: text}, e.g. KSA's how_learned, what_learned, appraisal, examples.
    #: Private: never shown to HR, managers or admins.
    statement: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[dt.datetime | None]
    #: The current sign-off, if any (the history keeps every earlier one).
    signed_by_id: Mapped[int | None] = user_fk(nullable=True)
    signed_on: Mapped[dt.date | None]
    #: live_observation, recording, case_report, discussion.
    sign_off_method: Mapped[str | None] = mapped_column(String(30))

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    evidence_links: Mapped[list[ClaimEvidence]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", order_by="ClaimEvidence.id")
    history: Mapped[list[ClaimStatusChange]] = relationship(
        back_populates="claim", order_by="ClaimStatusChange.id")

    __mapper_args__ = {"version_id_col": version}


class ClaimEvidence(Base):
    """An evidence item linked to a claim, as the framework evidence type it stands for."""

    __tablename__ = "claim_evidence"
    __table_args__ = (UniqueConstraint("claim_id", "evidence_id"),)

    id: Mapped[IntPK]
    claim_id: Mapped[int] = mapped_column(ForeignKey("competence_claims.id"), index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    #: The framework's evidence type id this item serves as (KSA: "reference", "training-course" …), if any.
    evidence_type: Mapped[str | None] = mapped_column(String(60))

    claim: Mapped[CompetenceClaim] = relationship(back_populates="evidence_links")
    evidence: Mapped[EvidenceItem] = relationship()


class ClaimStatusChange(Base):
    """One move in a claim's life; rows are only ever added."""

    __tablename__ = "claim_status_changes"

    id: Mapped[IntPK]
    claim_id: Mapped[int] = mapped_column(ForeignKey("competence_claims.id"), index=True)
    occurred_at: Mapped[Timestamp]
    actor_id: Mapped[int] = user_fk()
    #: competences.claims.ClaimAction value.
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    #: Sign-offs: the method (live_observation, recording, case_report, discussion).
    method: Mapped[str | None] = mapped_column(String(30))
    #: SHA-256 of the claim's statement and evidence hashes at this moment (app.services.claims).
    claim_digest: Mapped[str] = mapped_column(String(64))

    claim: Mapped[CompetenceClaim] = relationship(back_populates="history")
    actor: Mapped[User] = relationship()
