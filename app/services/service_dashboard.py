"""The service dashboard: establishment, pay steps due, credentials, supervision and CPD compliance, skill-mix gaps.

Every figure comes with the people behind it (`Section.lists`, keyed by the link in its table),
and the whole page costs the same number of queries for 20 staff or 2,000: the people in view
come from one query, their records from models.bulk_snapshot, pay-step dates from
app.services.pay_steps, and everything else is worked out here without touching the database.

Decisions a reviewer would ask about:

* Headcount and WTE by band are the people in view by their own band, WTE as on today. Vacancies
  come from the active posts in the services in view (none for a line manager, who sees only their
  reports): a post's held WTE is its active holders' WTE today, wherever they sit; its vacancy is
  funded − held when positive (an over-filled post does not cancel another's vacancy).
* Supervision compliance judges each person's `monthly_minutes` requirements (the pathways that
  apply to them, readiness.applicable_pathways) one calendar month at a time: the rule itself,
  with its window narrowed to that month, so the minutes counted, the group rules, the target for
  the WTE (90 minutes; 45 below half-time, from the data) and months wholly on leave are exactly
  the rule's. A month with no working pattern of theirs (before they started, after they left) is
  not expected of someone who has patterns recorded. The current month is not over, so its minutes
  are shown "so far" and nobody is counted below their minimum for it until it ends. The minutes
  come summed per person and month from the database (models.supervision_months) and each month is
  judged from the sums by competences.month_totals, which gives the narrowed rule's own answer
  (`month_results`, the rule on the records, stays as the reference; tests prove them equal). A rule
  whose filter tests something the sums do not keep is judged on the records instead.
* Cache: `DashboardCache` keeps a worker's last few dashboards keyed on the database, the scope,
  the service filter, today, the sections and the audit chain head's seq (read first), so any
  audited change anywhere builds the next one afresh. It is never the source of truth; the view
  turns it off under test unless DASHBOARD_CACHE is set.
* CPD compliance covers people with a declaration year (Snapshot.declaration_anchor) and judges
  their pathways' CPD requirements whose window is the declaration year. Not met yet but with at
  least the share of the target that the whole days gone by call for, rounded down, is "on track"
  (so nobody is behind on the year's first day); a person's status is their worst requirement's.
  Only statuses and dates leave this module. Each judged person's activities are read only from the
  earliest day their rules count from (the declaration year, or that year extended for leave) to today,
  in one query (models.bulk_snapshot.cpd_in_windows); tests prove the statuses equal the rules on the
  full snapshot.
* The people in view go into every query as the scope's query (a subquery), never as a list of ids.
  Garbage collection is paused while a dashboard is built (`_gc_paused`: it cost 40% of a cold
  build's CPU at 2,000 staff).
* Credentials: a declaration, renewal or expiry date from today to the kind's `due_soon_days`
  ahead (both counted; 90 in the data file) is "due"; lapsed, suspended, expired, past their lapse
  date or with an overdue declaration are listed apart. The flags and the days are
  competences.credentials' own, from the admin-corrected rules (app.services.credentials.rules).
* Pay progression follows the progression round (app.services.progression): a step date that has
  passed is "overdue" only while no decision is recorded about that step; a step the manager has
  deferred is counted apart, with its review date, until the review is recorded.
* Privacy: names, bands, dates, statuses and supervision minutes only. Supervision notes are
  never selected (models.bulk_snapshot), CPD reflections are read only as "has a statement".
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from app.services.credentials import rules as credential_rules
from app.services.errors import DomainError
from app.services.pay_steps import positions
from app.services.readiness import Choices, applicable_pathways
from app.services.staff_scope import Scope, people_in
from competences.bands import AFC_BANDS, band_rank
from competences.catalogue import Catalogue
from competences.credentials import (KINDS_BY_ID, NOT_HELD, CredentialFacts,
                                     CredentialRules, CredentialStatus, Flags, flags)
from competences.evidence import Snapshot, SupervisionSession
from competences.month_totals import SupervisionTotal, judge_month, judges_by_totals
from competences.pathways import Pathway
from competences.requirements import Context, Rule, Window
from competences.rules import BaseRule, MonthlyMinutesRule, minutes_text, wte_on
from competences.windows import WindowSpec, add_months, calendar_month, long_date
from exports.dashboard_charts import (CPD_STATUSES, BandFigures, TableChart, cpd_chart, credentials_chart, due_chart,
                                      establishment_chart, number_text, skills_chart, supervision_chart)
from exports.tables import Cell
from models import AuditChainHead, Post, Service, StaffProfile, Team, User, WorkingPattern
from models.bulk_snapshot import cpd_in_windows, people_with_snapshots, snapshots_for
from models.supervision_months import supervision_month_totals
from models.hr import ProgressionDecision, ProgressionOutcome
from models.ksa import KsaPortfolio
from models.reference_data import catalogue_for

SECTIONS: dict[str, str] = {
    "establishment": "Staff in post and vacancies",
    "progression": "Pay progression due",
    "credentials": "Accreditations and registrations due",
    "supervision": "Supervision compliance",
    "cpd": "CPD for the declaration year",
    "skills": "Skill-mix gaps",
}
DUE_MONTHS = 3
SUPERVISION_MONTHS = 12
CPD_LABELS = {key: label for key, label, _ in CPD_STATUSES}
#: Worst first: a person's CPD status is their worst requirement's.
CPD_ORDER = ("behind", "unknown", "on_track", "met")


# --- what the page reads -----------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Entry:
    """One line of a drill-down list: a person (linked by `user_id`) or, for vacancies, a post (no link)."""

    name: str
    user_id: int | None
    cells: tuple[Cell, ...]


@dataclasses.dataclass(frozen=True)
class PeopleList:
    """The people (or posts) behind one figure; `headings` include the name column."""

    title: str
    headings: tuple[str, ...]
    entries: tuple[Entry, ...]

    def export_rows(self) -> list[tuple[Cell, ...]]:
        return [(e.name, *e.cells) for e in self.entries]


@dataclasses.dataclass(frozen=True)
class Section:
    key: str
    heading: str
    #: The chart and its table; `chart.links` name entries of `lists`.
    chart: TableChart
    lists: Mapping[str, PeopleList]
    notes: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Dashboard:
    today: dt.date
    service_id: int | None
    people: int
    sections: tuple[Section, ...]

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def people_list(self, section: str, key: str) -> PeopleList | None:
        found = self.section(section)
        return found.lists.get(key) if found is not None else None


# --- scope and the people in view -------------------------------------------------------------

def services_in_view(session: Session, scope: Scope) -> list[Service]:
    """The services the viewer may filter by: all the organisation's for organisation-wide HR, else their own."""
    if scope.whole_organisation:
        q = select(Service).where(Service.organisation_id == scope.organisation_id, Service.active.is_(True))
    elif scope.service_ids:
        q = select(Service).where(Service.id.in_(sorted(scope.service_ids)))
    else:
        return []
    return list(session.scalars(q.order_by(Service.name, Service.id)))


