"""Staff and posts from an ESR-like CSV: every row checked, a plan shown, then applied whole or not at all.

The whole file is read and every row checked before anything is written; what the rows name
(people, posts, teams, line managers) is loaded in a few bulk queries, so a 10,000-row file costs
the same number of queries as a ten-row one. A dry run writes only its StaffImport record.
Applying checks everything again from scratch and writes nothing unless every row is clean; the
caller commits once. Re-importing a file already applied finds every row unchanged.

Blank optional cells never erase anything: a new person or post gets the documented default, an
existing one keeps what Waymark holds (docs/staff-import.md).
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from app.services import pay_steps
from app.services.accounts import normalise_email
from app.services.errors import DomainError
from app.services.team_views import hr_service_scope
from competences import pay
from competences.catalogue import Catalogue
from competences.identifiers import looks_like_nhs_number
from models import (EmploymentChange, Post, RelationshipKind, Role, RoleGrant, Service, StaffImport, StaffProfile,
                    StaffRelationship, Team, User, WorkingPattern)
from models.audit import record
from models.reference_data import catalogue_for

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
#: Keys per IN (...) list, so a big file stays within every database's bound-parameter limit.
CHUNK = 900
#: The bands a Talking Therapies post can have; bands 2 and 3 are not imported.
IMPORT_BANDS = ("4", "5", "6", "7", "8a", "8b", "8c", "8d", "9")
#: Roles the file may add. HR, administrator and service lead widen what someone sees, so only an
#: administrator gives them, on the account page.
IMPORT_ROLES = (Role.PRACTITIONER, Role.SUPERVISOR, Role.LINE_MANAGER, Role.COURSE_TUTOR)
DATE_FORMATS = "YYYY-MM-DD or DD/MM/YYYY (like 2024-04-01 or 01/04/2024)"
CREATE, CHANGE, UNCHANGED = "create", "change", "unchanged"


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
    Column("Band", "band", True, "4 to 9 or 8a to 8d; \"Band 5\", \"5\" and \"8A\" are all read", "Band 5"),
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
    Column("Position Band", "position_band", False, "As Band", "5", "the person's band"),
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


@dataclasses.dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclasses.dataclass(frozen=True)
class PlannedRow:
    row: int
    employee_number: str
    full_name: str
    action: str
    changes: tuple[FieldChange, ...] = ()


@dataclasses.dataclass(frozen=True)
class PlannedPost:
    row: int
    number: str
    title: str
    action: str
    changes: tuple[FieldChange, ...] = ()


@dataclasses.dataclass(frozen=True)
class ImportPlan:
    file_name: str
    sha256: str
    people: tuple[PlannedRow, ...]
    posts: tuple[PlannedPost, ...]
    errors: tuple[RowError, ...]
    applied: bool = False
    import_id: int | None = None

    def count(self, action: str) -> int:
        return sum(1 for p in self.people if p.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {"rows": len(self.people), "created": self.count(CREATE), "changed": self.count(CHANGE),
                "unchanged": self.count(UNCHANGED), "errors": len(self.errors),
                "posts_created": sum(1 for p in self.posts if p.action == CREATE),
                "posts_changed": sum(1 for p in self.posts if p.action == CHANGE)}


# --- who may import ----------------------------------------------------------------------------

def may_import(user: User) -> bool:
    """HR (organisation-wide, or for the teams of their services) and administrators."""
    return user.has_role(Role.ADMIN) or user.has_role(Role.HR)


def _service_scope(user: User) -> frozenset[int] | None:
    """None: the whole organisation; otherwise the services an HR officer's grants name."""
    if user.has_role(Role.ADMIN):
        return None
    scope = hr_service_scope(user)
    return None if scope is None else frozenset(scope)


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

_BAND = re.compile(r"(?:band\s*)?([0-9]+[a-z]?)", re.IGNORECASE)
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_UK = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def parse_band(text: str) -> str:
    """"Band 5", "5", "8A" → "5", "5", "8a"; ValueError (with the message to show) otherwise."""
    match = _BAND.fullmatch(text.strip())
    code = match.group(1).lower() if match else None
    if code in IMPORT_BANDS:
        assert code is not None
        return code
    if code is not None and code.isdigit():
        raise ValueError(f"Band {code} is outside the bands this import takes: 4 to 9, or 8a to 8d")
    raise ValueError(f"Unknown band {text!r}: use 4, 5, 6, 7, 8a, 8b, 8c, 8d or 9 (\"5\", \"Band 5\" and \"8A\" "
                     "are all read)")


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


