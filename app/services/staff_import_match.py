"""Checking a staff import's rows against Waymark: who each row is, its team, its line manager, and who may import.

Everything a file names is loaded in a few bulk queries, so a 10,000-row file costs the same
number of queries as a ten-row one. Messages never name, or reveal, an account of another organisation.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from app.services import pay_steps
from app.services.staff_import_rows import Checker, Row, name_key
from app.services.team_views import hr_service_scope
from competences import pay
from competences.catalogue import Catalogue
from models import Post, RelationshipKind, Role, Service, StaffProfile, StaffRelationship, Team, User
from models.reference_data import catalogue_for

#: Keys per IN (...) list, so a big file stays within every database's bound-parameter limit.
CHUNK = 900
TAKEN_EMAIL = "This e-mail address is already used by another account"
TAKEN_NUMBER = "This employee number is already used by another account"


def may_import(user: User) -> bool:
    """HR (organisation-wide, or for the teams of their services) and administrators."""
    return user.has_role(Role.ADMIN) or user.has_role(Role.HR)


def service_scope(user: User) -> frozenset[int] | None:
    """None: the whole organisation; otherwise the services an HR officer's grants name."""
    if user.has_role(Role.ADMIN):
        return None
    scope = hr_service_scope(user)
    return None if scope is None else frozenset(scope)


# --- loading what the file names ---------------------------------------------------------------

T = TypeVar("T")


def _chunks(items: Sequence[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), CHUNK):
        yield list(items[start:start + CHUNK])


def load_users(session: Session, numbers: Sequence[str], emails: Sequence[str]) -> list[User]:
    """Everyone the file names by employee number or e-mail, in any organisation (both are unique across
    Waymark, so a clash elsewhere must be refused too), with what the plan reads."""
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


def load_posts(session: Session, organisation_id: int, numbers: Sequence[str]) -> dict[str, Post]:
    posts: dict[str, Post] = {}
    for chunk in _chunks(numbers):
        for post in session.scalars(select(Post).where(Post.organisation_id == organisation_id,
                                                       func.lower(Post.number).in_(chunk))
                                    .options(selectinload(Post.team))):
            posts[post.number.lower()] = post
    return posts


def load_line_managers(session: Session, user_ids: Sequence[int], today: dt.date) -> dict[int, list[StaffRelationship]]:
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
class Context:
    organisation_id: int
    actor: User
    today: dt.date
    scope: frozenset[int] | None
    teams: list[Team]
    zones: dict[str, str]
    zone_names: dict[str, str]
    scale: pay.PayScale

    @property
    def actor_is_admin(self) -> bool:
        return self.actor.has_role(Role.ADMIN)


def context(session: Session, actor: User, today: dt.date, catalogue: Catalogue | None) -> Context:
    catalogue = catalogue or catalogue_for(session)
    hcas = pay_steps.hcas_table(catalogue, today)
    zones = {z.id.casefold(): z.id for z in hcas.zones} | {z.name.casefold(): z.id for z in hcas.zones}
    teams = list(session.scalars(select(Team).join(Team.service).where(Service.organisation_id == actor.organisation_id)
                                 .options(contains_eager(Team.service)).order_by(Service.name, Team.name)))
    return Context(actor.organisation_id, actor, today, service_scope(actor), teams, zones,
                   {z.id: z.name for z in hcas.zones}, pay_steps.pay_scale(catalogue, today))


# --- the row's team and account ----------------------------------------------------------------

def _listing(names: Sequence[str], limit: int = 25) -> str:
    shown = ", ".join(names[:limit]) or "none"
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def resolve_team(r: Row, ctx: Context, check: Checker) -> None:
    service_name, team_name = r.cells["service"], r.cells["team"]
    services = {name_key(t.service.name) for t in ctx.teams}
    if service_name and name_key(service_name) not in services:
        check.add(r.row, "service", f"There is no service called {service_name!r} in your organisation. Services: "
                                    f"{_listing(sorted({t.service.name for t in ctx.teams}))}")
        return
    if not team_name:
        if service_name:
            check.add(r.row, "team", "Enter the team as well: a person belongs to a service through their team")
        return
    candidates = [t for t in ctx.teams if name_key(t.name) == name_key(team_name)
                  and (not service_name or name_key(t.service.name) == name_key(service_name))]
    if not candidates:
        pool = [t for t in ctx.teams if not service_name or name_key(t.service.name) == name_key(service_name)]
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


