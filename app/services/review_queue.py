"""One review queue across a supervisor's current supervisees: everything waiting on the supervisor.

Each kind of work (claims to sign, sessions to countersign, CTS-R ratings to confirm, references
and countersignatures requested, reports due) comes from a provider in the service that owns it;
a provider answers for many supervisees in a fixed number of queries, so the queue page's query
count does not grow with the number of supervisees or items.

Adding a kind of work: write a function with the `Provider` signature in the service that owns
the records (one or two queries over `supervisees`, whatever their number; each QueueItem names the
page where the supervisor does the work), then add it to `default_providers()`, which the
supervisor home calls. Provider modules import QueueItem from here, so they are imported inside
that function, not at the top of this module (that would be a cycle):

    def default_providers() -> tuple[Provider, ...]:
        from app.services import countersigning
        return (*DEFAULT_PROVIDERS, countersigning.sessions_waiting)

Tests may pass any tuple to `queue_for`. For the same reason this module imports no service that
imports a provider (supervision_log imports countersigning): the supervisee summaries at the
bottom import it when called. They are a separate part: readiness is judged for all the supervisees
at once (app.services.readiness.readiness_for_many), so it too costs a fixed number of queries.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services import readiness, team_views
from app.services.claims import find_item, framework_of
from competences.claims import ClaimStatus
from models import RelationshipKind, StaffRelationship, SupervisionSession, User
from models.claims import CompetenceClaim
from models.reference_data import catalogue_for


@dataclasses.dataclass(frozen=True)
class QueueItem:
    """One thing waiting on a supervisor, with the page where it is done (an endpoint and its arguments)."""

    #: claim, supervision, rating, reference, countersignature, report
    kind: str
    supervisee_id: int
    supervisee_name: str
    #: What it is, in words: "KSA 3: Psychopathology and diagnostic skills".
    title: str
    #: Since when it has waited (submitted, logged or requested on).
    waiting_since: dt.date | None
    endpoint: str
    args: Mapping[str, object]


class Provider(Protocol):
    def __call__(self, session: Session, supervisor: User, supervisees: Sequence[User],
                 today: dt.date) -> list[QueueItem]: ...


#: What each QueueItem.kind is called on the page.
KIND_LABELS: Mapping[str, str] = {
    "claim": "Claim to sign off",
    "supervision": "Supervision to countersign",
    "rating": "Rating to confirm",
    "reference": "Reference requested",
    "countersignature": "Countersignature requested",
    "report": "Report due",
}


# --- claims ------------------------------------------------------------------------------------

def claims_waiting(session: Session, supervisor: User, supervisees: Sequence[User],
                   today: dt.date) -> list[QueueItem]:
    """Supervisees' claims submitted or needing re-signing (not deleted): one query, plus the cached catalogue's."""
    if not supervisees:
        return []
    names = {p.id: p.full_name for p in supervisees}
    claims = session.scalars(select(CompetenceClaim).where(
        CompetenceClaim.owner_id.in_(list(names)), CompetenceClaim.deleted_at.is_(None),
        CompetenceClaim.status.in_([s for s in ClaimStatus if s.awaiting_review]))
        .order_by(CompetenceClaim.submitted_at, CompetenceClaim.id))
    catalogue = catalogue_for(session)
    found = []
    for claim in claims:
        try:
            framework = framework_of(catalogue, claim)
        except KeyError:  # a framework no longer loadable still needs reviewing: name it by its ids
            title = f"{claim.framework_id} {claim.item_id}"
        else:
            item = find_item(framework, claim.item_id)
            what = f"{item.code} {item.title}" if item is not None else claim.item_id
            title = f"{framework.meta.title}: {what}" + (f" (level {claim.level})" if claim.level else "")
        if claim.status is ClaimStatus.NEEDS_RESIGNING:
            title += " – changed since sign-off"
        found.append(QueueItem(
            kind="claim", supervisee_id=claim.owner_id, supervisee_name=names[claim.owner_id], title=title,
            waiting_since=claim.submitted_at.date() if claim.submitted_at is not None else None,
            endpoint="portfolio.claim_review", args={"user_id": claim.owner_id, "claim_id": claim.id}))
    return found


#: The providers defined here; default_providers() adds those of other services (see the module docstring).
DEFAULT_PROVIDERS: tuple[Provider, ...] = (claims_waiting,)


def default_providers() -> tuple[Provider, ...]:
    """Every provider the supervisor home runs: claims, sessions and CTS-R ratings to countersign,
    references and countersignatures requested, reports due (imported here: they import QueueItem)."""
    from app.services import countersigning, references, supervisor_reports

    return (*DEFAULT_PROVIDERS, countersigning.sessions_waiting, countersigning.ratings_waiting,
            references.references_waiting, supervisor_reports.reports_due)


# --- the queue ---------------------------------------------------------------------------------

def current_supervisees(session: Session, supervisor: User, today: dt.date) -> list[StaffRelationship]:
    """The supervisor's current supervision relationships, supervisees loaded (app.services.team_views)."""
    return team_views.people_looked_after(session, supervisor, RelationshipKind.SUPERVISION, today)


