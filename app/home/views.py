"""Home pages, one per role, each listing what that role should act on now."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.database import db
from app.portfolio.dashboard import log_links
from app.security import requires, signed_in
from app.services import accounts, credentials, notifications, review_queue, team_views
from app.services.access import has_any_role
from app.templating import ROLE_HOMES
from models import (AuditChainHead, OutboxMail, RelationshipKind, Role, Service, StaffProfile, User)

bp = Blueprint("home", __name__)


def today() -> dt.date:
    return dt.date.today()


def _role(role: Role):  # type: ignore[no-untyped-def]
    def check(user: User) -> bool:
        return has_any_role(user, role)

    check.__name__ = f"has_role_{role.value}"
    return check


@bp.route("/")
@requires(signed_in)
def index() -> str | Response:
    for role, endpoint, _text in ROLE_HOMES:
        if current_user.has_role(role):
            return redirect(url_for(endpoint))
    return render_template("home/no_roles.html")


@bp.route("/practitioner")
@requires(_role(Role.PRACTITIONER))
def practitioner() -> str:
    session = db()
    profile = session.scalar(select(StaffProfile).where(StaffProfile.user_id == current_user.id).options(
        selectinload(StaffProfile.team), selectinload(StaffProfile.working_patterns),
        selectinload(StaffProfile.leave_periods), selectinload(StaffProfile.registrations)))
    relationships = team_views.my_relationships(session, current_user, today())
    has_supervision = any(r.kind is RelationshipKind.SUPERVISION for r in relationships)
    rule_set = credentials.rules(db(), today())
    due = [(reg, tags) for reg in (profile.registrations if profile else [])
           if (tags := credentials.tags(credentials.flags_of(reg, rule_set, today())))]
    # Credentials are listed from `due`, so the notifications' credentials line is left out here.
    waiting = [w for w in notifications.waiting_for(session, current_user, today()) if w.kind != "credentials"]
    return render_template("home/practitioner.html", profile=profile, relationships=relationships,
                           has_supervision=has_supervision, registrations_due=due, today=today(),
                           logs=log_links(current_user), waiting=waiting)


def _looked_after(kind: RelationshipKind, template: str, title: str) -> str:
    rels = team_views.people_looked_after(db(), current_user, kind, today())
    soon = today() + dt.timedelta(days=30)
    return render_template(template, relationships=rels, ending_soon=[r for r in rels if r.ends_on and r.ends_on <= soon],
                           title=title, today=today(), show_staff_links=kind is RelationshipKind.LINE_MANAGEMENT)


@bp.route("/supervisor")
@requires(_role(Role.SUPERVISOR))
def supervisor() -> str:
    """Each current supervisee with a summary, then one review queue across them all (app.services.review_queue)."""
    session = db()
    rels = review_queue.current_supervisees(session, current_user, today())
    queue = review_queue.queue_for(session, current_user, today(), review_queue.default_providers(),
                                   supervisees=review_queue.distinct_people(rels))
    soon = today() + dt.timedelta(days=30)
    return render_template("home/supervisor.html", title="Your supervisees", relationships=rels,
                           summaries=review_queue.supervisee_summaries(session, rels, queue, today()), queue=queue,
                           kinds=review_queue.KIND_LABELS, ending_soon=[r for r in rels if r.ends_on and r.ends_on <= soon],
                           today=today())


@bp.route("/tutor")
@requires(_role(Role.COURSE_TUTOR))
def tutor() -> str:
    return _looked_after(RelationshipKind.TUTORING, "home/looked_after.html", "Your trainees")


@bp.route("/line-manager")
@requires(_role(Role.LINE_MANAGER))
def line_manager() -> str:
    return _looked_after(RelationshipKind.LINE_MANAGEMENT, "home/looked_after.html", "Your team")


@bp.route("/service-lead")
@requires(_role(Role.SERVICE_LEAD))
def service_lead() -> str:
    session = db()
    service_ids = team_views.lead_service_ids(current_user)
    gaps = team_views.cover_gaps(session, service_ids, current_user.organisation_id, today())
    services = team_views.services_with_team_counts(session, service_ids)
    return render_template("home/scope.html", title="Your service", gaps=gaps, services=services, today=today(),
                           skill_mix_services=[s for s, _teams in services])


@bp.route("/hr")
@requires(_role(Role.HR))
def hr() -> str:
    session = db()
    scope = team_views.hr_service_scope(current_user)
    gaps = team_views.cover_gaps(session, scope, current_user.organisation_id, today())
    services = session.scalars(select(Service).where(
        Service.organisation_id == current_user.organisation_id,
        Service.id.in_(scope) if scope is not None else Service.active.is_(True)).order_by(Service.name))
    return render_template("home/scope.html", title="HR overview", gaps=gaps, services=None, today=today(),
                           scope_all=scope is None, skill_mix_services=list(services))


@bp.route("/admin")
@requires(_role(Role.ADMIN))
def admin() -> str:
    session = db()
    org = current_user.organisation_id
    never_signed_in = list(session.scalars(
        select(User).where(User.organisation_id == org, User.active.is_(True), User.last_login_at.is_(None))
        .order_by(User.full_name)))
    locked, locked_networks = accounts.count_locked_out(session)
    unsent = session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.sent_at.is_(None)))
    head = session.get(AuditChainHead, 1)
    return render_template("home/admin.html", never_signed_in=never_signed_in, locked=locked or 0, locked_networks=locked_networks,
                           unsent=unsent or 0, audit_events=head.seq if head else 0)
