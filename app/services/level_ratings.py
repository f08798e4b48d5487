"""Self and supervisor ratings of levelled framework items, the gap between them, and the current level by rule.

Ratings are only ever added: a newer rating supersedes an older one on the page, and
competences.levels picks the rating that sets the current level from the whole history. KSF
dimensions carry their own levels; the UCL competence maps define none, so they are rated on
Waymark's own four-point scale (DEFAULT_LEVELS) and, declaring no level rule, use the default
rule (the designated supervisor's latest rating).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.services.access import can_supervise
from app.services.errors import DomainError, NotPermitted
from competences import levels as rules
from competences.catalogue import Catalogue
from competences.frameworks import Framework, Group, Item, Level
from competences.frameworks import item as item_of
from models import RelationshipKind, StaffRelationship, SupervisionKind, User
from models.level_ratings import LevelRating

#: Framework structures that are rated by level.
RATED_STRUCTURES = ("levelled", "competences")
#: For competence maps that define no levels (the UCL maps): Waymark's own scale, not a published one.
DEFAULT_LEVELS = (
    Level(1, "Beginning: needs close guidance"),
    Level(2, "Developing: competent with guidance"),
    Level(3, "Competent: works independently"),
    Level(4, "Proficient: could teach or supervise it"),
)
RATER_ROLES = {"self": "Self-rating", "supervisor": "Supervisor's rating"}
MAX_COMMENT = 2000


@dataclasses.dataclass(frozen=True)
class RatingInput:
    item_id: str
    level: int
    rated_on: dt.date
    comment: str | None = None


# --- frameworks --------------------------------------------------------------------------------

def rated_frameworks(catalogue: Catalogue, today: dt.date) -> list[Framework]:
    found = []
    for framework_id in catalogue.ids("framework"):
        try:
            framework: Framework = catalogue.current(framework_id, today).content
        except KeyError:
            continue
        if framework.structure in RATED_STRUCTURES:
            found.append(framework)
    return found


def rated_framework(catalogue: Catalogue, framework_id: str, today: dt.date) -> Framework:
    """The version in force today; KeyError when there is none or the framework is not rated by level."""
    if not catalogue.has(framework_id):
        raise KeyError(framework_id)
    loaded = catalogue.current(framework_id, today)
    if loaded.meta.kind != "framework" or loaded.content.structure not in RATED_STRUCTURES:
        raise KeyError(framework_id)
    framework: Framework = loaded.content
    return framework


def levels_of(framework: Framework, item: Item) -> tuple[Level, ...]:
    return item.levels or framework.levels or DEFAULT_LEVELS


def level_rule_of(framework: Framework) -> str:
    return framework.level_rule or rules.DEFAULT_LEVEL_RULE


# --- who rates ---------------------------------------------------------------------------------

def role_of(session: Session, rater: User, owner: User, today: dt.date) -> str | None:
    """"self" for the owner, "supervisor" for a current supervisor, None for anyone else."""
    if rater.id == owner.id:
        return "self"
    return "supervisor" if can_supervise(session, rater, owner, today) else None


def designated_supervisor(session: Session, owner: User, today: dt.date) -> User | None:
    """Whose ratings set the level: the current clinical supervisor (else any current supervisor), latest started."""
    rels = list(session.scalars(
        select(StaffRelationship).where(
            StaffRelationship.junior_id == owner.id, StaffRelationship.kind == RelationshipKind.SUPERVISION,
            StaffRelationship.starts_on <= today,
            or_(StaffRelationship.ends_on.is_(None), StaffRelationship.ends_on >= today))
        .options(selectinload(StaffRelationship.senior))))
    if not rels:
        return None
    best = max(rels, key=lambda r: (r.supervision_kind is SupervisionKind.CLINICAL, r.starts_on, r.id))
    return best.senior


def add_rating(session: Session, owner: User, rater: User, framework: Framework, values: RatingInput, *,
               as_role: str, today: dt.date) -> LevelRating:
    """Add a rating; the rater rates themselves ("self") or a current supervisee ("supervisor")."""
    if as_role == "self":
        if rater.id != owner.id:
            raise NotPermitted("Only the person rates themselves.")
    elif as_role == "supervisor":
        if rater.id == owner.id:
            raise NotPermitted("You cannot give yourself a supervisor's rating.")
        if not can_supervise(session, rater, owner, today):
            raise NotPermitted(f"You are not {owner.full_name}'s supervisor today.")
    else:
        raise DomainError(f"Unknown rater {as_role!r}.")
    try:
        item = item_of(framework, values.item_id)
    except KeyError:
        raise DomainError("Choose an item of the framework.", field="item_id") from None
    if values.level not in {lv.number for lv in levels_of(framework, item)}:
        raise DomainError(f"Choose one of the levels of {item.code}.", field="level")
    if values.rated_on > today:
        raise DomainError("The date of the rating cannot be in the future.", field="rated_on")
    if as_role == "supervisor" and not can_supervise(session, rater, owner, values.rated_on):
        raise DomainError("You were not this person's supervisor on that date.", field="rated_on")
    comment = (values.comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT:
        raise DomainError(f"The comment must be {MAX_COMMENT:,} characters or fewer.", field="comment")
    rating = LevelRating(owner_id=owner.id, framework_id=framework.meta.id, framework_version=framework.meta.version,
                         item_id=item.id, rater_role=as_role, rater_id=rater.id, level=values.level,
                         rated_on=values.rated_on, comment=comment)
    session.add(rating)
    session.flush()
    return rating


# --- the page ----------------------------------------------------------------------------------

def gap_words(gap: int | None, *, own: bool) -> str | None:
    """The gap (supervisor − self) in words, from the person's side ("you") or a supervisor's ("they")."""
    if gap is None:
        return None
    who, verb, them = ("You", "rate yourself", "your supervisor does") if own else ("They", "rate themselves", "you do")
    if gap == 0:
        return f"{who} and {'your supervisor' if own else 'you'} agree"
    size = abs(gap)
    return f"{who} {verb} {size} level{'' if size == 1 else 's'} {'higher' if gap < 0 else 'lower'} than {them}"


@dataclasses.dataclass(frozen=True)
class ItemRow:
    item: Item
    levels: tuple[Level, ...]
    latest_self: LevelRating | None
    latest_supervisor: LevelRating | None
    #: Latest supervisor level − latest self level; None unless both exist.
    gap: int | None
    current: rules.CurrentLevel
    #: Every rating of the item, newest first.
    history: list[LevelRating]

    def level_title(self, number: int | None) -> str:
        return next((lv.title for lv in self.levels if lv.number == number), "") if number is not None else ""


@dataclasses.dataclass(frozen=True)
class LevelsPage:
    framework: Framework
    rule: str
    rule_text: str
    designated: User | None
    groups: list[tuple[Group, list[ItemRow]]]


def _latest(ratings: Iterable[LevelRating]) -> LevelRating | None:
    return max(ratings, key=lambda r: (r.rated_on, r.id), default=None)


def _plain(rating: LevelRating) -> rules.LevelRating:
    return rules.LevelRating(id=str(rating.id), item_id=rating.item_id, level=rating.level,
                             rated_on=rating.rated_on, rater_id=str(rating.rater_id), rater_role=rating.rater_role)


def item_row(framework: Framework, item: Item, ratings: Sequence[LevelRating], designated: User | None) -> ItemRow:
    mine = sorted((r for r in ratings if r.item_id == item.id), key=lambda r: (r.rated_on, r.id), reverse=True)
    own = _latest(r for r in mine if r.rater_role == "self")
    theirs = _latest(r for r in mine if r.rater_role == "supervisor")
    current = rules.current_level([_plain(r) for r in mine], item.id, rule=level_rule_of(framework),
                                  designated_rater_id=str(designated.id) if designated else None)
    gap = theirs.level - own.level if own is not None and theirs is not None else None
    return ItemRow(item=item, levels=levels_of(framework, item), latest_self=own, latest_supervisor=theirs,
                   gap=gap, current=current, history=mine)


def levels_page(session: Session, owner: User, framework: Framework, today: dt.date) -> LevelsPage:
    """Every item with its ratings side by side: two queries however many items and ratings."""
    ratings = list(session.scalars(
        select(LevelRating).where(LevelRating.owner_id == owner.id, LevelRating.framework_id == framework.meta.id)
        .options(selectinload(LevelRating.rater))))
    designated = designated_supervisor(session, owner, today)
    rule = level_rule_of(framework)
    groups = [(g, [item_row(framework, i, ratings, designated) for i in g.items]) for g in framework.groups]
    return LevelsPage(framework=framework, rule=rule, rule_text=rules.LEVEL_RULES[rule], designated=designated,
                      groups=groups)
