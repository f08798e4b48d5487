"""NMC revalidation evidence: one page with the four sections and their 3-year targets, and each entry's forms.

The page is the nurse's and their supervisors' (load_person decides); only the nurse adds,
changes, deletes or restores entries. A delete is soft: the page then offers to undo it, and
?deleted=1 lists deleted entries to restore.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.pagination import Page, page_number, paginate
from app.portfolio import bp
from app.portfolio.common import load_person, may_change, today
from app.portfolio.nmc_forms import (FeedbackForm, NmcFilterForm, PracticeHoursForm, ReflectiveAccountForm,
                                     ReflectiveDiscussionForm)
from app.security import ensure, requires, signed_in
from app.services import nmc
from app.services.errors import DomainError
from app.services.logs import soft_delete, undo_delete
from models import User

PER_PAGE = 25
#: The query arguments the page's links keep (the filters, and whether deleted entries are shown).
FILTER_ARGS = frozenset({"kind", "from", "to", "sort", "deleted"})


@dataclasses.dataclass(frozen=True)
class EvidenceForm:
    """The web side of one kind of evidence: its form, and how form data becomes the service's values."""

    kind: nmc.Kind
    form: type[FlaskForm]
    template: str
    save: Callable[..., nmc.NmcEntry]
    values: Callable[[Any], Any]
    #: Form data an entry's own attributes do not supply (practice minutes are shown as hours).
    extra: Callable[[Any], dict[str, Any]] = lambda _entry: {}


FORMS: dict[str, EvidenceForm] = {
    "practice": EvidenceForm(
        nmc.KINDS["practice"], PracticeHoursForm, "portfolio/nmc_practice_form.html", nmc.save_practice_hours,
        lambda f: nmc.PracticeHours(f.start_on.data, f.end_on.data, f.hours.data, f.setting.data or ""),
        lambda entry: {"hours": nmc.minutes_to_hours(entry.minutes)}),
    "feedback": EvidenceForm(
        nmc.KINDS["feedback"], FeedbackForm, "portfolio/nmc_feedback_form.html", nmc.save_feedback,
        lambda f: nmc.Feedback(f.received_on.data, f.source.data or "", f.summary.data or "", f.what_changed.data)),
    "account": EvidenceForm(
        nmc.KINDS["account"], ReflectiveAccountForm, "portfolio/nmc_account_form.html", nmc.save_reflective_account,
        lambda f: nmc.ReflectiveAccount(f.written_on.data, f.nature_of_experience.data or "",
                                        f.what_learned.data or "", f.how_changed_practice.data or "",
                                        tuple(f.code_themes.data or ()))),
    "discussion": EvidenceForm(
        nmc.KINDS["discussion"], ReflectiveDiscussionForm, "portfolio/nmc_discussion_form.html",
        nmc.save_reflective_discussion,
        lambda f: nmc.ReflectiveDiscussion(f.held_on.data, f.partner_name.data or "", f.partner_pin.data or "")),
}


@dataclasses.dataclass(frozen=True)
class Section:
    kind: nmc.Kind
    page: Page[Any]


# --- the page ----------------------------------------------------------------------------------

@bp.route("/nmc", endpoint="nmc")
@requires(signed_in, "can_read_log")
def nmc_evidence(user_id: int) -> tuple[str, int]:
    session = db()
    person = load_person(user_id)
    filters = NmcFilterForm(request.args)
    valid = filters.validate()
    deleted = request.args.get("deleted") == "1" and may_change(person)
    args = {k: v for k, v in request.args.items() if k in FILTER_ARGS and v} if valid else {}
    return render_template(
        "portfolio/nmc.html", person=person, totals=nmc.totals(session, person.id, today()), filters=filters,
        sections=_sections(person, filters if valid else None, deleted), args=args, deleted=deleted,
        can_change=may_change(person), undo=_undo_offer(person), sources=nmc.FEEDBACK_SOURCES,
        themes=nmc.CODE_THEMES, cpd_hours=nmc.CPD_HOURS_TARGET,
        cpd_participatory_hours=nmc.CPD_PARTICIPATORY_HOURS_TARGET), 200 if valid else 400


def _sections(person: User, filters: NmcFilterForm | None, deleted: bool) -> list[Section]:
    """Each kind's entries: with one kind chosen, ?page= pages through it; otherwise each shows its first page."""
    chosen = filters.kind.data if filters else None
    since, until = (filters.since.data, filters.until.data) if filters else (None, None)
    oldest_first = filters is not None and filters.sort.data == "oldest"
    return [Section(kind, paginate(db(), nmc.entries(kind, person.id, since=since, until=until,
                                                     oldest_first=oldest_first, deleted=deleted),
                                   page_number() if chosen else 1, PER_PAGE))
            for kind in nmc.KINDS.values() if chosen in (None, kind.slug)]


def _undo_offer(person: User) -> tuple[nmc.Kind, nmc.NmcEntry] | None:
    """The entry just deleted (?undo=<kind>-<id>), if it is still deleted and the viewer may restore it."""
    slug, _, number = request.args.get("undo", "").partition("-")
    if slug not in nmc.KINDS or not number.isdigit() or not may_change(person):
        return None
    entry = nmc.get_entry(db(), nmc.KINDS[slug], person.id, int(number))
    return (nmc.KINDS[slug], entry) if entry is not None and entry.is_deleted else None


# --- adding, changing, deleting and restoring, the same way for each kind ----------------------

def _back(person: User, kind: nmc.Kind, **args: Any) -> Response:
    return redirect(url_for("portfolio.nmc", user_id=person.id, _anchor=kind.slug, **args))


