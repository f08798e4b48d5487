"""The synthetic Trust's portfolios: cases, weekly contacts, CPD, supervision with case minutes, CTS-R, claims, evidence.

Written a group of people at a time with bulk inserts (app.services.synthetic_writer), each person
from their own seeded generator so the result never depends on the grouping. Case and recording
references are codes ("C0001", "R0001"), never patient identifiers; texts come from fixed lists.
Evidence items point at a handful of small files stored once in the evidence store.
"""
from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import io
import random
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services import evidence_store
from app.services.claims import claim_digest, components, current_framework
from app.services.countersigning import session_digest
from app.services.demo_evidence import item_scores, tiny_pdf
from app.services.demo_portfolio import CBT_ACTIVITIES, OTHER_ACTIVITIES, SCHEDULE, SKILLS_WORKSHOPS, THEMES, Activity
from app.services.ratings import ctsr_scale, judge
from app.services.synthetic_people import Member, Plan, shift_years
from app.services.synthetic_writer import Writer, at
from competences.catalogue import Catalogue
from competences.frameworks import items as framework_items
from models import (ClaimEvidence, ClaimStatusChange, ClinicalCase, ClinicalContact, CompetenceClaim, CpdActivity,
                    CpdEvidence, EvidenceItem, RelationshipKind, Role, StoredFile, SupervisionCaseMinutes,
                    SupervisionKind, SupervisionSession)
from models.credentials import CredentialEvidence
from models.training import CtsrRating

#: People written per group: bounded memory, batches still full.
GROUP = 100
WEEK = dt.timedelta(weeks=1)
PWP_PROBLEMS = ("depression", "gad", "mixed_anxiety_depression", "panic")
HI_PROBLEMS = ("depression", "gad", "social_anxiety", "ptsd", "ocd", "panic", "health_anxiety", "agoraphobia")
FRAMEWORK_FOR = {"pwp": "iapt-competence-areas", "hi": "ucl-cbt"}
SIGN_OFF_METHODS = ("discussion", "recording", "case_report", "live_observation")
STATEMENT = ("I have used this competence with clients on my caseload this year, discussed it in supervision and "
             "acted on the feedback; the linked evidence shows how.")
RETURN_COMMENT = "Please add an example from a recent case and how supervision changed your approach."
MAX_FILE_BYTES = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class SharedFile:
    sha256: str
    file_name: str


#: key: (file name, title, kind) of the few files every evidence item points at.
FILES = {
    "certificate": ("cpd-certificate.pdf", "Certificate of attendance", "certificate"),
    "registration": ("registration-certificate.pdf", "Certificate of registration", "certificate"),
    "reflection": ("reflective-account.txt", "Reflective account", "reflective_account"),
    "report": ("supervisor-report.pdf", "Supervisor's report", "supervisor_report"),
}


def write_files(w: Writer, session: Session, store_dir: Path) -> dict[str, SharedFile]:
    """Store the shared files once (the store de-duplicates) and add the StoredFile rows that are missing."""
    out: dict[str, SharedFile] = {}
    rows = []
    for key, (name, title, _kind) in FILES.items():
        if name.endswith(".pdf"):
            content = tiny_pdf(title, ("Synthetic evidence for performance testing.", "Waymark synthetic data"))
        else:
            content = f"{title}\n\nSynthetic evidence for performance testing; no real person is described.\n".encode()
        stored = evidence_store.store(io.BytesIO(content), name, store_dir, MAX_FILE_BYTES)
        out[key] = SharedFile(stored.sha256, name)
        rows.append({"sha256": stored.sha256, "size": stored.size, "media_type": stored.file_type.media_type,
                     "created_at": w.now})
    existing = set(session.scalars(select(StoredFile.sha256).where(StoredFile.sha256.in_([r["sha256"] for r in rows]))))
    w.insert(StoredFile, [r for r in rows if r["sha256"] not in existing])
    return out


@dataclasses.dataclass
class Context:
    plan: Plan
    by_index: dict[int, Member]
    relationships: dict[tuple[int, int, str | None], int]
    registrations: dict[int, list[int]]
    files: dict[str, SharedFile]
    frameworks: dict[str, tuple[str, int, list[str], list[str]]]
    ctsr_ids: list[str]
    ctsr: Any
    seed: int
    today: dt.date
    window_start: dt.date


