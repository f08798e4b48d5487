"""A person's pay and career: annual pay worked out today, band and post changes recorded by HR, and the next rung.

Pay is never stored: it follows the pay scale in force (nation and pay year), the band and step,
the working pattern today and the HCAS zone of the post held. A change of band, step, post or
title is one `record_change` call: the staff profile and an EmploymentChange row holding the
previous values are written together, or nothing is. A change is recorded on or after the day it
takes effect, never ahead: the profile holds what is true today, so a page never shows a band or
step before its date. A new post brings the person into the post's team.

Steps recorded on a band's older structure are read with `pay.step_on` (bands 8a–9 gained an
intermediate point on 1 April 2024: the top stays the top). Transitional moves of people on the
old entry point on to the new intermediate point are not modelled; the page says so.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.services import readiness
from app.services.errors import DomainError
from app.services.pay_steps import hcas_table, pay_scale
from app.services.privacy import refuse_patient_identifiers
from competences import ladder, pay
from competences.bands import AFC_BANDS
from competences.catalogue import Catalogue
from models import EmploymentChange, Post, StaffProfile, User

LADDER_ID = "career-ladder-talking-therapies"
#: Bands HR may move someone to here: Agenda for Change 4 to 9 (8a to 8d included).
CHANGE_BANDS: tuple[str, ...] = tuple(b for b in AFC_BANDS if b not in ("2", "3"))
MAX_REASON = 500
MAX_TITLE = 120
#: Why a change cannot be recorded ahead of its date.
NOT_AHEAD = "Record a change on or after the day it takes effect: Waymark shows pay as it is today"
#: Shown instead of a supplement when the post held is deactivated.
INACTIVE_POST_NOTE = "The post is deactivated: its HCAS zone is not applied."
#: The readiness pathway that judges a move from one rung to the next (rung ids in the career ladder data).
PATHWAY_FOR_MOVE: dict[tuple[str, str], str] = {
    ("trainee-pwp", "pwp"): readiness.TRAINEE_PWP,
    ("trainee-hi-cbt", "hi-cbt-therapist"): readiness.TRAINEE_HIT,
    ("hi-cbt-therapist", "senior-cbt-therapist"): "senior-8a-readiness",
}


# --- pay today ---------------------------------------------------------------------------------

def pay_year_label(on: dt.date) -> str:
    """The April–March pay year containing `on`, as "2026/27"."""
    first = on.year if on.month >= 4 else on.year - 1
    return f"{first}/{(first + 1) % 100:02d}"


@dataclasses.dataclass(frozen=True)
class PayToday:
    """Annual pay on `on`, or why it cannot be given (`problem`): never an exception on a page."""

    on: dt.date
    nation: str
    zone_id: str
    zone_name: str
    wte: Decimal | None
    result: pay.PayResult | None
    problem: str | None = None
    #: What the figures leave out (a deactivated post's HCAS zone).
    notes: tuple[str, ...] = ()
    #: When this pay year's figures are not known yet: the same post on the last day of the latest year that is.
    last_known: pay.PayResult | None = None


def pay_today(profile: StaffProfile, catalogue: Catalogue, on: dt.date) -> PayToday:
    """Pay for the profile's band, step (on the structure in force on `on`) and working pattern on `on`, in the HCAS
    zone of the post held; a deactivated post's zone is not applied, and a note says so."""
    inactive = profile.post is not None and not profile.post.active
    zone_id = profile.post.hcas_zone if profile.post is not None and not inactive else pay.NO_ZONE
    notes = (INACTIVE_POST_NOTE,) if inactive else ()
    wte = profile.wte_on(on)
    try:
        scale, table = pay_scale(catalogue, on), hcas_table(catalogue, on)
    except KeyError as exc:
        return PayToday(on, "", zone_id, zone_id, wte, None, problem=f"No pay scale is in force on {on}: {exc}",
                        notes=notes)
    try:
        zone_name = table.zone(zone_id).name
    except ValueError:
        zone_name = f"Unknown zone ({zone_id})"

    def problem(text: str) -> PayToday:
        return PayToday(on, scale.nation, zone_id, zone_name, wte, None, problem=text, notes=notes)

    if profile.band is None or profile.pay_step is None:
        return problem("Pay cannot be worked out: the band or pay step is not recorded.")
    if wte is None:
        return problem(f"Pay cannot be worked out: no working pattern covers {on:%-d %B %Y}.")
    try:
        step = (profile.pay_step if profile.step_started_on is None
                else pay.step_on(scale, profile.band, profile.pay_step, profile.step_started_on, on))
        result = pay.annual_pay(scale, table, on=on, band=profile.band, step=step, wte=wte, zone=zone_id)
    except pay.UnknownPayValue as exc:
        return dataclasses.replace(problem(f"Pay is not known for pay year {pay_year_label(on)}: {exc}."),
                                   last_known=_last_known(profile, scale, table, zone_id, wte, on))
    except ValueError as exc:
        return problem(f"Pay cannot be worked out: {exc}.")
    return PayToday(on, scale.nation, zone_id, zone_name, wte, result, notes=notes)


