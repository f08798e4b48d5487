"""The establishment: funded posts with their team, band, WTE and HCAS zone, who holds them and what is vacant.

The HCAS zone belongs to the post, so moving someone into a London post changes their pay
supplement without touching their own record. HR change posts within the services their grants
cover; service leads read their own service's posts. Nobody but an administrator changes or
deactivates the post they hold themselves (its zone and band set their own pay). The list names
only holders the viewer's services cover; others are counted, never named.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, contains_eager

from app.services import team_views
from app.services.errors import DomainError
from app.services.pay_steps import hcas_table
from app.services.privacy import refuse_patient_identifiers
from competences import pay
from competences.bands import AFC_BANDS
from competences.catalogue import Catalogue
from exports.tables import Cell
from models import Post, Role, Service, StaffProfile, Team, User, WorkingPattern
from models.audit import record

MAX_NUMBER = 30
MAX_TITLE = 120
MIN_WTE, MAX_WTE = Decimal("0.01"), Decimal("99")


@dataclasses.dataclass(frozen=True)
class PostInput:
    number: str
    title: str
    team_id: int | None
    band: str
    funded_wte: Decimal | None
    hcas_zone: str


def zones(catalogue: Catalogue, today: dt.date) -> tuple[pay.HcasZone, ...]:
    """The HCAS zones in the data in force today, "none" first."""
    found = hcas_table(catalogue, today).zones
    return tuple(sorted(found, key=lambda z: z.id != pay.NO_ZONE))


def zone_name(catalogue: Catalogue, today: dt.date, zone_id: str) -> str:
    for zone in zones(catalogue, today):
        if zone.id == zone_id:
            return zone.name
    return f"Unknown zone ({zone_id})"


def teams_for(session: Session, organisation_id: int, service_ids: Collection[int] | None) -> list[Team]:
    """Active teams in the given services (None: every service in the organisation), with their service."""
    stmt = (select(Team).join(Service).where(Service.organisation_id == organisation_id, Team.active.is_(True),
                                             Service.active.is_(True))
            .options(contains_eager(Team.service)).order_by(Service.name, Team.name))
    if service_ids is not None:
        stmt = stmt.where(Service.id.in_(sorted(service_ids)))
    return list(session.scalars(stmt))


# --- who may read and change posts -------------------------------------------------------------

def readable_services(user: User) -> set[int] | None:
    """Services whose posts the user may read: HR's (None: the whole organisation) and the services they lead."""
    if not user.has_role(Role.HR) and not user.has_role(Role.SERVICE_LEAD):
        return set()
    hr = team_views.hr_service_scope(user) if user.has_role(Role.HR) else []
    if hr is None:
        return None
    return set(hr) | set(team_views.lead_service_ids(user))


def editable_services(user: User) -> set[int] | None:
    """Services whose posts the user may change: HR's grants only (None: the whole organisation)."""
    if not user.has_role(Role.HR):
        return set()
    hr = team_views.hr_service_scope(user)
    return None if hr is None else set(hr)


def can_read_posts(user: User) -> bool:
    return readable_services(user) != set()


def can_edit_posts(user: User) -> bool:
    return editable_services(user) != set()


def own_post_problem(actor: User, post: Post) -> str | None:
    """Why the actor may not change or deactivate this post: they hold it (administrators excepted)."""
    if actor.has_role(Role.ADMIN) or actor.profile is None or actor.profile.post_id != post.id:
        return None
    return (f"You hold post {post.number}, so you cannot change or deactivate it: its band and HCAS zone set your "
            f"own pay. Ask another HR officer or an administrator.")


def _refuse_own_post(actor: User, post: Post) -> None:
    problem = own_post_problem(actor, post)
    if problem:
        raise DomainError(problem)


# --- saving ------------------------------------------------------------------------------------

