"""The plan of a staff import: what each row would create or change, posts included, and every row error.

Blank optional cells never erase anything: a new person or post gets the documented default, an
existing one keeps what Waymark holds (docs/staff-import.md).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.services.staff_import_match import (Context, LineManager, context, in_scope, load_line_managers, load_posts,
                                             load_users, match, resolve_line_managers, resolve_team)
from app.services.staff_import_rows import Checker, Row, RowError, day, read_row, read_rows, sha256_of
from competences import pay
from competences.catalogue import Catalogue
from models import Post, Role, StaffProfile, StaffRelationship, Team, User

CREATE, CHANGE, UNCHANGED = "create", "change", "unchanged"


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


# --- posts ---------------------------------------------------------------------------------------

@dataclasses.dataclass
class PostSpec:
    row: int
    number: str
    title: str | None
    team: Team | None
    #: None: an existing post keeps its band.
    band: str | None
    funded_wte: Decimal | None
    hcas_zone: str | None
    post: Post | None = None
    #: Whether a row's Position Band gave the band (else it is the first holder's band, for a new post).
    band_stated: bool = False


def check_posts(rows: list[Row], posts: dict[str, Post], ctx: Context, check: Checker) -> dict[str, PostSpec]:
    """One spec per post number, from the first row naming it; later rows that disagree are errors."""
    specs: dict[str, PostSpec] = {}
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
            if existing is not None and not in_scope(ctx, existing.team):
                check.add(r.row, "position_number", f"Position {existing.number} belongs to a team outside the "
                                                    "services you look after")
            title = r.position_title or (None if existing else r.job_title)
            # Holders of one post may be on different bands: a blank Position Band never moves an existing post.
            band = r.position_band or (None if existing else r.band)
            specs[key] = PostSpec(r.row, r.position_number, title, r.team, band, r.funded_wte, r.hcas_zone, existing,
                                  band_stated=r.position_band is not None)
            continue
        if r.position_band is not None and not spec.band_stated:
            spec.band, spec.band_stated = r.position_band, True
        for col, mine, theirs, shown in (
                ("position_title", r.position_title, spec.title, lambda v: v),
                ("team", r.team, spec.team, lambda v: v.name),
                ("position_band", r.position_band, spec.band, lambda v: f"band {v}"),
                ("funded_wte", r.funded_wte, spec.funded_wte, str),
                ("hcas_zone", r.hcas_zone, spec.hcas_zone, lambda v: ctx.zone_names.get(v, v))):
            if mine is not None and theirs is not None and mine != theirs:
                check.add(r.row, col, f"Position {r.position_number} is {shown(theirs)} on row {spec.row} but "
                                      f"{shown(mine)} here; every row naming a position must agree")
    return specs


def plan_post(spec: PostSpec, zone_names: dict[str, str]) -> PlannedPost:
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


def _check_own_posts(planned: list[tuple[PostSpec, PlannedPost]], ctx: Context, check: Checker) -> None:
    """The post sets the HCAS zone and band of whoever holds it, so HR cannot change the one they hold."""
    held = ctx.actor.profile.post_id if ctx.actor.profile else None
    if held is None or ctx.actor_is_admin:
        return
    for spec, post in planned:
        if spec.post is not None and spec.post.id == held and post.action == CHANGE:
            check.add(spec.row, "position_number",
                      f"You hold position {spec.post.number}: an import cannot change a post you hold "
                      f"({', '.join(c.label for c in post.changes)}). Ask another HR officer or an administrator")


# --- people ----------------------------------------------------------------------------------------

def check_steps(r: Row, ctx: Context, check: Checker) -> None:
    if r.band is None or r.pay_step is None or r.step_started_on is None:
        return
    try:
        points = pay.steps_in_band(ctx.scale, r.band, r.step_started_on)
    except ValueError as exc:
        check.add(r.row, "step_started_on", str(exc))
        return
    if r.pay_step > points:
        check.add(r.row, "pay_step", f"Step {r.pay_step} is beyond band {r.band}, which had {points} pay steps on "
                                     f"{day(r.step_started_on)}")


def target_wte(r: Row, profile: StaffProfile | None) -> Decimal | None:
    """The file's WTE; blank: full time for a new record, else what Waymark holds (None)."""
    return r.wte if r.wte is not None else (Decimal("1.00") if profile is None else None)


def roles_for(r: Row, *, new: bool) -> tuple[Role, ...]:
    """The Roles cell; blank: practitioner for a new account, nothing added for an existing one."""
    return r.roles or ((Role.PRACTITIONER,) if new else ())