def _post_services(scope: Scope, service_id: int | None) -> list[int] | None:
    """Services whose posts count: None for all of the organisation's, [] for none."""
    if service_id is not None:
        return [service_id]
    allowed = scope.services_only
    return None if allowed is None else sorted(allowed)


@dataclasses.dataclass(frozen=True)
class _Person:
    user: User
    profile: StaffProfile
    snapshot: Snapshot


def _people_ids(scope: Scope, service_id: int | None) -> Select[Any]:
    """The ids of the people in view, as a query: other queries take it as a subquery, never as a list of ids."""
    q = people_in(scope).with_only_columns(User.id)
    return q.where(Team.service_id == service_id) if service_id is not None else q


def _since(today: dt.date) -> dict[str, dt.date]:
    return {"supervision": add_months(today.replace(day=1), -SUPERVISION_MONTHS)}


def _people(session: Session, people_ids: Select[Any], today: dt.date, parts: set[str]) -> list[_Person]:
    """Everyone in view with the snapshot parts asked for. CPD is loaded by _cpd, for the windows it judges."""
    loaded = people_with_snapshots(session, people_ids, today, parts=(parts - {"cpd"}) | {"employment"},
                                   since=_since(today))
    people = [_Person(user, user.profile, snap) for user, snap in loaded if user.profile is not None]
    return sorted(people, key=lambda p: (p.user.full_name.lower(), p.user.id))


def _band_label(band: str | None) -> str:
    return f"Band {band}" if band else "No band recorded"


def _band_order(band: str) -> tuple[int, int, str]:
    if not band:
        return (2, 0, "")
    return (0, band_rank(band), band) if band in AFC_BANDS else (1, 0, band)


# --- establishment -----------------------------------------------------------------------------