def in_scope(ctx: Context, team: Team | None) -> bool:
    return ctx.scope is None or (team is not None and team.service_id in ctx.scope)


def match(r: Row, ctx: Context, by_number: dict[str, User], by_email: dict[str, User], check: Checker) -> None:
    """Find the row's existing account: by employee number, else by e-mail (an account with no employee number)."""
    user = by_number.get(r.employee_number)
    email_user = by_email.get(r.email) if r.email else None
    if user is not None and user.organisation_id != ctx.organisation_id:
        check.add(r.row, "employee_number", TAKEN_NUMBER)
        return
    if user is None and email_user is not None:
        if email_user.organisation_id != ctx.organisation_id:
            check.add(r.row, "email", TAKEN_EMAIL)
            return
        held = email_user.profile.employee_number if email_user.profile else None
        if held:
            check.add(r.row, "email", f"This e-mail address belongs to {email_user.full_name}, whose employee number "
                                      f"is {held}")
            return
        user = email_user
    elif user is not None and r.email and user.email != r.email:
        if email_user is not None and email_user.organisation_id == ctx.organisation_id:
            check.add(r.row, "email", f"This e-mail address belongs to another account ({email_user.full_name})")
        elif email_user is not None:
            check.add(r.row, "email", TAKEN_EMAIL)
        else:
            check.add(r.row, "email", f"Waymark signs this person in as {user.email}. E-mail addresses are changed "
                                      "on the account page, not by an import")
        return
    if user is None:
        if not in_scope(ctx, r.team) and not check.has(r.row, "team"):
            check.add(r.row, "team", "You can import staff only into teams of the services you look after"
                      + ("" if r.team else ": enter the team"))
        return
    r.user = user
    if user.id == ctx.actor.id:
        check.add(r.row, "employee_number", "You cannot change your own record by an import. Ask another HR officer")
    elif not user.active:
        check.add(r.row, "employee_number", f"{user.full_name}'s account is deactivated. An administrator can "
                                            "reactivate it before the import")
    elif not (in_scope(ctx, user.profile.team if user.profile else None) and (r.team is None or in_scope(ctx, r.team))):
        check.add(r.row, "team", f"{user.full_name} works outside the services you look after")


# --- line managers -------------------------------------------------------------------------------

@dataclasses.dataclass
class LineManager:
    number: str
    name: str
    user: User | None  # None: a person created by this file
    row: Row | None


def resolve_line_managers(rows: list[Row], users: list[User], ctx: Context, check: Checker) -> dict[int, LineManager]:
    in_file = {r.employee_number: r for r in rows if r.employee_number}
    existing = {u.profile.employee_number: u for u in users
                if u.profile and u.profile.employee_number and u.organisation_id == ctx.organisation_id}
    found: dict[int, LineManager] = {}
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
        if user is not None and user.id == ctx.actor.id and not ctx.actor_is_admin:
            # As on the relationship pages: the line manager decides pay steps, so HR cannot appoint themselves.
            check.add(r.row, "line_manager", "You cannot name yourself as a line manager in an import. Ask another "
                                             "HR officer or an administrator")
        elif user is not None and not user.active:
            check.add(r.row, "line_manager", f"{user.full_name}'s account is deactivated")
        elif Role.LINE_MANAGER not in roles:
            check.add(r.row, "line_manager", f"{name} ({number}) does not have the line manager role: add "
                                             "line_manager to their Roles in this file")
        elif source is None and user is not None and ctx.scope is not None and user.profile is not None \
                and user.profile.team is not None and user.profile.team.service_id not in ctx.scope:
            check.add(r.row, "line_manager", f"{name} works outside the services you look after")
        else:
            found[r.row] = LineManager(number, name, user, source)
    return found
