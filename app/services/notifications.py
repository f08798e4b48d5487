"""What is waiting on each person (for their home page), and the daily digest e-mail for those who chose it.

The digest carries counts and links only: no statements, comments or names of supervisees,
since e-mail leaves the service's control.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.services import credentials, review_queue
from app.services.mail import SMTPSettings, send_mail
from competences.claims import ClaimStatus
from models import CompetenceClaim, Role, StaffProfile, User
from models.level_ratings import DigestSent
from models.supervisor_work import SupervisorReport

#: Builds an absolute link from an endpoint and its arguments (app.urls.external_url, or the CLI's equivalent).
LinkBuilder = Callable[..., str]


@dataclasses.dataclass(frozen=True)
class Waiting:
    """Some things of one kind waiting on a person, with the page where they are dealt with."""

    #: returned_claims, reports, credentials, review_queue
    kind: str
    count: int
    #: In words, without private content: "2 claims returned to you with comments".
    text: str
    endpoint: str
    args: Mapping[str, object]


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _returned_claims(session: Session, user: User) -> list[Waiting]:
    count = session.scalar(select(func.count()).select_from(CompetenceClaim).where(
        CompetenceClaim.owner_id == user.id, CompetenceClaim.status == ClaimStatus.RETURNED,
        CompetenceClaim.deleted_at.is_(None))) or 0
    if not count:
        return []
    return [Waiting("returned_claims", count,
                    _plural(count, "claim returned to you with comments", "claims returned to you with comments"),
                    "portfolio.frameworks", {"user_id": user.id})]


def _flagged_credentials(session: Session, user: User, today: dt.date) -> list[Waiting]:
    profile = session.scalar(select(StaffProfile).where(StaffProfile.user_id == user.id)
                             .options(selectinload(StaffProfile.registrations)))
    if profile is None or not profile.registrations:
        return []
    rule_set = credentials.rules(session, today)
    count = sum(1 for reg in profile.registrations if credentials.tags(credentials.flags_of(reg, rule_set, today)))
    if not count:
        return []
    return [Waiting("credentials", count,
                    _plural(count, "credential needs attention", "credentials need attention")
                    + " (a declaration, renewal or expiry)",
                    "portfolio.credentials", {"user_id": user.id})]


def _reports_to_acknowledge(session: Session, user: User) -> list[Waiting]:
    count = session.scalar(select(func.count()).select_from(SupervisorReport).where(
        SupervisorReport.supervisee_id == user.id, SupervisorReport.acknowledged_at.is_(None))) or 0
    if not count:
        return []
    return [Waiting("reports", count,
                    _plural(count, "supervisor report to read and acknowledge",
                            "supervisor reports to read and acknowledge"),
                    "portfolio.reports", {"user_id": user.id})]


def _review_queue(session: Session, user: User, today: dt.date) -> list[Waiting]:
    """Everything in the supervisor's review queue (every provider the supervisor home runs)."""
    count = len(review_queue.queue_for(session, user, today, review_queue.default_providers()))
    if not count:
        return []
    return [Waiting("review_queue", count,
                    _plural(count, "item waiting in your supervision review queue",
                            "items waiting in your supervision review queue"),
                    "home.supervisor", {})]


def waiting_for(session: Session, user: User, today: dt.date) -> list[Waiting]:
    """Everything waiting on `user` today, by the roles they hold."""
    found: list[Waiting] = []
    if user.has_role(Role.PRACTITIONER):
        found += _returned_claims(session, user)
        found += _reports_to_acknowledge(session, user)
        found += _flagged_credentials(session, user, today)
    if user.has_role(Role.SUPERVISOR):
        found += _review_queue(session, user, today)
    return found


# --- the daily digest --------------------------------------------------------------------------

def set_digest(session: Session, user: User, opt_in: bool) -> None:
    user.digest_opt_in = opt_in
    session.flush()


def digest_body(user: User, waiting: list[Waiting], link: LinkBuilder) -> str:
    lines = [f"Hello {user.full_name},", "", "Waiting for you in Waymark today:", ""]
    for w in waiting:
        lines += [f"- {w.text}:", f"  {link(w.endpoint, **w.args)}"]
    lines += ["", "You get this e-mail once a day, only when something is waiting, because you chose it.",
              "To stop it, change your notification settings:", link("portfolio.notification_settings", user_id=user.id), ""]
    return "\n".join(lines)


def send_digests(session: Session, smtp: SMTPSettings, today: dt.date, link: LinkBuilder) -> int:
    """One e-mail per opted-in active user with something waiting, once per day; returns how many were sent."""
    already = set(session.scalars(select(DigestSent.user_id).where(DigestSent.day == today)))
    users = session.scalars(select(User).where(User.active.is_(True), User.digest_opt_in.is_(True))
                            .options(selectinload(User.role_grants)).order_by(User.id))
    sent = 0
    for user in users:
        if user.id in already:
            continue
        waiting = waiting_for(session, user, today)
        if not waiting:
            continue
        total = sum(w.count for w in waiting)
        mail = send_mail(session, smtp, user.email,
                         f"Waymark: {_plural(total, 'thing', 'things')} waiting for you", digest_body(user, waiting, link))
        session.add(DigestSent(user_id=user.id, day=today, outbox_mail_id=mail.id))
        session.flush()
        sent += 1
    return sent
