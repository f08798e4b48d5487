"""Any list as CSV or XLSX: the same headers and rows, streamed where the format allows.

Cells that a spreadsheet would run as a formula (starting =, +, -, @, tab or carriage return) are
prefixed with an apostrophe in CSV and stored as text in XLSX, so a name typed as "=HYPERLINK(…)"
stays a name (CSV injection, OWASP). Control characters that XML 1.0 cannot hold (a file imported or
typed before the forms refused them) are dropped from XLSX text, which openpyxl would otherwise refuse.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

Cell = str | int | Decimal | dt.date | bool | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def safe_text(value: Cell) -> str:
    """The cell as CSV text; a would-be formula is made inert. Numbers keep their sign."""
    text = _text(value)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    """CSV one line at a time (with a byte-order mark so Excel reads UTF-8), for a streamed response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield "\ufeff"
    writer.writerow([safe_text(c) for c in headers])
    for row in rows:
        writer.writerow([safe_text(c) for c in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    return "".join(csv_lines(headers, rows))


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Cell]], *, title: str = "Export") -> bytes:
    """An XLSX workbook of one sheet; write-only mode keeps memory flat for thousands of rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "Export")
    bold = Font(bold=True)
    header_cells = []
    for name in headers:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", name))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, str) or value is None:
                cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value) if value else value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
            elif isinstance(value, Decimal):
                cell = WriteOnlyCell(sheet, value=value)
            else:
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


__all__ = ["CSV_TYPE", "Cell", "XLSX_TYPE", "csv_lines", "csv_text", "safe_text", "xlsx_bytes"]
