"""Keyword-only builders for test data; each flushes so ids exist, and the test decides when to commit."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from app.services import accounts
from models import (Organisation, RelationshipKind, Role, Service, StaffProfile, StaffRelationship,
                    SupervisionKind, Team, User, WorkingPattern)

PASSWORD = "correct horse battery"
TEST_SETTINGS = accounts.AuthSettings(argon2_profile="cheapest")
_seq = itertools.count(1)


def make_organisation(session: Any, *, name: str | None = None) -> Organisation:
    org = Organisation(name=name or f"Test Trust {next(_seq)}")
    session.add(org)
    session.flush()
    return org


def make_service(session: Any, *, organisation: Organisation | None = None, name: str | None = None) -> Service:
    svc = Service(organisation=organisation or make_organisation(session), name=name or f"Service {next(_seq)}")
    session.add(svc)
    session.flush()
    return svc


def make_team(session: Any, *, service: Service | None = None, name: str | None = None) -> Team:
    team = Team(service=service or make_service(session), name=name or f"Team {next(_seq)}")
    session.add(team)
    session.flush()
    return team


def make_user(session: Any, *, roles: tuple[Role | tuple[Role, Service | None], ...] = (Role.PRACTITIONER,),
              organisation: Organisation | None = None, team: Team | None = None, email: str | None = None,
              full_name: str | None = None, password: str | None = PASSWORD, band: str | None = "5",
              profile: bool = True, **profile_fields: Any) -> User:
    if organisation is None:
        organisation = team.service.organisation if team else make_organisation(session)
    n = next(_seq)
    user = accounts.create_user(session, email=email or f"person{n}@example.org", full_name=full_name or f"Person {n}",
                                organisation=organisation, roles=roles, password=password, settings=TEST_SETTINGS)
    if profile:
        fields: dict[str, Any] = {"job_title": "Psychological wellbeing practitioner",
                                  "core_profession": "Psychological wellbeing practitioner", "band": band,
                                  "pay_step": 1, "band_started_on": dt.date(2024, 4, 1),
                                  "step_started_on": dt.date(2024, 4, 1), **profile_fields}
        prof = StaffProfile(user=user, team=team, **fields)
        prof.working_patterns.append(WorkingPattern(wte=Decimal("1.00"), starts_on=dt.date(2024, 4, 1)))
        session.add(prof)
    session.flush()
    return user


def make_relationship(session: Any, *, senior: User, junior: User,
                      kind: RelationshipKind = RelationshipKind.SUPERVISION,
                      supervision_kind: SupervisionKind | None = None, starts_on: dt.date = dt.date(2025, 1, 1),
                      ends_on: dt.date | None = None) -> StaffRelationship:
    if kind is RelationshipKind.SUPERVISION and supervision_kind is None:
        supervision_kind = SupervisionKind.CLINICAL
    rel = StaffRelationship(kind=kind, supervision_kind=supervision_kind, senior=senior, junior=junior,
                            starts_on=starts_on, ends_on=ends_on)
    session.add(rel)
    session.flush()
    return rel
