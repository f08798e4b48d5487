"""Supervisee feedback forms: a supervisor asks 2 to 5 current supervisees to rate their supervision.

BABCP supervisor accreditation asks for feedback from 2 to 5 supervisees. Supervisees answer signed
in, on their own portfolio. When the request is anonymous the supervisor sees answers without
names, in no telling order, and only once at least 2 are in, so that a single answer cannot be
traced to its writer; the respondent is stored only to refuse a second answer.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.services.access import can_supervise
from app.services.errors import DomainError
from app.services.privacy import refuse_patient_identifiers
from models import User
from models.supervisor_work import FeedbackAnswer, FeedbackInvitee, FeedbackRequest

#: Question id → the statement rated from 1 (strongly disagree) to 5 (strongly agree).
QUESTIONS: dict[str, str] = {
    "safe_space": "Supervision is a safe place to bring difficulties",
    "structure": "Sessions are well structured, with an agenda we set together",
    "skills": "Supervision develops my CBT skills",
    "feedback": "I get clear, useful feedback on my work",
}
RATINGS = range(1, 6)
MIN_SUPERVISEES, MAX_SUPERVISEES = 2, 5
#: An anonymous request shows nothing until this many have answered.
MIN_ANSWERS_SHOWN = 2
MAX_TEXT = 3000


def request_feedback(session: Session, supervisor: User, supervisees: Sequence[User], *, anonymous: bool,
                     today: dt.date) -> FeedbackRequest:
    unique = list({p.id: p for p in supervisees}.values())
    if len(unique) < MIN_SUPERVISEES:
        raise DomainError(f"Choose at least {MIN_SUPERVISEES} supervisees", field="supervisees")
    if len(unique) > MAX_SUPERVISEES:
        raise DomainError(f"Choose at most {MAX_SUPERVISEES} supervisees", field="supervisees")
    for person in unique:
        if not can_supervise(session, supervisor, person, today):
            raise DomainError(f"You are not supervising {person.full_name} now", field="supervisees")
    request = FeedbackRequest(supervisor_id=supervisor.id, requested_on=today, anonymous=anonymous,
                              invitees=[FeedbackInvitee(supervisee_id=p.id) for p in unique])
    session.add(request)
    session.flush()
    return request


def answer_feedback(session: Session, request: FeedbackRequest, respondent: User, ratings: Mapping[str, int],
                    comments: str | None, *, today: dt.date) -> FeedbackAnswer:
    if respondent.id not in {i.supervisee_id for i in request.invitees}:
        raise DomainError("You were not asked for feedback on this supervision")
    if any(a.respondent_id == respondent.id for a in request.answers):
        raise DomainError("You have already answered")
    for qid in QUESTIONS:
        if ratings.get(qid) not in RATINGS:
            raise DomainError("Choose a rating from 1 to 5", field=qid)
    text = (comments or "").strip() or None
    if text and len(text) > MAX_TEXT:
        raise DomainError(f"This must be {MAX_TEXT:,} characters or fewer", field="comments")
    refuse_patient_identifiers(text, "comments")
    answer = FeedbackAnswer(request=request, respondent_id=respondent.id, answered_on=today,
                            ratings={q: int(ratings[q]) for q in QUESTIONS}, comments=text)
    session.add(answer)
    session.flush()
    return answer


def requests_of(session: Session, supervisor_id: int) -> list[FeedbackRequest]:
    return list(session.scalars(
        select(FeedbackRequest).where(FeedbackRequest.supervisor_id == supervisor_id)
        .options(selectinload(FeedbackRequest.invitees).selectinload(FeedbackInvitee.supervisee),
                 selectinload(FeedbackRequest.answers))
        .order_by(FeedbackRequest.requested_on.desc(), FeedbackRequest.id.desc())))


@dataclasses.dataclass(frozen=True)
class Asked:
    request: FeedbackRequest
    supervisor_name: str
    answered: bool


def requests_for(session: Session, supervisee_id: int) -> list[Asked]:
    """What a supervisee has been asked, and whether they have answered (they may see their own status)."""
    requests = session.scalars(
        select(FeedbackRequest).join(FeedbackInvitee, FeedbackInvitee.request_id == FeedbackRequest.id)
        .where(FeedbackInvitee.supervisee_id == supervisee_id)
        .options(selectinload(FeedbackRequest.supervisor), selectinload(FeedbackRequest.answers))
        .order_by(FeedbackRequest.requested_on.desc(), FeedbackRequest.id.desc()))
    return [Asked(r, r.supervisor.full_name, any(a.respondent_id == supervisee_id for a in r.answers))
            for r in requests]


@dataclasses.dataclass(frozen=True)
class ShownAnswer:
    #: None when the request is anonymous.
    respondent_name: str | None
    ratings: Mapping[str, int]
    comments: str | None


@dataclasses.dataclass(frozen=True)
class Results:
    """What the supervisor may see of one request's answers."""

    asked: int
    answered: int
    anonymous: bool
    #: False while an anonymous request has fewer than 2 answers: nothing is shown.
    shown: bool
    #: Question id → mean rating to 1 decimal place, when shown.
    means: Mapping[str, Decimal]
    answers: tuple[ShownAnswer, ...]


def results(request: FeedbackRequest, names: Mapping[int, str]) -> Results:
    """Anonymous answers carry no name and are sorted by their own content, never by who or when."""
    answers = list(request.answers)
    shown = not request.anonymous or len(answers) >= MIN_ANSWERS_SHOWN
    if not shown or not answers:
        return Results(len(request.invitees), len(answers), request.anonymous, shown, {}, ())
    means = {q: (Decimal(sum(int(a.ratings[q]) for a in answers)) / len(answers)).quantize(Decimal("0.1"))
             for q in QUESTIONS}
    rows = [ShownAnswer(None if request.anonymous else names.get(a.respondent_id, ""),
                        {q: int(a.ratings[q]) for q in QUESTIONS}, a.comments) for a in answers]
    if request.anonymous:
        rows.sort(key=lambda r: (tuple(r.ratings.values()), r.comments or ""))
    return Results(len(request.invitees), len(answers), request.anonymous, True, means, tuple(rows))
