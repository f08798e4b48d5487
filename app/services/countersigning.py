"""Countersigning: a supervisor confirms (or disputes) the supervision sessions and CTS-R ratings logged about them.

A session is countersigned by the supervisor who ran it, while a supervision relationship with
the supervisee covers both today and the session's date; nobody countersigns their own session,
and a dispute needs a comment. A session the practitioner changes after it was countersigned goes
back to awaiting. A CTS-R rating given as "supervisor" is confirmed by the named supervisor or any
current supervisor of its owner. Services only flush; the caller commits.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session, selectinload

from app.services.access import can_supervise
from app.services.errors import DomainError
from app.services.review_queue import QueueItem
from app.services import supervision_log as log
from competences.rules import DEFAULT_MAX_GROUP, Counting
from models import RelationshipKind, StaffRelationship, SupervisionSession, User
from models.base import utcnow
from models.countersigning import CountersignStatus
from models.training import CtsrRating

COMMENT_MAX = 2000
#: The columns whose change makes a countersigned session need countersigning again.
_SESSION_FIELDS = ("occurred_on", "minutes", "kind", "group_size", "cbt", "live_or_recorded_sampled",
                   "relationship_id", "supervisor_id", "outside_supervisor_name", "themes")


@dataclasses.dataclass(frozen=True)
class Decision:
    """A supervisor's answer: confirm, or dispute with a comment."""

    confirm: bool
    comment: str | None = None


def _comment(decision: Decision) -> str | None:
    comment = (decision.comment or "").strip() or None
    if not decision.confirm and comment is None:
        raise DomainError("Say what is wrong: a dispute needs a comment", field="comment")
    if comment is not None and len(comment) > COMMENT_MAX:
        raise DomainError(f"The comment must be {COMMENT_MAX:,} characters or fewer", field="comment")
    return comment


def _unchanged_since(row: SupervisionSession | CtsrRating, seen: dt.datetime | None) -> None:
    """Refuse when the row was saved again after the page the supervisor acted on was drawn."""
    if seen is not None and row.updated_at != seen:
        raise DomainError("This changed while you were looking: check it again before you countersign")


# --- supervision sessions ----------------------------------------------------------------------

def session_supervisor_id(entry: SupervisionSession) -> int | None:
    """The Waymark supervisor who ran the session, or None when it was someone outside Waymark."""
    if entry.supervisor_id is not None:
        return entry.supervisor_id
    return entry.relationship_.senior_id if entry.relationship_ is not None else None


def may_countersign_session(session: Session, actor: User, entry: SupervisionSession, today: dt.date) -> bool:
    """Whether `actor` may open the countersign page: the session's supervisor, supervising the supervisee today."""
    return (not entry.is_deleted and actor.id != entry.supervisee_id and session_supervisor_id(entry) == actor.id
            and can_supervise(session, actor, entry.supervisee, today))


def countersign_session(session: Session, actor: User, entry: SupervisionSession, decision: Decision, *,
                        today: dt.date, seen: dt.datetime | None = None) -> SupervisionSession:
    """Confirm or dispute one session, with every rule checked here so the CLI and bulk confirm share them."""
    if actor.id == entry.supervisee_id:
        raise DomainError("You cannot countersign your own supervision session")
    if entry.is_deleted:
        raise DomainError("This session has been deleted")
    if session_supervisor_id(entry) != actor.id:
        raise DomainError("Only the supervisor who ran the session can countersign it")
    if not can_supervise(session, actor, entry.supervisee, today):
        raise DomainError(f"You no longer supervise {entry.supervisee.full_name}, so you cannot countersign "
                          "their sessions")
    if not can_supervise(session, actor, entry.supervisee, entry.occurred_on):
        raise DomainError(f"You did not supervise {entry.supervisee.full_name} on "
                          f"{entry.occurred_on:%-d %B %Y}, so you cannot countersign this session")
    _unchanged_since(entry, seen)
    comment = _comment(decision)
    status = CountersignStatus.CONFIRMED if decision.confirm else CountersignStatus.DISPUTED
    if entry.countersign_status is status and entry.countersign_comment == comment:
        raise DomainError(f"This session is already {'confirmed' if decision.confirm else 'disputed'}")
    entry.countersign_status = status
    entry.countersigned_by_id = actor.id
    entry.countersigned_outside_name = None
    entry.countersigned_at = utcnow()
    entry.countersign_comment = comment
    entry.countersigned_digest = session_digest(entry)
    session.flush()
    return entry


def confirm_sessions(session: Session, actor: User, entries: Sequence[SupervisionSession], *,
                     today: dt.date) -> int:
    """Confirm several sessions at once; the first one refused stops them all (the caller rolls back)."""
    for entry in entries:
        try:
            countersign_session(session, actor, entry, Decision(confirm=True), today=today)
        except DomainError as err:
            raise DomainError(f"Session on {entry.occurred_on:%-d %B %Y}: {err.message}", field="sessions") from err
    return len(entries)


