"""The evidence library: upload, list, describe, link, download and preview files.

The person and their current supervisors and tutors reach the whole library; HR, service leads and
line managers who may see the person reach only what the person shared with HR, without the
descriptions (app.services.evidence decides). Files are served only through the download and
preview routes below, never from `static/`, with headers that stop a browser running them.
"""
from __future__ import annotations

import io
from functools import partial
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from app.config import evidence_dir
from app.database import db
from app.forms import attach_error
from app.pagination import page_number, paginate
from app.portfolio import bp
from app.portfolio.common import today
from app.portfolio.evidence_forms import EvidenceFilterForm, EvidenceForm, EvidenceLinksForm, EvidenceUploadForm
from app.security import ensure, requires, signed_in
from app.services import evidence as evidence_service
from app.services.errors import DomainError
from app.services.evidence import Access
from app.services.evidence_store import BY_MEDIA_TYPE, ascii_file_name, path_for, size_text
from app.services.logs import can_read_case
from models import CpdActivity, User
from models.reference_data import catalogue_for
from models.evidence import CaseEvidence, CpdEvidence, EvidenceItem
from models.portfolio import ClinicalCase

log = logging.getLogger(__name__)

PER_PAGE = 25
FILTER_ARGS = ("q", "kind")
#: Sent with an inline preview: nothing may run, load or be fetched; the browser shows the file and no more.
PREVIEW_CSP = "default-src 'none'; img-src 'self'; object-src 'self'; frame-ancestors 'none'; sandbox"
#: Sent with a download, in case a browser shows it anyway.
DOWNLOAD_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"


def _viewer() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _owner(user_id: int) -> tuple[User, Access]:
    """The library's owner and how much of it the signed-in user reaches (404 if nothing)."""
    person = db().scalar(select(User).where(User.id == user_id).options(selectinload(User.role_grants)))
    access = Access.NONE if person is None else evidence_service.evidence_access(db(), _viewer(), person, today())
    ensure(person is not None and access is not Access.NONE, hide=True)
    assert person is not None
    return person, access


def _item(person: User, item_id: int, *, for_change: bool = False, live: bool = False) -> EvidenceItem:
    """One of the person's items the viewer may read (404 otherwise); 403 to change someone else's."""
    item = db().scalar(select(EvidenceItem).where(EvidenceItem.id == item_id, EvidenceItem.owner_id == person.id)
                       .options(joinedload(EvidenceItem.file)))
    ensure(item is not None and evidence_service.can_read_evidence(db(), _viewer(), item, today())
           and not (live and item.is_deleted), hide=True)
    assert item is not None
    if for_change and not evidence_service.can_change_evidence(_viewer(), item):
        abort(403)
    return item


def _store_dir() -> Path:
    return evidence_dir(current_app.config)


def _render(template: str, person: User, access: Access, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, person=person, access=access, full=access is Access.FULL,
                           can_change=_viewer().id == person.id, kinds=evidence_service.KIND_LABELS,
                           types=BY_MEDIA_TYPE, size_text=size_text, **context), status


# --- the list ------------------------------------------------------------------------------------------

def _listing(person: User, form: EvidenceFilterForm | None, *, deleted: bool, shared_only: bool) -> Select[Any]:
    stmt = (select(EvidenceItem).options(joinedload(EvidenceItem.file))
            .where(EvidenceItem.owner_id == person.id,
                   EvidenceItem.deleted_at.is_not(None) if deleted else EvidenceItem.deleted_at.is_(None)))
    if shared_only:
        stmt = stmt.where(EvidenceItem.shared_with_hr.is_(True))
    if form is not None:
        if form.kind.data:
            stmt = stmt.where(EvidenceItem.kind == form.kind.data)
        if form.q.data:
            pattern = form.q.data.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(EvidenceItem.title.ilike(f"%{pattern}%", escape="\\"))
    return stmt.order_by(EvidenceItem.dated_on.desc(), EvidenceItem.id.desc())


def _list_page(person: User, access: Access, *, shared_only: bool) -> tuple[str, int]:
    form = EvidenceFilterForm(request.args)
    valid = form.validate()
    deleted = request.args.get("deleted") == "1"
    # Deleted items are the owner's alone.
    ensure(not deleted or (_viewer().id == person.id and not shared_only), hide=True)
    page = paginate(db(), _listing(person, form if valid else None, deleted=deleted, shared_only=shared_only),
                    page_number(), PER_PAGE)
    counts = {} if shared_only else evidence_service.support_counts(
        db(), [i.id for i in page.items], every_case=can_read_case(db(), _viewer(), person, False, today()))
    filters: dict[str, Any] = {k: request.args[k] for k in FILTER_ARGS if valid and request.args.get(k)}
    if deleted:
        filters["deleted"] = "1"
    return _render("portfolio/evidence_list.html", person, access, 200 if valid else 400, form=form, page=page,
                   filters=filters, deleted=deleted, shared_only=shared_only, counts=counts,
                   endpoint="portfolio.evidence_shared" if shared_only else "portfolio.evidence")