def _establishment(session: Session, scope: Scope, service_id: int | None, people: list[_Person],
                   today: dt.date) -> Section:
    headcount: defaultdict[str, list[_Person]] = defaultdict(list)
    wte: defaultdict[str, Decimal] = defaultdict(Decimal)
    for p in people:
        band = p.profile.band or ""
        headcount[band].append(p)
        wte[band] += wte_on(p.snapshot.employment, today) or Decimal(0)

    services = _post_services(scope, service_id)
    post_rows: list[Any] = []
    held: defaultdict[int, Decimal] = defaultdict(Decimal)
    notes: list[str] = []
    if services == []:
        notes.append("Vacancies are shown to HR and service leads: they come from the posts of a whole service.")
    else:
        # The columns read below, as plain rows: an organisation's posts need not become ORM objects.
        pq = (select(Post.id, Post.number, Post.title, Post.band, Post.funded_wte, Team.name.label("team_name"))
              .join(Team, Team.id == Post.team_id)
              .where(Post.organisation_id == scope.organisation_id, Post.active.is_(True)))
        if services is not None:
            pq = pq.where(Team.service_id.in_(services))
        post_rows = list(session.execute(pq.order_by(Post.number, Post.id)))
        held = _held_wte(session, pq, today)

    funded: defaultdict[str, Decimal] = defaultdict(Decimal)
    held_by_band: defaultdict[str, Decimal] = defaultdict(Decimal)
    vacant: defaultdict[str, Decimal] = defaultdict(Decimal)
    vacant_posts: defaultdict[str, list[Entry]] = defaultdict(list)
    for post in post_rows:
        team = post.team_name
        have = held.get(post.id, Decimal(0))
        gap = max(post.funded_wte - have, Decimal(0))
        funded[post.band] += post.funded_wte
        held_by_band[post.band] += have
        vacant[post.band] += gap
        if gap > 0:
            vacant_posts[post.band].append(Entry(f"{post.title} ({post.number})", None,
                                                 (team, number_text(post.funded_wte), number_text(have),
                                                  number_text(gap))))

    bands = sorted(set(headcount) | set(funded), key=_band_order)
    figures = [BandFigures(band=b, headcount=len(headcount.get(b, ())), wte=wte.get(b, Decimal(0)),
                           funded_wte=funded.get(b, Decimal(0)), held_wte=held_by_band.get(b, Decimal(0)),
                           vacant_wte=vacant.get(b, Decimal(0)), vacant_posts=len(vacant_posts.get(b, ())))
              for b in bands]
    lists: dict[str, PeopleList] = {}
    for band, members in headcount.items():
        lists[f"band-{band or 'none'}"] = PeopleList(
            f"People in post: {_band_label(band)}", ("Name", "Job title", "WTE today"),
            tuple(Entry(p.user.full_name, p.user.id,
                        (p.profile.job_title, number_text(wte_on(p.snapshot.employment, today) or Decimal(0))))
                  for p in members))
    for band, posts in vacant_posts.items():
        lists[f"vacant-{band}"] = PeopleList(f"Vacant posts: {_band_label(band)}",
                                             ("Post", "Team", "Funded WTE", "Held WTE", "Vacant WTE"), tuple(posts))
    return Section("establishment", SECTIONS["establishment"], establishment_chart(figures), lists, tuple(notes))


def _held_wte(session: Session, posts: Any, today: dt.date) -> defaultdict[int, Decimal]:
    """Post id → the WTE today of its active holders (each holder's latest-starting current pattern, as the rules read it)."""
    rows = session.execute(
        select(StaffProfile.post_id, StaffProfile.id, WorkingPattern.starts_on, WorkingPattern.wte)
        .join(User, User.id == StaffProfile.user_id).join(WorkingPattern, WorkingPattern.profile_id == StaffProfile.id)
        .where(StaffProfile.post_id.in_(posts.with_only_columns(Post.id).order_by(None).scalar_subquery()),
               User.active.is_(True), WorkingPattern.starts_on <= today,
               or_(WorkingPattern.ends_on.is_(None), WorkingPattern.ends_on >= today))
        .order_by(StaffProfile.id, WorkingPattern.starts_on)).all()
    latest: dict[int, tuple[int | None, Decimal]] = {}
    for post_id, profile_id, _start, wte in rows:
        latest[profile_id] = (post_id, wte)
    held: defaultdict[int, Decimal] = defaultdict(Decimal)
    for post_id, wte in latest.values():
        if post_id is not None:
            held[post_id] += wte
    return held


# --- pay progression ---------------------------------------------------------------------------

def _month_key(day: dt.date) -> str:
    return f"{day.year:04}-{day.month:02}"


def _step_decisions(session: Session, people_ids: Select[Any]) -> dict[tuple[int, str, int],
                                                                       tuple[ProgressionOutcome, dt.date | None]]:
    """(profile, band, from step) → the outcome and review date of the latest live decision about that step: one query.

    The progression round's rule (app.services.progression): superseded decisions do not count.
    """
    rows = session.execute(
        select(ProgressionDecision.profile_id, ProgressionDecision.band, ProgressionDecision.from_step,
               ProgressionDecision.outcome, ProgressionDecision.review_on)
        .where(ProgressionDecision.profile_id.in_(
                   select(StaffProfile.id).where(StaffProfile.user_id.in_(people_ids.scalar_subquery()))),
               ProgressionDecision.superseded.is_(False))
        .order_by(ProgressionDecision.decided_at, ProgressionDecision.id)).all()
    return {(pid, band, step): (outcome, review_on) for pid, band, step, outcome, review_on in rows}


