"""Applying a checked staff import: posts, people, roles, working patterns, line managers and employment changes.

Only a plan without errors reaches here (app.services.staff_import.apply); it flushes, the caller commits.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from app.services.staff_import_match import Context
from app.services.staff_import_plan import CREATE, UNCHANGED, Work, band_start, roles_for, target_wte
from app.services.staff_import_rows import Row
from competences import pay
from models import (EmploymentChange, Post, RelationshipKind, RoleGrant, StaffProfile, StaffRelationship, User,
                    WorkingPattern)


def write(session: Session, work: Work) -> None:
    ctx = work.ctx
    reason = f"Staff import {work.plan.file_name}"
    posts = _write_posts(session, work)
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
    _write_line_managers(session, work, new_users)
    session.flush()


def _write_posts(session: Session, work: Work) -> dict[str, Post]:
    posts: dict[str, Post] = {}
    for key, spec in work.specs.items():
        post = spec.post
        if post is None:
            assert spec.team is not None and spec.band is not None
            post = Post(organisation_id=work.ctx.organisation_id, number=spec.number, title=spec.title or "",
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
    return posts


def _write_line_managers(session: Session, work: Work, new_users: dict[str, User]) -> None:
    ctx = work.ctx
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


def _write_person(session: Session, r: Row, user: User, ctx: Context, post: Post | None, reason: str, *,
                  created: bool) -> None:
    user.full_name = r.full_name
    for role in roles_for(r, new=created):
        if not user.has_role(role):
            user.role_grants.append(RoleGrant(role=role))
    profile = user.profile
    old = profile
    before = (profile.band, profile.pay_step, profile.post_id, profile.job_title) if profile else (None, None, None, None)
    band_started = band_start(r, old)
    wte = target_wte(r, old)
    if profile is None:
        profile = StaffProfile(user=user, job_title=r.job_title, core_profession=r.core_profession or r.job_title)
        session.add(profile)
    profile.employee_number = r.employee_number
    profile.job_title = r.job_title
    profile.core_profession = r.core_profession or profile.core_profession
    profile.team = r.team or profile.team
    profile.band, profile.pay_step, profile.step_started_on = r.band, r.pay_step, r.step_started_on
    if band_started is not None:
        profile.band_started_on = band_started
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
