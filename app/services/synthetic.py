"""`waymark synthetic`: a reproducible Trust-scale service for benchmarks, written with bulk inserts.

From a seed, a staff count and a number of years it builds an organisation with services and teams
of about 12, staff at bands 4–9 with posts (some vacant, some in an HCAS zone), pay-step histories
that follow the Agenda for Change timings, working patterns and leave, supervision and
line-management relationships, and for each person years of CPD, weekly supervision with per-case
minutes (countersigned), cases and weekly contacts, CTS-R ratings, competence claims with sign-offs,
evidence (a handful of shared files in the evidence store), credentials, appraisals and progression
decisions (app.services.synthetic_people plans them; synthetic_logs writes the logs).

Rows go in with Core bulk inserts (app.services.synthetic_writer), never the ORM unit of work, and
each batch is chained into the audit trail with one "create" event per row; a final
"synthetic_generated" event records the run. Generated staff have no password; only the few named
accounts returned get `password` (hashed once). Only the caller commits.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services import passwords
from app.services.errors import DomainError
from app.services.pay_steps import hcas_table, pay_scale
from app.services.synthetic_logs import write_files, write_logs
from app.services.synthetic_people import JOBS, PROFESSION_CREDENTIAL, Member, Plan, plan_trust, shift_years
from app.services.synthetic_writer import Writer, at
from competences.credentials import KINDS_BY_ID
from models import (Appraisal, EmploymentChange, HrStanding, LeaveOfAbsence, Organisation, Post,
                    ProfessionalRegistration, ProgressionDecision, Role, RoleGrant, Service,
                    StaffProfile, StaffRelationship, Team, User, WorkingPattern)
from models.audit import EventData, append_events
from models.people import new_session_token
from models.reference_data import catalogue_for

DEFAULT_ORGANISATION = "Synthetic Healthcare NHS Foundation Trust"
MAX_STAFF = 50_000
MAX_YEARS = 30
#: The first holder of each of these jobs gets the printed password, so every kind of page can be tried.
NAMED_JOBS = ("service_lead", "clinical_lead", "pwp_senior", "pwp_trainee", "pwp", "hit_principal", "hit_trainee",
              "hit")


@dataclasses.dataclass(frozen=True)
class Generated:
    organisation_id: int
    #: Rows written per table (audit events not included).
    counts: dict[str, int]
    #: (e-mail, role labels) of the accounts that can sign in with the password.
    accounts: list[tuple[str, str]]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def domain_for(organisation: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", organisation.lower()).strip("-")[:60] or "trust"
    return f"{slug}.example"


def generate(session: Session, *, staff: int, years: int, seed: int, organisation: str, store_dir: Path,
             password: str, argon2_profile: str = "default", today: dt.date | None = None,
             progress: Callable[[str], None] | None = None) -> Generated:
    """Write the whole synthetic Trust into the session's transaction; the caller commits (or rolls back)."""
    if not 1 <= staff <= MAX_STAFF:
        raise DomainError(f"The number of staff must be between 1 and {MAX_STAFF:,}", field="staff")
    if not 1 <= years <= MAX_YEARS:
        raise DomainError(f"The number of years must be between 1 and {MAX_YEARS}", field="years")
    if session.scalar(select(Organisation.id).where(Organisation.name == organisation)) is not None:
        raise DomainError(f"An organisation called {organisation!r} already exists; name another one",
                          field="organisation")
    domain = domain_for(organisation)
    if session.scalar(select(func.count()).select_from(User).where(User.email.like(f"%@{domain}"))):
        raise DomainError(f"Accounts at {domain} already exist; name another organisation", field="organisation")
    say = progress or (lambda _message: None)
    today = today or dt.date.today()
    catalogue = catalogue_for(session)
    zones = {z.id for z in hcas_table(catalogue, today).zones}
    plan = plan_trust(pay_scale(catalogue, today), zones, staff=staff, years=years, seed=seed, domain=domain,
                      today=today)
    w = Writer(session.connection())
    org_id = _structure(w, plan, organisation)
    hr_id, accounts = _accounts(w, plan, org_id, domain, passwords.hash_password(password, argon2_profile), today,
                                years)
    say(f"{len(plan.members)} staff, {len(plan.teams)} teams in {len(plan.services)} services")
    _posts_and_profiles(w, plan, org_id, today, years)
    registrations = _hr_records(w, plan, hr_id, seed, today, years)
    relationships = _relationships(w, plan, hr_id)
    files = write_files(w, session, store_dir)
    write_logs(w, plan, relationships=relationships, registrations=registrations, files=files, catalogue=catalogue,
               seed=seed, today=today, window_start=shift_years(today, -years), progress=say)
    counts = dict(sorted(w.counts.items()))
    append_events(session.connection(), [EventData(
        "synthetic_generated", "organisations", str(org_id), None,
        detail={"staff": staff, "years": years, "seed": seed, "rows": sum(counts.values())})])
    return Generated(org_id, counts, accounts)


