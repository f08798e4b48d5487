"""HR records: the establishment (posts), appraisals, progression decisions, HR standing, band and post changes,
skills for the service's skill mix, and staff import runs.

Pay itself is never stored: it is worked out from the band, step, working pattern and the post's
HCAS zone with competences.pay, so a corrected pay scale changes every figure at once.
"""
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IntPK, Str120, Timestamp, user_fk
from models.enums import str_enum
from models.organisation import Team
from models.people import StaffProfile, User


class Post(Base):
    """A funded post in the establishment. The HCAS zone belongs to the post, not the person."""

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("organisation_id", "number"),
        CheckConstraint("funded_wte > 0 AND funded_wte <= 99", name="funded_wte_range"),
    )

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: The establishment or ESR position number, unique in the organisation.
    number: Mapped[str] = mapped_column(String(30))
    title: Mapped[Str120]
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    #: Agenda for Change band code ("4" … "9", "8a" … "8d").
    band: Mapped[str] = mapped_column(String(3))
    funded_wte: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    #: An HCAS zone id from the HCAS data (competences.pay.NO_ZONE = "none" for no supplement).
    hcas_zone: Mapped[str] = mapped_column(String(40), default="none")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]

    team: Mapped[Team] = relationship()
    holders: Mapped[list[StaffProfile]] = relationship(
        primaryjoin="Post.id == foreign(StaffProfile.post_id)", viewonly=True, order_by="StaffProfile.id")


class AppraisalOutcome(enum.StrEnum):
    MEETS = "meets"
    DOES_NOT_MEET = "does_not_meet"

    @property
    def label(self) -> str:
        return {"meets": "In line with organisational standards",
                "does_not_meet": "Not in line with organisational standards"}[self.value]


class Appraisal(Base):
    """An appraisal held with a member of staff; its outcome feeds pay progression standard 1."""

    __tablename__ = "appraisals"

    id: Mapped[IntPK]
    profile_id: Mapped[int] = mapped_column(ForeignKey("staff_profiles.id"), index=True)
    held_on: Mapped[dt.date]
    outcome: Mapped[AppraisalOutcome] = mapped_column(str_enum(AppraisalOutcome, 20))
    appraiser_id: Mapped[int] = user_fk()
    #: Objectives and outcome in brief: an HR record, never clinical detail.
    summary: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = user_fk()
    created_at: Mapped[Timestamp]

    profile: Mapped[StaffProfile] = relationship()
    appraiser: Mapped[User] = relationship(foreign_keys=[appraiser_id])
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])


class HrStanding(Base):
    """What HR records for pay progression standards 2–4; None means not recorded (never assumed)."""

    __tablename__ = "hr_standings"

    id: Mapped[IntPK]
    profile_id: Mapped[int] = mapped_column(ForeignKey("staff_profiles.id"), unique=True)
    mandatory_training_complete: Mapped[bool | None]
    mandatory_training_checked_on: Mapped[dt.date | None]
    capability_process: Mapped[bool | None]
    disciplinary_sanction: Mapped[bool | None]
    #: When a live sanction ends (it is no longer live after this day), if known.
    sanction_live_until: Mapped[dt.date | None]
    updated_by_id: Mapped[int] = user_fk()
    updated_at: Mapped[Timestamp]

    profile: Mapped[StaffProfile] = relationship()


class ProgressionOutcome(enum.StrEnum):
    CONFIRMED = "confirmed"
    DEFERRED = "deferred"

    @property
    def label(self) -> str:
        return {"confirmed": "Confirmed", "deferred": "Deferred"}[self.value]


