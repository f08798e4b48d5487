"""The KSA portfolio route: route choice, checklist, biography, experience, self-directed study, document list, references.

The biography, duties and study notes are private: only the person and their current supervisor
or tutor reach these pages (load_person), and only the person changes them.
"""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.pagination import page_number, paginate
from app.portfolio import bp
from app.portfolio.common import load_person, may_change, today
from app.portfolio.ksa_forms import BiographyForm, ExperienceForm, ReferenceForm, RouteForm, StudyForm
from app.security import ensure, requires, signed_in
from app.services import ksa as ksa_service
from app.services import outside_links
from app.services.errors import DomainError
from competences.frameworks import Framework, items
from models import User
from models.base import utcnow
from models.ksa import KsaExperience, KsaStudy, ReferenceRequest

STUDY_PER_PAGE = 25


def _render(template: str, person: User, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, person=person, can_change=may_change(person), **context), status


def _url(endpoint: str, fallback: str, **values: Any) -> str:
    """A page another part of Waymark owns, by endpoint when it is there, else by its agreed address."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return fallback


def _criteria_names(framework: Framework) -> dict[str, str]:
    return {i.id: f"{i.code}. {i.title}" for i in items(framework)}


def _saved(form: Any, action: Any, message: Any, target: Any) -> Response | None:
    """Run a service call; commit and redirect with a flash, or roll back and put the error beside its field."""
    try:
        result = action()
    except DomainError as err:
        db().rollback()
        attach_error(form, err)
        return None
    db().commit()
    flash(message(result))
    return redirect(target(result))


# --- overview (KSA1) -------------------------------------------------------------------------------

@bp.route("/ksa")
@requires(signed_in, "can_read_log")
def ksa(user_id: int) -> tuple[str, int]:
    person = load_person(user_id)
    session = db()
    framework = ksa_service.ksa_framework(session)
    portfolio = ksa_service.portfolio_of(session, person.id)
    experience = ksa_service.live_experience(session, person.id)
    route = portfolio.route if portfolio else None
    checklist = ksa_service.checklist(session, person.id, framework, route,
                                      biography=bool(portfolio and portfolio.biography), experience=bool(experience))
    requests = ksa_service.reference_requests(session, person.id)
    links = {r.item.id: {
        "new": _url("portfolio.claim_new", f"/people/{person.id}/claims/new?framework=ksa&item={r.item.id}",
                    user_id=person.id, framework="ksa", item=r.item.id),
        "open": _url("portfolio.claim", f"/people/{person.id}/claims/{r.claim.id}", user_id=person.id,
                     claim_id=r.claim.id) if r.claim else None,
    } for r in checklist.rows}
    return _render("portfolio/ksa_overview.html", person, framework=framework, portfolio=portfolio,
                   checklist=checklist, links=links, evidence_titles={e.id: e.title for e in framework.evidence_types},
                   coverage=_url("portfolio.coverage", f"/people/{person.id}/frameworks/ksa", user_id=person.id,
                                 framework_id="ksa"),
                   experience=ksa_service.experience_totals(experience, today()),
                   study=ksa_service.study_totals(session, person.id),
                   documents=len(ksa_service.document_list(session, person.id, framework)),
                   requested=sum(1 for r in requests if r.status.value == "requested"),
                   completed=sum(1 for r in requests if r.status.value == "completed"),
                   words=ksa_service.word_count(portfolio.biography if portfolio else None))


@bp.route("/ksa/route", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def ksa_route_form(user_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id, for_change=True)
    session = db()
    framework = ksa_service.ksa_framework(session)
    portfolio = ksa_service.portfolio_of(session, person.id)
    form = RouteForm(framework=framework, data=RouteForm.data_of(portfolio) if request.method == "GET" else None)
    if form.validate_on_submit():
        done = _saved(form, lambda: ksa_service.choose_route(session, person, form.chosen_route(), form.background.data,
                                                             today=today(), framework=framework),
                      lambda p: "KSA route saved.", lambda p: url_for("portfolio.ksa", user_id=person.id))
        if done:
            return done
    return _render("portfolio/ksa_route.html", person, 400 if form.errors else 200, form=form, framework=framework,
                   portfolio=portfolio)


# --- biography (KSA6) ------------------------------------------------------------------------------

@bp.route("/ksa/biography")
@requires(signed_in, "can_read_log")
def ksa_biography(user_id: int) -> tuple[str, int]:
    person = load_person(user_id)
    portfolio = ksa_service.portfolio_of(db(), person.id)
    return _render("portfolio/ksa_biography.html", person, portfolio=portfolio,
                   words=ksa_service.word_count(portfolio.biography if portfolio else None))


@bp.route("/ksa/biography/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def ksa_biography_edit(user_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id, for_change=True)
    portfolio = ksa_service.portfolio_of(db(), person.id)
    if portfolio is None:
        flash("Choose your KSA route first; your biography is part of your KSA portfolio.")
        return redirect(url_for("portfolio.ksa_route_form", user_id=person.id))
    form = BiographyForm(data={"biography": portfolio.biography} if request.method == "GET" else None)
    if form.validate_on_submit():
        done = _saved(form, lambda: ksa_service.save_biography(db(), portfolio, form.biography.data),
                      lambda p: "Biography saved.", lambda p: url_for("portfolio.ksa_biography", user_id=person.id))
        if done:
            return done
    return _render("portfolio/ksa_biography_form.html", person, 400 if form.errors else 200, form=form,
                   words=ksa_service.word_count(form.biography.data))


# --- experience log (criterion 14) -----------------------------------------------------------------

def _experience_entry(person: User, entry_id: int, *, live: bool = False) -> KsaExperience:
    entry = db().scalar(select(KsaExperience).where(KsaExperience.id == entry_id, KsaExperience.owner_id == person.id))
    ensure(entry is not None and not (live and entry.is_deleted), hide=True)
    assert entry is not None
    return entry


@bp.route("/ksa/experience")
@requires(signed_in, "can_read_log")
def ksa_experience(user_id: int) -> tuple[str, int]:
    person = load_person(user_id)
    deleted = request.args.get("deleted") == "1"
    entries = ksa_service.live_experience(db(), person.id, deleted=deleted)
    live = entries if not deleted else ksa_service.live_experience(db(), person.id)
    day = today()
    hours = {e.id: ksa_service.experience_hours(e.started_on, e.ended_on, e.hours_per_week, day) for e in entries}
    return _render("portfolio/ksa_experience_list.html", person, entries=entries, period_hours=hours, deleted=deleted,
                   totals=ksa_service.experience_totals(live, day))


def _experience_form(person: User, entry: KsaExperience | None) -> tuple[str, int] | Response:
    form = ExperienceForm(data=ExperienceForm.data_of(entry) if entry and request.method == "GET" else None)
    if form.validate_on_submit():
        if entry is None:
            action = lambda: ksa_service.create_experience(db(), person, form.details(), today=today())  # noqa: E731
        else:
            action = lambda: ksa_service.update_experience(db(), entry, form.details(), today=today())  # noqa: E731
        done = _saved(form, action, lambda e: f"Experience at {e.organisation} saved.",
                      lambda e: url_for("portfolio.ksa_experience", user_id=person.id))
        if done:
            return done
    return _render("portfolio/ksa_experience_form.html", person, 400 if form.errors else 200, form=form, entry=entry)


@bp.route("/ksa/experience/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def ksa_experience_new(user_id: int) -> tuple[str, int] | Response:
    return _experience_form(load_person(user_id, for_change=True), None)


@bp.route("/ksa/experience/<int:entry_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def ksa_experience_edit(user_id: int, entry_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id, for_change=True)
    return _experience_form(person, _experience_entry(person, entry_id, live=True))


def _delete_or_undo(person: User, entry: KsaExperience | KsaStudy, undo: bool, what: str, listing: str,
                    undo_endpoint: str) -> Response:
    try:
        (ksa_service.undo_delete_entry if undo else ksa_service.delete_entry)(db(), entry)
    except DomainError as err:
        db().rollback()
        flash(err.message)
    else:
        db().commit()
        if undo:
            flash(f"{what} restored.")
        else:
            flash(f"{what} deleted.", "undo:" + url_for(undo_endpoint, user_id=person.id, entry_id=entry.id))
    return redirect(url_for(listing, user_id=person.id))


@bp.route("/ksa/experience/<int:entry_id>/delete", methods=["POST"])
@requires(signed_in, "can_read_log")
def ksa_experience_delete(user_id: int, entry_id: int) -> Response:
    person = load_person(user_id, for_change=True)
    entry = _experience_entry(person, entry_id)
    return _delete_or_undo(person, entry, False, f"Experience at {entry.organisation}", "portfolio.ksa_experience",
                           "portfolio.ksa_experience_undo")


@bp.route("/ksa/experience/<int:entry_id>/undo", methods=["POST"])
@requires(signed_in, "can_read_log")
def ksa_experience_undo(user_id: int, entry_id: int) -> Response:
    person = load_person(user_id, for_change=True)
    entry = _experience_entry(person, entry_id)
    return _delete_or_undo(person, entry, True, f"Experience at {entry.organisation}", "portfolio.ksa_experience",
                           "portfolio.ksa_experience_undo")


# --- self-directed study (KSA5) --------------------------------------------------------------------

def _study_entry(person: User, entry_id: int, *, live: bool = False) -> KsaStudy:
    entry = db().scalar(select(KsaStudy).where(KsaStudy.id == entry_id, KsaStudy.owner_id == person.id))
    ensure(entry is not None and not (live and entry.is_deleted), hide=True)
    assert entry is not None
    return entry


@bp.route("/ksa/study")
@requires(signed_in, "can_read_log")
def ksa_study(user_id: int) -> tuple[str, int]:
    person = load_person(user_id)
    deleted = request.args.get("deleted") == "1"
    stmt = select(KsaStudy).where(KsaStudy.owner_id == person.id,
                                  KsaStudy.deleted_at.is_not(None) if deleted else KsaStudy.deleted_at.is_(None)
                                  ).order_by(KsaStudy.ended_on.desc(), KsaStudy.started_on.desc(), KsaStudy.id.desc())
    page = paginate(db(), stmt, page_number(), STUDY_PER_PAGE)
    framework = ksa_service.ksa_framework(db())
    return _render("portfolio/ksa_study_list.html", person, page=page, deleted=deleted,
                   filters={"deleted": "1"} if deleted else {}, totals=ksa_service.study_totals(db(), person.id),
                   criteria=_criteria_names(framework), framework_items=items(framework))


def _study_form(person: User, entry: KsaStudy | None) -> tuple[str, int] | Response:
    framework = ksa_service.ksa_framework(db())
    form = StudyForm(framework=framework, held=entry.criteria if entry else None,
                     data=StudyForm.data_of(entry) if entry and request.method == "GET" else None)
    if request.method == "GET" and entry is None and request.args.get("criterion"):
        form.criteria.data = [request.args["criterion"]]
    if form.validate_on_submit():
        if entry is None:
            action = lambda: ksa_service.create_study(db(), person, form.details(), today=today(),  # noqa: E731
                                                      framework=framework)
        else:
            action = lambda: ksa_service.update_study(db(), entry, form.details(), today=today(),  # noqa: E731
                                                      framework=framework)
        done = _saved(form, action, lambda e: f"Study of “{e.topic}” saved.",
                      lambda e: url_for("portfolio.ksa_study", user_id=person.id))
        if done:
            return done
    return _render("portfolio/ksa_study_form.html", person, 400 if form.errors else 200, form=form, entry=entry)


@bp.route("/ksa/study/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def ksa_study_new(user_id: int) -> tuple[str, int] | Response:
    return _study_form(load_person(user_id, for_change=True), None)


@bp.route("/ksa/study/<int:entry_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def ksa_study_edit(user_id: int, entry_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id, for_change=True)
    return _study_form(person, _study_entry(person, entry_id, live=True))


@bp.route("/ksa/study/<int:entry_id>/delete", methods=["POST"])
@requires(signed_in, "can_read_log")
def ksa_study_delete(user_id: int, entry_id: int) -> Response:
    person = load_person(user_id, for_change=True)
    entry = _study_entry(person, entry_id)
    return _delete_or_undo(person, entry, False, f"Study of “{entry.topic}”", "portfolio.ksa_study",
                           "portfolio.ksa_study_undo")


@bp.route("/ksa/study/<int:entry_id>/undo", methods=["POST"])
@requires(signed_in, "can_read_log")
def ksa_study_undo(user_id: int, entry_id: int) -> Response:
    person = load_person(user_id, for_change=True)
    entry = _study_entry(person, entry_id)
    return _delete_or_undo(person, entry, True, f"Study of “{entry.topic}”", "portfolio.ksa_study",
                           "portfolio.ksa_study_undo")


# --- document list (KSA7) --------------------------------------------------------------------------

@bp.route("/ksa/documents")
@requires(signed_in, "can_read_log")
def ksa_documents(user_id: int) -> tuple[str, int]:
    person = load_person(user_id)
    framework = ksa_service.ksa_framework(db())
    return _render("portfolio/ksa_documents.html", person,
                   documents=ksa_service.document_list(db(), person.id, framework),
                   criteria=_criteria_names(framework),
                   evidence_titles={e.id: e.title for e in framework.evidence_types})


# --- reference requests (KSA3, KSA4) ---------------------------------------------------------------

@bp.route("/ksa/references")
@requires(signed_in, "can_read_log")
def ksa_references(user_id: int) -> tuple[str, int]:
    person = load_person(user_id)
    framework = ksa_service.ksa_framework(db())
    return _render("portfolio/ksa_references.html", person,
                   requests=ksa_service.reference_requests(db(), person.id), criteria=_criteria_names(framework),
                   links=outside_links.latest_links_by_request(db(), person.id), now=utcnow())


@bp.route("/ksa/references/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def ksa_reference_new(user_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id, for_change=True)
    framework = ksa_service.ksa_framework(db())
    supervisors = ksa_service.current_supervisors(db(), person, today())
    form = ReferenceForm(framework=framework, supervisors=supervisors)
    if form.validate_on_submit():
        done = _saved(form, lambda: ksa_service.request_reference(db(), person, form.details(), today=today(),
                                                                  framework=framework),
                      lambda r: f"{r.kind.label} requested from {r.referee_label}.",
                      lambda r: url_for("portfolio.ksa_references", user_id=person.id))
        if done:
            return done
    return _render("portfolio/ksa_reference_form.html", person, 400 if form.errors else 200, form=form,
                   supervisors=supervisors)


@bp.route("/ksa/references/<int:request_id>/cancel", methods=["POST"])
@requires(signed_in, "can_read_log")
def ksa_reference_cancel(user_id: int, request_id: int) -> Response:
    person = load_person(user_id, for_change=True)
    found = db().scalar(select(ReferenceRequest).where(ReferenceRequest.id == request_id,
                                                       ReferenceRequest.owner_id == person.id))
    ensure(found is not None, hide=True)
    assert found is not None
    try:
        ksa_service.cancel_reference(db(), found)
    except DomainError as err:
        db().rollback()
        flash(err.message)
    else:
        db().commit()
        flash(f"Request to {found.referee_label} cancelled.")
    return redirect(url_for("portfolio.ksa_references", user_id=person.id))