def _structure(w: Writer, plan: Plan, organisation: str) -> int:
    org_id = w.insert(Organisation, [{"name": organisation, "ods_code": None}])[0]
    service_ids = w.insert(Service, [{"organisation_id": org_id, "name": name, "active": True}
                                     for name in plan.services])
    team_ids = w.insert(Team, [{"service_id": service_ids[t.service], "name": t.name, "active": True}
                               for t in plan.teams])
    for team, team_id in zip(plan.teams, team_ids):
        team.id = team_id
    plan.service_ids = service_ids
    return org_id


def _user_row(org_id: int, email: str, name: str, password_hash: str | None, created: dt.datetime) -> dict[str, Any]:
    return {"email": email, "full_name": name, "organisation_id": org_id, "password_hash": password_hash,
            "password_changed_at": created if password_hash else None, "active": True,
            "session_token": new_session_token(), "created_at": created, "last_login_at": None,
            "digest_opt_in": False, "left_on": None}


def _accounts(w: Writer, plan: Plan, org_id: int, domain: str, password_hash: str, today: dt.date,
              years: int) -> tuple[int, list[tuple[str, str]]]:
    """Users and role grants; the HR officer and administrator, then the staff. Returns the HR officer's id."""
    created = at(shift_years(today, -years))
    named: set[str] = set()
    for m in plan.members:
        key = next(k for k, job in JOBS.items() if job is m.job)
        if key in NAMED_JOBS and key not in named:
            named.add(key)
            m.named = True
    rows = [_user_row(org_id, f"hr@{domain}", "Synthetic HR Officer", password_hash, created),
            _user_row(org_id, f"admin@{domain}", "Synthetic Administrator", password_hash, created)]
    rows += [_user_row(org_id, m.email, m.full_name, password_hash if m.named else None, created)
             for m in plan.members]
    ids = w.insert(User, rows)
    hr_id, admin_id = ids[0], ids[1]
    service_ids = plan.service_ids
    grants = [{"user_id": hr_id, "role": Role.HR.value, "service_id": None},
              {"user_id": admin_id, "role": Role.ADMIN.value, "service_id": None}]
    accounts = [(f"hr@{domain}", Role.HR.label), (f"admin@{domain}", Role.ADMIN.label)]
    for m, user_id in zip(plan.members, ids[2:]):
        m.user_id = user_id
        for role in m.job.roles:
            grants.append({"user_id": user_id, "role": role.value,
                           "service_id": service_ids[m.service] if role is Role.SERVICE_LEAD else None})
        if m.named:
            accounts.append((m.email, f"{', '.join(r.label for r in m.job.roles)} ({m.job.title}, band {m.job.band})"))
    w.insert(RoleGrant, grants)
    return hr_id, accounts