def _check(session: Session, organisation_id: int, values: PostInput, teams: Sequence[Team],
           zone_ids: Collection[str], post: Post | None) -> tuple[str, Team, Decimal]:
    number = values.number.strip()
    if not number:
        raise DomainError("Enter the post number", field="number")
    if len(number) > MAX_NUMBER:
        raise DomainError(f"Post number must be {MAX_NUMBER} characters or fewer", field="number")
    clash = session.scalar(select(Post.id).where(Post.organisation_id == organisation_id,
                                                 func.lower(Post.number) == number.lower(),
                                                 Post.id != (post.id if post else -1)))
    if clash is not None:
        raise DomainError(f"Post number {number} is already used in your organisation", field="number")
    if not values.title.strip():
        raise DomainError("Enter the job title of the post", field="title")
    if len(values.title.strip()) > MAX_TITLE:
        raise DomainError(f"Job title must be {MAX_TITLE} characters or fewer", field="title")
    refuse_patient_identifiers(values.title, "title")
    if values.team_id is None:
        raise DomainError("Choose the team the post belongs to", field="team_id")
    team = next((t for t in teams if t.id == values.team_id), None)
    if team is None:
        raise DomainError("Choose a team in a service you look after", field="team_id")
    if values.band not in AFC_BANDS:
        raise DomainError(f"Choose an Agenda for Change band ({', '.join(AFC_BANDS)}), not {values.band!r}",
                          field="band")
    wte = values.funded_wte
    if wte is None:
        raise DomainError("Enter the funded whole-time equivalent, like 1 or 2.5", field="funded_wte")
    try:
        if not (MIN_WTE <= wte <= MAX_WTE) or wte != wte.quantize(Decimal("0.01")):
            raise DomainError("Funded whole-time equivalent must be from 0.01 to 99, with at most 2 decimal places",
                              field="funded_wte")
    except InvalidOperation:
        raise DomainError("Funded whole-time equivalent must be a number, like 1 or 2.5", field="funded_wte") from None
    if values.hcas_zone not in zone_ids:
        raise DomainError(f"Choose an HCAS zone from the list ({', '.join(sorted(zone_ids))})", field="hcas_zone")
    return number, team, wte


def save_post(session: Session, organisation_id: int, values: PostInput, *, actor: User, teams: Sequence[Team],
              zone_ids: Collection[str], post: Post | None = None) -> Post:
    """Create or change a post after checking every field; nothing is written when one is wrong.

    `teams` are the teams the HR officer may place a post in; `zone_ids` the HCAS zones in the data.
    The actor may not change a post they hold.
    """
    if post is not None:
        _refuse_own_post(actor, post)
    number, team, wte = _check(session, organisation_id, values, teams, zone_ids, post)
    if post is None:
        post = Post(organisation_id=organisation_id)
        session.add(post)
    post.number, post.title, post.team_id, post.band = number, values.title.strip(), team.id, values.band
    post.funded_wte, post.hcas_zone = wte, values.hcas_zone
    session.flush()
    return post


def _holders(session: Session, post_ids: Collection[int]) -> dict[int, list[tuple[User, StaffProfile, int | None]]]:
    """Active people holding each post, by name, with the service of their own team: one query."""
    held: defaultdict[int, list[tuple[User, StaffProfile, int | None]]] = defaultdict(list)
    if not post_ids:
        return held
    for user, profile, service_id in session.execute(
            select(User, StaffProfile, Team.service_id).join(StaffProfile, StaffProfile.user_id == User.id)
            .outerjoin(Team, StaffProfile.team_id == Team.id)
            .where(StaffProfile.post_id.in_(sorted(post_ids)), User.active.is_(True))
            .order_by(User.full_name, User.id)).all():
        assert profile.post_id is not None
        held[profile.post_id].append((user, profile, service_id))
    return held


def holders_of(session: Session, post_ids: Collection[int]) -> dict[int, list[tuple[User, StaffProfile]]]:
    """Active people holding each post, by name, whoever's services they are in: one query."""
    return {pid: [(u, p) for u, p, _ in rows] for pid, rows in _holders(session, post_ids).items()}


def _seen(service_ids: Collection[int] | None, service_id: int | None) -> bool:
    return service_ids is None or (service_id is not None and service_id in service_ids)


def _outside(n: int) -> str:
    return f"{n} holder{'s' if n != 1 else ''} outside your services"


def deactivate_post(session: Session, post: Post, *, actor: User, service_ids: Collection[int] | None) -> None:
    """A post nobody holds leaves the establishment (kept for history); one still held is refused, naming the
    holders in `service_ids` (None: every service) and counting the others. The actor's own post is refused."""
    _refuse_own_post(actor, post)
    holders = _holders(session, [post.id]).get(post.id, [])
    if holders:
        names = [user.full_name for user, _, service_id in holders if _seen(service_ids, service_id)]
        hidden = len(holders) - len(names)
        who = ", ".join(names + ([_outside(hidden)] if hidden else []))
        raise DomainError(f"Post {post.number} is held by {who}: record a post change for "
                          f"{'them' if len(holders) > 1 else 'this person'} first")
    post.active = False
    session.flush()
    record(session, "post_deactivated", "posts", post.id)


# --- the list ----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Holder:
    user_id: int
    full_name: str
    #: WTE on the day the list is for; None when no working pattern covers it.
    wte: Decimal | None