def _progression(session: Session, people_ids: Select[Any], people: list[_Person], today: dt.date,
                 catalogue: Catalogue) -> Section:
    profile_ids = [p.profile.id for p in people]
    found = positions(session, profile_ids, today, catalogue)
    decided = _step_decisions(session, people_ids) if profile_ids else {}
    horizon = add_months(today, DUE_MONTHS)
    months = [add_months(today.replace(day=1), i) for i in range(DUE_MONTHS + 1)]
    due: defaultdict[str, list[Entry]] = defaultdict(list)
    for p in people:
        pos = found.get(p.profile.id)
        if pos is None or pos.next_step_on is None:
            continue
        moved = f"Moved back {pos.deferred_days} days for leave" if pos.deferred_days else ""
        cells: tuple[Cell, ...] = (_band_label(pos.band), pos.step_text, pos.next_step_on, moved)
        decision = decided.get((p.profile.id, pos.band or "", pos.step or 0))
        if decision is not None:
            outcome, review_on = decision
            if outcome is not ProgressionOutcome.DEFERRED or review_on is None:
                continue  # decided: nothing for anyone to do about this step
            key = "deferred" if review_on >= today else "review-passed"
            when = "review on" if review_on >= today else "review was due on"
            due[key].append(Entry(p.user.full_name, p.user.id, (*cells, f"Deferred: {when} {long_date(review_on)}")))
        elif pos.next_step_on < today:
            due["overdue"].append(Entry(p.user.full_name, p.user.id, (*cells, "")))
        elif pos.next_step_on <= horizon:
            due[_month_key(pos.next_step_on)].append(Entry(p.user.full_name, p.user.id, (*cells, "")))
    headings = ("Name", "Band", "Step", "Next step due", "Leave", "Decision")
    titles = {_month_key(m): f"Pay step due in {m:%B %Y}" for m in months}
    titles |= {"overdue": "Pay step date passed, no decision recorded",
               "deferred": "Pay step deferred by their manager, review to come",
               "review-passed": "Pay step deferred, review date passed with no review recorded"}
    lists = {key: PeopleList(title, headings, tuple(sorted(due[key], key=lambda e: (e.cells[2], e.name))))
             for key, title in titles.items() if key in due}
    chart = due_chart([(_month_key(m), f"{m:%B %Y}", len(due.get(_month_key(m), ()))) for m in months],
                      len(due.get("overdue", ())), deferred=len(due.get("deferred", ())),
                      review_passed=len(due.get("review-passed", ())))
    return Section("progression", SECTIONS["progression"], chart, lists,
                   (f"Due from today to {long_date(horizon)}.",))


# --- credentials -------------------------------------------------------------------------------

def _kind_label(kind: str) -> str:
    known = KINDS_BY_ID.get(kind)
    return known.label if known else kind


def _credentials(session: Session, people: list[_Person], today: dt.date) -> Section:
    rules: CredentialRules = credential_rules(session, today)
    due: defaultdict[str, list[Entry]] = defaultdict(list)
    lapsed: defaultdict[str, list[Entry]] = defaultdict(list)
    for p in people:
        for reg in p.profile.registrations:
            f = flags(CredentialFacts(kind=reg.kind, status=reg.status, awarded_on=reg.registered_on,
                                      renewal_due_on=reg.renewal_due_on, expires_on=reg.expires_on),
                      rules.for_kind(reg.kind), today)
            problem = _problem(reg.status, reg.expires_on, f)
            if problem is not None:
                lapsed[reg.kind].append(Entry(p.user.full_name, p.user.id, (_kind_label(reg.kind), *problem)))
                continue
            horizon = today + dt.timedelta(days=f.due_soon_days)
            dates = [(d, what) for d, what in ((f.next_due_on, "Declaration or renewal due"),
                                               (reg.expires_on, "Expires"))
                     if d is not None and today <= d <= horizon]
            if dates:
                day, what = min(dates)
                due[reg.kind].append(Entry(p.user.full_name, p.user.id, (_kind_label(reg.kind), what, day)))
    lists: dict[str, PeopleList] = {}
    for kind, entries in due.items():
        lists[f"due-{kind}"] = PeopleList(f"{_kind_label(kind)}: due within {rules.for_kind(kind).due_soon_days} days",
                                          ("Name", "Credential", "What", "Date"),
                                          tuple(sorted(entries, key=lambda e: (e.cells[2], e.name))))
    for kind, entries in lapsed.items():
        lists[f"lapsed-{kind}"] = PeopleList(f"{_kind_label(kind)}: lapsed, expired or overdue",
                                             ("Name", "Credential", "Status", "Date"), tuple(entries))
    kinds = sorted(set(due) | set(lapsed), key=lambda k: (_kind_label(k).lower(), k))
    # One figure for the heading when every kind shown (or, with none shown, every kind) has the same days.
    days = {rules.for_kind(k).due_soon_days for k in kinds} or \
        {rules.default.due_soon_days} | {r.due_soon_days for r in rules.by_kind.values()}
    same = next(iter(days)) if len(days) == 1 else None
    chart = credentials_chart([(k, _kind_label(k), len(due.get(k, ())), len(lapsed.get(k, ()))) for k in kinds], same)
    window = (f"from today to {long_date(today + dt.timedelta(days=same))}" if same is not None
              else "within each kind's reminder window")
    chart = dataclasses.replace(chart, caption=f"Declarations, renewals and expiry dates {window}, and credentials "
                                               "that no longer count.")
    return Section("credentials", SECTIONS["credentials"], chart, lists)