def _posts_and_profiles(w: Writer, plan: Plan, org_id: int, today: dt.date, years: int) -> None:
    created = at(shift_years(today, -years))
    numbers: dict[int, int] = {}

    def post(team: int, title: str, band: str) -> dict[str, Any]:
        numbers[team] = numbers.get(team, 0) + 1
        return {"organisation_id": org_id, "number": f"T{team + 1:04d}-{numbers[team]:02d}", "title": title,
                "team_id": plan.teams[team].id, "band": band, "funded_wte": "1.00",
                "hcas_zone": plan.teams[team].hcas_zone, "active": True, "created_at": created}

    rows = [post(m.post_team, m.job.title, m.job.band) for m in plan.members]
    rows += [post(team, JOBS[key].title, JOBS[key].band) for team, key in plan.vacancies]
    post_ids = w.insert(Post, rows)
    profiles = []
    for m, post_id in zip(plan.members, post_ids):
        m.post_id = post_id
        profiles.append({
            "user_id": m.user_id, "job_title": m.job.title, "core_profession": m.profession,
            "team_id": plan.teams[m.team].id if m.team is not None else None, "band": m.job.band,
            "band_started_on": m.band_start, "pay_step": len(m.steps), "step_started_on": m.steps[-1],
            "employee_number": f"SYN{org_id}-{m.index + 1:06d}", "post_id": post_id})
    for m, profile_id in zip(plan.members, w.insert(StaffProfile, profiles)):
        m.profile_id = profile_id


def _hr_records(w: Writer, plan: Plan, hr_id: int, seed: int, today: dt.date, years: int) -> dict[int, list[int]]:
    """Working patterns, leave, credentials, HR standing, appraisals, progression and band changes.

    Returns each member's credential ids (their certificates are linked as evidence later).
    """
    window_start = shift_years(today, -years)
    by_index = {m.index: m for m in plan.members}
    patterns, leave, creds, cred_owner, standings, appraisals, decisions, changes = [], [], [], [], [], [], [], []
    for m in plan.members:
        rng = random.Random(f"{seed}:hr:{m.index}")  # nosec B311  # seeded synthetic data, not a secret
        patterns += [{"profile_id": m.profile_id, "wte": wte, "starts_on": s, "ends_on": e} for wte, s, e in m.patterns]
        leave += [{"profile_id": m.profile_id, "kind": k.value, "starts_on": s, "ends_on": e} for k, s, e in m.leave]
        for cred in _credentials(m, rng, today):
            creds.append(cred)
            cred_owner.append(m.index)
        lead = m.manager()
        manager = by_index[lead].user_id if lead is not None else hr_id
        standings.append({
            "profile_id": m.profile_id, "mandatory_training_complete": rng.random() < 0.92,
            "mandatory_training_checked_on": today - dt.timedelta(days=rng.randint(0, 300)),
            "capability_process": False, "disciplinary_sanction": False, "sanction_live_until": None,
            "updated_by_id": hr_id, "updated_at": at(today - dt.timedelta(days=rng.randint(0, 60)))})
        held = max(m.band_start, window_start) + dt.timedelta(days=rng.randint(300, 364))
        while held <= today:
            outcome = "meets" if rng.random() < 0.95 else "does_not_meet"
            appraisals.append({"profile_id": m.profile_id, "held_on": held, "outcome": outcome,
                               "appraiser_id": manager, "summary": "Objectives for the year agreed; training reviewed.",
                               "recorded_by_id": manager, "created_at": at(held, 15)})
            held = shift_years(held, 1)
        decisions += _decisions(m, manager, today)
        changes += _changes(m, hr_id, manager, window_start)
    w.insert(WorkingPattern, patterns)
    w.insert(LeaveOfAbsence, leave)
    registrations: dict[int, list[int]] = {}
    for index, cred_id in zip(cred_owner, w.insert(ProfessionalRegistration, creds)):
        registrations.setdefault(index, []).append(cred_id)
    w.insert(HrStanding, standings)
    w.insert(Appraisal, appraisals)
    w.insert(ProgressionDecision, decisions)
    w.insert(EmploymentChange, changes)
    return registrations