@dataclasses.dataclass
class Group:
    """Rows of one group of people; links refer to positions in these lists until ids exist."""

    evidence: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    cases: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    contacts: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    cpd: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    cpd_links: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    credential_links: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    sessions: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    minutes: list[tuple[int, list[tuple[str, int]]]] = dataclasses.field(default_factory=list)
    ratings: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    claims: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    history: list[tuple[int, dict[str, Any]]] = dataclasses.field(default_factory=list)
    claim_links: list[tuple[int, int]] = dataclasses.field(default_factory=list)

    def item(self, owner: int, key: str, files: dict[str, SharedFile], day: dt.date, title: str,
             shared: bool = False) -> int:
        name, _title, kind = FILES[key]
        self.evidence.append({"owner_id": owner, "title": title[:255], "kind": kind, "dated_on": day,
                              "description": None, "file_sha256": files[key].sha256, "file_name": name,
                              "shared_with_hr": shared, **_stamps(day)})
        return len(self.evidence) - 1


def _stamps(day: dt.date) -> dict[str, Any]:
    stamp = at(day, 17)
    return {"deleted_at": None, "created_at": stamp, "updated_at": stamp}


def write_logs(w: Writer, plan: Plan, *, relationships: dict[tuple[int, int, str | None], int],
               registrations: dict[int, list[int]], files: dict[str, SharedFile], catalogue: Catalogue, seed: int,
               today: dt.date, window_start: dt.date, progress: Callable[[str], None]) -> None:
    frameworks = {}
    for track, framework_id in FRAMEWORK_FOR.items():
        framework = current_framework(catalogue, framework_id, today)
        frameworks[track] = (framework_id, framework.meta.version, [i.id for i in framework_items(framework)],
                             [c.id for c in components(framework)])
    scale = ctsr_scale(catalogue)
    ctx = Context(plan, {m.index: m for m in plan.members}, relationships, registrations, files, frameworks,
                  [i.id for i in scale.items], scale, seed, today, window_start)
    for start in range(0, len(plan.members), GROUP):
        group = Group()
        for m in plan.members[start:start + GROUP]:
            _person(ctx, group, m)
        _flush(w, group)
        progress(f"portfolios: {min(start + GROUP, len(plan.members))} of {len(plan.members)} people")


def _flush(w: Writer, g: Group) -> None:
    evidence_ids = w.insert(EvidenceItem, g.evidence)
    w.insert(ClinicalCase, g.cases)
    w.insert(ClinicalContact, g.contacts)
    cpd_ids = w.insert(CpdActivity, g.cpd)
    w.insert(CpdEvidence, [{"cpd_id": cpd_ids[c], "evidence_id": evidence_ids[e]} for c, e in g.cpd_links])
    w.insert(CredentialEvidence, [{"credential_id": c, "evidence_id": evidence_ids[e]} for c, e in g.credential_links])
    session_ids = w.insert(SupervisionSession, g.sessions)
    w.insert(SupervisionCaseMinutes, [{"session_id": session_ids[s], "case_ref": ref, "minutes": minutes}
                                      for s, cases in g.minutes for ref, minutes in cases])
    w.insert(CtsrRating, g.ratings)
    claim_ids = w.insert(CompetenceClaim, g.claims)
    w.insert(ClaimStatusChange, [{**row, "claim_id": claim_ids[c]} for c, row in g.history])
    w.insert(ClaimEvidence, [{"claim_id": claim_ids[c], "evidence_id": evidence_ids[e], "evidence_type": None}
                             for c, e in g.claim_links])