def _last_known(profile: StaffProfile, scale: pay.PayScale, table: pay.HcasTable, zone: str, wte: Decimal,
                on: dt.date) -> pay.PayResult | None:
    """An unsettled pay year (2026/27 while negotiations go on) still leaves the last settled figure worth showing."""
    earlier = [y.ends_on for y in scale.years if y.ends_on < on]
    if not earlier or profile.band is None or profile.pay_step is None:
        return None
    day = max(earlier)
    try:
        step = (profile.pay_step if profile.step_started_on is None
                else pay.step_on(scale, profile.band, profile.pay_step, profile.step_started_on, day))
        return pay.annual_pay(scale, table, on=day, band=profile.band, step=step, wte=wte, zone=zone)
    except ValueError:  # UnknownPayValue included: then there is nothing settled to show
        return None


# --- the career ladder -------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class NextRung:
    rung: ladder.Rung
    #: The readiness pathway judging the move, if one is defined for it.
    pathway_id: str | None
    #: Status only (met / total), from the person's readiness reports: never the figures behind it.
    summary: readiness.SummaryRow | None


@dataclasses.dataclass(frozen=True)
class Career:
    rung: ladder.Rung | None
    next: tuple[NextRung, ...]
    #: Why no rung could be found (band not recorded, shared band and an unmatched job title).
    problem: str | None = None


def career(session: Session, person: User, profile: StaffProfile, catalogue: Catalogue, today: dt.date) -> Career:
    """The person's rung on the ladder in force, the rungs it leads to, and readiness for each move (statuses only)."""
    if not catalogue.has(LADDER_ID):
        return Career(None, (), problem="No career ladder is loaded.")
    steps: ladder.CareerLadder = catalogue.current(LADDER_ID, today).content
    if profile.band is None:
        return Career(None, (), problem="The band is not recorded, so the rung on the career ladder is not known.")
    rung = ladder.rung_for(steps, profile.band, profile.job_title)
    if rung is None:
        return Career(None, (), problem=f"No rung on the career ladder matches band {profile.band} and the job title "
                                        f"“{profile.job_title}”.")
    moves = {(rung.id, n.id): PATHWAY_FOR_MOVE.get((rung.id, n.id)) for n in steps.next_rungs(rung.id)}
    summaries: dict[str, readiness.SummaryRow] = {}
    if any(moves.values()):
        summaries = {row.pathway_id: row
                     for row in readiness.summary_rows(readiness.readiness_for(session, person, today))}
    return Career(rung, tuple(NextRung(n, moves[(rung.id, n.id)], summaries.get(moves[(rung.id, n.id)] or ""))
                              for n in steps.next_rungs(rung.id)))


# --- recording a change ------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ChangeInput:
    effective_on: dt.date | None
    band: str
    pay_step: int | None
    post_id: int | None
    job_title: str
    reason: str


