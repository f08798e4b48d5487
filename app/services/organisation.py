"""The organisation's structure (services and teams): the rules for naming, adding and deactivating them.

Nothing here is ever deleted: staff profiles, role grants and history point at services and
teams, so a service or team that closes is deactivated and keeps its name.
"""
from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.services.errors import DomainError
from models import Organisation, Service, StaffProfile, Team, User

NAME_MAX = 120
ODS_CODE = re.compile(r"[A-Z0-9]{3,10}")


def _clean_name(name: str, *, what: str, field: str) -> str:
    """Trimmed, with runs of spaces collapsed, so "North  Team " and "North Team" are one name."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise DomainError(f"Enter the {what} name", field=field)
    if len(cleaned) > NAME_MAX:
        raise DomainError(f"The {what} name must be {NAME_MAX} characters or fewer", field=field)
    return cleaned


def _clean_ods_code(code: str | None) -> str | None:
    cleaned = (code or "").strip().upper()
    if not cleaned:
        return None
    if not ODS_CODE.fullmatch(cleaned):
        raise DomainError("Enter an ODS code of 3 to 10 letters and numbers, like RXT", field="ods_code")
    return cleaned


def rename_organisation(session: Session, organisation: Organisation, *, name: str, ods_code: str | None) -> None:
    cleaned = _clean_name(name, what="organisation", field="name")
    code = _clean_ods_code(ods_code)
    # Organisation names are unique across the whole database, not just within a parent.
    taken = session.scalar(select(func.count()).select_from(Organisation).where(
        func.lower(Organisation.name) == cleaned.lower(), Organisation.id != organisation.id))
    if taken:
        raise DomainError("Another organisation already uses this name", field="name")
    organisation.name = cleaned
    organisation.ods_code = code
    session.flush()


def _service_name_taken(session: Session, organisation_id: int, name: str, *, except_id: int | None = None) -> bool:
    q = select(func.count()).select_from(Service).where(
        Service.organisation_id == organisation_id, func.lower(Service.name) == name.lower())
    if except_id is not None:
        q = q.where(Service.id != except_id)
    return bool(session.scalar(q))


def _team_name_taken(session: Session, service_id: int, name: str, *, except_id: int | None = None) -> bool:
    q = select(func.count()).select_from(Team).where(Team.service_id == service_id,
                                                     func.lower(Team.name) == name.lower())
    if except_id is not None:
        q = q.where(Team.id != except_id)
    return bool(session.scalar(q))


def add_service(session: Session, organisation: Organisation, *, name: str) -> Service:
    cleaned = _clean_name(name, what="service", field="name")
    if _service_name_taken(session, organisation.id, cleaned):
        raise DomainError(f"There is already a service called {cleaned} (it may be deactivated)", field="name")
    service = Service(organisation_id=organisation.id, name=cleaned, active=True)
    session.add(service)
    session.flush()
    return service


def update_service(session: Session, service: Service, *, name: str | None = None, active: bool | None = None) -> None:
    """Rename, deactivate or reactivate a service; its teams and the people in them are left as they are."""
    if name is not None:
        cleaned = _clean_name(name, what="service", field="name")
        if _service_name_taken(session, service.organisation_id, cleaned, except_id=service.id):
            raise DomainError(f"There is already a service called {cleaned} (it may be deactivated)", field="name")
        service.name = cleaned
    if active is not None:
        service.active = active
    session.flush()


def add_team(session: Session, service: Service, *, name: str) -> Team:
    cleaned = _clean_name(name, what="team", field="name")
    if not service.active:
        raise DomainError("This service is deactivated. Reactivate it before adding teams", field="name")
    if _team_name_taken(session, service.id, cleaned):
        raise DomainError(f"{service.name} already has a team called {cleaned} (it may be deactivated)", field="name")
    team = Team(service_id=service.id, name=cleaned, active=True)
    session.add(team)
    session.flush()
    return team


def update_team(session: Session, team: Team, *, name: str | None = None, active: bool | None = None) -> None:
    if name is not None:
        cleaned = _clean_name(name, what="team", field="name")
        if _team_name_taken(session, team.service_id, cleaned, except_id=team.id):
            raise DomainError(f"{team.service.name} already has a team called {cleaned} (it may be deactivated)",
                              field="name")
        team.name = cleaned
    if active and not team.active and not team.service.active:
        raise DomainError(f"{team.service.name} is deactivated. Reactivate the service first", field="active")
    if active is not None:
        team.active = active
    session.flush()


# --- reading -----------------------------------------------------------------------------------

def active_staff_by_team(session: Session, organisation_id: int, *, service_id: int | None = None) -> dict[int, int]:
    """Active staff per team id, counted in one grouped query."""
    q = (select(StaffProfile.team_id, func.count())
         .join(User, User.id == StaffProfile.user_id)
         .join(Team, Team.id == StaffProfile.team_id)
         .join(Service, Service.id == Team.service_id)
         .where(User.active.is_(True), Service.organisation_id == organisation_id)
         .group_by(StaffProfile.team_id))
    if service_id is not None:
        q = q.where(Team.service_id == service_id)
    return {int(team_id): int(n) for team_id, n in session.execute(q).all() if team_id is not None}


def structure(session: Session, organisation_id: int) -> list[tuple[Service, list[tuple[Team, int]]]]:
    """Every service of the organisation with its teams and each team's active staff count."""
    services = session.scalars(select(Service).where(Service.organisation_id == organisation_id)
                               .options(selectinload(Service.teams)).order_by(Service.name))
    counts = active_staff_by_team(session, organisation_id)
    return [(s, [(t, counts.get(t.id, 0)) for t in s.teams]) for s in services]


def teams_with_counts(session: Session, service: Service) -> list[tuple[Team, int]]:
    counts = active_staff_by_team(session, service.organisation_id, service_id=service.id)
    return [(t, counts.get(t.id, 0)) for t in service.teams]
