"""Single-use links for outside supervisors and referees: create, e-mail, open, complete, revoke.

Only the token's SHA-256 hash is stored. A link shows and accepts only its own items; it works
once, until it expires, or until the practitioner revokes it. Unknown, used, expired and revoked
tokens look the same to the visitor (find_working_link returns None for all of them).
What the outside person confirms is marked as theirs: the sessions' countersigned_outside_name,
the reference request's completed_via = "outside".
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping, Sequence

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from app.services import countersigning, references
from app.services.errors import DomainError
from app.services.mail import SMTPSettings, send_mail
from models import SupervisionSession, User
from models.audit import record
from models.base import utcnow
from models.countersigning import CountersignStatus
from models.ksa import ReferenceKind, ReferenceRequest, ReferenceStatus
from models.outside_links import LinkPurpose, OutsideLink

DEFAULT_DAYS = 14
MAX_DAYS = 60
MAX_COMMENT = 2000
USED_UP = "This link does not work any more. Ask the person who sent it for a new one."


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _email(address: str | None, field: str = "recipient_email") -> str | None:
    address = (address or "").strip()
    if not address:
        return None
    try:
        return str(validate_email(address, check_deliverability=False).normalized)
    except EmailNotValidError:
        raise DomainError("Enter an e-mail address in the correct format, like name@nhs.net", field=field) from None


def _new_link(session: Session, owner: User, purpose: LinkPurpose, recipient_name: str, recipient_email: str | None,
              *, now: dt.datetime, days: int, **items: object) -> tuple[OutsideLink, str]:
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"a link lasts 1 to {MAX_DAYS} days, not {days}")
    token = secrets.token_urlsafe(32)
    link = OutsideLink(owner_id=owner.id, purpose=purpose, recipient_name=recipient_name,
                       recipient_email=recipient_email, token_hash=token_hash(token), created_at=now,
                       expires_at=now + dt.timedelta(days=days), **items)
    session.add(link)
    session.flush()
    return link, token


# --- creating ----------------------------------------------------------------------------------

def confirmable_sessions(session: Session, owner_id: int) -> list[SupervisionSession]:
    """The person's live sessions with an outside supervisor that nobody has confirmed or disputed yet."""
    return list(session.scalars(select(SupervisionSession).where(
        SupervisionSession.supervisee_id == owner_id, SupervisionSession.deleted_at.is_(None),
        SupervisionSession.supervisor_id.is_(None), SupervisionSession.countersign_status == CountersignStatus.AWAITING,
    ).order_by(SupervisionSession.occurred_on.desc(), SupervisionSession.id.desc())))


def create_supervision_link(session: Session, owner: User, session_ids: Sequence[int], recipient_email: str | None,
                            *, now: dt.datetime | None = None, days: int = DEFAULT_DAYS) -> tuple[OutsideLink, str]:
    """A link for the outside supervisor named on the chosen sessions; returns the link and its raw token."""
    chosen = set(session_ids)
    if not chosen:
        raise DomainError("Choose at least one session for them to confirm", field="sessions")
    found = [s for s in confirmable_sessions(session, owner.id) if s.id in chosen]
    if len(found) != len(chosen):
        raise DomainError("Choose sessions with an outside supervisor that are not yet confirmed", field="sessions")
    names = {(s.outside_supervisor_name or "").strip().casefold() for s in found}
    if len(names) != 1:
        raise DomainError("Choose sessions with one outside supervisor: each link goes to one person",
                          field="sessions")
    return _new_link(session, owner, LinkPurpose.CONFIRM_SUPERVISION, found[0].outside_supervisor_name or "",
                     _email(recipient_email), now=now or utcnow(), days=days,
                     session_ids=sorted(s.id for s in found))