def _check(profile: StaffProfile, values: ChangeInput, *, posts: dict[int, Post], scale: pay.PayScale,
           today: dt.date) -> dt.date:
    effective = values.effective_on
    if effective is None:
        raise DomainError("Enter the date the change takes effect, like 2025-04-01", field="effective_on")
    if effective > today:
        raise DomainError(NOT_AHEAD, field="effective_on")
    if profile.step_started_on is not None and effective < profile.step_started_on:
        raise DomainError(f"The change cannot take effect before the current pay step began on "
                          f"{profile.step_started_on:%-d %B %Y}", field="effective_on")
    if values.band not in CHANGE_BANDS:
        raise DomainError(f"Choose a band from 4 to 9 (8a to 8d included), not “{values.band}”", field="band")
    if values.pay_step is None:
        raise DomainError("Choose the pay step", field="pay_step")
    try:
        points = pay.steps_in_band(scale, values.band, effective)
    except ValueError as exc:
        raise DomainError(f"Band {values.band} has no pay steps on {effective:%-d %B %Y}: {exc}", field="band") from None
    if not 1 <= values.pay_step <= points:
        raise DomainError(f"Band {values.band} has steps 1 to {points} on {effective:%-d %B %Y}: "
                          f"step {values.pay_step} does not exist", field="pay_step")
    if values.post_id is not None and values.post_id not in posts:
        raise DomainError("Choose an active post in a service you look after", field="post_id")
    if not values.job_title.strip():
        raise DomainError("Enter the job title", field="job_title")
    if len(values.job_title.strip()) > MAX_TITLE:
        raise DomainError(f"Job title must be {MAX_TITLE} characters or fewer", field="job_title")
    if not values.reason.strip():
        raise DomainError("Enter the reason for the change, like “Passed the PG Diploma”", field="reason")
    if len(values.reason.strip()) > MAX_REASON:
        raise DomainError(f"Reason must be {MAX_REASON} characters or fewer", field="reason")
    refuse_patient_identifiers(values.reason, "reason")
    if (values.band, values.pay_step, values.post_id, values.job_title.strip()) == (
            profile.band, profile.pay_step, profile.post_id, profile.job_title):
        raise DomainError("Nothing would change: choose a new band, step, post or job title", field="band")
    return effective


def record_change(session: Session, profile: StaffProfile, values: ChangeInput, *, actor: User,
                  posts: dict[int, Post], scale: pay.PayScale, today: dt.date) -> EmploymentChange:
    """Apply a band, step, post or title change to the profile and record it with the previous values.

    `posts` are the active posts the HR officer may place the person in. A new band starts its
    band date on the effective date; a new band or step starts its step date then too. A new post
    moves the person into the post's team, so the people a team's managers see follow the posts.
    """
    effective = _check(profile, values, posts=posts, scale=scale, today=today)
    title = values.job_title.strip()
    change = EmploymentChange(profile_id=profile.id, effective_on=effective, band=values.band, pay_step=values.pay_step,
                              post_id=values.post_id, job_title=title, previous_band=profile.band,
                              previous_step=profile.pay_step, previous_post_id=profile.post_id,
                              previous_job_title=profile.job_title, reason=values.reason.strip(),
                              recorded_by_id=actor.id)
    if values.band != profile.band:
        profile.band_started_on = effective
    if values.band != profile.band or values.pay_step != profile.pay_step:
        profile.step_started_on = effective
    if values.post_id is not None and values.post_id != profile.post_id:
        profile.team_id = posts[values.post_id].team_id
    profile.band, profile.pay_step, profile.post_id, profile.job_title = values.band, values.pay_step, values.post_id, title
    session.add(change)
    session.flush()
    return change


def history(session: Session, profile: StaffProfile) -> list[EmploymentChange]:
    """The person's changes, latest first, with both posts loaded."""
    return list(session.scalars(select(EmploymentChange).where(EmploymentChange.profile_id == profile.id)
                                .options(selectinload(EmploymentChange.post), selectinload(EmploymentChange.previous_post))
                                .order_by(EmploymentChange.effective_on.desc(), EmploymentChange.id.desc())))


__all__ = ["CHANGE_BANDS", "Career", "ChangeInput", "INACTIVE_POST_NOTE", "LADDER_ID", "NOT_AHEAD", "NextRung", "PATHWAY_FOR_MOVE", "PayToday", "career",
           "history", "pay_today", "pay_year_label", "record_change"]
