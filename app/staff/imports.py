"""The staff and posts import: upload a CSV, see the dry run (plan and every row error), apply it whole.

The checked file waits on the server, under the instance folder, named by who uploaded it and its
SHA-256, so "Apply" applies exactly the bytes that were checked; nothing trusts a hidden field.
Applying checks the file again from scratch, since the database may have moved on.
"""
from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.pagination import page_number, paginate
from app.security import requires
from app.services import staff_import as service
from app.services.errors import DomainError
from app.staff import bp
from app.staff.download import table_response
from app.staff.imports_forms import StaffImportApplyForm, StaffImportUploadForm
from models import User

#: Checked files not applied within a day are removed at the next upload.
KEEP_SECONDS = 24 * 3600
_DIGEST = re.compile(r"[0-9a-f]{64}")


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "staff-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _paths(user: User, digest: str) -> tuple[Path, Path]:
    base = _folder() / f"{user.id}-{digest}"
    return base.with_suffix(".csv"), base.with_suffix(".name")


def _keep(user: User, digest: str, name: str, data: bytes) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for old in _folder().iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    csv_path, name_path = _paths(user, digest)
    csv_path.write_bytes(data)
    name_path.write_text(name, encoding="utf-8")


def _kept(user: User, digest: str) -> tuple[str, bytes]:
    """The file this person uploaded with that digest; 404 when there is none (or it was applied)."""
    if not _DIGEST.fullmatch(digest):
        abort(404)
    csv_path, name_path = _paths(user, digest)
    if not csv_path.is_file():
        abort(404)
    return name_path.read_text(encoding="utf-8") if name_path.is_file() else "upload.csv", csv_path.read_bytes()


def _file_name(raw: str | None) -> str:
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255] or "upload.csv"


@bp.route("/staff/import", methods=["GET", "POST"])
@requires(service.may_import, "may_import_staff")
def import_upload() -> tuple[str, int] | Response:
    session = db()
    form = StaffImportUploadForm()
    if form.validate_on_submit():
        actor: User = current_user._get_current_object()
        name, data = _file_name(form.file.data.filename), form.file.data.read(service.MAX_BYTES + 1)
        try:
            plan = service.dry_run(session, actor=actor, file_name=name, data=data, today=dt.date.today())
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            _keep(actor, plan.sha256, name, data)
            return redirect(url_for("staff.import_check", digest=plan.sha256))
    return render_template("staff/import.html", form=form, columns=service.COLUMNS), 400 if form.errors else 200


@bp.route("/staff/import/<digest>")
@requires(service.may_import, "may_import_staff")
def import_check(digest: str) -> str:
    actor: User = current_user._get_current_object()
    name, data = _kept(actor, digest)
    plan = service.check(db(), actor=actor, file_name=name, data=data, today=dt.date.today())
    return render_template("staff/import_result.html", plan=plan, form=StaffImportApplyForm(), digest=digest)


@bp.route("/staff/import/<digest>/apply", methods=["POST"])
@requires(service.may_import, "may_import_staff")
def import_apply(digest: str) -> tuple[str, int] | Response:
    session = db()
    actor: User = current_user._get_current_object()
    name, data = _kept(actor, digest)
    form = StaffImportApplyForm()
    if not form.validate_on_submit():
        return redirect(url_for("staff.import_check", digest=digest))
    plan = service.apply(session, actor=actor, file_name=name, data=data, today=dt.date.today())
    if not plan.applied:
        session.rollback()
        return render_template("staff/import_result.html", plan=plan, form=form, digest=digest, refused=True), 400
    session.commit()
    for path in _paths(actor, digest):
        path.unlink(missing_ok=True)
    counts = plan.counts
    flash(f"{name} imported: {counts['created']} created, {counts['changed']} changed, "
          f"{counts['unchanged']} unchanged.")
    return redirect(url_for("staff.import_history"))


@bp.route("/staff/import/history")
@requires(service.may_import, "may_import_staff")
def import_history() -> str:
    actor: User = current_user._get_current_object()
    page = paginate(db(), service.history(db(), actor), page_number(), 50, rows=True)
    return render_template("staff/import_history.html", page=page, everyone=service.sees_every_import(actor))


@bp.route("/staff/import/template.csv")
@requires(service.may_import, "may_import_staff")
def import_template() -> Response:
    """The header row and one example row, to fill in or to compare an ESR export with."""
    return table_response("staff-import-template", [c.name for c in service.COLUMNS],
                          [[c.example for c in service.COLUMNS]], "csv")
