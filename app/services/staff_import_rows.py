"""Reading a staff import file: its columns, the cells of each row and the checks a row needs on its own.

Nothing here touches the database: app.services.staff_import_match and staff_import_plan check the rows
against what Waymark holds, and app.services.staff_import is the entry point (docs/staff-import.md).
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import re
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from app.services.accounts import normalise_email
from app.services.errors import DomainError
from competences.identifiers import looks_like_nhs_number
from models import Role, Team, User

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
#: The bands a Talking Therapies post can have; bands 2 and 3 are not imported.
IMPORT_BANDS = ("4", "5", "6", "7", "8a", "8b", "8c", "8d", "9")
#: Roles the file may add. HR, administrator and service lead widen what someone sees, so only an
#: administrator gives them, on the account page.
IMPORT_ROLES = (Role.PRACTITIONER, Role.SUPERVISOR, Role.LINE_MANAGER, Role.COURSE_TUTOR)
DATE_FORMATS = "YYYY-MM-DD or DD/MM/YYYY (like 2024-04-01 or 01/04/2024)"


@dataclasses.dataclass(frozen=True)
class Column:
    name: str
    key: str
    required: bool
    format: str
    example: str
    #: What a blank cell means (optional columns only).
    blank: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("Employee Number", "employee_number", True, "Up to 30 characters; unique in the file",
           "40129001"),
    Column("Full Name", "full_name", True, "Up to 120 characters", "Jo Bloggs"),
    Column("Email", "email", True, "The person's sign-in address; unique; stored in lower case",
           "jo.bloggs@nhs.net"),
    Column("Job Title", "job_title", True, "Up to 120 characters", "Psychological wellbeing practitioner"),
    Column("Core Profession", "core_profession", False, "Up to 120 characters", "Mental health nurse",
           "the job title for a new person"),
    Column("Service", "service", False, "A service in your organisation", "Northshire Talking Therapies",
           "the team is looked for in every service"),
    Column("Team", "team", False, "A team that already exists (the import never creates services or teams)",
           "Step 2 – North", "no team for a new person"),
    Column("Band", "band", True,
           "4 to 9 or 8a to 8d; \"Band 5\", \"5\", \"8A\" and \"Band 8 - Range A\" are all read", "Band 5"),
    Column("Pay Step", "pay_step", True,
           "1 to the number of pay points the band had on the step start date (AfC pay data)", "2"),
    Column("Step Start Date", "step_started_on", True, DATE_FORMATS, "01/04/2024"),
    Column("Band Start Date", "band_started_on", False, DATE_FORMATS, "2022-04-01",
           "the step start date for a new person or a new band"),
    Column("WTE", "wte", False, "Whole-time equivalent, 0.01 to 1.00", "0.8", "1.00 for a new person"),
    Column("Position Number", "position_number", False, "The ESR position (post) number, up to 30 characters",
           "NTT-0101", "the person holds no post (or keeps the one they hold)"),
    Column("Position Title", "position_title", False, "Up to 120 characters",
           "Psychological wellbeing practitioner", "the job title for a new post"),
    Column("Position Band", "position_band", False, "As Band", "5",
           "an existing post keeps its band; a new post takes the band of the first person named in it"),
    Column("Funded WTE", "funded_wte", False, "0.01 to 99", "1.00", "1.00 for a new post"),
    Column("HCAS Zone", "hcas_zone", False, "A zone id or name from the HCAS data", "Outer London",
           "no supplement for a new post"),
    Column("Line Manager Employee Number", "line_manager", False,
           "Someone in this file or already in Waymark who has (or is given) the line manager role", "40120006",
           "no change"),
    Column("Roles", "roles", False, "Role ids separated by semicolons: practitioner; supervisor; line_manager; "
           "course_tutor. Roles are added, never removed", "practitioner;supervisor", "practitioner for a new person"),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}


@dataclasses.dataclass(frozen=True)
class RowError:
    #: The row as a spreadsheet shows it: the header is row 1.
    row: int
    column: str
    problem: str



# --- reading the file --------------------------------------------------------------------------

def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise DomainError(f"The file must be {MAX_BYTES // (1024 * 1024)} MB or smaller", field="file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError(f"The file is not UTF-8 text (byte {exc.start + 1} cannot be read). Save it as "
                          "\"CSV UTF-8\" and try again", field="file") from None


def _header_key(name: str) -> str:
    return " ".join(name.split()).casefold()


_KEY_OF_HEADER = {_header_key(c.name): c.key for c in COLUMNS}


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, {column key: stripped cell}) for each non-blank row; file problems raise."""
    text = decode(data)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise DomainError(f"The file cannot be read as CSV: {exc}", field="file") from None
    if not records or not any(cell.strip() for cell in records[0]):
        raise DomainError("The file is empty: the first row must name the columns", field="file")
    header = [cell.strip() for cell in records[0]]
    keys: list[str | None] = []
    unknown, seen = [], set()
    for name in header:
        key = _KEY_OF_HEADER.get(_header_key(name))
        if key is None and name:
            unknown.append(name)
        if key is not None and key in seen:
            raise DomainError(f"The column {COLUMN_BY_KEY[key].name!r} appears twice in the first row", field="file")
        seen.add(key or "")
        keys.append(key)
    missing = [c.name for c in COLUMNS if c.required and c.key not in seen]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")
        raise DomainError(f"The first row does not match the staff import layout ({'; '.join(parts)}). "
                          "The columns are listed in the staff import guide", field="file")
    rows = []
    for index, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = {c.key: "" for c in COLUMNS}
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
            values["__width__"] = str(len(cells))
        for key, cell in zip(keys, cells):
            if key is not None:
                values[key] = cell.strip()
        rows.append((index, values))
    if len(rows) > MAX_ROWS:
        raise DomainError(f"The file has {len(rows):,} rows; an import takes at most {MAX_ROWS:,}. "
                          "Split it into smaller files", field="file")
    if not rows:
        raise DomainError("The file has a header row but no staff rows", field="file")
    return rows