def _problem(status: CredentialStatus, expires_on: dt.date | None, f: Flags) -> tuple[str, dt.date | None] | None:
    """(status in words, its date) for a credential that no longer counts or whose declaration is overdue."""
    if status in NOT_HELD:
        return (status.label, expires_on if f.expired else None)
    if f.expired:
        return ("Expired", expires_on)
    if f.lapse_passed:
        return ("May have lapsed", f.lapse_on)
    if f.overdue:
        return ("Declaration overdue", f.next_due_on)
    return None


# --- the pathways that apply -------------------------------------------------------------------

def _choices(session: Session, people_ids: Select[Any]) -> dict[int, Choices]:
    """The KSA route of everyone who has one (it adds the ksa-portfolio pathway): one query."""
    rows = session.execute(select(KsaPortfolio.owner_id, KsaPortfolio.route)
                           .where(KsaPortfolio.owner_id.in_(people_ids.scalar_subquery()))).all()
    return {owner: Choices(has_ksa=True, ksa_variant=route) for owner, route in rows}


def _applies(pathway: Pathway, rule: Rule) -> bool:
    spec = pathway.specs.get(rule.id)
    return spec is None or not spec.applies_when or bool(pathway.settings.get(spec.applies_when))


def _pathways(catalogue: Catalogue, people: list[_Person], choices: Mapping[int, Choices],
              today: dt.date) -> dict[int, list[Pathway]]:
    return {p.user.id: applicable_pathways(catalogue, p.user, p.profile, today, choices.get(p.user.id, Choices()))
            for p in people}


# --- supervision -------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _Judged:
    title: str
    minutes: int
    minimum: int
    met: bool | None


def _works_in(snapshot: Snapshot, start: dt.date, end: dt.date) -> bool:
    working = snapshot.employment.working
    return not working or any(w.start <= end and (w.end is None or w.end >= start) for w in working)


@dataclasses.dataclass(frozen=True)
class _Narrowed:
    """A monthly-minimum rule with its window narrowed to one calendar month, and the context it is judged in."""

    title: str
    rule: MonthlyMinutesRule
    context: Context


def _narrowed(rules: Sequence[tuple[Pathway, MonthlyMinutesRule]], catalogue: Catalogue) -> list[_Narrowed]:
    return [_Narrowed(rule.title, dataclasses.replace(rule, window=WindowSpec(type="calendar_month"), mode="average"),
                      Context(catalogue=catalogue, settings=pathway.settings))
            for pathway, rule in rules]


def month_results(snapshot: Snapshot, rules: Sequence[tuple[Pathway, MonthlyMinutesRule]], month: dt.date,
                  catalogue: Catalogue) -> list[_Judged]:
    """Each monthly-minimum rule judged on one calendar month alone (those wholly on leave left out)."""
    window = calendar_month(month)
    in_month = tuple(s for s in snapshot.supervision if window.start <= s.date <= window.end)
    return _judge_month(snapshot, _narrowed(rules, catalogue), window, in_month)


def _judge_month(snapshot: Snapshot, rules: Sequence[_Narrowed], window: Window,
                 in_month: Sequence[SupervisionSession]) -> list[_Judged]:
    """`rules` judged on `window`, a calendar month, with `in_month` its supervision records (the month's only)."""
    judged_on = min(window.end, snapshot.today)
    if judged_on < window.start or not _works_in(snapshot, window.start, window.end):
        return []
    snap = dataclasses.replace(snapshot, today=judged_on,
                               supervision=tuple(s for s in in_month if s.date <= judged_on))
    out = []
    for narrowed in rules:
        result = narrowed.rule.evaluate(snap, narrowed.context)
        if result.have is None or result.need is None:  # every day of the month on leave
            continue
        out.append(_Judged(narrowed.title, int(result.have), int(result.need), result.met))
    return out


def _by_month(records: Sequence[SupervisionSession]) -> defaultdict[tuple[int, int], list[SupervisionSession]]:
    out: defaultdict[tuple[int, int], list[SupervisionSession]] = defaultdict(list)
    for record in records:
        out[(record.date.year, record.date.month)].append(record)
    return out


