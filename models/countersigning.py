"""Countersigning states and supervision contracts per relationship.

The countersign columns live on the rows they confirm (SupervisionSession, CtsrRating); this
module holds their status enum and the contract a supervisor and supervisee agree.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IntPK, Timestamp, utcnow
from models.enums import SupervisionKind, str_enum
from models.relationships import StaffRelationship


class CountersignStatus(enum.StrEnum):
    AWAITING = "awaiting"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"

    @property
    def label(self) -> str:
        return {"awaiting": "Awaiting countersignature", "confirmed": "Countersigned", "disputed": "Disputed"}[self]


class SupervisionContract(Base):
    """What a supervisor and supervisee agree for one supervision relationship; either may change it."""

    __tablename__ = "supervision_contracts"
    __table_args__ = (
        CheckConstraint("review_on IS NULL OR review_on > starts_on", name="review_after_start"),
        CheckConstraint("minutes_per_month > 0", name="minutes_positive"),
        CheckConstraint("sessions_per_month IS NULL OR sessions_per_month > 0", name="sessions_positive"),
        CheckConstraint("group_size >= 1", name="group_size_positive"),
    )

    id: Mapped[IntPK]
    relationship_id: Mapped[int] = mapped_column(ForeignKey("staff_relationships.id"), index=True)
    kind: Mapped[SupervisionKind] = mapped_column(str_enum(SupervisionKind, 30))
    #: Agreed minutes a month (sessions × minutes when agreed as sessions); the supervisee's monthly target.
    minutes_per_month: Mapped[int]
    #: When agreed as a number of sessions a month; None when agreed as minutes only.
    sessions_per_month: Mapped[int | None]
    #: 1: individual supervision; more: a group of that size.
    group_size: Mapped[int] = mapped_column(default=1)
    starts_on: Mapped[dt.date]
    review_on: Mapped[dt.date | None]
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    relationship_: Mapped[StaffRelationship] = relationship()
