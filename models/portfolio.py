"""The practitioner's logs: CPD, supervision received, cases, contacts and NMC revalidation evidence.

Staff data only: cases carry an anonymised reference, never a patient identifier (the services
refuse NHS numbers, postcodes and dates of birth). Rows are soft-deleted (`deleted_at`) so a
delete can be undone; every change reaches the audit trail through the session's flush hook.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IntPK, Str120, Str255, Timestamp, UTCDateTime, user_fk, utcnow
from models.countersigning import CountersignStatus
from models.enums import SupervisionKind, str_enum
from models.people import User
from models.relationships import StaffRelationship


class SoftDeleted:
    """Deleting sets `deleted_at`; undo clears it. Lists filter on `deleted_at IS NULL`."""

    deleted_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class CpdActivity(SoftDeleted, Base):
    __tablename__ = "cpd_activities"
    __table_args__ = (
        CheckConstraint("end_on >= start_on", name="dates_in_order"),
        CheckConstraint("minutes > 0 AND minutes % 15 = 0", name="quarter_hours"),
    )

    id: Mapped[IntPK]
    owner_id: Mapped[int] = user_fk()
    start_on: Mapped[dt.date]
    end_on: Mapped[dt.date]
    title: Mapped[Str255]
    provider: Mapped[str | None] = mapped_column(String(255))
    #: BABCP category: clinical, management, professional, educational, research (competences data).
    category: Mapped[str] = mapped_column(String(30))
    #: NMC: learning with interaction with other professionals (vs individual).
    participatory: Mapped[bool] = mapped_column(default=False)
    #: HCPC CPD standards (1–5) the activity addresses.
    hcpc_standards: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: Duration in minutes, in quarter hours.
    minutes: Mapped[int]
    cbt: Mapped[bool] = mapped_column(default=True)
    cbt_skills: Mapped[bool] = mapped_column(default=False)
    #: Reflective statement: what was learned, and how it changes practice. Private (never HR/admin).
    reflection_learned: Mapped[str | None] = mapped_column(Text)
    reflection_practice: Mapped[str | None] = mapped_column(Text)
    #: Competences this supports, as "framework-id:item-id".
    competences: Mapped[list[str]] = mapped_column(JSON, default=list)

    owner: Mapped[User] = relationship()

    @property
    def has_reflective_statement(self) -> bool:
        return bool((self.reflection_learned or "").strip() and (self.reflection_practice or "").strip())


class SupervisionSession(SoftDeleted, Base):
    """Supervision received, with the supervisor from a relationship or named from outside."""

    __tablename__ = "supervision_sessions"
    __table_args__ = (
        CheckConstraint("minutes > 0 AND minutes <= 600", name="sensible_minutes"),
        CheckConstraint("group_size >= 1", name="group_size_positive"),
        CheckConstraint("supervisor_id IS NOT NULL OR outside_supervisor_name IS NOT NULL", name="has_supervisor"),
    )

    id: Mapped[IntPK]
    supervisee_id: Mapped[int] = user_fk()
    occurred_on: Mapped[dt.date]
    minutes: Mapped[int]
    kind: Mapped[SupervisionKind] = mapped_column(str_enum(SupervisionKind, 30))
    #: Supervisees present: 1 for individual supervision.
    group_size: Mapped[int] = mapped_column(default=1)
    cbt: Mapped[bool] = mapped_column(default=True)
    live_or_recorded_sampled: Mapped[bool] = mapped_column(default=False)
    #: The relationship it happened under, when the supervisor is in Waymark.
    relationship_id: Mapped[int | None] = mapped_column(ForeignKey("staff_relationships.id"), index=True)
    supervisor_id: Mapped[int | None] = user_fk(nullable=True)
    outside_supervisor_name: Mapped[str | None] = mapped_column(String(120))
    outside_supervisor_credentials: Mapped[str | None] = mapped_column(String(255))
    #: Themes discussed. Private: supervision notes are never shown to HR, managers or admins.
    themes: Mapped[str | None] = mapped_column(Text)
    #: The supervisor's countersignature: awaiting until they confirm or dispute it; back to awaiting on an edit.
    countersign_status: Mapped[CountersignStatus] = mapped_column(
        str_enum(CountersignStatus, 20), default=CountersignStatus.AWAITING)
    countersigned_by_id: Mapped[int | None] = user_fk(nullable=True)
    countersigned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: Required to dispute; optional to confirm.
    countersign_comment: Mapped[str | None] = mapped_column(Text)
    #: Set when someone outside Waymark confirmed it through a single-use link (countersigned_by_id is then None).
    countersigned_outside_name: Mapped[str | None] = mapped_column(String(120))
    #: SHA-256 of the session as countersigned; an edit that changes it sends the session back to awaiting.
    countersigned_digest: Mapped[str | None] = mapped_column(String(64))

    supervisee: Mapped[User] = relationship(foreign_keys=[supervisee_id])
    supervisor: Mapped[User | None] = relationship(foreign_keys=[supervisor_id])
    countersigned_by: Mapped[User | None] = relationship(foreign_keys=[countersigned_by_id])
    relationship_: Mapped[StaffRelationship | None] = relationship()
    cases: Mapped[list[SupervisionCaseMinutes]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SupervisionCaseMinutes.id")

    @property
    def supervisor_label(self) -> str:
        if self.supervisor is not None:
            return self.supervisor.full_name
        return self.outside_supervisor_name or ""


class SupervisionCaseMinutes(Base):
    """Minutes of a supervision session spent on one case (by its anonymised reference)."""

    __tablename__ = "supervision_case_minutes"
    __table_args__ = (CheckConstraint("minutes > 0", name="minutes_positive"),)

    id: Mapped[IntPK]
    session_id: Mapped[int] = mapped_column(ForeignKey("supervision_sessions.id"), index=True)
    case_ref: Mapped[str] = mapped_column(String(40))
    minutes: Mapped[int]

    session: Mapped[SupervisionSession] = relationship(back_populates="cases")


class ClinicalCase(SoftDeleted, Base):
    """A case by anonymised reference, with first and last scores; outcomes are computed, not stored."""

    __tablename__ = "clinical_cases"
    __table_args__ = (
        UniqueConstraint("owner_id", "case_ref"),
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="dates_in_order"),
        CheckConstraint("step IN (2, 3)", name="step_2_or_3"),
        CheckConstraint("attended_sessions >= 0", name="sessions_not_negative"),
    )

    id: Mapped[IntPK]
    owner_id: Mapped[int] = user_fk()
    case_ref: Mapped[str] = mapped_column(String(40))
    #: Presenting problem id from the outcome-measures data (competences).
    problem: Mapped[str] = mapped_column(String(40))
    step: Mapped[int]
    #: cbt, guided_self_help, ipt, counselling_for_depression, dit, couple_therapy, other
    modality: Mapped[str] = mapped_column(String(40))
    started_on: Mapped[dt.date]
    ended_on: Mapped[dt.date | None]
    training_case: Mapped[bool] = mapped_column(default=False)
    closely_supervised: Mapped[bool] = mapped_column(default=False)
    assessed_case_study: Mapped[bool] = mapped_column(default=False)
    attended_sessions: Mapped[int] = mapped_column(default=0)
    #: {measure id: score} at the first and last session, e.g. {"phq9": 14, "gad7": 11}.
    first_scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    owner: Mapped[User] = relationship()


class ClinicalContact(SoftDeleted, Base):
    """Clinical contacts: one session, or a week's count entered at once (`count` > 1)."""

    __tablename__ = "clinical_contacts"
    __table_args__ = (
        CheckConstraint("count >= 1", name="count_positive"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint("step IN (2, 3)", name="step_2_or_3"),
    )

    id: Mapped[IntPK]
    owner_id: Mapped[int] = user_fk()
    occurred_on: Mapped[dt.date]
    #: Total minutes of the contacts this row records.
    minutes: Mapped[int]
    count: Mapped[int] = mapped_column(default=1)
    step: Mapped[int]
    #: face_to_face, telephone, video, group, digital
    format: Mapped[str] = mapped_column(String(20))
    individual: Mapped[bool] = mapped_column(default=True)
    cbt: Mapped[bool] = mapped_column(default=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("clinical_cases.id"), index=True)

    owner: Mapped[User] = relationship()
    case: Mapped[ClinicalCase | None] = relationship()


class NmcPracticeHours(SoftDeleted, Base):
    __tablename__ = "nmc_practice_hours"
    __table_args__ = (
        CheckConstraint("end_on >= start_on", name="dates_in_order"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
    )

    id: Mapped[IntPK]
    owner_id: Mapped[int] = user_fk()
    start_on: Mapped[dt.date]
    end_on: Mapped[dt.date]
    minutes: Mapped[int]
    #: Where and in what scope of practice (NMC practice log).
    setting: Mapped[Str255]


class NmcFeedback(SoftDeleted, Base):
    __tablename__ = "nmc_feedback"

    id: Mapped[IntPK]
    owner_id: Mapped[int] = user_fk()
    received_on: Mapped[dt.date]
    #: e.g. patient or service user, colleague, manager, audit, complaint.
    source: Mapped[Str120]
    summary: Mapped[str] = mapped_column(Text)
    what_changed: Mapped[str | None] = mapped_column(Text)


class NmcReflectiveAccount(SoftDeleted, Base):
    """The NMC form's fields; private to the nurse and their supervisors."""

    __tablename__ = "nmc_reflective_accounts"

    id: Mapped[IntPK]
    owner_id: Mapped[int] = user_fk()
    written_on: Mapped[dt.date]
    nature_of_experience: Mapped[str] = mapped_column(Text)
    what_learned: Mapped[str] = mapped_column(Text)
    how_changed_practice: Mapped[str] = mapped_column(Text)
    #: The Code's themes it relates to: prioritise_people, practise_effectively, preserve_safety, promote_professionalism.
    code_themes: Mapped[list[str]] = mapped_column(JSON, default=list)


class NmcReflectiveDiscussion(SoftDeleted, Base):
    __tablename__ = "nmc_reflective_discussions"

    id: Mapped[IntPK]
    owner_id: Mapped[int] = user_fk()
    held_on: Mapped[dt.date]
    partner_name: Mapped[Str120]
    #: The other registrant's NMC PIN (e.g. 12A3456E).
    partner_pin: Mapped[str] = mapped_column(String(12))
