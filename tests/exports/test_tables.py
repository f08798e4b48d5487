"""CSV and XLSX exports: same headers and rows, formulas made inert, dates and numbers kept as values."""
import csv
import datetime as dt
import io
from decimal import Decimal

from hypothesis import given, strategies as st
from openpyxl import load_workbook

from exports.tables import csv_text, safe_text, xlsx_bytes

HEADERS = ["Name", "Band", "Next step", "WTE"]
ROWS = [["=HYPERLINK(\"http://evil\")", "6", dt.date(2027, 1, 1), Decimal("0.80")],
        ["Amira Hassan", "4", None, Decimal("1.00")],
        ["-2+3", "+5", dt.date(2026, 12, 24), -1]]


def test_csv_has_a_bom_header_and_inert_formulas():
    text = csv_text(HEADERS, ROWS)
    assert text.startswith("\ufeffName,Band,Next step,WTE\r\n")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1] == ["'=HYPERLINK(\"http://evil\")", "6", "2027-01-01", "0.80"]
    assert rows[2] == ["Amira Hassan", "4", "", "1.00"]
    # Text starting with - or + is made inert; a real negative number keeps its sign.
    assert rows[3] == ["'-2+3", "'+5", "2026-12-24", "-1"]


def test_xlsx_keeps_values_and_never_stores_a_formula():
    book = load_workbook(io.BytesIO(xlsx_bytes(HEADERS, ROWS, title="Staff directory")))
    sheet = book["Staff directory"]
    values = list(sheet.values)
    assert values[0] == tuple(HEADERS)
    assert values[1][0] == "=HYPERLINK(\"http://evil\")"
    assert sheet["A2"].data_type == "s"
    assert values[1][2] == dt.datetime(2027, 1, 1)
    assert values[2][3] == 1


def test_a_long_title_is_cut_to_excels_31_characters():
    book = load_workbook(io.BytesIO(xlsx_bytes(["A"], [["x"]], title="A" * 40)))
    assert book.sheetnames == ["A" * 31]


@given(st.lists(st.lists(st.text(max_size=20), min_size=2, max_size=2), max_size=20))
def test_every_text_cell_round_trips_through_csv_apart_from_the_inert_prefix(rows):
    text = csv_text(["a", "b"], rows)
    back = list(csv.reader(io.StringIO(text[1:], newline="")))[1:]
    assert len(back) == len(rows)
    for got, want in zip(back, rows):
        assert got == [safe_text(c) for c in want]


def test_control_characters_xml_cannot_hold_are_dropped_from_xlsx_text():
    from openpyxl import load_workbook

    data = xlsx_bytes(["Name\x0b"], [["Ann\x00 Lee\x1b", "tab\tkept"]])
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]][0] == "Name"
    assert [c.value for c in sheet[2]] == ["Ann Lee", "tab\tkept"]
