"""Outgoing e-mail: every message is kept in the outbox; SMTP sends it when configured."""
from __future__ import annotations

import dataclasses
import smtplib
from email.message import EmailMessage

from sqlalchemy.orm import Session

from models import OutboxMail
from models.base import utcnow

#: What stays in the outbox once SMTP has taken a message (it may have held a sign-in link).
DELIVERED_BODY = "(delivered by SMTP; the body is not kept)"


@dataclasses.dataclass(frozen=True)
class SMTPSettings:
    server: str | None
    port: int = 587
    username: str | None = None
    password: str | None = None
    use_tls: bool = True
    sender: str = "waymark@localhost"

    @classmethod
    def from_config(cls, cfg: dict[str, object]) -> SMTPSettings:
        def opt(name: str) -> str | None:
            value = cfg.get(name)
            return str(value) if value else None

        return cls(server=opt("MAIL_SERVER"), port=int(str(cfg.get("MAIL_PORT") or 587)),
                   username=opt("MAIL_USERNAME"), password=opt("MAIL_PASSWORD"),
                   use_tls=bool(cfg.get("MAIL_USE_TLS")), sender=opt("MAIL_FROM") or "waymark@localhost")


def send_mail(session: Session, smtp: SMTPSettings, to: str, subject: str, body: str, *,
              deliver: bool = True) -> OutboxMail:
    """Without SMTP the message stays in the outbox for an admin to read (development).

    With deliver=False it is only queued there: the caller hands its id to a worker (`deliver`), so that
    a request does not wait on, or reveal anything by, an SMTP conversation.
    """
    mail = OutboxMail(to_address=to, subject=subject, body=body)
    session.add(mail)
    if smtp.server and deliver:
        _send(smtp, mail)
    session.flush()
    return mail


def deliver(session: Session, smtp: SMTPSettings, mail_id: int) -> OutboxMail | None:
    """Send one queued outbox message; the caller commits. Sent ones, and everything without SMTP, stay as they are."""
    mail = session.get(OutboxMail, mail_id)
    if mail is None or mail.sent_at is not None or not smtp.server:
        return mail
    _send(smtp, mail)
    session.flush()
    return mail


def _send(smtp: SMTPSettings, mail: OutboxMail) -> None:
    assert smtp.server
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = smtp.sender, mail.to_address, mail.subject
    msg.set_content(mail.body)
    try:
        with smtplib.SMTP(smtp.server, smtp.port, timeout=10) as conn:
            if smtp.use_tls:
                conn.starttls()
            if smtp.username:
                conn.login(smtp.username, smtp.password or "")
            conn.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        mail.error = f"{type(exc).__name__}: {exc}"[:500]
        return
    mail.sent_at = utcnow()
    mail.error = None
    # Once delivered, the outbox keeps no copy of a message that may hold a sign-in link.
    mail.body = DELIVERED_BODY
