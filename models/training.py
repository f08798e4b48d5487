"""Formal training: the course record with its learning hours, assessed case studies and university supervision; CTS-R ratings and PWP live assessments."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IntPK, Str120, Str255, UTCDateTime, user_fk
from models.countersigning import CountersignStatus
from models.enums import str_enum
from models.people import User
from models.portfolio import ClinicalCase, SoftDeleted


class TrainingCourse(SoftDeleted, Base):
    """A course such as a PG Diploma in CBT, with the CTS-R settings its ratings are judged by."""

    __tablename__ = "training_courses"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="dates_in_order"),
        CheckConstraint("ctsr_pass_mark IS NULL OR (ctsr_pass_mark >= 0 AND ctsr_pass_mark <= 72)",
                        name="ctsr_pass_mark_in_range"),
        CheckConstraint("recordings_required IS NULL OR recordings_required >= 1", name="recordings_positive"),
    )

    id: Mapped[IntPK]
    owner_id: Mapped[int] = user_fk()
    title: Mapped[Str255]
    #: pg_dip_hi_cbt, pg_cert_pwp, babcp_level2, … (app.services.training.COURSE_KINDS).
    kind: Mapped[str] = mapped_column(String(30))
    #: The university or training provider.
    provider: Mapped[str | None] = mapped_column(String(255))
    started_on: Mapped[dt.date]
    ended_on: Mapped[dt.date | None]
    #: in_progress, passed, failed, withdrawn.
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    #: The course's CTS-R pass mark; None means the scale's default (36 of 72).
    ctsr_pass_mark: Mapped[int | None]
    #: Passing recordings the course asks for; None means the scale's default.
    recordings_required: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)

    owner: Mapped[User] = relationship()


class TrainingHoursEntry(SoftDeleted, Base):
    """Learning hours on one day or over a few days, of one kind (BABCP MTS counts them by kind)."""

    __tablename__ = "training_hours"
    __table_args__ = (
        CheckConstraint("end_on >= start_on", name="dates_in_order"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint("kind IN ('taught_live', 'online_interactive', 'self_directed')", name="kind_known"),
    )

    id: Mapped[IntPK]
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"), index=True)
    start_on: Mapped[dt.date]
    #: The same as start_on for one day; the hours count on this date.
    end_on: Mapped[dt.date]
    minutes: Mapped[int]
    #: taught_live (face to face or live-streamed), online_interactive, self_directed.
    kind: Mapped[str] = mapped_column(String(30))
    #: Counts towards the half of formal training that must be on skills.
    skills_focused: Mapped[bool] = mapped_column(default=False)
    topic: Mapped[Str255]

    course: Mapped[TrainingCourse] = relationship()


class AssessedCaseStudy(SoftDeleted, Base):
    """A case study the course marked. Courses mark differently, so the mark is text and the verdict a flag."""

    __tablename__ = "assessed_case_studies"
    __table_args__ = (CheckConstraint("word_count IS NULL OR word_count > 0", name="word_count_positive"),)

    id: Mapped[IntPK]
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"), index=True)
    #: The anonymised case reference as typed (never a patient identifier).
    case_ref: Mapped[str | None] = mapped_column(String(40))
    #: The person's case with that reference, when the cases log has one.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("clinical_cases.id"), index=True)
    title: Mapped[Str255]
    word_count: Mapped[int | None]
    #: As the course gives it: "68", "Merit", "Pass".
    mark: Mapped[str | None] = mapped_column(String(40))
    #: None until the mark is known.
    passed: Mapped[bool | None]
    submitted_on: Mapped[dt.date]

    course: Mapped[TrainingCourse] = relationship()
    case: Mapped[ClinicalCase | None] = relationship()


class UniversitySupervision(SoftDeleted, Base):
    """Supervision given by the course (in groups of 2 or 3 on HI courses), apart from service supervision."""

    __tablename__ = "university_supervision"
    __table_args__ = (
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint("group_size >= 1", name="group_size_positive"),
    )

    id: Mapped[IntPK]
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"), index=True)
    occurred_on: Mapped[dt.date]
    minutes: Mapped[int]
    supervisor_name: Mapped[Str120]
    #: Supervisees present: 1 for individual supervision.
    group_size: Mapped[int] = mapped_column(default=1)

    course: Mapped[TrainingCourse] = relationship()


class CtsrRating(SoftDeleted, Base):
    """One rating of one recording on the CTS-R; total and pass are stored as computed when it was saved."""

    __tablename__ = "ctsr_ratings"
    __table_args__ = (
        CheckConstraint("total >= 0 AND total <= 72", name="total_in_range"),
        CheckConstraint("rater_role IN ('self', 'supervisor', 'course_tutor')", name="rater_role_known"),
    )

    id: Mapped[IntPK]
    owner_id: Mapped[int] = user_fk()
    rated_on: Mapped[dt.date]
    #: The recording's anonymised reference (never a patient identifier).
    recording_ref: Mapped[str] = mapped_column(String(40))
    #: The course whose pass mark applies; None: the scale's default.
    course_id: Mapped[int | None] = mapped_column(ForeignKey("training_courses.id"), index=True)
    case_ref: Mapped[str | None] = mapped_column(String(40))
    #: self, supervisor, course_tutor.
    rater_role: Mapped[str] = mapped_column(String(20))
    #: The rater when they use Waymark (the person themselves for a self-rating).
    rater_id: Mapped[int | None] = user_fk(nullable=True)
    rater_name: Mapped[str | None] = mapped_column(String(120))
    #: The rating scale data file and version the scores were given on.
    scale_id: Mapped[str] = mapped_column(String(40), default="ctsr")
    scale_version: Mapped[int] = mapped_column(default=1)
    #: {item id: score 0–6} for every item of the scale.
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: {item id: comment}; items without a comment are left out.
    comments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    total: Mapped[int]
    passed: Mapped[bool]
    #: The pass mark in force when it was last saved (the course's, else the scale's).
    pass_mark_used: Mapped[int]
    #: For a supervisor's rating: the supervisor's confirmation that it is theirs (awaiting, confirmed, disputed).
    confirm_status: Mapped[CountersignStatus] = mapped_column(
        str_enum(CountersignStatus, 20), default=CountersignStatus.AWAITING)
    confirmed_by_id: Mapped[int | None] = user_fk(nullable=True)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    confirm_comment: Mapped[str | None] = mapped_column(Text)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    rater: Mapped[User | None] = relationship(foreign_keys=[rater_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    course: Mapped[TrainingCourse | None] = relationship()


class PwpLiveAssessment(SoftDeleted, Base):
    """A live assessment of a PWP intervention (the BABCP PWP Register asks for 2 a year, of 2 interventions)."""

    __tablename__ = "pwp_live_assessments"
    __table_args__ = (CheckConstraint("outcome IN ('pass', 'refer', 'fail')", name="outcome_known"),)

    id: Mapped[IntPK]
    owner_id: Mapped[int] = user_fk()
    assessed_on: Mapped[dt.date]
    #: An id from app.services.ratings.INTERVENTIONS, or "other" with `intervention_other`.
    intervention: Mapped[str] = mapped_column(String(40))
    intervention_other: Mapped[str | None] = mapped_column(String(120))
    assessor_name: Mapped[Str120]
    #: e.g. "IAPT PWP intervention skills mark sheet".
    tool: Mapped[Str255]
    #: pass, refer, fail.
    outcome: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)

    owner: Mapped[User] = relationship()