def _person(ctx: Context, g: Group, m: Member) -> None:
    rng = random.Random(f"{ctx.seed}:logs:{m.index}")  # nosec B311  # seeded synthetic data, not a secret
    start = max(m.band_start, ctx.window_start)
    for cred_id in ctx.registrations.get(m.index, []):
        g.credential_links.append((cred_id, g.item(m.user_id, "registration", ctx.files, start,
                                                   "Registration certificate", shared=True)))
    _cpd(ctx, g, m, rng, start)
    if m.job.track == "lead":
        _supervision(ctx, g, m, rng, start, [])
        return
    cases = _cases(ctx, g, m, rng, start)
    _contacts(ctx, g, m, rng, start)
    _supervision(ctx, g, m, rng, start, cases)
    if m.job.track == "hi":
        _ratings(ctx, g, m, rng, start, cases)
    _claims(ctx, g, m, rng, start)


# --- cases and contacts ----------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Case:
    ref: str
    started: dt.date
    ended: dt.date


def _scores(rng: random.Random) -> tuple[dict[str, int], dict[str, int]]:
    first = {"phq9": rng.randint(10, 24), "gad7": rng.randint(8, 19)}
    roll = rng.random()
    if roll < 0.5:
        return first, {"phq9": rng.randint(2, 9), "gad7": rng.randint(1, 7)}
    if roll < 0.7:
        return first, {"phq9": max(10, first["phq9"] - 6), "gad7": max(8, first["gad7"] - 4)}
    return first, {"phq9": min(27, first["phq9"] + rng.randint(-3, 3)), "gad7": min(21, first["gad7"] + rng.randint(-2, 2))}


