"""Send a list as CSV (streamed) or XLSX, with a file name that says what and when."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from flask import Response, stream_with_context

from exports.tables import CSV_TYPE, XLSX_TYPE, Cell, csv_lines, xlsx_bytes

FORMATS = ("csv", "xlsx")


def table_response(stem: str, headers: Sequence[str], rows: Iterable[Sequence[Cell]], fmt: str,
                   *, title: str = "Export") -> Response:
    """`stem` is a safe ASCII name ("staff-directory"); the date is added."""
    name = f"{stem}-{dt.date.today().isoformat()}.{fmt}"
    if fmt == "xlsx":
        response = Response(xlsx_bytes(headers, rows, title=title), mimetype=XLSX_TYPE)
    elif fmt == "csv":
        response = Response(stream_with_context(csv_lines(headers, rows)), content_type=CSV_TYPE)
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
