"""Level ratings for levelled frameworks (KSF dimensions, UCL competences): self and supervisor, every rating kept.

A rating is never changed: a newer one supersedes it for display, and competences.levels decides
from the whole history which rating sets the current level. Also here: the record that a user's
daily digest of waiting work was sent, so the digest job never sends the same day twice.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IntPK, Timestamp, user_fk
from models.people import User


class LevelRating(Base):
    """One person's rating of one item of a levelled framework at one level, on one day."""

    __tablename__ = "level_ratings"
    __table_args__ = (
        CheckConstraint("rater_role IN ('self', 'supervisor')", name="rater_role_known"),
        CheckConstraint("level >= 1", name="level_positive"),
        # A supervisor rating is always by someone else; a self-rating always by the owner.
        CheckConstraint("(rater_role = 'self') = (rater_id = owner_id)", name="self_iff_owner"),
        Index("ix_level_ratings_owner_framework", "owner_id", "framework_id"),
    )

    id: Mapped[IntPK]
    #: The person whose level it is.
    owner_id: Mapped[int] = user_fk(index=False)
    #: The framework data file and version the item and its levels come from.
    framework_id: Mapped[str] = mapped_column(String(60))
    framework_version: Mapped[int]
    item_id: Mapped[str] = mapped_column(String(60))
    #: self or supervisor.
    rater_role: Mapped[str] = mapped_column(String(20))
    rater_id: Mapped[int] = user_fk()
    #: One of the item's level numbers (KSF 1–4); UCL maps, which define none, use 1–4 (see app.services.level_ratings).
    level: Mapped[int]
    rated_on: Mapped[dt.date]
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[Timestamp]

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    rater: Mapped[User] = relationship(foreign_keys=[rater_id])


class DigestSent(Base):
    """The daily digest e-mail sent to one user for one day (at most one a day)."""

    __tablename__ = "digests_sent"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[IntPK]
    user_id: Mapped[int] = user_fk(index=False)
    day: Mapped[dt.date]
    sent_at: Mapped[Timestamp]
    outbox_mail_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_mails.id"), index=True)