def _cases(ctx: Context, g: Group, m: Member, rng: random.Random, start: dt.date) -> list[Case]:
    """About 35 a year at step 2 and 20 at step 3 (8 for a trainee, half for a team lead), in proportion to hours."""
    step = 2 if m.job.track == "pwp" else 3
    per_year = 35 if step == 2 else 8 if m.job.trainee else 20
    if Role.SUPERVISOR in m.job.roles:
        per_year //= 2
    last_start = ctx.today - WEEK
    days = (last_start - start).days
    if days <= 0:
        return []
    how_many = max(1, round(per_year * days / 365 * float(m.wte_on(ctx.today))))
    weeks = (6, 12) if step == 2 else (12, 24)
    cases = []
    for n in range(how_many):
        started = start + dt.timedelta(days=days * n // how_many + rng.randint(0, 3))
        ends = started + dt.timedelta(weeks=rng.randint(*weeks))
        closed = ends < ctx.today
        first, last = _scores(rng)
        sessions = rng.randint(4, 8) if step == 2 else rng.randint(8, 20)
        ref = f"C{n + 1:04d}"
        g.cases.append({
            "owner_id": m.user_id, "case_ref": ref, "problem": rng.choice(PWP_PROBLEMS if step == 2 else HI_PROBLEMS),
            "step": step, "modality": "guided_self_help" if step == 2 else "cbt", "started_on": started,
            "ended_on": ends if closed else None, "training_case": m.job.trainee and step == 3,
            "closely_supervised": m.job.trainee and step == 3 and n < 3,
            "assessed_case_study": m.job.trainee and step == 3 and n < 4 and closed,
            "attended_sessions": sessions if closed else rng.randint(1, sessions // 2),
            "first_scores": first, "last_scores": last if closed else {}, **_stamps(started)})
        cases.append(Case(ref, started, ends))
    return cases


def _contacts(ctx: Context, g: Group, m: Member, rng: random.Random, start: dt.date) -> None:
    """A week's count dated the Monday; qualified PWPs also run a group every other Wednesday."""
    monday = start + dt.timedelta(days=-start.weekday() % 7)
    owner = m.user_id
    while monday <= ctx.today:
        if not m.on_leave(monday) and rng.random() > 0.08:
            wte = m.wte_on(monday)
            if m.job.track == "pwp":
                count = max(1, round(rng.randint(15, 20 if m.job.trainee else 25) * wte))
                g.contacts.append(_contact(owner, monday, count, count * 30 + rng.randint(0, 4) * 15, 2,
                                           rng.choice(("telephone", "telephone", "video", "face_to_face")), True))
                if not m.job.trainee and monday.toordinal() // 7 % 2 == 0 and monday + dt.timedelta(days=2) <= ctx.today:
                    g.contacts.append(_contact(owner, monday + dt.timedelta(days=2), 1, 120, 2, "group", False))
            else:
                count = rng.randint(8, 11) if m.job.trainee else max(1, round(rng.randint(12, 20) * wte))
                video = rng.randint(0, count // 3)
                for fmt, n in (("face_to_face", count - video), ("video", video)):
                    if n:
                        g.contacts.append(_contact(owner, monday, n, n * 60, 3, fmt, True))
        monday += WEEK


def _contact(owner: int, day: dt.date, count: int, minutes: int, step: int, fmt: str,
             individual: bool) -> dict[str, Any]:
    return {"owner_id": owner, "occurred_on": day, "minutes": minutes, "count": count, "step": step, "format": fmt,
            "individual": individual, "cbt": True, "case_id": None, **_stamps(day)}


# --- CPD ---------------------------------------------------------------------------------------

def _cpd(ctx: Context, g: Group, m: Member, rng: random.Random, start: dt.date) -> None:
    """About eight a year, each with a short reflection; a skills workshop every year; some with a certificate."""
    hcpc = m.profession in {"Occupational therapist", "Clinical psychologist", "Counselling psychologist"}
    year_start = start
    while year_start < ctx.today:
        year_end = min(shift_years(year_start, 1), ctx.today)
        span = (year_end - year_start).days
        how_many = max(1, round(rng.randint(7, 9) * span / 365))
        skills = SKILLS_WORKSHOPS[2] if m.job.track == "pwp" else rng.choice(SKILLS_WORKSHOPS[:2])
        others = rng.sample(CBT_ACTIVITIES, min(how_many - 1, len(CBT_ACTIVITIES)))
        chosen: list[Activity] = [skills, *others][:how_many]
        if rng.random() < 0.5 and how_many > 2:
            chosen[-1] = rng.choice(OTHER_ACTIVITIES)
        for a in chosen:
            day = year_start + dt.timedelta(days=rng.randrange(max(1, span)))
            day -= dt.timedelta(days=max(0, day.weekday() - 4))
            g.cpd.append({
                "owner_id": m.user_id, "start_on": day, "end_on": day, "title": a.title, "provider": a.provider,
                "category": a.category, "participatory": a.participatory,
                "hcpc_standards": sorted(rng.sample([1, 2, 3, 4], 2)) if hcpc else [],
                "minutes": rng.randrange(a.minutes[0], a.minutes[1] + 1, 15), "cbt": a.cbt, "cbt_skills": a.cbt_skills,
                "reflection_learned": a.learned, "reflection_practice": a.practice, "competences": [],
                **_stamps(day)})
            if a.cbt_skills or rng.random() < 0.15:
                g.cpd_links.append((len(g.cpd) - 1, g.item(m.user_id, "certificate", ctx.files, day,
                                                           f"Certificate: {a.title}")))
        g.item(m.user_id, "reflection", ctx.files, year_end, f"Reflective account {year_end.year}")
        year_start = year_end


# --- supervision -------------------------------------------------------------------------------

def _open(cases: list[Case], starts: list[dt.date], day: dt.date) -> list[Case]:
    """Cases open on `day`: none runs past 24 weeks, so only those begun in the 24 weeks before are looked at."""
    lo = bisect.bisect_left(starts, day - dt.timedelta(weeks=25))
    hi = bisect.bisect_right(starts, day)
    return [c for c in cases[lo:hi] if c.ended >= day]


def _plan(m: Member, kind: SupervisionKind, day: dt.date) -> tuple[int, int, int]:
    weekday, every, minutes = SCHEDULE[kind]
    if kind is SupervisionKind.CLINICAL and m.job.trainee:
        return weekday, 1, 90
    if kind is SupervisionKind.CLINICAL and (m.job.band.startswith("8") or m.wte_on(day) < 1):
        return weekday, 2, 90
    return weekday, every, minutes


def _supervision(ctx: Context, g: Group, m: Member, rng: random.Random, start: dt.date, cases: list[Case]) -> None:
    """Sessions under each supervision relationship on its schedule, not on leave; countersigned after a fortnight."""
    starts = [c.started for c in cases]
    monday0 = start - dt.timedelta(days=start.weekday())
    for senior_index, rel_kind, skind in m.seniors:
        if rel_kind is not RelationshipKind.SUPERVISION or skind is None:
            continue
        senior = ctx.by_index[senior_index]
        rel_id = ctx.relationships[(m.index, senior_index, skind.value)]
        week = monday0
        while week <= ctx.today:
            weekday, every, minutes = _plan(m, skind, week)
            day = week + dt.timedelta(days=weekday)
            number = (week - dt.date(2000, 1, 3)).days // 7
            if number % every == 0 and start <= day <= ctx.today and not m.on_leave(day):
                _session(ctx, g, m, rng, senior, rel_id, skind, day, minutes, number // every,
                         _open(cases, starts, day))
            week += WEEK


def _session(ctx: Context, g: Group, m: Member, rng: random.Random, senior: Member, rel_id: int,
             kind: SupervisionKind, day: dt.date, minutes: int, nth: int, open_cases: list[Case]) -> None:
    group = kind in {SupervisionKind.CLINICAL_SKILLS, SupervisionKind.CLINICAL} and nth % 4 == 3
    discussing = ((kind is SupervisionKind.CASE_MANAGEMENT and nth % 2 == 0)
                  or (kind is SupervisionKind.CLINICAL and (m.job.trainee or nth % 2 == 0)))
    chosen: list[tuple[str, int]] = []
    if discussing and open_cases and not group:
        picked = rng.sample(open_cases, min(len(open_cases), 2 if m.job.trainee else 3))
        share = minutes * 4 // 5 // len(picked)
        chosen = [(c.ref, share) for c in picked]
    row = {"supervisee_id": m.user_id, "occurred_on": day, "minutes": minutes, "kind": kind.value,
           "group_size": rng.randint(3, 4) if group else 1, "cbt": True,
           "live_or_recorded_sampled": kind in {SupervisionKind.CLINICAL, SupervisionKind.CLINICAL_SKILLS}
           and nth % 6 == 1, "relationship_id": rel_id, "supervisor_id": senior.user_id,
           "outside_supervisor_name": None, "outside_supervisor_credentials": None,
           "themes": rng.choice(THEMES[kind]), **_stamps(day)}
    confirmed = day < ctx.today - dt.timedelta(days=14)
    signed_at = at(day + dt.timedelta(days=rng.randint(1, 6)), 16)
    digest = session_digest(SimpleNamespace(  # type: ignore[arg-type]
        **{**row, "kind": kind}, cases=[SimpleNamespace(case_ref=r, minutes=n) for r, n in chosen]))
    row.update({"countersign_status": "confirmed" if confirmed else "awaiting",
                "countersigned_by_id": senior.user_id if confirmed else None,
                "countersigned_at": signed_at if confirmed else None, "countersign_comment": None,
                "countersigned_outside_name": None, "countersigned_digest": digest if confirmed else None})
    g.sessions.append(row)
    if chosen:
        g.minutes.append((len(g.sessions) - 1, chosen))


# --- CTS-R ratings and claims ----------------------------------------------------------------------

def _ratings(ctx: Context, g: Group, m: Member, rng: random.Random, start: dt.date, cases: list[Case]) -> None:
    """Trainees: a rating every eight weeks (self and supervisor in turn, improving); qualified: two a year."""
    supervisor = _supervisor(ctx, m)
    gap = 56 if m.job.trainee else 182
    starts = [c.started for c in cases]
    day, n = start + dt.timedelta(days=gap // 2), 0
    while day < ctx.today:
        self_rated = m.job.trainee and n % 2 == 1 or supervisor is None
        target = min(60, 26 + 3 * n) if m.job.trainee else rng.randint(40, 55)
        scores = item_scores(ctx.ctsr_ids, target, rng)
        verdict = judge(ctx.ctsr, scores, None)
        open_cases = _open(cases, starts, day)
        confirmed = not self_rated and day < ctx.today - dt.timedelta(days=14)
        g.ratings.append({
            "owner_id": m.user_id, "rated_on": day, "recording_ref": f"R{n + 1:04d}", "course_id": None,
            "case_ref": open_cases[0].ref if open_cases else None, "rater_role": "self" if self_rated else "supervisor",
            "rater_id": m.user_id if self_rated else None,
            "rater_name": None if self_rated or supervisor is None else supervisor.full_name,
            "scale_id": ctx.ctsr.meta.id, "scale_version": ctx.ctsr.meta.version, "scores": scores, "comments": {},
            "total": verdict.total, "passed": verdict.passed, "pass_mark_used": verdict.pass_mark,
            "confirm_status": "confirmed" if confirmed else "awaiting",
            "confirmed_by_id": supervisor.user_id if confirmed and supervisor else None,
            "confirmed_at": at(day + dt.timedelta(days=3), 16) if confirmed else None, "confirm_comment": None,
            **_stamps(day)})
        day, n = day + dt.timedelta(days=gap), n + 1


def _supervisor(ctx: Context, m: Member) -> Member | None:
    senior = m.supervisor()
    return ctx.by_index[senior] if senior is not None else None


def _claims(ctx: Context, g: Group, m: Member, rng: random.Random, start: dt.date) -> None:
    """Six claims for a trainee, one a year (up to six) otherwise; most signed off by the supervisor."""
    framework_id, version, item_ids, component_ids = ctx.frameworks[m.job.track]
    days = (ctx.today - start).days
    if days < 14 or not item_ids:
        return
    how_many = min(len(item_ids), 6 if m.job.trainee else max(1, min(6, days // 365)))
    supervisor = _supervisor(ctx, m)
    report = g.item(m.user_id, "report", ctx.files, start + dt.timedelta(days=days // 2), "Supervisor's report")
    statement = {c: STATEMENT for c in component_ids}
    for item_id in rng.sample(item_ids, how_many):
        digest = _claim_digest(framework_id, version, item_id, statement, ctx.files["report"].sha256)
        submitted = start + dt.timedelta(days=rng.randrange(days))
        roll = rng.random()
        status = ("draft" if roll < 0.05 else "submitted" if supervisor is None or submitted > ctx.today - dt.timedelta(days=30)
                  else "returned" if roll < 0.15 else "signed_off")
        signed_on = min(ctx.today, submitted + dt.timedelta(days=rng.randint(7, 20)))
        method = rng.choice(SIGN_OFF_METHODS)
        signed = status == "signed_off" and supervisor is not None
        g.claims.append({
            "version": 1, "owner_id": m.user_id, "framework_id": framework_id, "framework_version": version,
            "item_id": item_id, "level": None, "status": status, "statement": statement,
            "submitted_at": at(submitted, 10) if status != "draft" else None,
            "signed_by_id": supervisor.user_id if signed and supervisor else None,
            "signed_on": signed_on if signed else None, "sign_off_method": method if signed else None,
            **_stamps(submitted)})
        position = len(g.claims) - 1
        g.claim_links.append((position, report))
        if status == "draft":
            continue
        g.history.append((position, _change(at(submitted, 10), m.user_id, "submit", "draft", "submitted", None, None,
                                            digest)))
        if status in {"signed_off", "returned"} and supervisor is not None:
            g.history.append((position, _change(
                at(signed_on, 15), supervisor.user_id, "sign_off" if signed else "return", "submitted", status,
                None if signed else RETURN_COMMENT, method if signed else None, digest)))


def _change(when: dt.datetime, actor: int, action: str, old: str, new: str, comment: str | None,
            method: str | None, digest: str) -> dict[str, Any]:
    return {"occurred_at": when, "actor_id": actor, "action": action, "from_status": old, "to_status": new,
            "comment": comment, "method": method, "claim_digest": digest}


def _claim_digest(framework_id: str, version: int, item_id: str, statement: dict[str, str], sha256: str) -> str:
    """app.services.claims.claim_digest of a claim with this statement and one linked file of no evidence type."""
    claim = SimpleNamespace(framework_id=framework_id, framework_version=version, item_id=item_id, level=None,
                            statement=statement,
                            evidence_links=[SimpleNamespace(evidence=SimpleNamespace(file_sha256=sha256),
                                                            evidence_type=None)])
    return claim_digest(claim)  # type: ignore[arg-type]


__all__ = ["FILES", "SharedFile", "write_files", "write_logs"]
