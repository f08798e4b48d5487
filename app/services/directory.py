"""The staff directory: everyone in a viewer's scope with post, band, step and credential status, in a fixed number of queries.

Filters that the database can answer (search, service, team, band, role) go into the one query
that lists people; the rest (credential status, next step date) are worked out for all of them
in bulk and filtered here, so the directory of 2,000 staff costs the same queries as one of 3.
HR, service leads and line managers see statuses and dates only: never a credential's evidence.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, contains_eager

from app.services import credentials as credential_service
from app.services.pay_steps import StepPosition, positions
from app.services.staff_scope import Scope, people_in
from competences.bands import AFC_BANDS, band_rank
from competences.credentials import CredentialRules, CredentialStatus
from exports.tables import Cell
from models import Post, ProfessionalRegistration, Role, RoleGrant, Service, StaffProfile, Team, User, WorkingPattern
from models.reference_data import catalogue_for

#: A person's credential status is the worst of their credentials', in this order (worst first). The "due"
#: label here is generic: pages use `credential_states`, which names the due-soon days from the credential rules.
CREDENTIAL_STATES: dict[str, str] = {
    "lapsed": "Lapsed or suspended",
    "expired": "Expired",
    "due": "Due soon or overdue",
    "pending": "Pending",
    "current": "Current",
    "none": "None recorded",
}
SORTS: dict[str, str] = {"name": "Name", "band": "Band", "next_step": "Next step date", "team": "Team"}
MAX_MONTHS = 60


@dataclasses.dataclass(frozen=True)
class DirectoryFilters:
    """What the viewer asked for; values are already checked by the form (unknown ones are never here)."""

    q: str = ""
    service_id: int | None = None
    team_id: int | None = None
    band: str | None = None
    role: Role | None = None
    credential: str | None = None
    #: Next step date falls within this many months of today (an overdue one counts too).
    next_step_months: int | None = None
    sort: str = "name"
    descending: bool = False

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise ValueError(f"unknown sort {self.sort!r}")
        if self.credential is not None and self.credential not in CREDENTIAL_STATES:
            raise ValueError(f"unknown credential status {self.credential!r}")
        if self.band is not None and self.band not in AFC_BANDS:
            raise ValueError(f"unknown band {self.band!r}")


@dataclasses.dataclass(frozen=True)
class DirectoryRow:
    user_id: int
    full_name: str
    email: str
    employee_number: str | None
    service_name: str | None
    team_name: str | None
    post_number: str | None
    job_title: str
    roles: tuple[Role, ...]
    band: str | None
    position: StepPosition | None
    #: A key of CREDENTIAL_STATES.
    credential: str
    wte: Decimal | None
    #: The status in words, with the due-soon days of the credential rules in force.
    credential_label: str = ""

    @property
    def role_labels(self) -> str:
        return ", ".join(role.label for role in self.roles)

    @property
    def step_text(self) -> str:
        return self.position.step_text if self.position else ""

    @property
    def next_step_on(self) -> dt.date | None:
        return self.position.next_step_on if self.position else None

    def next_step_text(self, today: dt.date) -> str:
        """The date, or why there is none ("Top of band", the position's problem)."""
        if self.position is None:
            return ""
        if self.position.next_step_on is not None:
            return self.position.next_step_on.isoformat()
        if self.position.at_top:
            return "Top of band"
        return self.position.problem or ""


# --- credential status -------------------------------------------------------------------------

def credential_states(rule_set: CredentialRules) -> dict[str, str]:
    """CREDENTIAL_STATES with the "due" label naming the rules' due-soon days (a range when kinds differ)."""
    days = sorted({rule_set.default.due_soon_days, *(r.due_soon_days for r in rule_set.by_kind.values())})
    within = f"within {days[0]} days" if len(days) == 1 else f"within {days[0]} to {days[-1]} days, by kind,"
    return {**CREDENTIAL_STATES, "due": f"Due {within} or overdue"}


def credential_labels(session: Session, today: dt.date) -> dict[str, str]:
    """The status labels for the credential rules in force today."""
    return credential_states(credential_service.rules(session, today))


def credential_state(registrations: Iterable[ProfessionalRegistration], rule_set: CredentialRules,
                     today: dt.date) -> str:
    """The worst state among the person's credentials, by the same flags the credential list shows."""
    order = list(CREDENTIAL_STATES)
    worst = "none"
    for reg in registrations:
        f = credential_service.flags_of(reg, rule_set, today)
        if reg.status in (CredentialStatus.LAPSED, CredentialStatus.SUSPENDED) or f.lapse_passed:
            state = "lapsed"
        elif f.expired:
            state = "expired"
        elif f.due_soon or f.overdue or f.declaration_due:
            state = "due"
        elif reg.status is CredentialStatus.PENDING:
            state = "pending"
        else:
            state = "current"
        if order.index(state) < order.index(worst):
            worst = state
    return worst


# --- the query ---------------------------------------------------------------------------------

def _filtered(scope: Scope, filters: DirectoryFilters) -> Select[Any]:
    stmt = people_in(scope)
    if filters.q.strip():
        q = filters.q.strip()
        stmt = stmt.where(or_(User.full_name.icontains(q, autoescape=True), User.email.icontains(q, autoescape=True),
                              StaffProfile.employee_number.icontains(q, autoescape=True)))
    if filters.service_id is not None:
        stmt = stmt.where(Team.service_id == filters.service_id)
    if filters.team_id is not None:
        stmt = stmt.where(StaffProfile.team_id == filters.team_id)
    if filters.band is not None:
        stmt = stmt.where(StaffProfile.band == filters.band)
    if filters.role is not None:
        stmt = stmt.where(User.role_grants.any(RoleGrant.role == filters.role))
    return stmt


def _months_ahead(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


class _Sortable(Protocol):
    @property
    def full_name(self) -> str: ...
    @property
    def user_id(self) -> int: ...
    @property
    def band(self) -> str | None: ...
    @property
    def team_name(self) -> str | None: ...
    @property
    def next_step_on(self) -> dt.date | None: ...


_S = TypeVar("_S", bound=_Sortable)


def _sorted(rows: Sequence[_S], sort: str, descending: bool) -> list[_S]:
    """Sorted by the chosen key, then name; rows with no value for the key always come last."""
    by_name = sorted(rows, key=lambda r: (r.full_name.casefold(), r.user_id))
    if sort == "name":
        return list(reversed(by_name)) if descending else by_name
    keys: dict[str, Any] = {
        "band": lambda r: band_rank(r.band) if r.band in AFC_BANDS else None,
        "next_step": lambda r: r.next_step_on,
        "team": lambda r: r.team_name.casefold() if r.team_name else None,
    }
    key = keys[sort]
    known = [r for r in by_name if key(r) is not None]
    blank = [r for r in by_name if key(r) is None]
    return sorted(known, key=key, reverse=descending) + blank


@dataclasses.dataclass(frozen=True)
class _Listed:
    """One person as the listing query gives them: enough to sort by name, band or team before anything else loads."""

    row: Any
    next_step_on: None = None

    @property
    def user_id(self) -> int:
        return int(self.row[0])

    @property
    def full_name(self) -> str:
        return str(self.row[1])

    @property
    def band(self) -> str | None:
        return cast(str | None, self.row[6])

    @property
    def team_name(self) -> str | None:
        return cast(str | None, self.row[8])


def _listing(session: Session, scope: Scope, filters: DirectoryFilters) -> list[Any]:
    """(user id, name, e-mail, profile id, employee number, job title, band, service, team, post number) of every
    person the database filters let through: one query."""
    stmt = (_filtered(scope, filters)
            .outerjoin(Service, Team.service_id == Service.id)
            .outerjoin(Post, StaffProfile.post_id == Post.id)
            .with_only_columns(User.id, User.full_name, User.email, StaffProfile.id, StaffProfile.employee_number,
                               StaffProfile.job_title, StaffProfile.band, Service.name, Team.name, Post.number))
    return list(session.execute(stmt).all())


def _rows(session: Session, people: Sequence[Any], today: dt.date) -> list[DirectoryRow]:
    """Directory rows of these people (listing tuples), in their order: five queries however many there are."""
    if not people:
        return []
    user_ids = [p[0] for p in people]
    profile_ids = [p[3] for p in people]
    roles: defaultdict[int, list[Role]] = defaultdict(list)
    for user_id, role in session.execute(select(RoleGrant.user_id, RoleGrant.role)
                                         .where(RoleGrant.user_id.in_(user_ids))
                                         .order_by(RoleGrant.user_id, RoleGrant.role)):
        if role not in roles[user_id]:
            roles[user_id].append(role)
    registrations: defaultdict[int, list[ProfessionalRegistration]] = defaultdict(list)
    for reg in session.scalars(select(ProfessionalRegistration)
                               .where(ProfessionalRegistration.profile_id.in_(profile_ids))):
        registrations[reg.profile_id].append(reg)
    wte: dict[int, Decimal] = dict(session.execute(
        select(WorkingPattern.profile_id, WorkingPattern.wte).where(
            WorkingPattern.profile_id.in_(profile_ids), WorkingPattern.starts_on <= today,
            or_(WorkingPattern.ends_on.is_(None), WorkingPattern.ends_on >= today))
        .order_by(WorkingPattern.starts_on)).all())
    catalogue = catalogue_for(session)
    rule_set: CredentialRules = catalogue.current(credential_service.RULES_ID, today).content
    where = positions(session, profile_ids, today, catalogue)
    labels = credential_states(rule_set)
    rows = []
    for uid, name, email, pid, number, title, band, service, team, post in people:
        state = credential_state(registrations[pid], rule_set, today)
        rows.append(DirectoryRow(user_id=uid, full_name=name, email=email, employee_number=number,
                                 service_name=service, team_name=team, post_number=post, job_title=title,
                                 roles=tuple(roles[uid]), band=band, position=where.get(pid), credential=state,
                                 wte=wte.get(pid), credential_label=labels[state]))
    return rows


def directory(session: Session, scope: Scope, filters: DirectoryFilters, today: dt.date) -> list[DirectoryRow]:
    """Every matching person, filtered and sorted: seven queries however many there are."""
    rows = _rows(session, _listing(session, scope, filters), today)
    if filters.credential is not None:
        rows = [r for r in rows if r.credential == filters.credential]
    if filters.next_step_months is not None:
        horizon = _months_ahead(today, filters.next_step_months)
        rows = [r for r in rows if r.next_step_on is not None and r.next_step_on <= horizon]
    return _sorted(rows, filters.sort, filters.descending)


def directory_page(session: Session, scope: Scope, filters: DirectoryFilters, today: dt.date, number: int,
                   per_page: int) -> tuple[list[DirectoryRow], int, int]:
    """(the rows of page `number`, clamped to the last page; how many match in all; that page number).

    Sorting by name, band or team needs only the listing, so roles, credentials, pay steps and WTE are
    loaded for the page's people alone (a directory of 2,000 builds 50 rows, not 2,000). A credential or
    next-step filter, or the next-step sort, needs every row worked out first, so those build them all.
    """
    if filters.credential is not None or filters.next_step_months is not None or filters.sort == "next_step":
        everyone = directory(session, scope, filters, today)
        total = len(everyone)
        number = min(max(number, 1), max(1, -(-total // per_page)))
        return everyone[(number - 1) * per_page:number * per_page], total, number
    listed = _sorted([_Listed(p) for p in _listing(session, scope, filters)], filters.sort, filters.descending)
    total = len(listed)
    number = min(max(number, 1), max(1, -(-total // per_page)))
    return _rows(session, [p.row for p in listed[(number - 1) * per_page:number * per_page]], today), total, number


def places(session: Session, scope: Scope) -> tuple[list[Service], list[Team]]:
    """Active services and teams to filter by: the scope's services, or all the organisation's when the scope is
    organisation-wide or only line reports (filtering can only narrow what the scope shows)."""
    stmt = select(Service).where(Service.organisation_id == scope.organisation_id, Service.active.is_(True))
    if not scope.whole_organisation and scope.service_ids:
        stmt = stmt.where(Service.id.in_(sorted(scope.service_ids)))
    services = list(session.scalars(stmt.order_by(Service.name, Service.id)))
    teams = list(session.scalars(select(Team).join(Service).where(
        Team.service_id.in_([s.id for s in services]), Team.active.is_(True)).order_by(Service.name, Team.name)
        .options(contains_eager(Team.service)))) if services else []
    return services, teams


# --- export ------------------------------------------------------------------------------------

HEADERS: tuple[str, ...] = ("Name", "E-mail address", "Employee number", "Service", "Team", "Post number",
                            "Job title", "Roles", "Band", "Step", "Time in step", "Next step date",
                            "Credential status", "WTE today")


def export_rows(rows: Sequence[DirectoryRow], today: dt.date) -> Iterable[list[Cell]]:
    for r in rows:
        next_step: Cell = r.next_step_on if r.next_step_on is not None else r.next_step_text(today)
        yield [r.full_name, r.email, r.employee_number, r.service_name, r.team_name, r.post_number, r.job_title,
               r.role_labels, r.band, r.step_text, r.position.time_in_step(today) if r.position else "", next_step,
               r.credential_label, r.wte]


__all__ = ["CREDENTIAL_STATES", "DirectoryFilters", "DirectoryRow", "HEADERS", "MAX_MONTHS", "SORTS",
           "credential_labels", "credential_state", "credential_states", "directory", "directory_page", "export_rows",
           "places"]