def _name_key(text: str) -> str:
    """Team and service names match ignoring case, spacing and the kind of dash."""
    return " ".join(re.sub(r"[‐‑‒–—―]", "-", text).split()).casefold()


@dataclasses.dataclass
class _Row:
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


class _Checker:
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


def _read_row(row: int, cells: dict[str, str], check: _Checker, zones: dict[str, str]) -> _Row:
    r = _Row(row, cells)
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

    r.band = parse("band", parse_band)
    r.position_band = parse("position_band", parse_band)
    r.step_started_on = parse("step_started_on", parse_date)
    r.band_started_on = parse("band_started_on", parse_date)
    r.pay_step = parse("pay_step", _step)
    r.wte = parse("wte", lambda t: _decimal(t, Decimal("0.01"), Decimal("1.00"), "WTE"))
    r.funded_wte = parse("funded_wte", lambda t: _decimal(t, Decimal("0.01"), Decimal("99"), "Funded WTE"))
    r.hcas_zone = parse("hcas_zone", lambda t: _zone(t, zones))
    roles = parse("roles", lambda t: tuple(dict.fromkeys(_role(p) for p in t.replace(",", ";").split(";")
                                                          if p.strip())))
    r.roles = roles or ()
    if r.band_started_on and r.step_started_on and r.step_started_on < r.band_started_on:
        check.add(row, "band_started_on", f"The band cannot start after the step did ({_day(r.step_started_on)})")
    if r.line_manager and r.line_manager == r.employee_number:
        check.add(row, "line_manager", "Nobody can be their own line manager")
    return r


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


