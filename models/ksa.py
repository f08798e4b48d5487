"""The KSA route: the portfolio's route (full or condensed), biography, experience log, self-directed study and reference requests.

What the person writes for the BABCP KSA portfolio lives here; the per-criterion statements are
competence claims (models.claims) against the "ksa" framework, and the documents are evidence items.
The biography, duties and study notes are private to the person and their current supervisors
or tutors, like every reflective record.
"""
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IntPK, Str120, Str255, Timestamp, user_fk, utcnow
from models.enums import str_enum
from models.people import User
from models.portfolio import SoftDeleted


class ExperienceKind(enum.StrEnum):
    EMPLOYMENT = "employment"
    VOLUNTEERING = "volunteering"
    PLACEMENT = "placement"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ReferenceKind(enum.StrEnum):
    #: KSA4: a reference for the criteria.
    REFERENCE = "reference"
    #: KSA3: a countersignature of the person's self-statements.
    COUNTERSIGNATURE = "countersignature"

    @property
    def label(self) -> str:
        return {"reference": "Reference (KSA4)", "countersignature": "Countersignature (KSA3)"}[self.value]


class ReferenceStatus(enum.StrEnum):
    REQUESTED = "requested"
    CANCELLED = "cancelled"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class KsaPortfolio(Base):
    """One per person: which route they follow and why, and their biography (KSA6)."""

    __tablename__ = "ksa_portfolios"
    __table_args__ = (UniqueConstraint("owner_id"),)

    id: Mapped[IntPK]
    owner_id: Mapped[int] = user_fk(index=False)
    #: The KSA framework variant followed ("condensed-pwp"), or None for the full KSA.
    route: Mapped[str | None] = mapped_column(String(60))
    #: The background the person gave for their route (e.g. "Qualified PWP, BPS-accredited programme, 2022").
    background: Mapped[str | None] = mapped_column(String(255))
    #: KSA6: training, employment and experience in the person's words. Private.
    biography: Mapped[str | None] = mapped_column(Text)
    started_on: Mapped[dt.date]
    created_at: Mapped[Timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship()


class KsaExperience(SoftDeleted, Base):
    """A period of employment, volunteering or placement for the experience log (criterion 14)."""

    __tablename__ = "ksa_experiences"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="dates_in_order"),
        CheckConstraint("hours_per_week > 0 AND hours_per_week <= 60", name="sensible_hours"),
    )

    id: Mapped[IntPK]
    owner_id: Mapped[int] = user_fk()
    kind: Mapped[ExperienceKind] = mapped_column(str_enum(ExperienceKind, 20))
    organisation: Mapped[Str255]
    role_title: Mapped[Str120]
    started_on: Mapped[dt.date]
    #: None while the role continues (the total then runs to today).
    ended_on: Mapped[dt.date | None]
    #: Average hours worked a week; totals are computed (app.services.ksa.experience_hours).
    hours_per_week: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    #: Duties in the person's words. Private.
    description: Mapped[str | None] = mapped_column(Text)
    mental_health_setting: Mapped[bool] = mapped_column(default=False)
    #: The senior clinician the person was accountable to, by name and role.
    accountable_to: Mapped[str | None] = mapped_column(String(255))

    owner: Mapped[User] = relationship()


class KsaStudy(SoftDeleted, Base):
    """One piece of self-directed study (KSA5) and the criteria it supports."""

    __tablename__ = "ksa_studies"
    __table_args__ = (
        CheckConstraint("ended_on >= started_on", name="dates_in_order"),
        CheckConstraint("minutes > 0 AND minutes <= 6000", name="sensible_minutes"),
    )

    id: Mapped[IntPK]
    owner_id: Mapped[int] = user_fk()
    started_on: Mapped[dt.date]
    #: The same as started_on for a single day's study.
    ended_on: Mapped[dt.date]
    topic: Mapped[Str255]
    #: The book, article, course or other material.
    source: Mapped[str | None] = mapped_column(String(255))
    minutes: Mapped[int]
    #: What was learned. Private.
    learned: Mapped[str | None] = mapped_column(Text)
    #: KSA item ids it supports ("ksa-1" …), checked against the framework.
    criteria: Mapped[list[str]] = mapped_column(JSON, default=list)

    owner: Mapped[User] = relationship()


class ReferenceRequest(Base):
    """A request for a reference (KSA4) or countersignature (KSA3) from a supervisor in Waymark or an outside referee.

    The person creates and cancels requests; the supervisor's side completes them.
    """

    __tablename__ = "reference_requests"
    __table_args__ = (
        CheckConstraint("referee_id IS NOT NULL OR (referee_name IS NOT NULL AND referee_email IS NOT NULL)",
                        name="has_referee"),
        CheckConstraint("status <> 'cancelled' OR cancelled_at IS NOT NULL", name="cancelled_when"),
    )

    id: Mapped[IntPK]
    owner_id: Mapped[int] = user_fk()
    kind: Mapped[ReferenceKind] = mapped_column(str_enum(ReferenceKind, 20))
    #: KSA item ids the reference should speak to.
    criteria: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The claim it supports, when the person asked from one.
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("competence_claims.id"), index=True)
    #: A supervisor in Waymark (who supervised the person when asked) …
    referee_id: Mapped[int | None] = user_fk(nullable=True)
    #: … or an outside referee.
    referee_name: Mapped[str | None] = mapped_column(String(120))
    referee_email: Mapped[str | None] = mapped_column(String(255))
    #: Their role and relationship to the applicant (e.g. "Ward manager; my line manager 2019–2022").
    referee_role: Mapped[str | None] = mapped_column(String(255))
    message: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ReferenceStatus] = mapped_column(str_enum(ReferenceStatus, 20), default=ReferenceStatus.REQUESTED)
    requested_at: Mapped[Timestamp]
    cancelled_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    #: The reference or countersignature as written (by the supervisor in Waymark or the outside referee).
    response_text: Mapped[str | None] = mapped_column(Text)
    #: "waymark" when a supervisor wrote it here, "outside" when it came through a link.
    completed_via: Mapped[str | None] = mapped_column(String(20))
    #: The name the outside referee gave as their confirmation.
    completed_by_name: Mapped[str | None] = mapped_column(String(120))

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    referee: Mapped[User | None] = relationship(foreign_keys=[referee_id])

    @property
    def referee_label(self) -> str:
        if self.referee is not None:
            return self.referee.full_name
        return self.referee_name or ""
