"""The service's own records for administrators: the outgoing-mail outbox and the audit trail."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import Select, or_, select
from werkzeug.wrappers import Response

from app.admin import bp
from app.pagination import page_number, paginate
from app.database import db
from app.security import ensure, requires
from app.services.access import can_read_outbox, can_view_audit_trail
from models import AuditEvent, OutboxMail, User
from models.audit import verify_chain


OUTBOX_PER_PAGE = 50
AUDIT_PER_PAGE = 100


# --- outbox ------------------------------------------------------------------------------------

def _outbox_of_organisation() -> Select[Any]:
    """Mail addressed to the admin's own organisation: OutboxMail has no organisation of its own."""
    addresses = select(User.email).where(User.organisation_id == current_user.organisation_id)
    return select(OutboxMail).where(OutboxMail.to_address.in_(addresses))


@bp.route("/outbox")
@requires(can_read_outbox)
def outbox() -> str:
    stmt = _outbox_of_organisation().order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
    page = paginate(db(), stmt, page_number(), OUTBOX_PER_PAGE)
    return render_template("admin/outbox.html", page=page)


@bp.route("/outbox/<int:mail_id>")
@requires(can_read_outbox)
def outbox_mail(mail_id: int) -> str:
    mail = db().scalar(_outbox_of_organisation().where(OutboxMail.id == mail_id))
    ensure(mail is not None, hide=True)
    return render_template("admin/outbox_mail.html", mail=mail)


# --- audit trail -------------------------------------------------------------------------------

@bp.route("/audit")
@requires(can_view_audit_trail)
def audit() -> str:
    # Events by people of this organisation, and the system's own; other organisations' stay theirs.
    stmt = (select(AuditEvent, User.full_name).outerjoin(User, User.id == AuditEvent.actor_id)
            .where(or_(AuditEvent.actor_id.is_(None), User.organisation_id == current_user.organisation_id))
            .order_by(AuditEvent.seq.desc()))
    page = paginate(db(), stmt, page_number(), AUDIT_PER_PAGE, rows=True)
    return render_template("admin/audit.html", page=page)


@bp.route("/audit/verify", methods=["POST"])
@requires(can_view_audit_trail)
def audit_verify() -> Response:
    report = verify_chain(db())
    if report.ok:
        flash(f"Audit trail intact: {report.checked} events verified.")
    else:
        flash(f"Audit trail broken at event {report.broken_seq}: {report.problem}.")
    return redirect(url_for("admin.audit"))