def _entry(person: User, kind: nmc.Kind, entry_id: int, *, deleted: bool = False) -> nmc.NmcEntry:
    entry = nmc.get_entry(db(), kind, person.id, entry_id)
    ensure(entry is not None and entry.is_deleted == deleted, hide=True)
    assert entry is not None
    return entry


def _form_page(slug: str, user_id: int, entry_id: int | None = None) -> tuple[str, int] | Response:
    session = db()
    person = load_person(user_id, for_change=True)
    spec = FORMS[slug]
    entry = _entry(person, spec.kind, entry_id) if entry_id is not None else None
    form = spec.form(obj=entry, **spec.extra(entry)) if entry is not None else spec.form()  # nosec B610  # not Django's QuerySet.extra: a form's extra fields
    if form.validate_on_submit():
        try:
            saved = spec.save(session, person, spec.values(form), today=today(), entry=entry)
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(f"{'Saved' if entry else 'Added'} {spec.kind.describe(saved)}.")
            return _back(person, spec.kind)
    status = 400 if form.errors else 200
    return render_template(spec.template, person=person, form=form, entry=entry, kind=spec.kind), status


def _delete(slug: str, user_id: int, entry_id: int) -> Response:
    session = db()
    person = load_person(user_id, for_change=True)
    kind = nmc.KINDS[slug]
    entry = _entry(person, kind, entry_id)
    soft_delete(session, entry)
    session.commit()
    return _back(person, kind, undo=f"{slug}-{entry.id}")


def _undo(slug: str, user_id: int, entry_id: int) -> Response:
    session = db()
    person = load_person(user_id, for_change=True)
    kind = nmc.KINDS[slug]
    entry = _entry(person, kind, entry_id, deleted=True)
    undo_delete(session, entry)
    session.commit()
    flash(f"Restored {kind.describe(entry)}.")
    return _back(person, kind)


@bp.route("/nmc/practice-hours/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def nmc_practice_new(user_id: int) -> tuple[str, int] | Response:
    return _form_page("practice", user_id)


@bp.route("/nmc/practice-hours/<int:entry_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def nmc_practice_edit(user_id: int, entry_id: int) -> tuple[str, int] | Response:
    return _form_page("practice", user_id, entry_id)


@bp.route("/nmc/practice-hours/<int:entry_id>/delete", methods=["POST"])
@requires(signed_in, "can_read_log")
def nmc_practice_delete(user_id: int, entry_id: int) -> Response:
    return _delete("practice", user_id, entry_id)


@bp.route("/nmc/practice-hours/<int:entry_id>/undo", methods=["POST"])
@requires(signed_in, "can_read_log")
def nmc_practice_undo(user_id: int, entry_id: int) -> Response:
    return _undo("practice", user_id, entry_id)


@bp.route("/nmc/feedback/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def nmc_feedback_new(user_id: int) -> tuple[str, int] | Response:
    return _form_page("feedback", user_id)


@bp.route("/nmc/feedback/<int:entry_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def nmc_feedback_edit(user_id: int, entry_id: int) -> tuple[str, int] | Response:
    return _form_page("feedback", user_id, entry_id)


@bp.route("/nmc/feedback/<int:entry_id>/delete", methods=["POST"])
@requires(signed_in, "can_read_log")
def nmc_feedback_delete(user_id: int, entry_id: int) -> Response:
    return _delete("feedback", user_id, entry_id)


@bp.route("/nmc/feedback/<int:entry_id>/undo", methods=["POST"])
@requires(signed_in, "can_read_log")
def nmc_feedback_undo(user_id: int, entry_id: int) -> Response:
    return _undo("feedback", user_id, entry_id)


@bp.route("/nmc/reflective-accounts/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def nmc_account_new(user_id: int) -> tuple[str, int] | Response:
    return _form_page("account", user_id)


@bp.route("/nmc/reflective-accounts/<int:entry_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def nmc_account_edit(user_id: int, entry_id: int) -> tuple[str, int] | Response:
    return _form_page("account", user_id, entry_id)


@bp.route("/nmc/reflective-accounts/<int:entry_id>/delete", methods=["POST"])
@requires(signed_in, "can_read_log")
def nmc_account_delete(user_id: int, entry_id: int) -> Response:
    return _delete("account", user_id, entry_id)


@bp.route("/nmc/reflective-accounts/<int:entry_id>/undo", methods=["POST"])
@requires(signed_in, "can_read_log")
def nmc_account_undo(user_id: int, entry_id: int) -> Response:
    return _undo("account", user_id, entry_id)


@bp.route("/nmc/reflective-discussions/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def nmc_discussion_new(user_id: int) -> tuple[str, int] | Response:
    return _form_page("discussion", user_id)


@bp.route("/nmc/reflective-discussions/<int:entry_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def nmc_discussion_edit(user_id: int, entry_id: int) -> tuple[str, int] | Response:
    return _form_page("discussion", user_id, entry_id)


@bp.route("/nmc/reflective-discussions/<int:entry_id>/delete", methods=["POST"])
@requires(signed_in, "can_read_log")
def nmc_discussion_delete(user_id: int, entry_id: int) -> Response:
    return _delete("discussion", user_id, entry_id)


@bp.route("/nmc/reflective-discussions/<int:entry_id>/undo", methods=["POST"])
@requires(signed_in, "can_read_log")
def nmc_discussion_undo(user_id: int, entry_id: int) -> Response:
    return _undo("discussion", user_id, entry_id)