def create_reference_link(session: Session, owner: User, request: ReferenceRequest, *, now: dt.datetime | None = None,
                          days: int = DEFAULT_DAYS) -> tuple[OutsideLink, str]:
    """A link for an open request's outside referee; an earlier working link for it stops working."""
    if (request.owner_id != owner.id or request.referee_id is not None
            or request.status is not ReferenceStatus.REQUESTED):
        raise DomainError("Only an open request to an outside referee can have a link")
    now = now or utcnow()
    for old in session.scalars(select(OutsideLink).where(OutsideLink.reference_request_id == request.id,
                                                          OutsideLink.used_at.is_(None),
                                                          OutsideLink.revoked_at.is_(None))):
        revoke(session, old, now=now)
    purpose = (LinkPurpose.KSA_REFERENCE if request.kind is ReferenceKind.REFERENCE
               else LinkPurpose.KSA_COUNTERSIGNATURE)
    return _new_link(session, owner, purpose, request.referee_name or "", request.referee_email, now=now, days=days,
                     reference_request_id=request.id)


def mail_link(session: Session, smtp: SMTPSettings, link: OutsideLink, url: str) -> bool:
    """E-mail the link to its recipient; False (nothing sent) without an address or an SMTP server.

    Without a server, mail waits in the outbox that administrators read: a link there would let an
    administrator answer as the outside person, so the practitioner copies it instead.
    """
    if not link.recipient_email or not smtp.server:
        return False
    owner = link.owner
    if link.purpose is LinkPurpose.CONFIRM_SUPERVISION:
        ask = f"{owner.full_name} asks you to confirm {len(link.session_ids)} supervision session(s) you gave."
    else:
        ask = f"{owner.full_name} asks you for a {link.purpose.label} for their BABCP KSA portfolio."
    body = (f"Dear {link.recipient_name},\n\n{ask}\n\nOpen this link to see exactly what is asked and reply "
            f"(no account needed):\n\n{url}\n\nThe link works once and stops working on "
            f"{link.expires_at:%d %B %Y}. If you were not expecting it, ignore this e-mail.\n\nWaymark")
    send_mail(session, smtp, link.recipient_email, f"{owner.full_name} asks you to {_verb(link)}", body)
    return True


def _verb(link: OutsideLink) -> str:
    return {LinkPurpose.CONFIRM_SUPERVISION: "confirm supervision sessions",
            LinkPurpose.KSA_REFERENCE: "write a KSA reference",
            LinkPurpose.KSA_COUNTERSIGNATURE: "countersign KSA self-statements"}[link.purpose]


# --- the outside person's side -------------------------------------------------------------------

def find_working_link(session: Session, token: str, *, now: dt.datetime | None = None) -> OutsideLink | None:
    """The link for `token` if it still works; None for unknown, used, expired and revoked alike."""
    link = session.scalar(select(OutsideLink).where(OutsideLink.token_hash == token_hash(token))
                          .options(joinedload(OutsideLink.owner), joinedload(OutsideLink.reference_request)))
    if link is None or not link.works_at(now or utcnow()):
        return None
    return link


