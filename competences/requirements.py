"""The contract between rule kinds, pathways and the engine: what a requirement is and what it returns."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Protocol

from competences.datafile import Reader
from competences.evidence import Snapshot


@dataclasses.dataclass(frozen=True)
class Window:
    """The dates a requirement is judged over, inclusive, and why (e.g. "rolling 12 months")."""

    start: dt.date
    end: dt.date
    label: str
    #: Days added because leave of absence paused the window.
    extended_by_days: int = 0


@dataclasses.dataclass(frozen=True)
class RequirementResult:
    id: str
    title: str
    #: True met, False not met, None cannot be judged (a needed value is unknown or unrecorded).
    met: bool | None
    have: Decimal | int | None
    need: Decimal | int | None
    #: "minutes", "hours", "activities", "cases", "contacts per week", "ratings", "criteria", "years", …
    unit: str
    source: str
    window: Window | None = None
    #: Ids of the evidence records that counted.
    counted: tuple[str, ...] = ()
    #: What is still missing, in words a practitioner can act on.
    missing: tuple[str, ...] = ()
    #: When it will be met at the current rate, where a rate makes sense.
    expected_on: dt.date | None = None
    notes: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Context:
    """What a rule may consult besides the snapshot: the catalogue (frameworks, pay) and the pathway's settings."""

    catalogue: Any
    #: Pathway-level settings, e.g. a course's CTS-R pass mark, or a service's overrides.
    settings: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class Rule(Protocol):
    """A parsed requirement: parameters validated when the pathway file loads, evaluated many times."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def source(self) -> str: ...

    def evaluate(self, snapshot: Snapshot, context: Context) -> RequirementResult: ...


#: A rule kind parses its parameters from a pathway file's [[requirements]] entry.
RuleParser = Callable[[Reader], Rule]

#: kind name → parser; rules.py fills it in.
RULE_KINDS: dict[str, RuleParser] = {}


def rule_kind(name: str) -> Callable[[RuleParser], RuleParser]:
    def register(parser: RuleParser) -> RuleParser:
        if name in RULE_KINDS:
            raise RuntimeError(f"rule kind {name!r} registered twice")
        RULE_KINDS[name] = parser
        return parser

    return register
