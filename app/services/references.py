"""Writing a KSA reference or countersignature: by the named supervisor in Waymark, or by an outside referee through a link.

A completed request counts as KSA evidence for its criteria (app.services.ksa.route_evidence reads
completed requests). The supervisor's side also feeds the review queue (references_waiting).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from app.services.access import can_supervise
from app.services.errors import DomainError
from app.services.privacy import refuse_patient_identifiers
from models import User
from models.audit import digest, record
from models.base import utcnow
from models.ksa import ReferenceKind, ReferenceRequest, ReferenceStatus

if TYPE_CHECKING:
    from app.services.review_queue import QueueItem

#: A reference is a few paragraphs; this is about two pages.
MAX_REFERENCE = 8000
MAX_NAME = 120
GONE = "This request changed while you were looking: it is no longer open"


def check_reference_text(text: str | None, field: str = "text") -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError("Write the reference or countersignature", field=field)
    if len(text) > MAX_REFERENCE:
        raise DomainError(f"This must be {MAX_REFERENCE:,} characters or fewer", field=field)
    refuse_patient_identifiers(text, field)
    return text


def check_confirming_name(name: str | None, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError("Type your full name to confirm", field=field)
    if len(name) > MAX_NAME:
        raise DomainError(f"This must be {MAX_NAME} characters or fewer", field=field)
    return name


def can_write_reference(session: Session, user: User, request: ReferenceRequest, today: dt.date) -> bool:
    """Only the named referee, and only while they still supervise the person."""
    return (request.referee_id is not None and request.referee_id == user.id
            and can_supervise(session, user, request.owner, today))


def _complete(session: Session, request: ReferenceRequest, *, text: str, via: str, by_name: str | None,
              now: dt.datetime) -> None:
    """Mark the request completed, once: a conditional UPDATE, so two writers cannot both complete it."""
    done = session.execute(
        update(ReferenceRequest)
        .where(ReferenceRequest.id == request.id, ReferenceRequest.status == ReferenceStatus.REQUESTED)
        .values(status=ReferenceStatus.COMPLETED, completed_at=now, response_text=text, completed_via=via,
                completed_by_name=by_name)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError(GONE, field="text")
    session.expire(request)
    # A bulk UPDATE is not an ORM flush, so name the act in the trail, with a digest of the text.
    record(session, "reference_completed", "reference_requests", request.id,
           detail={"via": via, "kind": request.kind.value, "text_digest": digest({"text": text})})
    session.flush()


def write_reference(session: Session, request: ReferenceRequest, writer: User, text: str | None, *,
                    today: dt.date, now: dt.datetime | None = None) -> ReferenceRequest:
    """The named supervisor writes the reference or countersignature in Waymark."""
    if not can_write_reference(session, writer, request, today):
        raise DomainError("Only the supervisor it was asked of, while they supervise the person, can write it",
                          field="text")
    if request.status is not ReferenceStatus.REQUESTED:
        raise DomainError(GONE, field="text")
    _complete(session, request, text=check_reference_text(text), via="waymark", by_name=None, now=now or utcnow())
    return request


def complete_from_outside(session: Session, request: ReferenceRequest, text: str | None, name: str | None, *,
                          now: dt.datetime) -> ReferenceRequest:
    """The outside referee's reference, arriving through a link (app.services.outside_links checks the link)."""
    if request.status is not ReferenceStatus.REQUESTED or request.referee_id is not None:
        raise DomainError(GONE, field="text")
    body = check_reference_text(text)
    _complete(session, request, text=body, via="outside", by_name=check_confirming_name(name), now=now)
    return request


def references_waiting(session: Session, supervisor: User, supervisees: Sequence[User],
                       today: dt.date) -> list[QueueItem]:
    """Open requests naming `supervisor` from their current supervisees: one query however many."""
    # Imported here: review_queue imports the providers' services, which would make a cycle at import time.
    from app.services.review_queue import QueueItem

    people = {p.id: p for p in supervisees}
    if not people:
        return []
    rows = session.scalars(select(ReferenceRequest).where(
        ReferenceRequest.referee_id == supervisor.id, ReferenceRequest.status == ReferenceStatus.REQUESTED,
        ReferenceRequest.owner_id.in_(list(people)),
    ).order_by(ReferenceRequest.requested_at, ReferenceRequest.id))
    return [QueueItem(
        kind="reference" if r.kind is ReferenceKind.REFERENCE else "countersignature",
        supervisee_id=r.owner_id, supervisee_name=people[r.owner_id].full_name,
        title=f"{r.kind.label}: {', '.join(c.replace('ksa-', 'KSA ') for c in r.criteria)}",
        waiting_since=r.requested_at.date(), endpoint="outside.write_reference", args={"request_id": r.id},
    ) for r in rows]


def load_request(session: Session, request_id: int) -> ReferenceRequest | None:
    return session.scalar(select(ReferenceRequest).where(ReferenceRequest.id == request_id)
                          .options(joinedload(ReferenceRequest.owner), joinedload(ReferenceRequest.referee)))