def record_visit(session: Session, link: OutsideLink, *, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    if link.opened_at is None:
        link.opened_at = now
    record(session, "outside_link_opened", "outside_links", link.id, actor_id=None,
           detail={"purpose": link.purpose.value})
    session.flush()


def linked_sessions(session: Session, link: OutsideLink) -> list[SupervisionSession]:
    """Exactly the link's sessions that are still live and the owner's; nothing else is ever shown."""
    if link.purpose is not LinkPurpose.CONFIRM_SUPERVISION or not link.session_ids:
        return []
    return list(session.scalars(select(SupervisionSession).where(
        SupervisionSession.id.in_(link.session_ids), SupervisionSession.supervisee_id == link.owner_id,
        SupervisionSession.deleted_at.is_(None), SupervisionSession.supervisor_id.is_(None),
        SupervisionSession.countersign_status == CountersignStatus.AWAITING,
    ).order_by(SupervisionSession.occurred_on, SupervisionSession.id)))


@dataclasses.dataclass(frozen=True)
class Decision:
    status: CountersignStatus
    comment: str | None = None


def _use(session: Session, link: OutsideLink, name: str, now: dt.datetime) -> None:
    """Spend the link: a conditional UPDATE, so two submissions at once cannot both use it."""
    spent = session.execute(
        update(OutsideLink)
        .where(OutsideLink.id == link.id, OutsideLink.used_at.is_(None), OutsideLink.revoked_at.is_(None),
               OutsideLink.expires_at > now)
        .values(used_at=now, completed_by_name=name)
        .execution_options(synchronize_session=False))
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError(USED_UP)
    session.expire(link)
    record(session, "outside_link_completed", "outside_links", link.id, actor_id=None,
           detail={"purpose": link.purpose.value})


def confirm_sessions(session: Session, link: OutsideLink, decisions: Mapping[int, Decision], name: str | None, *,
                     now: dt.datetime | None = None) -> list[SupervisionSession]:
    """Confirm or dispute every session of the link (a comment is required to dispute); ids outside it are refused."""
    now = now or utcnow()
    shown = {s.id: s for s in linked_sessions(session, link)}
    if set(decisions) - set(shown):
        raise DomainError("Answer only the sessions listed here", field="name")
    for sid in shown:
        decision = decisions.get(sid)
        if decision is None or decision.status not in (CountersignStatus.CONFIRMED, CountersignStatus.DISPUTED):
            raise DomainError("Say whether this session took place as shown", field=f"session_{sid}")
        comment = (decision.comment or "").strip() or None
        if comment and len(comment) > MAX_COMMENT:
            raise DomainError(f"This must be {MAX_COMMENT:,} characters or fewer", field=f"comment_{sid}")
        if decision.status is CountersignStatus.DISPUTED and not comment:
            raise DomainError("Say what is wrong with this session", field=f"comment_{sid}")
    who = references.check_confirming_name(name)
    _use(session, link, who, now)
    for sid, s in shown.items():
        decision = decisions[sid]
        s.countersign_status = decision.status
        s.countersign_comment = (decision.comment or "").strip() or None
        s.countersigned_at, s.countersigned_by_id, s.countersigned_outside_name = now, None, who
        # The fingerprint of what was confirmed: a later edit by the practitioner resets it to awaiting.
        s.countersigned_digest = countersigning.session_digest(s)
    session.flush()
    return list(shown.values())


def complete_reference(session: Session, link: OutsideLink, text: str | None, name: str | None, *,
                       now: dt.datetime | None = None) -> ReferenceRequest:
    now = now or utcnow()
    request = link.reference_request
    if request is None or link.purpose is LinkPurpose.CONFIRM_SUPERVISION:
        raise DomainError(USED_UP)
    body = references.check_reference_text(text)
    who = references.check_confirming_name(name)
    _use(session, link, who, now)
    return references.complete_from_outside(session, request, body, who, now=now)


# --- the practitioner's side ---------------------------------------------------------------------

def revoke(session: Session, link: OutsideLink, *, now: dt.datetime | None = None) -> None:
    if link.used_at is not None:
        raise DomainError("This link has been used; there is nothing to revoke")
    if link.revoked_at is not None:
        return
    link.revoked_at = now or utcnow()
    record(session, "outside_link_revoked", "outside_links", link.id, detail={"purpose": link.purpose.value})
    session.flush()


def links_of(session: Session, owner_id: int, purpose: LinkPurpose | None = None) -> list[OutsideLink]:
    query = select(OutsideLink).where(OutsideLink.owner_id == owner_id)
    if purpose is not None:
        query = query.where(OutsideLink.purpose == purpose)
    return list(session.scalars(query.order_by(OutsideLink.created_at.desc(), OutsideLink.id.desc())))


def latest_links_by_request(session: Session, owner_id: int) -> dict[int, OutsideLink]:
    """The newest link for each reference request of the person (one query)."""
    latest: dict[int, OutsideLink] = {}
    for link in links_of(session, owner_id):
        if link.reference_request_id is not None:
            latest.setdefault(link.reference_request_id, link)
    return latest
