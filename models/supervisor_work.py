"""A supervisor's own work: reports on supervisees, supervision given outside the service,
supervisee feedback forms and supervision training — what supervisor accreditation reads.

Supervision given inside the service is not stored here: it is the supervisees' logged sessions
that name this supervisor (models.portfolio.SupervisionSession.supervisor_id). Supervision of a
supervisor's supervision is a supervision session of kind supervision_of_supervision in their own
supervision log, which the pathways already read.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IntPK, Str255, Timestamp, user_fk
from models.people import User
from models.portfolio import SoftDeleted


class SupervisorReport(Base):
    """A structured report by a supervisor on a supervisee, read and acknowledged by the supervisee.

    Private to the supervisee and their supervisors: never shown to HR, managers or admins.
    """

    __tablename__ = "supervisor_reports"
    __table_args__ = (CheckConstraint("period_to >= period_from", name="period_in_order"),)

    id: Mapped[IntPK]
    supervisee_id: Mapped[int] = user_fk()
    supervisor_id: Mapped[int] = user_fk()
    written_on: Mapped[dt.date]
    period_from: Mapped[dt.date]
    period_to: Mapped[dt.date]
    caseload: Mapped[str] = mapped_column(Text)
    competence: Mapped[str] = mapped_column(Text)
    concerns: Mapped[str | None] = mapped_column(Text)
    #: ready, not_yet_ready, concerns (app.services.supervisor_reports.RECOMMENDATIONS).
    recommendation: Mapped[str] = mapped_column(String(20))
    recommendation_text: Mapped[str | None] = mapped_column(Text)
    #: When the supervisee said they had read it; their comment, if any.
    acknowledged_at: Mapped[dt.datetime | None]
    supervisee_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[Timestamp]

    supervisee: Mapped[User] = relationship(foreign_keys=[supervisee_id])
    supervisor: Mapped[User] = relationship(foreign_keys=[supervisor_id])


class OutsideSupervisionGiven(SoftDeleted, Base):
    """Supervision a supervisor gave outside the service (the supervisees are not in Waymark)."""

    __tablename__ = "outside_supervision_given"
    __table_args__ = (
        CheckConstraint("minutes > 0 AND minutes <= 600", name="sensible_minutes"),
        CheckConstraint("group_size >= 1", name="group_size_positive"),
    )

    id: Mapped[IntPK]
    owner_id: Mapped[int] = user_fk()
    given_on: Mapped[dt.date]
    minutes: Mapped[int]
    #: Supervisees present: 1 for individual supervision.
    group_size: Mapped[int] = mapped_column(default=1)
    cbt: Mapped[bool] = mapped_column(default=True)
    #: BABCP supervisor accreditation does not count supervision of wellbeing practitioners.
    supervisee_is_pwp: Mapped[bool] = mapped_column(default=False)
    #: Where, or for which organisation.
    setting: Mapped[Str255]


class SupervisionTraining(SoftDeleted, Base):
    """A supervision training course a supervisor attended (supervisor accreditation asks for it)."""

    __tablename__ = "supervision_training"
    __table_args__ = (
        CheckConstraint("end_on >= start_on", name="dates_in_order"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
    )

    id: Mapped[IntPK]
    owner_id: Mapped[int] = user_fk()
    title: Mapped[Str255]
    provider: Mapped[str | None] = mapped_column(String(255))
    start_on: Mapped[dt.date]
    end_on: Mapped[dt.date]
    minutes: Mapped[int]


class FeedbackRequest(Base):
    """A supervisor's request for feedback from 2 to 5 of their current supervisees."""

    __tablename__ = "feedback_requests"

    id: Mapped[IntPK]
    supervisor_id: Mapped[int] = user_fk()
    requested_on: Mapped[dt.date]
    #: Answers are shown to the supervisor without names, and only once at least two are in.
    anonymous: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]

    supervisor: Mapped[User] = relationship()
    invitees: Mapped[list[FeedbackInvitee]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="FeedbackInvitee.id")
    answers: Mapped[list[FeedbackAnswer]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="FeedbackAnswer.id")


class FeedbackInvitee(Base):
    """A supervisee asked for feedback (the supervisor chose them, so this is not secret)."""

    __tablename__ = "feedback_invitees"
    __table_args__ = (UniqueConstraint("request_id", "supervisee_id"),)

    id: Mapped[IntPK]
    request_id: Mapped[int] = mapped_column(ForeignKey("feedback_requests.id"), index=True)
    supervisee_id: Mapped[int] = user_fk()

    request: Mapped[FeedbackRequest] = relationship(back_populates="invitees")
    supervisee: Mapped[User] = relationship()


class FeedbackAnswer(Base):
    """One supervisee's answers. `respondent_id` exists only to refuse a second answer: it is never shown
    to the supervisor, and nothing dated finer than the day is kept, so order cannot name anyone."""

    __tablename__ = "feedback_answers"
    __table_args__ = (UniqueConstraint("request_id", "respondent_id"),)

    id: Mapped[IntPK]
    request_id: Mapped[int] = mapped_column(ForeignKey("feedback_requests.id"), index=True)
    respondent_id: Mapped[int] = user_fk()
    answered_on: Mapped[dt.date]
    #: {question id: rating 1–5} (app.services.feedback_forms.QUESTIONS).
    ratings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    comments: Mapped[str | None] = mapped_column(Text)

    request: Mapped[FeedbackRequest] = relationship(back_populates="answers")