SO_FAR = "So far: judged when the month ends"


def month_results_by_totals(snapshot: Snapshot, rules: Sequence[tuple[Pathway, MonthlyMinutesRule]], month: dt.date,
                            catalogue: Catalogue, totals: Sequence[SupervisionTotal]) -> list[_Judged]:
    """month_results from the month's supervision totals (models.supervision_months), not its records: the same
    answers (competences.month_totals says why) for rules that pass judges_by_totals."""
    return _judge_totals(snapshot, _narrowed(rules, catalogue), calendar_month(month), totals)


def _judge_totals(snapshot: Snapshot, rules: Sequence[_Narrowed], window: Window,
                  totals: Sequence[SupervisionTotal]) -> list[_Judged]:
    if min(window.end, snapshot.today) < window.start or not _works_in(snapshot, window.start, window.end):
        return []
    out = []
    for narrowed in rules:
        judged = judge_month(narrowed.rule, window.start, snapshot.today, snapshot.employment, totals)
        if judged is not None:
            out.append(_Judged(narrowed.title, judged.minutes, judged.minimum, judged.met))
    return out


def _supervision(session: Session, people_ids: Select[Any], people: list[_Person],
                 pathways: Mapping[int, list[Pathway]], today: dt.date, catalogue: Catalogue) -> Section:
    this_month = today.replace(day=1)
    months = [add_months(this_month, -i) for i in range(SUPERVISION_MONTHS, -1, -1)]
    windows = [(month, _month_key(month), calendar_month(month)) for month in months]
    expected: defaultdict[str, list[Entry]] = defaultdict(list)
    below: defaultdict[str, list[Entry]] = defaultdict(list)
    judged_people = []
    for p in people:
        rules = _narrowed([(pw, r) for pw in pathways[p.user.id] for r in pw.requirements
                           if isinstance(r, MonthlyMinutesRule) and _applies(pw, r)], catalogue)
        if rules:
            judged_people.append((p, rules))
    totals = supervision_month_totals(session, people_ids.scalar_subquery(), months[0], today) if judged_people else {}
    # A rule filtering on what the totals do not keep (a date, an id, the minutes) is judged on the records.
    by_records = [p.user.id for p, rules in judged_people if not all(judges_by_totals(n.rule) for n in rules)]
    records = ({uid: snap.supervision for uid, snap in snapshots_for(
        session, by_records, today, parts={"supervision"}, since=_since(today)).items()} if by_records else {})
    for p, rules in judged_people:
        name, uid = p.user.full_name, p.user.id  # read once: ORM attributes cost a descriptor call each time
        mine = _by_month(records[uid]) if uid in records else None
        theirs = totals.get(uid, {})
        for month, key, window in windows:
            at = (month.year, month.month)
            judged = (_judge_month(p.snapshot, rules, window, mine.get(at, ())) if mine is not None
                      else _judge_totals(p.snapshot, rules, window, theirs.get(at, ())))
            if not judged:
                continue
            wte = wte_on(p.snapshot.employment, min(window.end, today))
            for j in judged:
                # The current month is not over: its minutes so far are shown, but nobody is below a minimum yet.
                status = SO_FAR if month == this_month else {
                    True: "Met", False: "Below minimum", None: "Cannot tell (WTE not recorded)"}[j.met]
                entry = Entry(name, uid, (j.title, minutes_text(j.minutes), minutes_text(j.minimum),
                                          number_text(wte) if wte is not None else "Not recorded", status))
                expected[key].append(entry)
                if j.met is False and month != this_month:
                    below[key].append(entry)

    def people_count(entries: list[Entry]) -> int:
        return len({e.user_id for e in entries})

    def label(month: dt.date) -> str:
        return f"{month:%B %Y}" + (" (so far)" if month == this_month else "")

    headings = ("Name", "Requirement", "Supervision received", "Minimum", "WTE", "Status")
    lists: dict[str, PeopleList] = {}
    for month, key, _window in windows:
        if below.get(key):
            lists[key] = PeopleList(f"Below their supervision minimum in {label(month)}", headings, tuple(below[key]))
        if expected.get(key):
            lists[f"expected-{key}"] = PeopleList(f"Supervision minimums in {label(month)}", headings,
                                                  tuple(expected[key]))
    chart = supervision_chart([(key, label(m), people_count(expected.get(key, [])),
                                None if m == this_month else people_count(below.get(key, [])))
                               for m, key, _window in windows])
    return Section("supervision", SECTIONS["supervision"], chart, lists)


# --- CPD ---------------------------------------------------------------------------------------

