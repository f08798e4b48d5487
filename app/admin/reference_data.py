"""Admin pages for the data files behind frameworks, pay and rules: see every version, download, upload a correction."""
from __future__ import annotations

import datetime as dt
import io

from flask import flash, redirect, render_template, send_file, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.admin import bp
from app.admin.reference_data_forms import ReferenceDataUploadForm
from app.database import db
from app.forms import attach_error
from app.security import ensure, requires
from app.services import reference_data
from app.services.access import can_manage_organisation, can_view_reference_data
from app.services.errors import DomainError
from app.templating import format_date
from competences.catalogue import Loaded
from models import User
from models.reference_data import catalogue_for


def _versions(file_id: str) -> list[reference_data.FileVersion]:
    """Every version of the file, newest first; no such file → 404."""
    versions = reference_data.file_versions(db(), file_id)
    ensure(versions is not None, hide=True)
    assert versions is not None
    return versions


@bp.route("/reference-data", endpoint="reference_data")
@requires(can_view_reference_data)
def reference_data_list() -> str:
    return render_template("admin/reference_data.html", files=reference_data.latest_versions(db()),
                           today=dt.date.today(), can_upload=can_manage_organisation(current_user))


@bp.route("/reference-data/<file_id>")
@requires(can_view_reference_data)
def reference_data_file(file_id: str) -> str:
    versions = _versions(file_id)
    return render_template("admin/reference_data_file.html", versions=versions, latest=versions[0],
                           today=dt.date.today(), can_upload=can_manage_organisation(current_user))


@bp.route("/reference-data/<file_id>/v<int:version>")
@requires(can_view_reference_data)
def reference_data_version(file_id: str, version: int) -> str:
    chosen = next((v for v in _versions(file_id) if v.loaded.meta.version == version), None)
    ensure(chosen is not None, hide=True)
    return render_template("admin/reference_data_version.html", chosen=chosen, today=dt.date.today())


@bp.route("/reference-data/<file_id>/download")
@requires(can_view_reference_data)
def reference_data_download(file_id: str) -> Response:
    """The newest version's text as a .toml file, to edit and upload as the next version."""
    catalogue = catalogue_for(db())
    ensure(catalogue.has(file_id), hide=True)
    latest: Loaded = catalogue.current(file_id)
    return send_file(io.BytesIO(latest.text.encode("utf-8")), mimetype="application/toml", as_attachment=True,
                     download_name=f"{file_id}-v{latest.meta.version}.toml")


@bp.route("/reference-data/upload", methods=["GET", "POST"])
@requires(can_manage_organisation)
def reference_data_upload() -> tuple[str, int] | Response:
    session = db()
    form = ReferenceDataUploadForm()
    if form.validate_on_submit():
        uploaded = form.has_file()
        try:
            text = (reference_data.decode_upload(form.file.data.read(reference_data.MAX_BYTES + 1)) if uploaded
                    else form.text.data or "")
            actor: User = current_user._get_current_object()
            row = reference_data.upload_correction(session, text=text, note=form.note.data or "", actor=actor)
        except DomainError as err:
            session.rollback()
            if err.field == "file" and not uploaded:
                err.field = "text"  # the problem is in what was pasted, so show it there
            attach_error(form, err)
        else:
            session.commit()
            flash(f"{row.title} version {row.version} stored; it applies from {format_date(row.effective_from)}.")
            return redirect(url_for("admin.reference_data_file", file_id=row.file_id))
    return render_template("admin/reference_data_upload.html", form=form), 400 if form.errors else 200
