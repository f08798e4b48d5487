"""Snapshots of many people at once, in a fixed number of queries, for service-wide pages (the dashboard).

models.snapshot builds one person's full snapshot in 17 queries; a service of 2,000 staff cannot
afford that per person. This builds only the parts a service-wide page reads, one query per table
whatever the number of people (no selectinload: it splits long id lists into batches of 500, so
its query count would grow with the service), and converts each row with models.snapshot's own
converters so a record counts here exactly as it counts on the person's own dashboard. Supervision
and CPD, the long tables, are read as plain rows of the columns those converters use.

Parts (any subset of PARTS):

* "employment": band, step, job title, working patterns, leave and the line-manager role (3 queries);
* "supervision": supervision received with its case minutes (2 queries);
* "cpd": CPD activities (1 query);
* "credentials": recorded credentials and the declaration anchor (1 query).

The people and their profiles take one more query. `since` ({"supervision": date, "cpd": date})
leaves out that part's rows dated before the date (a page charting the last 13 months needs no
older rows); without it every row is read, as models.snapshot does. `people_with_snapshots` also
hands back the User rows, with role grants, profile, working patterns, leave and registrations
filled in, so a caller can decide which pathways apply without another query.

Supervision notes (`themes`, countersign comments) are never selected, so a later change cannot
leak them onto an HR page by accident. CPD reflections are read only to tell whether a statement
exists (the model's own `has_reflective_statement`), as models.snapshot does.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
import types
from typing import Any, TypeVar, cast

from sqlalchemy import Executable, select
from sqlalchemy.orm import Session, contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from competences import evidence as ev
from models.people import LeaveOfAbsence, ProfessionalRegistration, RoleGrant, StaffProfile, User, WorkingPattern
from models.portfolio import CpdActivity, SupervisionCaseMinutes, SupervisionSession
from models.snapshot import declaration_anchor, cpd_of, credential_of, employment_of, supervision_of

PARTS: tuple[str, ...] = ("employment", "supervision", "cpd", "credentials")

T = TypeVar("T")


def _grouped(rows: Iterable[T], key: str) -> defaultdict[int, list[T]]:
    out: defaultdict[int, list[T]] = defaultdict(list)
    for row in rows:
        out[getattr(row, key)].append(row)
    return out


def _people(session: Session, ids: list[int]) -> list[User]:
    return list(session.scalars(
        select(User).outerjoin(StaffProfile, StaffProfile.user_id == User.id)
        .where(User.id.in_(ids)).options(contains_eager(User.profile)).order_by(User.id)).unique())


def _load_employment(session: Session, people: list[User], profiles: list[StaffProfile], ids: list[int]) -> None:
    """Fill role grants, working patterns and leave in three queries, as the relationships would order them."""
    grants = _grouped(session.scalars(select(RoleGrant).where(RoleGrant.user_id.in_(ids))
                                      .order_by(RoleGrant.role, RoleGrant.id)), "user_id")
    for user in people:
        set_committed_value(user, "role_grants", grants.get(user.id, []))
    profile_ids = [p.id for p in profiles]
    patterns = _grouped(session.scalars(select(WorkingPattern).where(WorkingPattern.profile_id.in_(profile_ids))
                                        .order_by(WorkingPattern.starts_on, WorkingPattern.id)), "profile_id")
    leave = _grouped(session.scalars(select(LeaveOfAbsence).where(LeaveOfAbsence.profile_id.in_(profile_ids))
                                     .order_by(LeaveOfAbsence.starts_on, LeaveOfAbsence.id)), "profile_id")
    for profile in profiles:
        set_committed_value(profile, "working_patterns", patterns.get(profile.id, []))
        set_committed_value(profile, "leave_periods", leave.get(profile.id, []))


def _load_credentials(session: Session, profiles: list[StaffProfile]) -> None:
    regs = _grouped(session.scalars(
        select(ProfessionalRegistration).where(ProfessionalRegistration.profile_id.in_([p.id for p in profiles]))
        .order_by(ProfessionalRegistration.regulator, ProfessionalRegistration.id)), "profile_id")
    for profile in profiles:
        set_committed_value(profile, "registrations", regs.get(profile.id, []))


#: The columns models.snapshot's converters read. Plain rows of them stand in for the ORM objects: they
#: load several times faster, and the notes columns (`themes`, countersign comments) are never selected.
_SUPERVISION_COLUMNS = (SupervisionSession.id, SupervisionSession.supervisee_id, SupervisionSession.occurred_on,
                        SupervisionSession.minutes, SupervisionSession.kind, SupervisionSession.group_size,
                        SupervisionSession.cbt, SupervisionSession.live_or_recorded_sampled,
                        SupervisionSession.countersign_status)
_CPD_COLUMNS = (CpdActivity.id, CpdActivity.owner_id, CpdActivity.start_on, CpdActivity.end_on, CpdActivity.title,
                CpdActivity.category, CpdActivity.minutes, CpdActivity.cbt, CpdActivity.cbt_skills,
                CpdActivity.participatory, CpdActivity.hcpc_standards, CpdActivity.reflection_learned,
                CpdActivity.reflection_practice)


class _CpdRow(types.SimpleNamespace):
    """A CPD row's columns with the model's own test for a reflective statement."""

    has_reflective_statement = CpdActivity.has_reflective_statement


def _dicts(session: Session, q: Executable) -> Iterator[dict[str, Any]]:
    """Each row as {column: value}. The keys are read once: Row._asdict() rebuilds them for every row, which
    cost a third of the page's time for 5,000 supervision rows."""
    result = session.execute(q)
    keys = tuple(result.keys())
    for row in result:
        yield dict(zip(keys, row))