# --- one row's cells -----------------------------------------------------------------------------

#: "Band 5", "5", "8A" and ESR's "Band 8 - Range A".
_BAND = re.compile(r"(?:band\s*)?([0-9]+)\s*(?:[-‐‑‒–—―]?\s*range\s*([a-z])|([a-z]))?", re.IGNORECASE)
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_UK = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def parse_band(text: str) -> str:
    """"Band 5", "5", "8A", "Band 8 - Range A" → "5", "5", "8a", "8a"; ValueError (the message to show) otherwise."""
    match = _BAND.fullmatch(text.strip())
    code = (match.group(1) + (match.group(2) or match.group(3) or "")).lower() if match else None
    if code in IMPORT_BANDS:
        assert code is not None
        return code
    if code is not None and code.isdigit():
        raise ValueError(f"Band {code} is outside the bands this import takes: 4 to 9, or 8a to 8d")
    raise ValueError(f"Unknown band {text!r}: use 4, 5, 6, 7, 8a, 8b, 8c, 8d or 9 (\"5\", \"Band 5\", \"8A\" and "
                     "\"Band 8 - Range A\" are all read)")


def parse_date(text: str) -> dt.date:
    iso, uk = _ISO.fullmatch(text), _UK.fullmatch(text)
    try:
        if iso:
            return dt.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if uk:
            return dt.date(int(uk.group(3)), int(uk.group(2)), int(uk.group(1)))
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None
    raise ValueError(f"Enter the date as {DATE_FORMATS}, not {text!r}")


def _decimal(text: str, low: Decimal, high: Decimal, what: str) -> Decimal:
    try:
        value = Decimal(text)
        ok = value.is_finite() and low <= value <= high and value == value.quantize(Decimal("0.01"))
    except InvalidOperation:
        ok = False
    if not ok:
        raise ValueError(f"{what} must be a number from {low} to {high} with at most 2 decimal places, not {text!r}")
    return value.quantize(Decimal("0.01"))


def _role(text: str) -> Role:
    key = "_".join(text.strip().lower().replace("-", " ").split())
    for role in Role:
        if key in (role.value, "_".join(role.label.lower().split())):
            if role not in IMPORT_ROLES:
                raise ValueError(f"The {role.label.lower()} role is given only by an administrator on the account "
                                 "page, not by an import")
            return role
    raise ValueError(f"Unknown role {text.strip()!r}: use {', '.join(r.value for r in IMPORT_ROLES)}, "
                     "separated by semicolons")


