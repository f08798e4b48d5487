"""The outside person's page (/outside/<token>), the practitioner's link pages, and the supervisor's reference page."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.outside import bp
from app.outside.forms import OutsideReferenceForm, SupervisionLinkForm, WriteReferenceForm, confirm_sessions_form
from app.portfolio.common import load_person, may_change, today
from app.security import ensure, public, requires, signed_in
from app.services import ksa as ksa_service
from app.services import outside_links, references
from app.services.errors import DomainError
from app.services.mail import SMTPSettings
from app.urls import external_url
from competences.frameworks import items
from models.base import utcnow
from models.ksa import ReferenceRequest, ReferenceStatus
from models.outside_links import LinkPurpose, OutsideLink

Page = tuple[str, int]


def _days() -> int:
    return int(current_app.config.get("OUTSIDE_LINK_DAYS", outside_links.DEFAULT_DAYS))


def _criteria(criteria: list[str]) -> list[str]:
    names = {i.id: f"{i.code}. {i.title}" for i in items(ksa_service.ksa_framework(db()))}
    return [names.get(c, c) for c in criteria]


def _gone() -> Page:
    """The same page, and status, for unknown, used, expired and revoked links: nothing says which."""
    return render_template("outside/link_gone.html", message=outside_links.USED_UP), 404


# --- the outside person -------------------------------------------------------------------------

@bp.route("/outside/<token>", methods=["GET", "POST"])
@public
def link(token: str) -> Page | Response:
    session = db()
    found = outside_links.find_working_link(session, token)
    # The person who sent the link cannot answer it themselves (they saw it when it was made).
    if found is None or (current_user.is_authenticated and current_user.id == found.owner_id):
        return _gone()
    if found.purpose is LinkPurpose.CONFIRM_SUPERVISION:
        return _confirm_sessions(found)
    return _write_outside_reference(found)


def _finish(form: Any, action: Any) -> Response | None:
    try:
        action()
    except DomainError as err:
        db().rollback()
        if err.message == outside_links.USED_UP:
            return None
        attach_error(form, err)
        return None
    db().commit()
    return redirect(url_for("outside.done"))


def _confirm_sessions(found: OutsideLink) -> Page | Response:
    session = db()
    sessions = outside_links.linked_sessions(session, found)
    form = confirm_sessions_form(sessions)
    if form.validate_on_submit():
        done = _finish(form, lambda: outside_links.confirm_sessions(session, found, form.decisions(), form.name.data))
        if done:
            return done
        session.refresh(found)
        if not found.works_at(utcnow()):
            return _gone()
    elif not form.is_submitted():
        outside_links.record_visit(session, found)
        session.commit()
    return render_template("outside/confirm_sessions.html", link=found, sessions=sessions, form=form), \
        400 if form.errors else 200


def _write_outside_reference(found: OutsideLink) -> Page | Response:
    session = db()
    request = found.reference_request
    assert request is not None
    form = OutsideReferenceForm()
    if form.validate_on_submit():
        done = _finish(form, lambda: outside_links.complete_reference(session, found, form.text.data, form.name.data))
        if done:
            return done
        session.refresh(found)
        if not found.works_at(utcnow()):
            return _gone()
    elif not form.is_submitted():
        outside_links.record_visit(session, found)
        session.commit()
    return render_template("outside/reference.html", link=found, request=request, form=form,
                           criteria=_criteria(request.criteria)), 400 if form.errors else 200


@bp.route("/outside/done")
@public
def done() -> str:
    return render_template("outside/done.html")


# --- the practitioner --------------------------------------------------------------------------

def _own_request(user_id: int, request_id: int) -> ReferenceRequest:
    person = load_person(user_id, for_change=True)
    found = db().scalar(select(ReferenceRequest).where(ReferenceRequest.id == request_id,
                                                       ReferenceRequest.owner_id == person.id))
    ensure(found is not None, hide=True)
    assert found is not None
    return found


def _created(found: OutsideLink, token: str, back: str) -> Page:
    """The raw link is shown on this response only (never in a flash or a redirect): it is not stored."""
    url = external_url("outside.link", token=token)
    mailed = outside_links.mail_link(db(), SMTPSettings.from_config(current_app.config), found, url)
    db().commit()
    return render_template("outside/link_created.html", link=found, url=url, back=back, mailed=mailed), 200


@bp.route("/people/<int:user_id>/ksa/references/<int:request_id>/link", methods=["POST"])
@requires(signed_in, "can_change_log")
def reference_link_new(user_id: int, request_id: int) -> Page | Response:
    found = _own_request(user_id, request_id)
    back = url_for("portfolio.ksa_references", user_id=found.owner_id)
    try:
        made, token = outside_links.create_reference_link(db(), found.owner, found, days=_days())
    except DomainError as err:
        db().rollback()
        flash(err.message)
        return redirect(back)
    return _created(made, token, back)


@bp.route("/people/<int:user_id>/outside-links/<int:link_id>/revoke", methods=["POST"])
@requires(signed_in, "can_change_log")
def link_revoke(user_id: int, link_id: int) -> Response:
    person = load_person(user_id, for_change=True)
    found = db().scalar(select(OutsideLink).where(OutsideLink.id == link_id, OutsideLink.owner_id == person.id))
    ensure(found is not None, hide=True)
    assert found is not None
    try:
        outside_links.revoke(db(), found)
    except DomainError as err:
        db().rollback()
        flash(err.message)
    else:
        db().commit()
        flash(f"The link for {found.recipient_name} no longer works.")
    if found.purpose is LinkPurpose.CONFIRM_SUPERVISION:
        return redirect(url_for("outside.supervision_links", user_id=person.id))
    return redirect(url_for("portfolio.ksa_references", user_id=person.id))


@bp.route("/people/<int:user_id>/supervision/outside-links", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def supervision_links(user_id: int) -> Page:
    person = load_person(user_id)
    session = db()
    choosable = outside_links.confirmable_sessions(session, person.id)
    form = SupervisionLinkForm(choosable)
    if form.is_submitted():
        person = load_person(user_id, for_change=True)
    if form.validate_on_submit():
        try:
            made, token = outside_links.create_supervision_link(session, person, form.sessions.data or [],
                                                                form.recipient_email.data, days=_days())
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            return _created(made, token, url_for("outside.supervision_links", user_id=person.id))
    return render_template("outside/supervision_links.html", person=person, form=form, sessions=choosable,
                           links=outside_links.links_of(session, person.id, LinkPurpose.CONFIRM_SUPERVISION),
                           now=utcnow(), can_change=may_change(person)), 400 if form.errors else 200


# --- the supervisor writing a reference in Waymark -------------------------------------------------

@bp.route("/references/<int:request_id>/write", methods=["GET", "POST"])
@requires(signed_in, "can_write_reference")
def write_reference(request_id: int) -> Page | Response:
    session = db()
    found = references.load_request(session, request_id)
    ensure(found is not None and references.can_write_reference(session, current_user, found, today()), hide=True)
    assert found is not None
    form = WriteReferenceForm()
    if found.status is ReferenceStatus.REQUESTED and form.validate_on_submit():
        try:
            references.write_reference(session, found, current_user, form.text.data, today=today())
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(f"{found.kind.label} for {found.owner.full_name} sent.")
            return redirect(url_for("home.supervisor"))
    return render_template("outside/write_reference.html", request=found, form=form,
                           criteria=_criteria(found.criteria)), 400 if form.errors else 200