@bp.route("/evidence")
@requires(signed_in, "can_read_evidence")
def evidence(user_id: int) -> tuple[str, int] | Response:
    person, access = _owner(user_id)
    if access is Access.SHARED:
        return redirect(url_for("portfolio.evidence_shared", user_id=person.id, **request.args.to_dict()))
    return _list_page(person, access, shared_only=False)


@bp.route("/evidence/shared")
@requires(signed_in, "can_see_shared_evidence")
def evidence_shared(user_id: int) -> tuple[str, int]:
    person, access = _owner(user_id)
    return _list_page(person, access, shared_only=True)


# --- one item ------------------------------------------------------------------------------------------

def _links_form(person: User, item: EvidenceItem, formdata: Any = None) -> EvidenceLinksForm:
    """The owner's live CPD activities and cases as choices, with those the item supports ticked."""
    session = db()
    cpds = list(session.scalars(select(CpdActivity).where(CpdActivity.owner_id == person.id,
                                                          CpdActivity.deleted_at.is_(None))
                                .order_by(CpdActivity.end_on.desc(), CpdActivity.id.desc())))
    cases = list(session.scalars(select(ClinicalCase).where(ClinicalCase.owner_id == person.id,
                                                            ClinicalCase.deleted_at.is_(None))
                                 .order_by(ClinicalCase.case_ref)))
    data = None
    if formdata is None:
        data = {"cpd_ids": list(session.scalars(select(CpdEvidence.cpd_id).where(CpdEvidence.evidence_id == item.id))),
                "case_ids": list(session.scalars(select(CaseEvidence.case_id).where(CaseEvidence.evidence_id == item.id)))}
    form = EvidenceLinksForm(formdata=formdata, data=data)
    form.cpd_ids.choices = [(c.id, f"{c.title} ({c.end_on:%-d %b %Y})") for c in cpds]
    form.case_ids.choices = [(c.id, c.case_ref + (" (training case)" if c.training_case else "")) for c in cases]
    return form


def _item_page(person: User, access: Access, item: EvidenceItem, links_form: EvidenceLinksForm | None = None,
               status: int = 200) -> tuple[str, int]:
    supports = None
    if access is Access.FULL:
        supports = evidence_service.supports(
            db(), item, every_case=can_read_case(db(), _viewer(), person, False, today()))
    if links_form is None and _viewer().id == person.id and not item.is_deleted:
        links_form = _links_form(person, item)
    return _render("portfolio/evidence_item.html", person, access, status, item=item, supports=supports,
                   links_form=links_form, claim_label=partial(evidence_service.claim_label, catalogue_for(db())),
                   signed=evidence_service.SIGNED)


@bp.route("/evidence/<int:item_id>")
@requires(signed_in, "can_read_evidence")
def evidence_item(user_id: int, item_id: int) -> tuple[str, int]:
    person, access = _owner(user_id)
    return _item_page(person, access, _item(person, item_id))


@bp.route("/evidence/<int:item_id>/links", methods=["POST"])
@requires(signed_in, "can_read_evidence")
def evidence_links(user_id: int, item_id: int) -> tuple[str, int] | Response:
    person, access = _owner(user_id)
    item = _item(person, item_id, for_change=True, live=True)
    form = _links_form(person, item, formdata=request.form)
    if form.validate_on_submit():
        try:
            evidence_service.set_links(db(), item, cpd_ids=form.cpd_ids.data or [], case_ids=form.case_ids.data or [])
        except DomainError as err:
            db().rollback()
            attach_error(form, err)
        else:
            db().commit()
            flash(f"What “{item.title}” supports has been saved.")
            return redirect(url_for("portfolio.evidence_item", user_id=person.id, item_id=item.id))
    return _item_page(person, access, item, form, 400)


# --- upload and change ---------------------------------------------------------------------------------