def _step(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise ValueError(f"Enter the pay step as a whole number from 1, not {text!r}")
    return int(text)


def _zone(text: str, zones: dict[str, str]) -> str:
    found = zones.get(text.strip().casefold())
    if found is None:
        names = sorted({z for z in zones.values()})
        raise ValueError(f"Unknown HCAS zone {text!r}: use one of {', '.join(names)} (an id or a name)")
    return found


def name_key(text: str) -> str:
    """Team and service names match ignoring case, spacing and the kind of dash."""
    return " ".join(re.sub(r"[‐‑‒–—―]", "-", text).split()).casefold()


def day(value: dt.date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


@dataclasses.dataclass
class Row:
    """One row read and checked on its own; a None value is blank or unreadable (with an error)."""

    row: int
    cells: dict[str, str]
    employee_number: str = ""
    full_name: str = ""
    email: str = ""
    job_title: str = ""
    core_profession: str | None = None
    band: str | None = None
    pay_step: int | None = None
    step_started_on: dt.date | None = None
    band_started_on: dt.date | None = None
    wte: Decimal | None = None
    position_number: str | None = None
    position_title: str | None = None
    position_band: str | None = None
    funded_wte: Decimal | None = None
    hcas_zone: str | None = None
    line_manager: str | None = None
    roles: tuple[Role, ...] = ()
    team: Team | None = None
    #: Set once the row is matched: the existing account, if any.
    user: User | None = None


_LENGTHS = {"employee_number": 30, "full_name": 120, "email": 255, "job_title": 120, "core_profession": 120,
            "position_number": 30, "position_title": 120, "line_manager": 30}


class Checker:
    """Collects every error of the file, each with its row and column."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self._keys: defaultdict[int, set[str]] = defaultdict(set)

    def add(self, row: int, key: str, problem: str) -> None:
        self.errors.append(RowError(row, COLUMN_BY_KEY[key].name if key in COLUMN_BY_KEY else key, problem))
        self._keys[row].add(key)

    def has(self, row: int, key: str) -> bool:
        """Whether the row already has an error in that column (so a second, derived one is not added)."""
        return key in self._keys.get(row, ())


def _check_cells(row: int, cells: dict[str, str], check: Checker) -> None:
    """Required, too long, or an NHS number: a refused cell is blanked so nothing else reads it."""
    if "__width__" in cells:
        check.add(row, "Whole row", f"The row has {cells['__width__']} cells but the first row names fewer columns")
    for column in COLUMNS:
        if looks_like_nhs_number(cells[column.key]):
            check.add(row, column.key, "This looks like an NHS number, a patient identifier: staff records must not "
                                       "hold one. Remove it")
            cells[column.key] = ""
        elif column.required and not cells[column.key]:
            check.add(row, column.key, f"Enter the {column.name.lower()}")
        elif column.key in _LENGTHS and len(cells[column.key]) > _LENGTHS[column.key]:
            check.add(row, column.key, f"{column.name} must be {_LENGTHS[column.key]} characters or fewer")
            cells[column.key] = ""


def read_row(row: int, cells: dict[str, str], check: Checker, zones: dict[str, str], today: dt.date) -> Row:
    _check_cells(row, cells, check)
    r = Row(row, cells)
    r.employee_number, r.full_name, r.job_title = cells["employee_number"], cells["full_name"], cells["job_title"]
    r.email = normalise_email(cells["email"])
    if r.email and ("@" not in r.email or r.email.startswith("@") or r.email.endswith("@") or " " in r.email):
        check.add(row, "email", f"Enter an e-mail address in the correct format, like name@nhs.net, not {r.email!r}")
        r.email = ""
    r.core_profession = cells["core_profession"] or None
    r.position_number = cells["position_number"] or None
    r.position_title = cells["position_title"] or None
    r.line_manager = cells["line_manager"] or None

    def parse(key: str, fn: Any) -> Any:
        if not cells[key]:
            return None
        try:
            return fn(cells[key])
        except ValueError as exc:
            check.add(row, key, str(exc))
            return None

    def not_future(text: str) -> dt.date:
        # A change dated later would be in force before it takes effect (pay from a step not yet reached).
        value = parse_date(text)
        if value > today:
            raise ValueError(f"{day(value)} is a date in the future: import changes on or after the day they "
                             "take effect")
        return value

    r.band = parse("band", parse_band)
    r.position_band = parse("position_band", parse_band)
    r.step_started_on = parse("step_started_on", not_future)
    r.band_started_on = parse("band_started_on", not_future)
    r.pay_step = parse("pay_step", _step)
    r.wte = parse("wte", lambda t: _decimal(t, Decimal("0.01"), Decimal("1.00"), "WTE"))
    r.funded_wte = parse("funded_wte", lambda t: _decimal(t, Decimal("0.01"), Decimal("99"), "Funded WTE"))
    r.hcas_zone = parse("hcas_zone", lambda t: _zone(t, zones))
    roles = parse("roles", lambda t: tuple(dict.fromkeys(_role(p) for p in t.replace(",", ";").split(";")
                                                          if p.strip())))
    r.roles = roles or ()
    if r.band_started_on and r.step_started_on and r.step_started_on < r.band_started_on:
        check.add(row, "band_started_on", f"The band cannot start after the step did ({day(r.step_started_on)})")
    if r.line_manager and r.line_manager == r.employee_number:
        check.add(row, "line_manager", "Nobody can be their own line manager")
    return r