def _day(value: dt.date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


# --- loading what the file names ---------------------------------------------------------------

T = TypeVar("T")


def _chunks(items: Sequence[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), CHUNK):
        yield list(items[start:start + CHUNK])


def _load_users(session: Session, numbers: Sequence[str], emails: Sequence[str]) -> list[User]:
    """Everyone the file names by employee number or e-mail, in any organisation, with what the plan reads."""
    found: dict[int, User] = {}
    options = (selectinload(User.role_grants),
               selectinload(User.profile).options(selectinload(StaffProfile.working_patterns),
                                                  selectinload(StaffProfile.post), selectinload(StaffProfile.team)))
    for chunk in _chunks(numbers):
        for user in session.scalars(select(User).join(StaffProfile, StaffProfile.user_id == User.id)
                                    .where(StaffProfile.employee_number.in_(chunk)).options(*options)):
            found[user.id] = user
    for chunk in _chunks(emails):
        for user in session.scalars(select(User).where(User.email.in_(chunk)).options(*options)):
            found[user.id] = user
    return list(found.values())


def _load_posts(session: Session, organisation_id: int, numbers: Sequence[str]) -> dict[str, Post]:
    posts: dict[str, Post] = {}
    for chunk in _chunks(numbers):
        for post in session.scalars(select(Post).where(Post.organisation_id == organisation_id,
                                                       func.lower(Post.number).in_(chunk))
                                    .options(selectinload(Post.team))):
            posts[post.number.lower()] = post
    return posts


def _load_line_managers(session: Session, user_ids: Sequence[int], today: dt.date) -> dict[int, list[StaffRelationship]]:
    current: dict[int, list[StaffRelationship]] = defaultdict(list)
    for chunk in _chunks(user_ids):
        for rel in session.scalars(select(StaffRelationship).where(
                StaffRelationship.kind == RelationshipKind.LINE_MANAGEMENT, StaffRelationship.junior_id.in_(chunk),
                StaffRelationship.starts_on <= today,
                or_(StaffRelationship.ends_on.is_(None), StaffRelationship.ends_on >= today))
                .options(selectinload(StaffRelationship.senior).selectinload(User.profile))
                .order_by(StaffRelationship.starts_on)):
            current[rel.junior_id].append(rel)
    return current


@dataclasses.dataclass
class _Context:
    organisation_id: int
    actor: User
    today: dt.date
    scope: frozenset[int] | None
    teams: list[Team]
    zones: dict[str, str]
    zone_names: dict[str, str]
    scale: pay.PayScale


def _context(session: Session, actor: User, today: dt.date, catalogue: Catalogue | None) -> _Context:
    catalogue = catalogue or catalogue_for(session)
    hcas = pay_steps.hcas_table(catalogue, today)
    zones = {z.id.casefold(): z.id for z in hcas.zones} | {z.name.casefold(): z.id for z in hcas.zones}
    teams = list(session.scalars(select(Team).join(Team.service).where(Service.organisation_id == actor.organisation_id)
                                 .options(contains_eager(Team.service)).order_by(Service.name, Team.name)))
    return _Context(actor.organisation_id, actor, today, _service_scope(actor), teams, zones,
                    {z.id: z.name for z in hcas.zones}, pay_steps.pay_scale(catalogue, today))


def _listing(names: Sequence[str], limit: int = 25) -> str:
    shown = ", ".join(names[:limit]) or "none"
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _resolve_team(r: _Row, ctx: _Context, check: _Checker) -> None:
    service_name, team_name = r.cells["service"], r.cells["team"]
    services = {_name_key(t.service.name) for t in ctx.teams}
    if service_name and _name_key(service_name) not in services:
        check.add(r.row, "service", f"There is no service called {service_name!r} in your organisation. Services: "
                                    f"{_listing(sorted({t.service.name for t in ctx.teams}))}")
        return
    if not team_name:
        if service_name:
            check.add(r.row, "team", "Enter the team as well: a person belongs to a service through their team")
        return
    candidates = [t for t in ctx.teams if _name_key(t.name) == _name_key(team_name)
                  and (not service_name or _name_key(t.service.name) == _name_key(service_name))]
    if not candidates:
        pool = [t for t in ctx.teams if not service_name or _name_key(t.service.name) == _name_key(service_name)]
        check.add(r.row, "team", f"There is no team called {team_name!r}{' in ' + service_name if service_name else ''}."
                                 f" Known teams: {_listing([t.name for t in pool])}. The import does not create "
                                 "teams: an administrator adds them on the organisation page")
    elif len(candidates) > 1:
        check.add(r.row, "service", f"More than one service has a team called {team_name!r} "
                                    f"({', '.join(t.service.name for t in candidates)}): enter the service")
    elif not (candidates[0].active and candidates[0].service.active):
        check.add(r.row, "team", f"The team {candidates[0].name!r} is closed")
    else:
        r.team = candidates[0]


def _in_scope(ctx: _Context, team: Team | None) -> bool:
    return ctx.scope is None or (team is not None and team.service_id in ctx.scope)


def _match(r: _Row, ctx: _Context, by_number: dict[str, User], by_email: dict[str, User], check: _Checker) -> None:
    """Find the row's existing account: by employee number, else by e-mail (an account with no employee number)."""
    user = by_number.get(r.employee_number)
    email_user = by_email.get(r.email) if r.email else None
    if user is not None and user.organisation_id != ctx.organisation_id:
        check.add(r.row, "employee_number", "This employee number is already used outside your organisation")
        return
    if user is None and email_user is not None:
        if email_user.organisation_id != ctx.organisation_id:
            check.add(r.row, "email", "This e-mail address is already used by an account outside your organisation")
            return
        held = email_user.profile.employee_number if email_user.profile else None
        if held:
            check.add(r.row, "email", f"This e-mail address belongs to {email_user.full_name}, whose employee number "
                                      f"is {held}")
            return
        user = email_user
    elif user is not None and r.email and user.email != r.email:
        if email_user is not None:
            check.add(r.row, "email", f"This e-mail address belongs to another account ({email_user.full_name})")
        else:
            check.add(r.row, "email", f"Waymark signs this person in as {user.email}. E-mail addresses are changed "
                                      "on the account page, not by an import")
        return
    if user is None:
        if not _in_scope(ctx, r.team) and not check.has(r.row, "team"):
            check.add(r.row, "team", "You can import staff only into teams of the services you look after"
                      + ("" if r.team else ": enter the team"))
        return
    r.user = user
    if user.id == ctx.actor.id:
        check.add(r.row, "employee_number", "You cannot change your own record by an import. Ask another HR officer")
    elif not user.active:
        check.add(r.row, "employee_number", f"{user.full_name}'s account is deactivated. An administrator can "
                                            "reactivate it before the import")
    elif not (_in_scope(ctx, user.profile.team if user.profile else None) and (r.team is None or _in_scope(ctx, r.team))):
        check.add(r.row, "team", f"{user.full_name} works outside the services you look after")


# --- the plan ----------------------------------------------------------------------------------

@dataclasses.dataclass
class _PostSpec:
    row: int
    number: str
    title: str | None
    team: Team | None
    band: str | None
    funded_wte: Decimal | None
    hcas_zone: str | None
    post: Post | None = None


def _post_band(r: _Row) -> str | None:
    return r.position_band or r.band


def _check_posts(rows: list[_Row], posts: dict[str, Post], ctx: _Context, check: _Checker) -> dict[str, _PostSpec]:
    """One spec per post number, from the first row naming it; later rows that disagree are errors."""
    specs: dict[str, _PostSpec] = {}
    for r in rows:
        if r.position_number is None:
            continue
        key = r.position_number.lower()
        if r.team is None and not check.has(r.row, "team"):
            check.add(r.row, "team", f"Position {r.position_number} has no team: a post belongs to a team, so enter "
                                     "the team")
        spec = specs.get(key)
        if spec is None:
            existing = posts.get(key)
            if existing is not None and not _in_scope(ctx, existing.team):
                check.add(r.row, "position_number", f"Position {existing.number} belongs to a team outside the "
                                                    "services you look after")
            title = r.position_title or (None if existing else r.job_title)
            specs[key] = _PostSpec(r.row, r.position_number, title, r.team, _post_band(r), r.funded_wte,
                                   r.hcas_zone, existing)
            continue
        for col, mine, theirs, shown in (
                ("position_title", r.position_title, spec.title, lambda v: v),
                ("team", r.team, spec.team, lambda v: v.name),
                ("position_band" if r.position_band else "band", _post_band(r), spec.band, lambda v: f"band {v}"),
                ("funded_wte", r.funded_wte, spec.funded_wte, str),
                ("hcas_zone", r.hcas_zone, spec.hcas_zone, lambda v: ctx.zone_names.get(v, v))):
            if mine is not None and theirs is not None and mine != theirs:
                check.add(r.row, col, f"Position {r.position_number} is {shown(theirs)} on row {spec.row} but "
                                      f"{shown(mine)} here; every row naming a position must agree")
    return specs


def _plan_post(spec: _PostSpec, zone_names: dict[str, str]) -> PlannedPost:
    post = spec.post
    if post is None:
        return PlannedPost(spec.row, spec.number, spec.title or "", CREATE)
    changes = []
    if spec.title is not None and spec.title != post.title:
        changes.append(FieldChange("Title", post.title, spec.title))
    if spec.team is not None and spec.team.id != post.team_id:
        changes.append(FieldChange("Team", post.team.name, spec.team.name))
    if spec.band is not None and spec.band != post.band:
        changes.append(FieldChange("Band", post.band, spec.band))
    if spec.funded_wte is not None and spec.funded_wte != post.funded_wte:
        changes.append(FieldChange("Funded WTE", str(post.funded_wte), str(spec.funded_wte)))
    if spec.hcas_zone is not None and spec.hcas_zone != post.hcas_zone:
        changes.append(FieldChange("HCAS zone", zone_names.get(post.hcas_zone, post.hcas_zone),
                                   zone_names.get(spec.hcas_zone, spec.hcas_zone)))
    return PlannedPost(spec.row, post.number, post.title, CHANGE if changes else UNCHANGED, tuple(changes))


@dataclasses.dataclass
class _LineManager:
    number: str
    name: str
    user: User | None  # None: a person created by this file
    row: _Row | None


def _resolve_line_managers(rows: list[_Row], users: list[User], ctx: _Context,
                           check: _Checker) -> dict[int, _LineManager]:
    in_file = {r.employee_number: r for r in rows if r.employee_number}
    existing = {u.profile.employee_number: u for u in users
                if u.profile and u.profile.employee_number and u.organisation_id == ctx.organisation_id}
    found: dict[int, _LineManager] = {}
    for r in rows:
        number = r.line_manager
        if number is None:
            continue
        source = in_file.get(number)
        user = source.user if source else existing.get(number)
        if source is None and user is None:
            check.add(r.row, "line_manager", f"There is nobody with employee number {number} in this file or in "
                                             "Waymark")
            continue
        roles = set(user.roles if user else ()) | set(source.roles if source else ())
        name = source.full_name if source else user.full_name if user else number
        if user is not None and not user.active:
            check.add(r.row, "line_manager", f"{user.full_name}'s account is deactivated")
        elif Role.LINE_MANAGER not in roles:
            check.add(r.row, "line_manager", f"{name} ({number}) does not have the line manager role: add "
                                             "line_manager to their Roles in this file")
        elif source is None and user is not None and ctx.scope is not None and user.profile is not None \
                and user.profile.team is not None and user.profile.team.service_id not in ctx.scope:
            check.add(r.row, "line_manager", f"{name} works outside the services you look after")
        else:
            found[r.row] = _LineManager(number, name, user, source)
    return found


def _check_steps(r: _Row, ctx: _Context, check: _Checker) -> None:
    if r.band is None or r.pay_step is None or r.step_started_on is None:
        return
    try:
        points = pay.steps_in_band(ctx.scale, r.band, r.step_started_on)
    except ValueError as exc:
        check.add(r.row, "step_started_on", str(exc))
        return
    if r.pay_step > points:
        check.add(r.row, "pay_step", f"Step {r.pay_step} is beyond band {r.band}, which had {points} pay steps on "
                                     f"{_day(r.step_started_on)}")


def _person_changes(r: _Row, ctx: _Context, lm: _LineManager | None, spec: _PostSpec | None,
                    current_lms: list[StaffRelationship]) -> list[FieldChange]:
    user = r.user
    assert user is not None
    profile = user.profile
    out: list[FieldChange] = []

    def note(label: str, old: Any, new: Any) -> None:
        if new is not None and new != old:
            fmt = _day if isinstance(new, dt.date) else str
            out.append(FieldChange(label, fmt(old) if old is not None else "", fmt(new)))

    note("Name", user.full_name, r.full_name)
    if profile is None:
        out.append(FieldChange("Staff record", "", "created"))
    note("Employee number", profile.employee_number if profile else None, r.employee_number)
    note("Job title", profile.job_title if profile else None, r.job_title)
    note("Core profession", profile.core_profession if profile else None,
         r.core_profession or (r.job_title if profile is None else None))
    if r.team is not None and (profile is None or profile.team_id != r.team.id):
        out.append(FieldChange("Team", profile.team.name if profile and profile.team else "", r.team.name))
    note("Band", profile.band if profile else None, r.band)
    note("Band start date", profile.band_started_on if profile else None, _band_start(r, profile))
    note("Pay step", profile.pay_step if profile else None, r.pay_step)
    note("Step start date", profile.step_started_on if profile else None, r.step_started_on)
    note("WTE", profile.wte_on(ctx.today) if profile else None, _target_wte(r, profile))
    if spec is not None:
        note("Post", profile.post.number if profile and profile.post else None, spec.post.number if spec.post else spec.number)
    added = [role for role in _roles_for(r, new=False) if not user.has_role(role)]
    if added:
        out.append(FieldChange("Roles", ", ".join(g.role.label for g in user.role_grants),
                               ", ".join(role.label for role in added) + " added"))
    if lm is not None:
        seniors = [rel.senior for rel in current_lms]
        if not (len(seniors) == 1 and lm.user is not None and seniors[0].id == lm.user.id):
            out.append(FieldChange("Line manager", ", ".join(s.full_name for s in seniors), lm.name))
    return out


def _new_person(r: _Row, lm: _LineManager | None, spec: _PostSpec | None) -> tuple[FieldChange, ...]:
    """What a new person's record will say, as changes from nothing."""
    values = (("Team", r.team.name if r.team else ""), ("Band", r.band or ""), ("Pay step", str(r.pay_step or "")),
              ("Step start date", _day(r.step_started_on)), ("WTE", str(_target_wte(r, None))),
              ("Post", spec.number if spec else ""), ("Line manager", lm.name if lm else ""),
              ("Roles", ", ".join(role.label for role in _roles_for(r, new=True))))
    return tuple(FieldChange(label, "", value) for label, value in values if value)


def _target_wte(r: _Row, profile: StaffProfile | None) -> Decimal | None:
    """The file's WTE; blank: full time for a new record, else what Waymark holds (None)."""
    return r.wte if r.wte is not None else (Decimal("1.00") if profile is None else None)


def _roles_for(r: _Row, *, new: bool) -> tuple[Role, ...]:
    """The Roles cell; blank: practitioner for a new account, nothing added for an existing one."""
    return r.roles or ((Role.PRACTITIONER,) if new else ())


def _band_start(r: _Row, profile: StaffProfile | None) -> dt.date | None:
    """Blank: the step start date for a new record or a new band, else what Waymark holds."""
    if r.band_started_on is not None:
        return r.band_started_on
    if profile is None or profile.band != r.band or profile.band_started_on is None:
        return r.step_started_on
    return None


@dataclasses.dataclass
class _Work:
    """A checked file: its plan and what applying it needs."""

    plan: ImportPlan
    rows: list[_Row]
    specs: dict[str, _PostSpec]
    line_managers: dict[int, _LineManager]
    current_lms: dict[int, list[StaffRelationship]]
    ctx: _Context


def _check_file(session: Session, *, actor: User, file_name: str, data: bytes, today: dt.date,
                catalogue: Catalogue | None) -> _Work:
    raw = read_rows(data)
    ctx = _context(session, actor, today, catalogue)
    check = _Checker()
    rows = [_read_row(number, cells, check, ctx.zones) for number, cells in raw]

    first_number: dict[str, int] = {}
    first_email: dict[str, int] = {}
    for r in rows:
        if r.employee_number:
            if r.employee_number in first_number:
                check.add(r.row, "employee_number", f"Employee number {r.employee_number} is also on row "
                                                    f"{first_number[r.employee_number]}")
            first_number.setdefault(r.employee_number, r.row)
        if r.email:
            if r.email in first_email:
                check.add(r.row, "email", f"The e-mail address {r.email} is also on row {first_email[r.email]}")
            first_email.setdefault(r.email, r.row)
        _resolve_team(r, ctx, check)
        _check_steps(r, ctx, check)

    numbers = sorted(set(first_number) | {r.line_manager for r in rows if r.line_manager})
    users = _load_users(session, numbers, sorted(first_email))
    by_number = {u.profile.employee_number: u for u in users if u.profile and u.profile.employee_number}
    by_email = {u.email: u for u in users}
    for r in rows:
        if r.employee_number:
            _match(r, ctx, by_number, by_email, check)
    posts = _load_posts(session, ctx.organisation_id, sorted({r.position_number.lower() for r in rows
                                                              if r.position_number}))
    specs = _check_posts(rows, posts, ctx, check)
    line_managers = _resolve_line_managers(rows, users, ctx, check)
    current_lms = _load_line_managers(session, sorted({r.user.id for r in rows if r.user}), today)

    people = []
    for r in rows:
        spec = specs.get(r.position_number.lower()) if r.position_number else None
        if r.user is None:
            people.append(PlannedRow(r.row, r.employee_number, r.full_name, CREATE,
                                     _new_person(r, line_managers.get(r.row), spec)))
            continue
        changes = _person_changes(r, ctx, line_managers.get(r.row), spec, current_lms.get(r.user.id, []))
        people.append(PlannedRow(r.row, r.employee_number, r.full_name, CHANGE if changes else UNCHANGED,
                                 tuple(changes)))
    planned_posts = tuple(_plan_post(spec, ctx.zone_names) for spec in specs.values())
    errors = tuple(sorted(check.errors, key=lambda e: e.row))
    plan = ImportPlan(file_name, sha256_of(data), tuple(people), planned_posts, errors)
    return _Work(plan, rows, specs, line_managers, current_lms, ctx)


# --- running it --------------------------------------------------------------------------------

def _record(session: Session, plan: ImportPlan, actor: User, *, applied: bool) -> StaffImport:
    counts = plan.counts
    row = StaffImport(organisation_id=actor.organisation_id, file_name=plan.file_name[:255], sha256=plan.sha256,
                      applied=applied, rows=counts["rows"], created_count=counts["created"],
                      changed_count=counts["changed"], unchanged_count=counts["unchanged"],
                      error_count=counts["errors"], actor_id=actor.id)
    session.add(row)
    return row


def check(session: Session, *, actor: User, file_name: str, data: bytes, today: dt.date,
          catalogue: Catalogue | None = None) -> ImportPlan:
    """The plan and every error, writing nothing (to show a checked file again before it is applied)."""
    return _check_file(session, actor=actor, file_name=file_name, data=data, today=today, catalogue=catalogue).plan


def dry_run(session: Session, *, actor: User, file_name: str, data: bytes, today: dt.date,
            catalogue: Catalogue | None = None) -> ImportPlan:
    """Check the file and say what applying it would do; writes only the StaffImport record (applied=False).

    A problem with the file as a whole (size, encoding, header) raises DomainError(field="file").
    """
    work = _check_file(session, actor=actor, file_name=file_name, data=data, today=today, catalogue=catalogue)
    row = _record(session, work.plan, actor, applied=False)
    session.flush()
    return dataclasses.replace(work.plan, import_id=row.id)


def apply(session: Session, *, actor: User, file_name: str, data: bytes, today: dt.date,
          catalogue: Catalogue | None = None) -> ImportPlan:
    """Check the file again from scratch and, only if no row has an error, make every change it plans.

    With errors nothing at all is written and the plan (applied=False) says why. The caller
    commits once, or rolls back on any exception.
    """
    work = _check_file(session, actor=actor, file_name=file_name, data=data, today=today, catalogue=catalogue)
    plan = work.plan
    if plan.errors:
        return plan
    _write(session, work)
    row = _record(session, plan, actor, applied=True)
    session.flush()
    record(session, "staff_import_applied", "staff_imports", row.id, actor_id=actor.id,
           detail={"file": plan.file_name, "sha256": plan.sha256, **plan.counts})
    return dataclasses.replace(plan, applied=True, import_id=row.id)


def _write(session: Session, work: _Work) -> None:
    ctx = work.ctx
    reason = f"Staff import {work.plan.file_name}"
    posts: dict[str, Post] = {}
    for key, spec in work.specs.items():
        post = spec.post
        if post is None:
            assert spec.team is not None and spec.band is not None
            post = Post(organisation_id=ctx.organisation_id, number=spec.number, title=spec.title or "",
                        team=spec.team, band=spec.band, funded_wte=spec.funded_wte or Decimal("1.00"),
                        hcas_zone=spec.hcas_zone or pay.NO_ZONE)
            session.add(post)
        else:
            post.title = spec.title or post.title
            post.team = spec.team or post.team
            post.band = spec.band or post.band
            post.funded_wte = spec.funded_wte or post.funded_wte
            post.hcas_zone = spec.hcas_zone or post.hcas_zone
        posts[key] = post

    actions = {p.row: p.action for p in work.plan.people}
    new_users: dict[str, User] = {}
    for r in work.rows:
        if r.user is None:
            r.user = User(email=r.email, full_name=r.full_name, organisation_id=ctx.organisation_id)
            session.add(r.user)
            new_users[r.employee_number] = r.user
        if actions[r.row] != UNCHANGED:
            post = posts[r.position_number.lower()] if r.position_number else None
            _write_person(session, r, r.user, ctx, post, reason, created=actions[r.row] == CREATE)

    for r in work.rows:
        lm = work.line_managers.get(r.row)
        if lm is None or r.user is None:
            continue
        senior = lm.user or new_users[lm.number]
        current = work.current_lms.get(r.user.id, []) if r.user.id is not None else []
        if len(current) == 1 and current[0].senior_id == senior.id:
            continue
        for rel in current:
            if rel.senior_id == senior.id:
                continue
            if rel.starts_on < ctx.today:
                rel.ends_on = ctx.today - dt.timedelta(days=1)
            else:
                session.delete(rel)
        if not any(rel.senior_id == senior.id for rel in current):
            session.add(StaffRelationship(kind=RelationshipKind.LINE_MANAGEMENT, senior=senior, junior=r.user,
                                          starts_on=ctx.today, created_by_id=ctx.actor.id))
    session.flush()


def _write_person(session: Session, r: _Row, user: User, ctx: _Context, post: Post | None, reason: str, *,
                  created: bool) -> None:
    user.full_name = r.full_name
    for role in _roles_for(r, new=created):
        if not user.has_role(role):
            user.role_grants.append(RoleGrant(role=role))
    profile = user.profile
    old = profile
    before = (profile.band, profile.pay_step, profile.post_id, profile.job_title) if profile else (None, None, None, None)
    band_start = _band_start(r, old)
    wte = _target_wte(r, old)
    if profile is None:
        profile = StaffProfile(user=user, job_title=r.job_title, core_profession=r.core_profession or r.job_title)
        session.add(profile)
    profile.employee_number = r.employee_number
    profile.job_title = r.job_title
    profile.core_profession = r.core_profession or profile.core_profession
    profile.team = r.team or profile.team
    profile.band, profile.pay_step, profile.step_started_on = r.band, r.pay_step, r.step_started_on
    if band_start is not None:
        profile.band_started_on = band_start
    if post is not None:
        profile.post = post
    if wte is not None and profile.wte_on(ctx.today) != wte:
        _set_wte(profile, wte, ctx.today)
    if created:
        return
    old_band, old_step, old_post_id, old_title = before
    band_changed, step_changed = r.band != old_band, r.pay_step != old_step
    post_changed = post is not None and (post.id is None or post.id != old_post_id)
    title_changed = r.job_title != old_title
    if not (band_changed or step_changed or post_changed or title_changed):
        return
    effective = (profile.band_started_on if band_changed else r.step_started_on if step_changed else None) or ctx.today
    session.add(EmploymentChange(
        profile=profile, effective_on=effective, reason=reason, recorded_by_id=ctx.actor.id,
        band=r.band if band_changed else None, previous_band=old_band if band_changed else None,
        pay_step=r.pay_step if step_changed else None, previous_step=old_step if step_changed else None,
        post=post if post_changed else None, previous_post_id=old_post_id if post_changed else None,
        job_title=r.job_title if title_changed else None, previous_job_title=old_title if title_changed else None))


def _set_wte(profile: StaffProfile, wte: Decimal, today: dt.date) -> None:
    """The file states today's WTE: patterns from today on give way to it, the one running today ends yesterday."""
    had_patterns = bool(profile.working_patterns)
    for pattern in list(profile.working_patterns):
        if pattern.starts_on >= today:
            profile.working_patterns.remove(pattern)
        elif pattern.ends_on is None or pattern.ends_on >= today:
            pattern.ends_on = today - dt.timedelta(days=1)
    starts_on = today if had_patterns else min(profile.band_started_on or today, today)
    profile.working_patterns.append(WorkingPattern(wte=wte, starts_on=starts_on))


def history(session: Session, organisation_id: int) -> Select[StaffImport, str]:
    """StaffImport rows of the organisation with who ran them, newest first (a Select for the pager)."""
    return (select(StaffImport, User.full_name).join(User, User.id == StaffImport.actor_id)
            .where(StaffImport.organisation_id == organisation_id)
            .order_by(StaffImport.created_at.desc(), StaffImport.id.desc()))


__all__ = ["CHANGE", "COLUMNS", "CREATE", "Column", "FieldChange", "ImportPlan", "MAX_BYTES", "MAX_ROWS",
           "PlannedPost", "PlannedRow", "RowError", "UNCHANGED", "apply", "check", "decode", "dry_run", "history",
           "may_import", "parse_band", "parse_date", "read_rows", "sha256_of"]
