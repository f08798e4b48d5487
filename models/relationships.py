"""Dated working relationships between two people; access to someone's records follows them."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IntPK, Timestamp, user_fk
from models.enums import RelationshipKind, SupervisionKind, str_enum
from models.people import User


class StaffRelationship(Base):
    """Supervision, line management or course tutoring of `junior` by `senior` between two dates."""

    __tablename__ = "staff_relationships"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_in_order"),
        CheckConstraint("senior_id <> junior_id", name="two_people"),
        CheckConstraint(
            "(kind = 'supervision') = (supervision_kind IS NOT NULL)", name="supervision_kind_iff_supervision"
        ),
    )

    id: Mapped[IntPK]
    kind: Mapped[RelationshipKind] = mapped_column(str_enum(RelationshipKind, 20), index=True)
    supervision_kind: Mapped[SupervisionKind | None] = mapped_column(str_enum(SupervisionKind, 30))
    #: The supervisor, line manager or tutor.
    senior_id: Mapped[int] = user_fk()
    #: The supervisee, report or trainee.
    junior_id: Mapped[int] = user_fk()
    starts_on: Mapped[dt.date]
    #: Last day of the relationship (inclusive); None while it continues.
    ends_on: Mapped[dt.date | None]
    created_at: Mapped[Timestamp]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    senior: Mapped[User] = relationship(foreign_keys=[senior_id])
    junior: Mapped[User] = relationship(foreign_keys=[junior_id])

    def covers(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    @property
    def label(self) -> str:
        return self.supervision_kind.label if self.supervision_kind else self.kind.label