@bp.route("/evidence/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_evidence")
def evidence_new(user_id: int) -> tuple[str, int] | Response:
    person, access = _owner(user_id)
    ensure(_viewer().id == person.id)
    form = EvidenceUploadForm()
    if form.validate_on_submit():
        chosen = form.chosen_file()
        try:
            item = evidence_service.store_upload(
                db(), person, chosen.stream if chosen else io.BytesIO(), chosen.filename if chosen else None,
                store_dir=_store_dir(), max_bytes=int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024,
                details=form.details(), today=today())
        except DomainError as err:
            db().rollback()
            attach_error(form, err)
        else:
            db().commit()
            flash(f"Evidence “{item.title}” uploaded.")
            return redirect(url_for("portfolio.evidence_item", user_id=person.id, item_id=item.id))
    return _render("portfolio/evidence_form.html", person, access, 400 if form.errors else 200, form=form, item=None,
                   max_mb=current_app.config["MAX_UPLOAD_MB"])


@bp.route("/evidence/<int:item_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_evidence")
def evidence_edit(user_id: int, item_id: int) -> tuple[str, int] | Response:
    person, access = _owner(user_id)
    item = _item(person, item_id, for_change=True, live=True)
    form = EvidenceForm(data=EvidenceForm.data_of(item) if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            evidence_service.update(db(), item, form.details(), today=today())
        except DomainError as err:
            db().rollback()
            attach_error(form, err)
        else:
            db().commit()
            flash(f"Evidence “{item.title}” saved.")
            return redirect(url_for("portfolio.evidence_item", user_id=person.id, item_id=item.id))
    return _render("portfolio/evidence_form.html", person, access, 400 if form.errors else 200, form=form, item=item)


@bp.route("/evidence/<int:item_id>/delete", methods=["POST"])
@requires(signed_in, "can_read_evidence")
def evidence_delete(user_id: int, item_id: int) -> Response:
    person, _access = _owner(user_id)
    item = _item(person, item_id, for_change=True)
    try:
        evidence_service.delete(db(), item)
    except DomainError as err:
        db().rollback()
        flash(err.message, "error")
        return redirect(url_for("portfolio.evidence_item", user_id=person.id, item_id=item.id))
    db().commit()
    # The list shows flashes of this category with an Undo button that restores the item.
    flash(f"Evidence “{item.title}” deleted.",
          "undo:" + url_for("portfolio.evidence_undo", user_id=person.id, item_id=item.id))
    return redirect(url_for("portfolio.evidence", user_id=person.id))


@bp.route("/evidence/<int:item_id>/undo", methods=["POST"])
@requires(signed_in, "can_read_evidence")
def evidence_undo(user_id: int, item_id: int) -> Response:
    person, _access = _owner(user_id)
    item = _item(person, item_id, for_change=True)
    try:
        evidence_service.undo_delete(db(), item)
    except DomainError as err:
        db().rollback()
        flash(err.message)
    else:
        db().commit()
        flash(f"Evidence “{item.title}” restored.")
    return redirect(url_for("portfolio.evidence_item", user_id=person.id, item_id=item.id))


# --- the file ------------------------------------------------------------------------------------------

def content_disposition(disposition: str, name: str) -> str:
    """RFC 6266: a plain ASCII `filename` for old clients and the exact name as UTF-8 in `filename*`."""
    return f"{disposition}; filename=\"{ascii_file_name(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def _send(item: EvidenceItem, *, inline: bool) -> Response:
    path = path_for(_store_dir(), item.file_sha256)
    if not path.is_file():
        # The row outlived its file (a restored database without the store): say so in the log.
        log.error("evidence file missing from the store: %s (item %s)", item.file_sha256, item.id)
        abort(404)
    response = send_file(path, mimetype=item.file.media_type, conditional=False, etag=False, max_age=0)
    response.headers["Content-Disposition"] = content_disposition("inline" if inline else "attachment",
                                                                  item.file_name)
    response.headers["Content-Security-Policy"] = PREVIEW_CSP if inline else DOWNLOAD_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/evidence/<int:item_id>/download")
@requires(signed_in, "can_read_evidence")
def evidence_download(user_id: int, item_id: int) -> Response:
    person, _access = _owner(user_id)
    return _send(_item(person, item_id), inline=False)


@bp.route("/evidence/<int:item_id>/preview")
@requires(signed_in, "can_read_evidence")
def evidence_preview(user_id: int, item_id: int) -> Response:
    person, _access = _owner(user_id)
    item = _item(person, item_id)
    file_type = BY_MEDIA_TYPE.get(item.file.media_type)
    ensure(file_type is not None and file_type.previewable, hide=True)
    return _send(item, inline=True)