def session_digest(entry: SupervisionSession) -> str:
    """SHA-256 of what the supervisor confirms: every field the practitioner can change, and the cases."""
    fields = {name: str(getattr(entry, name)) for name in _SESSION_FIELDS}
    fields["cases"] = str(sorted((c.case_ref, c.minutes) for c in entry.cases))
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def reset_if_changed(session: Session, entry: SupervisionSession) -> None:
    """Called by supervision_log.update_supervision: a session changed since it was countersigned awaits again."""
    if entry.countersign_status is CountersignStatus.AWAITING or entry.countersigned_digest == session_digest(entry):
        return
    entry.countersign_status = CountersignStatus.AWAITING
    entry.countersigned_by_id = None
    entry.countersigned_outside_name = None
    entry.countersigned_at = None
    entry.countersign_comment = None
    entry.countersigned_digest = None


def awaiting_statement(supervisor_id: int, supervisee_ids: Sequence[int]) -> Select[Any]:
    """Sessions of these supervisees that `supervisor_id` ran and may countersign (a relationship covers their date)."""
    covering = exists().where(
        StaffRelationship.senior_id == supervisor_id, StaffRelationship.junior_id == SupervisionSession.supervisee_id,
        StaffRelationship.kind == RelationshipKind.SUPERVISION,
        StaffRelationship.starts_on <= SupervisionSession.occurred_on,
        or_(StaffRelationship.ends_on.is_(None), StaffRelationship.ends_on >= SupervisionSession.occurred_on))
    return (select(SupervisionSession)
            .where(SupervisionSession.supervisee_id.in_(supervisee_ids), SupervisionSession.deleted_at.is_(None),
                   SupervisionSession.countersign_status == CountersignStatus.AWAITING,
                   SupervisionSession.supervisor_id == supervisor_id, covering)
            .order_by(SupervisionSession.occurred_on, SupervisionSession.id))


def sessions_awaiting(session: Session, supervisor: User, supervisee: User) -> list[SupervisionSession]:
    """One supervisee's sessions waiting on `supervisor`, oldest first, with their cases."""
    return list(session.scalars(awaiting_statement(supervisor.id, [supervisee.id])
                                .options(selectinload(SupervisionSession.cases))))


def sessions_waiting(session: Session, supervisor: User, supervisees: Sequence[User],
                     today: dt.date) -> list[QueueItem]:
    """Review-queue provider: sessions to countersign, in one query for any number of supervisees."""
    if not supervisees:
        return []
    names = {p.id: p.full_name for p in supervisees}
    rows = session.scalars(awaiting_statement(supervisor.id, list(names)))
    return [QueueItem(kind="supervision", supervisee_id=row.supervisee_id, supervisee_name=names[row.supervisee_id],
                      title=f"Supervision on {row.occurred_on:%-d %B %Y} ({row.minutes} minutes)",
                      waiting_since=row.occurred_on, endpoint="portfolio.countersign_session",
                      args={"user_id": row.supervisee_id, "entry_id": row.id})
            for row in rows]


# --- CTS-R ratings -----------------------------------------------------------------------------

def may_confirm_rating(session: Session, actor: User, rating: CtsrRating, today: dt.date) -> bool:
    """A supervisor's rating, confirmed by the supervisor it names, or (naming nobody in Waymark) by a
    supervisor of its owner both today and on the day it was rated."""
    return (not rating.is_deleted and rating.rater_role == "supervisor" and actor.id != rating.owner_id
            and rating.rater_id in (None, actor.id)
            and can_supervise(session, actor, rating.owner, today)
            and can_supervise(session, actor, rating.owner, rating.rated_on))


def confirm_rating(session: Session, actor: User, rating: CtsrRating, decision: Decision, *,
                   today: dt.date, seen: dt.datetime | None = None) -> CtsrRating:
    if actor.id == rating.owner_id:
        raise DomainError("You cannot confirm a rating of your own recording")
    if rating.is_deleted:
        raise DomainError("This rating has been deleted")
    if rating.rater_role != "supervisor":
        raise DomainError("Only a rating given by a supervisor is confirmed")
    if not can_supervise(session, actor, rating.owner, today):
        raise DomainError(f"You do not supervise {rating.owner.full_name}, so you cannot confirm their ratings")
    _unchanged_since(rating, seen)
    comment = _comment(decision)
    status = CountersignStatus.CONFIRMED if decision.confirm else CountersignStatus.DISPUTED
    if rating.confirm_status is status and rating.confirm_comment == comment:
        raise DomainError(f"This rating is already {'confirmed' if decision.confirm else 'disputed'}")
    rating.confirm_status = status
    rating.confirmed_by_id = actor.id
    rating.confirmed_at = utcnow()
    rating.confirm_comment = comment
    session.flush()
    return rating