def band_start(r: Row, profile: StaffProfile | None) -> dt.date | None:
    """Blank: the step start date for a new record or a new band, else what Waymark holds."""
    if r.band_started_on is not None:
        return r.band_started_on
    if profile is None or profile.band != r.band or profile.band_started_on is None:
        return r.step_started_on
    return None


def _person_changes(r: Row, ctx: Context, lm: LineManager | None, spec: PostSpec | None,
                    current_lms: list[StaffRelationship]) -> list[FieldChange]:
    user = r.user
    assert user is not None
    profile = user.profile
    out: list[FieldChange] = []

    def note(label: str, old: Any, new: Any) -> None:
        if new is not None and new != old:
            fmt = day if isinstance(new, dt.date) else str
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
    note("Band start date", profile.band_started_on if profile else None, band_start(r, profile))
    note("Pay step", profile.pay_step if profile else None, r.pay_step)
    note("Step start date", profile.step_started_on if profile else None, r.step_started_on)
    note("WTE", profile.wte_on(ctx.today) if profile else None, target_wte(r, profile))
    if spec is not None:
        note("Post", profile.post.number if profile and profile.post else None, spec.post.number if spec.post else spec.number)
    added = [role for role in roles_for(r, new=False) if not user.has_role(role)]
    if added:
        out.append(FieldChange("Roles", ", ".join(g.role.label for g in user.role_grants),
                               ", ".join(role.label for role in added) + " added"))
    if lm is not None:
        seniors = [rel.senior for rel in current_lms]
        if not (len(seniors) == 1 and lm.user is not None and seniors[0].id == lm.user.id):
            out.append(FieldChange("Line manager", ", ".join(s.full_name for s in seniors), lm.name))
    return out


def _new_person(r: Row, lm: LineManager | None, spec: PostSpec | None) -> tuple[FieldChange, ...]:
    """What a new person's record will say, as changes from nothing."""
    values = (("Team", r.team.name if r.team else ""), ("Band", r.band or ""), ("Pay step", str(r.pay_step or "")),
              ("Step start date", day(r.step_started_on)), ("WTE", str(target_wte(r, None))),
              ("Post", spec.number if spec else ""), ("Line manager", lm.name if lm else ""),
              ("Roles", ", ".join(role.label for role in roles_for(r, new=True))))
    return tuple(FieldChange(label, "", value) for label, value in values if value)


# --- the whole file ----------------------------------------------------------------------------------

@dataclasses.dataclass
class Work:
    """A checked file: its plan and what applying it needs."""

    plan: ImportPlan
    rows: list[Row]
    specs: dict[str, PostSpec]
    line_managers: dict[int, LineManager]
    current_lms: dict[int, list[StaffRelationship]]
    ctx: Context


def _check_duplicates(rows: list[Row], check: Checker) -> tuple[dict[str, int], dict[str, int]]:
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
    return first_number, first_email


def check_file(session: Session, *, actor: User, file_name: str, data: bytes, today: dt.date,
               catalogue: Catalogue | None) -> Work:
    raw = read_rows(data)
    ctx = context(session, actor, today, catalogue)
    check = Checker()
    rows = [read_row(number, cells, check, ctx.zones, today) for number, cells in raw]
    first_number, first_email = _check_duplicates(rows, check)
    for r in rows:
        resolve_team(r, ctx, check)
        check_steps(r, ctx, check)

    numbers = sorted(set(first_number) | {r.line_manager for r in rows if r.line_manager})
    users = load_users(session, numbers, sorted(first_email))
    by_number = {u.profile.employee_number: u for u in users if u.profile and u.profile.employee_number}
    by_email = {u.email: u for u in users}
    for r in rows:
        if r.employee_number:
            match(r, ctx, by_number, by_email, check)
    posts = load_posts(session, ctx.organisation_id, sorted({r.position_number.lower() for r in rows
                                                             if r.position_number}))
    specs = check_posts(rows, posts, ctx, check)
    planned_posts = [(spec, plan_post(spec, ctx.zone_names)) for spec in specs.values()]
    _check_own_posts(planned_posts, ctx, check)
    line_managers = resolve_line_managers(rows, users, ctx, check)
    current_lms = load_line_managers(session, sorted({r.user.id for r in rows if r.user}), today)

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
    errors = tuple(sorted(check.errors, key=lambda e: e.row))
    plan = ImportPlan(file_name, sha256_of(data), tuple(people), tuple(p for _, p in planned_posts), errors)
    return Work(plan, rows, specs, line_managers, current_lms, ctx)