def _oldest_first(item: QueueItem) -> tuple[bool, dt.date, str, str]:
    return (item.waiting_since is None, item.waiting_since or dt.date.max, item.supervisee_name, item.title)


def queue_for(session: Session, supervisor: User, today: dt.date,
              providers: Sequence[Provider] = DEFAULT_PROVIDERS, *,
              supervisees: Sequence[User] | None = None) -> list[QueueItem]:
    """Everything waiting on `supervisor` from their supervisees today, oldest first.

    Each provider is called once with all the supervisees, so the cost is the providers' fixed
    queries plus one or two for the supervisees (none when `supervisees` is passed in).
    """
    if supervisees is None:
        supervisees = distinct_people(current_supervisees(session, supervisor, today))
    if not supervisees:
        return []
    items = [item for provider in providers for item in provider(session, supervisor, supervisees, today)]
    return sorted(items, key=_oldest_first)


def distinct_people(relationships: Sequence[StaffRelationship]) -> list[User]:
    """Each supervisee once (two current relationships with the same supervisor, say clinical and case management)."""
    seen: dict[int, User] = {}
    for rel in relationships:
        seen.setdefault(rel.junior_id, rel.junior)
    return list(seen.values())


# --- supervisee summaries (bounded separately) -------------------------------------------------

@dataclasses.dataclass(frozen=True)
class SuperviseeSummary:
    person: User
    relationships: tuple[StaffRelationship, ...]
    readiness: tuple[readiness.SummaryRow, ...]
    #: Supervision received so far this calendar month, and the BABCP monthly minimum for their hours.
    minutes_this_month: int
    monthly_minimum: int
    waiting: int

    @property
    def below_minimum(self) -> bool:
        return self.minutes_this_month < self.monthly_minimum


def minutes_this_month(session: Session, person_ids: Sequence[int], today: dt.date) -> dict[int, int]:
    """Minutes of supervision each person has logged this calendar month (deleted sessions left out): one query."""
    if not person_ids:
        return {}
    from app.services import supervision_log  # not at the top: it imports a provider (see the module docstring)

    rows = session.execute(
        select(SupervisionSession.supervisee_id, func.sum(SupervisionSession.minutes))
        .where(SupervisionSession.supervisee_id.in_(list(person_ids)), SupervisionSession.deleted_at.is_(None),
               SupervisionSession.occurred_on >= supervision_log.month_start(today),
               SupervisionSession.occurred_on <= today)
        .group_by(SupervisionSession.supervisee_id))
    return {int(person_id): int(minutes or 0) for person_id, minutes in rows}


def supervisee_summaries(session: Session, relationships: Sequence[StaffRelationship], queue: Sequence[QueueItem],
                         today: dt.date) -> list[SuperviseeSummary]:
    """Each current supervisee once, with readiness per applicable pathway, supervision this month and items waiting.

    Cost: one query for the month's minutes, then readiness for them all at once
    (app.services.readiness.readiness_for_many: 24 queries whatever their number), so like the
    queue above it does not grow with the number of supervisees.
    """
    from app.services import supervision_log  # not at the top: it imports a provider (see the module docstring)

    by_person: dict[int, list[StaffRelationship]] = {}
    for rel in relationships:
        by_person.setdefault(rel.junior_id, []).append(rel)
    minutes = minutes_this_month(session, list(by_person), today)
    reports = readiness.readiness_for_many(session, [rels[0].junior for rels in by_person.values()], today)
    waiting: dict[int, int] = {}
    for item in queue:
        waiting[item.supervisee_id] = waiting.get(item.supervisee_id, 0) + 1
    found = []
    for person_id, rels in by_person.items():
        person = rels[0].junior
        wte: Decimal | None = supervision_log.wte_on(person.profile, today)
        found.append(SuperviseeSummary(
            person=person, relationships=tuple(rels),
            readiness=tuple(readiness.summary_rows(reports.get(person_id, []))),
            minutes_this_month=minutes.get(person_id, 0), monthly_minimum=supervision_log.monthly_target(wte),
            waiting=waiting.get(person_id, 0)))
    return sorted(found, key=lambda s: s.person.full_name)