class ProgressionDecision(Base):
    """A manager's pay-step decision. An HR correction is a new row naming the one it corrects; none is edited."""

    __tablename__ = "progression_decisions"
    __table_args__ = (
        CheckConstraint("to_step = from_step + 1", name="one_step"),
        CheckConstraint("outcome <> 'deferred' OR review_on IS NOT NULL", name="deferral_has_review"),
    )

    id: Mapped[IntPK]
    profile_id: Mapped[int] = mapped_column(ForeignKey("staff_profiles.id"), index=True)
    band: Mapped[str] = mapped_column(String(3))
    from_step: Mapped[int]
    to_step: Mapped[int]
    #: The step date the decision was about.
    due_on: Mapped[dt.date]
    outcome: Mapped[ProgressionOutcome] = mapped_column(str_enum(ProgressionOutcome, 20))
    reason: Mapped[str] = mapped_column(Text)
    #: Deferred only: the support plan and when it is reviewed.
    plan: Mapped[str | None] = mapped_column(Text)
    review_on: Mapped[dt.date | None]
    #: Confirmed only: the day the new step starts.
    effective_on: Mapped[dt.date | None]
    #: The person's step and its start date before the decision, so a correction can put them back.
    previous_step_started_on: Mapped[dt.date | None]
    decided_by_id: Mapped[int] = user_fk()
    decided_at: Mapped[Timestamp]
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("progression_decisions.id"), index=True)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    #: Set when a later correction replaces this decision.
    superseded: Mapped[bool] = mapped_column(default=False)

    profile: Mapped[StaffProfile] = relationship()
    decided_by: Mapped[User] = relationship()
    corrects: Mapped[ProgressionDecision | None] = relationship(remote_side="ProgressionDecision.id")


class EmploymentChange(Base):
    """A band, step, post or title change recorded by HR with its effective date; the history of a career."""

    __tablename__ = "employment_changes"

    id: Mapped[IntPK]
    profile_id: Mapped[int] = mapped_column(ForeignKey("staff_profiles.id"), index=True)
    effective_on: Mapped[dt.date]
    band: Mapped[str | None] = mapped_column(String(3))
    pay_step: Mapped[int | None]
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), index=True)
    job_title: Mapped[str | None] = mapped_column(String(120))
    previous_band: Mapped[str | None] = mapped_column(String(3))
    previous_step: Mapped[int | None]
    previous_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    previous_job_title: Mapped[str | None] = mapped_column(String(120))
    #: "band", "post", "pay_step" (a progression), "import" … free text kept short.
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = user_fk()
    created_at: Mapped[Timestamp]

    profile: Mapped[StaffProfile] = relationship()
    post: Mapped[Post | None] = relationship(foreign_keys=[post_id])
    previous_post: Mapped[Post | None] = relationship(foreign_keys=[previous_post_id])


class SkillRecord(Base):
    """A modality, specialism, champion role or piece of service-development work someone holds or did.

    `category` and `code` name an entry in the skill-mix vocabulary (competences data file), so an
    admin can add a modality without a code change.
    """

    __tablename__ = "skill_records"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR started_on IS NULL OR ended_on >= started_on", name="dates_in_order"),
    )

    id: Mapped[IntPK]
    profile_id: Mapped[int] = mapped_column(ForeignKey("staff_profiles.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(60))
    #: "qualified" (trained, holds it) or "in_training" (one step from filling a gap); champions and
    #: development work are "qualified" while current.
    status: Mapped[str] = mapped_column(String(20), default="qualified")
    started_on: Mapped[dt.date | None]
    ended_on: Mapped[dt.date | None]
    #: What was done (a group run, an audit, a teaching session): a work description, never case detail.
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[Timestamp]

    profile: Mapped[StaffProfile] = relationship()


class SkillTarget(Base):
    """A service lead's target: at least `minimum` people in the service holding a skill or competence area."""

    __tablename__ = "skill_targets"
    __table_args__ = (
        UniqueConstraint("service_id", "category", "code"),
        CheckConstraint("minimum >= 1", name="minimum_positive"),
    )

    id: Mapped[IntPK]
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    #: "area", "modality", "specialism" or "champion".
    category: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(60))
    minimum: Mapped[int]
    note: Mapped[str | None] = mapped_column(Text)
    set_by_id: Mapped[int] = user_fk()
    updated_at: Mapped[Timestamp]


class StaffImport(Base):
    """One staff-and-posts import file, dry run or applied: who, when, which file, and what it did."""

    __tablename__ = "staff_imports"

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    applied: Mapped[bool] = mapped_column(default=False)
    rows: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    changed_count: Mapped[int] = mapped_column(default=0)
    unchanged_count: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    actor_id: Mapped[int] = user_fk()
    created_at: Mapped[Timestamp]


__all__ = ["Appraisal", "AppraisalOutcome", "EmploymentChange", "HrStanding", "Post", "ProgressionDecision",
           "ProgressionOutcome", "SkillRecord", "SkillTarget", "StaffImport"]