def cpd_status(met: bool | None, have: Decimal | int | None, need: Decimal | int | None, start: dt.date,
               end: dt.date, today: dt.date) -> str:
    """met, on_track, behind, or unknown.

    On track: at least the share of the target that the whole days gone by (today not yet over) call for,
    rounded down; so on the first day of the year nothing is expected yet.
    """
    if met is True:
        return "met"
    if met is None or have is None or need is None:
        return "unknown"
    days = (end - start).days + 1
    gone = min(max((today - start).days, 0), days)
    expected = Decimal(need) * gone // days  # exact: Decimal's integer division does not round first
    return "on_track" if Decimal(have) >= expected else "behind"


def _cpd_rules(pathways: list[Pathway]) -> list[tuple[Pathway, Rule]]:
    """The CPD requirements judged on the declaration year."""
    out = []
    for pw in pathways:
        for rule in pw.requirements:
            spec = pw.specs.get(rule.id)
            window = getattr(rule, "window", None)
            if spec is None or spec.record != "cpd" or getattr(window, "type", None) != "declaration_year":
                continue
            if _applies(pw, rule):
                out.append((pw, rule))
    return out


def _cpd_window_start(snapshot: Snapshot, rules: Sequence[tuple[Pathway, Rule]]) -> dt.date:
    """The earliest day any of `rules` may count a CPD activity from: its declaration year extended for leave.

    A rule counts records in its declaration year or in that year extended for leave, and the extension only
    ever moves the start earlier. Both depend on the anchor, today and leave, never on the CPD records, so they
    are the same with or without them. A rule of another kind gets every activity.
    """
    starts: dict[tuple[Any, ...], dt.date] = {}
    for _pw, rule in rules:
        if not isinstance(rule, BaseRule):
            return dt.date.min
        key = (rule.window, rule.leave_pauses)  # rules sharing both share the window
        if key not in starts:
            starts[key] = rule.total_window(snapshot)[0].start
    return min(starts.values())


def _cpd(session: Session, people: list[_Person], pathways: Mapping[int, list[Pathway]],
         today: dt.date, catalogue: Catalogue) -> Section:
    judged = [(p, rules) for p in people if p.snapshot.declaration_anchor is not None
              for rules in [_cpd_rules(pathways[p.user.id])] if rules]
    # One query whatever is judged (so the count never depends on the data), each person's activities from the
    # earliest day their rules count from to today: rules count no record dated after today nor before their
    # window, so each judged person gets every record that counts.
    cpd = cpd_in_windows(session, {p.user.id: (_cpd_window_start(p.snapshot, rules), today) for p, rules in judged})
    by_status: defaultdict[str, list[Entry]] = defaultdict(list)
    for p, rules in judged:
        snapshot = dataclasses.replace(p.snapshot, cpd=cpd.get(p.user.id, ()))
        statuses: list[tuple[str, str]] = []
        year_end: dt.date | None = None
        for pw, rule in rules:
            result = rule.evaluate(snapshot, Context(catalogue=catalogue, settings=pw.settings))
            if result.window is None:
                continue
            year_end = result.window.end
            statuses.append((cpd_status(result.met, result.have, result.need, result.window.start,
                                        result.window.end, today), rule.title))
        if not statuses:
            continue
        worst = min((s for s, _ in statuses), key=CPD_ORDER.index)
        not_met = "; ".join(sorted({title for s, title in statuses if s != "met"}))
        by_status[worst].append(Entry(p.user.full_name, p.user.id, (CPD_LABELS[worst], year_end, not_met)))
    lists = {key: PeopleList(f"CPD for the declaration year: {CPD_LABELS[key]}",
                             ("Name", "Status", "Declaration year ends", "Requirements not met yet"),
                             tuple(by_status[key]))
             for key in CPD_LABELS if by_status.get(key)}
    return Section("cpd", SECTIONS["cpd"], cpd_chart({k: len(v) for k, v in by_status.items()}), lists)


# --- skill mix ---------------------------------------------------------------------------------

def _skills(session: Session, scope: Scope, service_id: int | None, today: dt.date) -> Section:
    from app.services import skill_mix  # written alongside; imported here so the rest stands without it

    services = _post_services(scope, service_id)
    gaps = [] if services == [] else skill_mix.gaps(session, services, scope.organisation_id, today)
    lists = {f"gap-{i}": PeopleList(f"In training for {gap.title} ({gap.service.name})", ("Name", "Service"),
                                    tuple(Entry(name, None, (gap.service.name,)) for name in gap.one_step_away))
             for i, gap in enumerate(gaps) if gap.one_step_away}
    notes = () if services != [] else ("Skill-mix targets belong to a service: they are shown to HR and service leads.",)
    chart = skills_chart([(gap.service.name, gap.title, gap.target, gap.held, len(gap.one_step_away)) for gap in gaps])
    chart = dataclasses.replace(chart, caption="Targets set for a service that it does not meet, with the people "
                                               "one step away (in training).")
    return Section("skills", SECTIONS["skills"], chart, lists, notes)