def ratings_waiting(session: Session, supervisor: User, supervisees: Sequence[User],
                    today: dt.date) -> list[QueueItem]:
    """Review-queue provider: supervisors' CTS-R ratings to confirm (named to this supervisor or to nobody in Waymark)."""
    if not supervisees:
        return []
    names = {p.id: p.full_name for p in supervisees}
    rows = session.scalars(
        select(CtsrRating).where(
            CtsrRating.owner_id.in_(list(names)), CtsrRating.deleted_at.is_(None),
            CtsrRating.rater_role == "supervisor", CtsrRating.confirm_status == CountersignStatus.AWAITING,
            or_(CtsrRating.rater_id == supervisor.id, CtsrRating.rater_id.is_(None)))
        .order_by(CtsrRating.rated_on, CtsrRating.id))
    return [QueueItem(kind="rating", supervisee_id=row.owner_id, supervisee_name=names[row.owner_id],
                      title=f"CTS-R rating of recording {row.recording_ref} ({row.total}/72)",
                      waiting_since=row.rated_on, endpoint="portfolio.countersign_rating",
                      args={"user_id": row.owner_id, "rating_id": row.id})
            for row in rows]


def status_text(status: CountersignStatus, by: User | None, outside_name: str | None) -> str:
    """'Countersigned by Sam Supervisor', 'Countersigned by Jo Bloggs (outside Waymark)', 'Awaiting countersignature'."""
    if status is CountersignStatus.AWAITING:
        return status.label
    verb = "Countersigned" if status is CountersignStatus.CONFIRMED else "Disputed"
    if outside_name:
        return f"{verb} by {outside_name} (outside Waymark)"
    return f"{verb} by {by.full_name}" if by is not None else verb


# --- the BABCP collaborative supervision summary -----------------------------------------------

#: BABCP training (facts §4.1): group time counts (minutes ÷ supervisees) × 2, in groups of up to 4.
TRAINING_GROUP = Counting(method="babcp_training_group", max_group=DEFAULT_MAX_GROUP["babcp_training_group"])


@dataclasses.dataclass(frozen=True)
class SummaryMonth:
    total: log.MonthTotal
    target: int

    @property
    def met(self) -> bool:
        return self.total.total >= self.target


@dataclasses.dataclass(frozen=True)
class SupervisionSummary:
    """Every session in the 12 months from `start`, with the totals BABCP asks for."""

    start: dt.date
    end: dt.date
    sessions: list[SupervisionSession]
    months: list[SummaryMonth]

    @property
    def total_minutes(self) -> int:
        return sum(s.minutes for s in self.sessions)

    @property
    def individual_minutes(self) -> int:
        return sum(s.minutes for s in self.sessions if s.group_size == 1)

    @property
    def group_minutes(self) -> int:
        return sum(s.minutes for s in self.sessions if s.group_size > 1)

    @property
    def group_counted_minutes(self) -> int:
        return sum(TRAINING_GROUP.minutes(s.minutes, s.group_size) for s in self.sessions if s.group_size > 1)

    @property
    def counted_minutes(self) -> int:
        """Individual minutes in full plus group minutes as the BABCP training formula counts them."""
        return self.individual_minutes + self.group_counted_minutes

    @property
    def countersigned_minutes(self) -> int:
        return sum(s.minutes for s in self.sessions if s.countersign_status is CountersignStatus.CONFIRMED)


def _add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def summary_start(today: dt.date) -> dt.date:
    """The default period: the 12 calendar months ending with this one."""
    return _add_months(log.month_start(today), -11)


def supervision_summary(session: Session, person: User, start: dt.date) -> SupervisionSummary:
    """The summary for the 12 months from the first of `start`'s month: three queries for any number of sessions."""
    start = log.month_start(start)
    end = _add_months(start, 12) - dt.timedelta(days=1)
    rows = list(session.scalars(
        select(SupervisionSession)
        .where(SupervisionSession.supervisee_id == person.id, SupervisionSession.deleted_at.is_(None),
               SupervisionSession.occurred_on >= start, SupervisionSession.occurred_on <= end)
        .options(selectinload(SupervisionSession.supervisor), selectinload(SupervisionSession.countersigned_by))
        .order_by(SupervisionSession.occurred_on, SupervisionSession.id)))
    months = [SummaryMonth(t, log.monthly_target(log.wte_on(person.profile, _add_months(t.month, 1) - dt.timedelta(days=1))))
              for t in log.monthly_totals(session, person.id, end)]
    return SupervisionSummary(start=start, end=end, sessions=rows, months=months)