def _supervision_rows(session: Session, ids: list[int], since: dt.date | None) -> dict[int, list[SupervisionSession]]:
    q = (select(*_SUPERVISION_COLUMNS).where(SupervisionSession.supervisee_id.in_(ids),
                                             SupervisionSession.deleted_at.is_(None))
         .order_by(SupervisionSession.occurred_on, SupervisionSession.id))
    if since is not None:
        q = q.where(SupervisionSession.occurred_on >= since)
    cases = _grouped(session.execute(
        select(SupervisionCaseMinutes.session_id, SupervisionCaseMinutes.case_ref, SupervisionCaseMinutes.minutes)
        .where(SupervisionCaseMinutes.session_id.in_(q.with_only_columns(SupervisionSession.id).order_by(None)
                                                     .scalar_subquery()))
        .order_by(SupervisionCaseMinutes.id)), "session_id")
    rows = (types.SimpleNamespace(**values, cases=cases.get(values["id"], [])) for values in _dicts(session, q))
    # The converter reads only the attributes a row carries (see _SUPERVISION_COLUMNS).
    return _grouped(cast(Iterable[SupervisionSession], rows), "supervisee_id")


def _cpd_rows(session: Session, ids: list[int], since: dt.date | None) -> dict[int, list[CpdActivity]]:
    q = (select(*_CPD_COLUMNS).where(CpdActivity.owner_id.in_(ids), CpdActivity.deleted_at.is_(None))
         .order_by(CpdActivity.end_on, CpdActivity.id))
    if since is not None:
        q = q.where(CpdActivity.end_on >= since)
    rows = (_CpdRow(**values) for values in _dicts(session, q))
    return _grouped(cast(Iterable[CpdActivity], rows), "owner_id")


def people_with_snapshots(session: Session, user_ids: Collection[int], today: dt.date, *,
                          parts: Collection[str] = PARTS,
                          since: Mapping[str, dt.date] | None = None) -> list[tuple[User, ev.Snapshot]]:
    """(user, snapshot with only `parts` filled) for each id that names a user, by id, in at most 8 queries.

    The parts left out are empty in the snapshot, so only rules that read the parts asked for may judge it.
    """
    unknown = (set(parts) | set(since or {})) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown snapshot parts {sorted(unknown)}; known: {', '.join(PARTS)}")
    ids = sorted(set(user_ids))
    if not ids:
        return []
    since = since or {}
    people = _people(session, ids)
    profiles = [u.profile for u in people if u.profile is not None]
    if "employment" in parts:
        _load_employment(session, people, profiles, ids)
    if "credentials" in parts:
        _load_credentials(session, profiles)
    supervision: dict[int, list[SupervisionSession]] = (
        _supervision_rows(session, ids, since.get("supervision")) if "supervision" in parts else {})
    cpd: dict[int, list[CpdActivity]] = _cpd_rows(session, ids, since.get("cpd")) if "cpd" in parts else {}

    out = []
    for user in people:
        profile = user.profile
        employment = employment_of(user, profile) if "employment" in parts else ev.Employment()
        credentials: tuple[ev.Credential, ...] = ()
        anchor = None
        if "credentials" in parts and profile is not None:
            credentials = tuple(credential_of(reg, profile, today) for reg in profile.registrations)
            anchor = declaration_anchor(profile)
        out.append((user, ev.Snapshot(
            person_id=str(user.id), today=today, employment=employment,
            cpd=tuple(cpd_of(row) for row in cpd.get(user.id, ())),
            supervision=tuple(supervision_of(row) for row in supervision.get(user.id, ())),
            credentials=credentials, declaration_anchor=anchor)))
    return out


def snapshots_for(session: Session, user_ids: Collection[int], today: dt.date, *,
                  parts: Collection[str] = PARTS, since: Mapping[str, dt.date] | None = None) -> dict[int, ev.Snapshot]:
    """{user id: snapshot with only `parts` filled}, in at most 8 queries whatever the number of people."""
    return {user.id: snap for user, snap in people_with_snapshots(session, user_ids, today, parts=parts, since=since)}


__all__ = ["PARTS", "people_with_snapshots", "snapshots_for"]
