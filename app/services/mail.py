"""Outgoing e-mail: every message is kept in the outbox; SMTP sends it when configured."""
from __future__ import annotations

import dataclasses
import smtplib
from email.message import EmailMessage

from sqlalchemy.orm import Session

from models import OutboxMail
from models.base import utcnow


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


def send_mail(session: Session, smtp: SMTPSettings, to: str, subject: str, body: str) -> OutboxMail:
    """Without SMTP the message stays in the outbox for an admin to read (development)."""
    mail = OutboxMail(to_address=to, subject=subject, body=body)
    session.add(mail)
    if smtp.server:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = smtp.sender, to, subject
        msg.set_content(body)
        try:
            with smtplib.SMTP(smtp.server, smtp.port, timeout=10) as conn:
                if smtp.use_tls:
                    conn.starttls()
                if smtp.username:
                    conn.login(smtp.username, smtp.password or "")
                conn.send_message(msg)
            mail.sent_at = utcnow()
            # Once delivered, the outbox keeps no copy of a message that may hold a sign-in link.
            mail.body = "(delivered by SMTP; the body is not kept)"
        except (OSError, smtplib.SMTPException) as exc:
            mail.error = f"{type(exc).__name__}: {exc}"[:500]
    session.flush()
    return mail