def _credentials(m: Member, rng: random.Random, today: dt.date) -> list[dict[str, Any]]:
    """The service's own credential (PWP register or BABCP accreditation) and a core profession's registration."""
    wanted: list[tuple[str, str, str]] = []  # (body, kind, number)
    if m.job.track == "pwp" and not m.job.trainee:
        if rng.random() < 0.5:
            wanted.append(("babcp", "babcp_pwp_register", f"PWP-{rng.randint(100000, 199999)}"))
        else:
            wanted.append(("bps", "bps_wpwr", f"WPW-{rng.randint(100000, 299999)}"))
    if m.job.track in {"hi", "lead"} and not m.job.trainee:
        wanted.append(("babcp", "babcp_accreditation", f"CBT-{rng.randint(10000, 99999):06d}"))
    if m.profession in PROFESSION_CREDENTIAL:
        body, kind = PROFESSION_CREDENTIAL[m.profession]
        number = (f"{rng.randint(10, 99)}{rng.choice('ABCDEFGHIJ')}{rng.randint(1000, 9999)}{rng.choice('ABCDE')}"
                  if body == "nmc" else f"{body.upper()}-{rng.randint(10000, 99999)}")
        wanted.append((body, kind, number))
    rows = []
    for body, kind, number in wanted:
        awarded = min(m.band_start, today) - dt.timedelta(days=rng.randint(30, 2000))
        due = shift_years(awarded, today.year - awarded.year)
        if due <= today:
            due = shift_years(due, 1)
        lapsed = rng.random() < 0.03
        rows.append({"regulator": body, "body_name": None, "credential_type": KINDS_BY_ID[kind].type.value,
                     "kind": kind, "registration_number": number, "registered_on": awarded,
                     "renewal_due_on": shift_years(due, -1) if lapsed else due, "expires_on": None,
                     "status": "lapsed" if lapsed else "current", "notes": None, "profile_id": m.profile_id})
    return rows


def _decisions(m: Member, manager: int, today: dt.date) -> list[dict[str, Any]]:
    rows = []
    for n, d in enumerate(m.decisions):
        started = m.steps[d.from_step - 1]
        base = {"profile_id": m.profile_id, "band": m.job.band, "from_step": d.from_step, "to_step": d.from_step + 1,
                "due_on": d.due_on, "previous_step_started_on": started, "decided_by_id": manager,
                "corrects_id": None, "correction_reason": None, "superseded": False}
        if d.review_on is not None:
            rows.append({**base, "outcome": "deferred", "reason": "Mandatory training not complete by the due date.",
                         "plan": "Complete the outstanding modules; reviewed in three months.",
                         "review_on": d.review_on, "effective_on": None,
                         "decided_at": at(d.due_on - dt.timedelta(days=7))})
            if d.review_on > today:
                continue
        effective = d.review_on or d.due_on
        rows.append({**base, "outcome": "confirmed", "reason": "All four progression standards met.", "plan": None,
                     "review_on": None, "effective_on": effective,
                     "decided_at": at(min(effective, today) - dt.timedelta(days=7 if n % 2 else 3))})
    return rows


def _changes(m: Member, hr_id: int, manager: int, window_start: dt.date) -> list[dict[str, Any]]:
    base = {"profile_id": m.profile_id, "post_id": m.post_id, "job_title": m.job.title, "band": m.job.band,
            "previous_post_id": None, "previous_job_title": None, "previous_band": None}
    rows = []
    if m.job.previous_band and m.band_start >= window_start:
        rows.append({**base, "effective_on": m.band_start, "pay_step": 1, "previous_band": m.job.previous_band,
                     "previous_step": None, "previous_job_title": m.job.previous_title, "reason": "band",
                     "recorded_by_id": hr_id, "created_at": at(m.band_start)})
    for step, started in enumerate(m.steps[1:], start=2):
        if started >= window_start:
            rows.append({**base, "job_title": None, "effective_on": started, "pay_step": step,
                         "previous_step": step - 1, "reason": "pay_step", "recorded_by_id": manager,
                         "created_at": at(started)})
    return rows


def _relationships(w: Writer, plan: Plan, hr_id: int) -> dict[tuple[int, int, str | None], int]:
    """Every relationship from the junior's band start, open-ended; returns ids by (junior, senior, supervision kind)."""
    by_index = {m.index: m for m in plan.members}
    keys, rows = [], []
    for m in plan.members:
        for senior, kind, skind in m.seniors:
            keys.append((m.index, senior, skind.value if skind else None))
            rows.append({"kind": kind.value, "supervision_kind": skind.value if skind else None,
                         "senior_id": by_index[senior].user_id, "junior_id": m.user_id, "starts_on": m.band_start,
                         "ends_on": None, "created_at": at(m.band_start), "created_by_id": hr_id})
    return dict(zip(keys, w.insert(StaffRelationship, rows)))


__all__ = ["DEFAULT_ORGANISATION", "Generated", "domain_for", "generate"]
