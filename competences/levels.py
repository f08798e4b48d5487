"""The current level of a levelled competence (KSF dimension, UCL competence) from ratings that are never overwritten.

Several people may rate the same item over time (the practitioner, their supervisor, a course
marker). Every rating stays on record; which one is "current" is a rule the framework declares
(`level_rule` in its [framework] table), so the page, the PDF and the readiness engine agree.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

#: The rules a framework may declare, with what each means.
LEVEL_RULES = {
    "latest_by_designated_supervisor": "the latest rating by the person's designated supervisor",
    "latest_by_any_supervisor": "the latest rating by any supervisor or marker",
    "latest_agreed": "the latest level on which a self-rating and a supervisor's rating agree",
}
DEFAULT_LEVEL_RULE = "latest_by_designated_supervisor"


@dataclasses.dataclass(frozen=True)
class LevelRating:
    id: str
    item_id: str
    level: int
    rated_on: dt.date
    rater_id: str
    #: self, supervisor, marker
    rater_role: str


@dataclasses.dataclass(frozen=True)
class CurrentLevel:
    item_id: str
    level: int | None
    #: The rating the level comes from (None when no rating qualifies).
    rating_id: str | None
    rule: str
    #: The latest self-rating and the gap to the current level (self − current), shown side by side.
    self_level: int | None
    gap: int | None
    explanation: str


def _latest(ratings: Iterable[LevelRating]) -> LevelRating | None:
    # Ties on the date fall to the id, so the answer never depends on the order ratings arrive in.
    return max(ratings, key=lambda r: (r.rated_on, r.id), default=None)


def current_level(ratings: Iterable[LevelRating], item_id: str, *, rule: str = DEFAULT_LEVEL_RULE,
                  designated_rater_id: str | None = None) -> CurrentLevel:
    if rule not in LEVEL_RULES:
        raise ValueError(f"unknown level rule {rule!r}; known: {', '.join(sorted(LEVEL_RULES))}")
    mine = [r for r in ratings if r.item_id == item_id]
    own = _latest(r for r in mine if r.rater_role == "self")
    assessors = [r for r in mine if r.rater_role != "self"]
    chosen: LevelRating | None
    if rule == "latest_by_designated_supervisor":
        if designated_rater_id is None:
            chosen, why = None, "No designated supervisor is recorded, so no rating can set the level."
        else:
            chosen = _latest(r for r in assessors if r.rater_id == designated_rater_id)
            why = LEVEL_RULES[rule]
    elif rule == "latest_by_any_supervisor":
        chosen, why = _latest(assessors), LEVEL_RULES[rule]
    else:
        self_levels = {(r.level) for r in mine if r.rater_role == "self"}
        chosen = _latest(r for r in assessors if r.level in self_levels)
        why = LEVEL_RULES[rule]
    level = chosen.level if chosen else None
    gap = own.level - level if own is not None and level is not None else None
    if chosen is None and rule != "latest_by_designated_supervisor":
        why = f"No rating meets the rule ({LEVEL_RULES[rule]})."
    return CurrentLevel(item_id=item_id, level=level, rating_id=chosen.id if chosen else None, rule=rule,
                        self_level=own.level if own else None, gap=gap, explanation=why)