# --- the dashboard -----------------------------------------------------------------------------

#: Snapshot parts each section reads.
_PARTS: dict[str, set[str]] = {
    "establishment": {"employment"},
    "progression": set(),
    "credentials": {"credentials"},
    # The minutes come from models.supervision_months' sums, not from the snapshots.
    "supervision": {"employment", "credentials"},
    "cpd": {"employment", "cpd", "credentials"},
    "skills": set(),
}


_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = False


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a dashboard is built.

    A build allocates a few hundred thousand objects (rows, snapshots, results) and almost none of them in
    cycles, yet the allocations alone trigger repeated full collections: 40% of a 2,000-staff build's CPU
    (bench/RESULTS.md). Collection resumes when the last build in the process ends, and the first allocation
    after that collects anything left.
    """
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


def dashboard(session: Session, scope: Scope, today: dt.date, *, service_id: int | None = None,
              only: Sequence[str] | None = None) -> Dashboard:
    """The sections (all, or `only` these keys) for the people in `scope`, narrowed to one service if asked.

    Raises DomainError(field="service") for a service outside the scope. A fixed number of queries.
    """
    with _gc_paused():
        return _dashboard(session, scope, today, service_id=service_id, only=only)


def _dashboard(session: Session, scope: Scope, today: dt.date, *, service_id: int | None,
               only: Sequence[str] | None) -> Dashboard:
    wanted = [k for k in SECTIONS if only is None or k in only]
    if service_id is not None and service_id not in {s.id for s in services_in_view(session, scope)}:
        raise DomainError("Choose one of the services listed", field="service")
    catalogue = catalogue_for(session)
    parts: set[str] = set().union(*(_PARTS[k] for k in wanted)) if wanted else set()
    people_ids = _people_ids(scope, service_id)
    people = _people(session, people_ids, today, parts)
    needs_pathways = {"supervision", "cpd"} & set(wanted)
    pathways = _pathways(catalogue, people, _choices(session, people_ids), today) if needs_pathways and people else {}
    builders: dict[str, Callable[[], Section]] = {
        "establishment": lambda: _establishment(session, scope, service_id, people, today),
        "progression": lambda: _progression(session, people_ids, people, today, catalogue),
        "credentials": lambda: _credentials(session, people, today),
        "supervision": lambda: _supervision(session, people_ids, people, pathways, today, catalogue),
        "cpd": lambda: _cpd(session, people, pathways, today, catalogue),
        "skills": lambda: _skills(session, scope, service_id, today),
    }
    return Dashboard(today=today, service_id=service_id, people=len(people),
                     sections=tuple(builders[k]() for k in wanted))


# --- the cache ---------------------------------------------------------------------------------

#: (database, scope, service filter, today, the sections asked for, the audit chain's last seq)
_Key = tuple[str, Scope, int | None, dt.date, tuple[str, ...] | None, int | None]


class DashboardCache:
    """The last few dashboards built in this process, for as long as nothing audited has changed since.

    The key holds the audit chain head's seq, read before the dashboard is built, so any audited change anywhere
    (a supervision record, a working pattern, a correction to the rules) makes the next request build afresh. It
    is never the source of truth: a miss builds from the database as `dashboard` does, and it holds a few entries.
    """

    def __init__(self, entries: int = 8) -> None:
        self._entries = entries
        self._boards: OrderedDict[_Key, Dashboard] = OrderedDict()
        self._lock = threading.Lock()

    def dashboard(self, session: Session, scope: Scope, today: dt.date, *, service_id: int | None = None,
                  only: Sequence[str] | None = None) -> Dashboard:
        """As `dashboard`, from the cache when nothing audited changed since it was built (one query then)."""
        seq = session.scalar(select(AuditChainHead.seq).where(AuditChainHead.id == 1))
        where = session.get_bind().engine.url.render_as_string(hide_password=True)
        key: _Key = (where, scope, service_id, today, tuple(only) if only is not None else None, seq)
        whole: _Key = (*key[:4], None, seq)
        with self._lock:
            found = self._boards.get(key) or self._boards.get(whole)
            if found is not None:
                self._boards.move_to_end(key if key in self._boards else whole)
        if found is not None:
            if only is None or len(found.sections) == len([k for k in SECTIONS if k in only]):
                return found
            return dataclasses.replace(found, sections=tuple(s for s in found.sections if s.key in only))
        board = dashboard(session, scope, today, service_id=service_id, only=only)
        with self._lock:
            self._boards[key] = board
            while len(self._boards) > self._entries:
                self._boards.popitem(last=False)
        return board

    def clear(self) -> None:
        with self._lock:
            self._boards.clear()


__all__ = ["Dashboard", "DashboardCache", "Entry", "PeopleList", "SECTIONS", "Section", "cpd_status", "dashboard", "month_results",
           "month_results_by_totals", "services_in_view"]