@dataclasses.dataclass(frozen=True)
class PostRow:
    post: Post
    team_name: str
    service_name: str
    zone_name: str
    #: Holders the viewer's services cover, by name.
    holders: tuple[Holder, ...]
    #: Holders whose own team is outside the viewer's services: counted, never named.
    others: int = 0
    others_wte: Decimal = Decimal("0.00")

    @property
    def held_wte(self) -> Decimal:
        return sum((h.wte or Decimal(0) for h in self.holders), self.others_wte)

    @property
    def others_text(self) -> str:
        return _outside(self.others) if self.others else ""

    @property
    def vacancy_wte(self) -> Decimal:
        """Funded less held; negative when the post is over-filled."""
        return self.post.funded_wte - self.held_wte

    @property
    def vacant(self) -> bool:
        return not self.holders and not self.others

    @property
    def vacancy_text(self) -> str:
        if self.vacant:
            return f"Vacant ({self.post.funded_wte} WTE)"
        if self.vacancy_wte > 0:
            return f"{self.vacancy_wte} WTE vacant"
        if self.vacancy_wte < 0:
            return f"Over by {-self.vacancy_wte} WTE"
        return "Filled"


@dataclasses.dataclass(frozen=True)
class PostFilters:
    team_id: int | None = None
    band: str | None = None
    vacant_only: bool = False
    #: "active" (the establishment), "inactive" (deactivated posts) or "all".
    status: str = "active"


def post_rows(session: Session, organisation_id: int, service_ids: Collection[int] | None, filters: PostFilters,
              catalogue: Catalogue, today: dt.date) -> list[PostRow]:
    """Posts in the services (None: the organisation) with holders and vacancy: three queries however many.

    Holders whose own team is outside `service_ids` count towards the held WTE but are not named."""
    stmt = (select(Post).join(Team, Post.team_id == Team.id).join(Service, Team.service_id == Service.id)
            .where(Post.organisation_id == organisation_id)
            .options(contains_eager(Post.team).contains_eager(Team.service)).order_by(Post.number, Post.id))
    if service_ids is not None:
        stmt = stmt.where(Service.id.in_(sorted(service_ids)))
    if filters.team_id is not None:
        stmt = stmt.where(Post.team_id == filters.team_id)
    if filters.band is not None:
        stmt = stmt.where(Post.band == filters.band)
    if filters.status != "all":
        stmt = stmt.where(Post.active.is_(filters.status == "active"))
    posts = list(session.scalars(stmt))
    held = _holders(session, [p.id for p in posts])
    profile_ids = [profile.id for rows in held.values() for _, profile, _ in rows]
    wte: dict[int, Decimal] = dict(session.execute(
        select(WorkingPattern.profile_id, WorkingPattern.wte).where(
            WorkingPattern.profile_id.in_(profile_ids), WorkingPattern.starts_on <= today,
            or_(WorkingPattern.ends_on.is_(None), WorkingPattern.ends_on >= today))
        .order_by(WorkingPattern.starts_on)).all()) if profile_ids else {}
    names = {z.id: z.name for z in zones(catalogue, today)}
    rows = []
    for p in posts:
        seen = [(u, prof) for u, prof, sid in held.get(p.id, []) if _seen(service_ids, sid)]
        unseen = [prof for _, prof, sid in held.get(p.id, []) if not _seen(service_ids, sid)]
        rows.append(PostRow(post=p, team_name=p.team.name, service_name=p.team.service.name,
                            zone_name=names.get(p.hcas_zone, f"Unknown zone ({p.hcas_zone})"),
                            holders=tuple(Holder(u.id, u.full_name, wte.get(prof.id)) for u, prof in seen),
                            others=len(unseen),
                            others_wte=sum((wte.get(prof.id) or Decimal(0) for prof in unseen), Decimal("0.00"))))
    if filters.vacant_only:
        rows = [r for r in rows if r.vacancy_wte > 0]
    return rows


HEADERS: tuple[str, ...] = ("Post number", "Job title", "Service", "Team", "Band", "Funded WTE", "HCAS zone",
                            "Holders", "Held WTE", "Vacant WTE", "Active")


def export_rows(rows: Iterable[PostRow]) -> list[list[Cell]]:
    """Plain cells, worked out now: a streamed CSV is written after the request's session has closed."""
    out: list[list[Cell]] = []
    for r in rows:
        holders = "; ".join([f"{h.full_name} ({h.wte if h.wte is not None else 'WTE not recorded'})"
                             for h in r.holders] + ([r.others_text] if r.others else []))
        out.append([r.post.number, r.post.title, r.service_name, r.team_name, r.post.band, r.post.funded_wte,
                    r.zone_name, holders or "Vacant", r.held_wte, max(r.vacancy_wte, Decimal("0.00")), r.post.active])
    return out


__all__ = ["HEADERS", "Holder", "can_edit_posts", "can_read_posts", "editable_services", "readable_services", "PostFilters", "PostInput", "PostRow", "deactivate_post", "export_rows",
           "holders_of", "own_post_problem", "post_rows", "save_post", "teams_for", "zone_name", "zones"]
