"""The staff directory at /staff: everyone the viewer's HR scope covers, filtered, sorted, paged and exported."""
from __future__ import annotations

import datetime as dt

from flask import render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from app.database import db
from app.pagination import Page, page_number
from app.security import requires
from app.services import directory as directory_service
from app.services.directory import DirectoryFilters
from app.services.staff_scope import has_staff_lists, scope_of
from app.staff import bp
from app.staff.directory_forms import FILTER_KEYS, DirectorySearchForm, choices
from app.staff.download import FORMATS, table_response

PER_PAGE = 50


def today() -> dt.date:
    return dt.date.today()


@bp.route("/staff")
@requires(has_staff_lists)
def directory() -> tuple[str, int] | Response:
    session, day = db(), today()
    scope = scope_of(session, current_user, day)
    form = DirectorySearchForm(request.args)
    form.set_places(*directory_service.places(session, scope))
    form.credential.choices = choices([("", "Any status"), *directory_service.credential_labels(session, day).items()])
    valid = form.validate()
    filters_asked = form.filters() if valid else DirectoryFilters()
    fmt = request.args.get("format")
    if fmt in FORMATS and valid:
        rows = directory_service.directory(session, scope, filters_asked, day)
        return table_response("staff-directory", directory_service.HEADERS,
                              directory_service.export_rows(rows, day), fmt, title="Staff directory")
    items, total, number = directory_service.directory_page(session, scope, filters_asked, day, page_number(),
                                                            PER_PAGE)
    page = Page(items=items, number=number, per_page=PER_PAGE, total=total)
    filters = {k: request.args[k] for k in FILTER_KEYS if valid and request.args.get(k)}
    return render_template("staff/directory.html", form=form, page=page, filters=filters, today=day,
                           scope=scope), 200 if valid else 400
