"""The rule kinds of docs/rule-kinds.md: each parses its parameters once and judges any snapshot with reasons.

A pathway file's [[requirements]] entry is handed to the parser registered for its `kind`
(`@rule_kind`). The parser checks every parameter when the file loads — unknown keys, unknown
record fields, bad numbers — and raises `DataFileError` naming the file and the item, so a wrong
data file never reaches a practitioner. The rule it returns is a frozen dataclass whose
`evaluate(snapshot, context)` gives a `RequirementResult` that explains itself in words.

Conventions every rule shares:

* Records dated after `snapshot.today` never count. A CPD activity counts on its end date; a case
  counts in a window it overlaps; a credential in a window it was held in.
* Records are taken in date order (then id), so the order of the snapshot's tuples never matters.
* Totals (`minutes`, `count`) extend their window by the days of pausing leave (`leave_pauses`);
  rates (`monthly_minutes`, `weekly_rate`) instead leave out the months or weeks wholly on it.
* WTE is the one in force on the window's end, or today if the window ends later.
* Group supervision counts by `counting`: `plain` (in full), `babcp_training_group`
  (floor((minutes ÷ group size) × 2), never more than the minutes, for groups ≤ max_group, default 4)
  or `group_limit` (groups ≤ max_group, default 6, in full; larger groups count nothing).
* No `window` means no limit, except for the rates, which default to a rolling 12 months.
* `time_in_step` defers the step date only for the leave kinds its `leave_pauses` names (none by
  default: the facts do not say which leave defers a pay step).
* A rule that needs a value nobody recorded (WTE, a pass mark, an HR fact) answers met=None and
  says why, unless the answer is the same whatever the value (enough even for full time).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from typing import Any, cast

from competences import evidence as ev
from competences.datafile import Reader
from competences.requirements import Context, RequirementResult, Rule, Window, rule_kind
from competences.windows import (
    DEFAULT_LEAVE_PAUSES,
    LEAVE_KINDS,
    WindowSpec,
    add_months,
    anniversary,
    complete_months,
    contains,
    days_in,
    extend_for_leave,
    leave_days,
    leave_periods,
    long_date,
    months_in,
    parse_window_spec,
    so_far,
    weeks_in,
)

#: Keys every [[requirements]] entry may have, whatever its kind (pathways takes out its own first).
COMMON_KEYS = ("id", "kind", "title", "source", "uncertain", "window", "leave_pauses")

COUNTINGS = ("plain", "babcp_training_group", "group_limit")
#: Largest group that counts when a requirement gives no `max_group` (facts §4.1: ≤ 4 in training; §4.4: ≤ 6).
DEFAULT_MAX_GROUP = {"babcp_training_group": 4, "group_limit": 6}
PRESENTATION_GROUPS = ("anxiety", "trauma", "mood", "other")
HR_FACTS = ("appraisal_within_months", "mandatory_training", "no_capability_process",
            "no_disciplinary_sanction", "team_appraisals")

DEFAULT_PAY_SCALE = "afc-pay-england"


# ---------------------------------------------------------------------------------------------
# Words


def minutes_text(minutes: int) -> str:
    """2 h 30 min, 45 min, 6 h."""
    hours, rest = divmod(max(minutes, 0), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"


def _number_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


_ACRONYMS = {"babcp": "BABCP", "nmc": "NMC", "hcpc": "HCPC", "bps": "BPS", "pwp": "PWP", "cbt": "CBT",
             "wpwr": "WPWR", "pg": "PG", "hi": "HI", "ksa": "KSA", "ksf": "KSF", "ctsr": "CTS-R", "bacp": "BACP",
             "ukcp": "UKCP", "dip": "Dip", "iacp": "IACP", "cosca": "COSCA", "fdap": "FDAP", "ncac": "NCAC",
             "gmc": "GMC", "swe": "SWE", "dipps": "DipPS"}


def humanise(ident: str) -> str:
    """babcp_accreditation → BABCP accreditation; ctsr → CTS-R."""
    words = ident.replace("-", "_").split("_")
    return " ".join(_ACRONYMS.get(w, w) for w in words)


# ---------------------------------------------------------------------------------------------
# Records


@dataclasses.dataclass(frozen=True)
class RecordKind:
    """One kind of evidence record a rule may read: where it lives in the snapshot and how it is dated."""

    #: The Snapshot field holding them (also the `record` value in a pathway file).
    name: str
    cls: type
    #: What a practitioner calls an amount of them ("CPD", "supervision").
    noun: str
    #: The unit when they are counted ("activities").
    unit: str
    #: One of them and several of them, for messages ("CPD activity", "CPD activities").
    one: str
    many: str
    #: The field that dates a record (a CPD activity counts when it ends).
    date_field: str = "date"
    ident_field: str = "id"
    #: How a record falls in a window: "on" its date; "open" at some point in it (a case);
    #: "held" at some point in it (a credential).
    span: str = "on"
    has_minutes: bool = False
    has_group: bool = False

    def records(self, snapshot: ev.Snapshot) -> tuple[Any, ...]:
        return cast(tuple[Any, ...], getattr(snapshot, self.name))

    def date(self, record: Any) -> dt.date:
        return cast(dt.date, getattr(record, self.date_field))

    def ident(self, record: Any) -> str:
        return cast(str, getattr(record, self.ident_field))

    def in_window(self, record: Any, window: Window) -> bool:
        if self.span == "open":
            return bool(record.start <= window.end and (record.end is None or record.end >= window.start))
        if self.span == "held":
            return bool(record.awarded_on <= window.end and (record.expires_on is None or record.expires_on >= window.start))
        return contains(window, self.date(record))


RECORDS: Mapping[str, RecordKind] = types.MappingProxyType({
    "supervision": RecordKind("supervision", ev.SupervisionSession, "supervision", "sessions", "supervision session",
                              "supervision sessions", has_minutes=True, has_group=True),
    "supervision_given": RecordKind("supervision_given", ev.SupervisionGiven, "supervision given", "sessions",
                                    "supervision session given", "supervision sessions given",
                                    has_minutes=True, has_group=True),
    "cpd": RecordKind("cpd", ev.CpdActivity, "CPD", "activities", "CPD activity", "CPD activities",
                      date_field="end", has_minutes=True),
    "contacts": RecordKind("contacts", ev.Contact, "clinical contacts", "contacts", "clinical contact",
                           "clinical contacts", has_minutes=True),
    "training": RecordKind("training", ev.TrainingHours, "training", "training records", "training record",
                           "training records", has_minutes=True),
    "cases": RecordKind("cases", ev.Case, "cases", "cases", "case", "cases", date_field="start", ident_field="ref",
                        span="open"),
    "ratings": RecordKind("ratings", ev.Rating, "ratings", "ratings", "rating", "ratings"),
    "signoffs": RecordKind("signoffs", ev.SignOff, "sign-offs", "sign-offs", "sign-off", "sign-offs",
                           date_field="signed_on"),
    "credentials": RecordKind("credentials", ev.Credential, "credentials", "credentials", "credential", "credentials",
                              date_field="awarded_on", span="held"),
})


def _sorted(kind: RecordKind, records: Iterable[Any]) -> list[Any]:
    return sorted(records, key=lambda r: (kind.date(r), kind.ident(r)))


# ---------------------------------------------------------------------------------------------
# Filters: `where = { kind = ["clinical", "clinical_skills"], cbt = true }`


def _accepts(hint: Any, value: Any) -> bool:
    """Whether a TOML value can equal (or be an element of) a field of this type."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(arg, value) for arg in typing.get_args(hint) if arg is not type(None))
    if origin is tuple:
        return _accepts(typing.get_args(hint)[0], value)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if hint is dt.date:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    return False


def _filterable(hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return all(_filterable(a) for a in typing.get_args(hint) if a is not type(None))
    if origin is tuple:
        return typing.get_args(hint)[0] in (int, str)
    return hint in (bool, int, str, dt.date)


def _field_hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _field(r: Reader, key: str, cls: type, name: Any, *, boolean: bool = False) -> str:
    """A field name of `cls` given as `key`; refuses unknown names (and non-booleans when `boolean`)."""
    hints = _field_hints(cls)
    if not isinstance(name, str) or name not in hints:
        raise r.fail(f"{name!r} is not a field of {cls.__name__} ({', '.join(hints)})", key)
    if boolean and hints[name] is not bool:
        raise r.fail(f"{name!r} is not a true/false field of {cls.__name__}", key)
    if not _filterable(hints[name]):
        raise r.fail(f"{cls.__name__}.{name} cannot be used here", key)
    return name


@dataclasses.dataclass(frozen=True)
class Where:
    """Field equality or membership; a tuple field (e.g. hcpc_standards) matches when it holds any of the values."""

    terms: tuple[tuple[str, tuple[Any, ...]], ...] = ()

    def matches(self, record: Any) -> bool:
        for name, values in self.terms:
            actual = getattr(record, name)
            if isinstance(actual, tuple):
                if not any(v in actual for v in values):
                    return False
            elif actual not in values:
                return False
        return True

    def value(self, name: str) -> tuple[Any, ...] | None:
        return next((values for field, values in self.terms if field == name), None)


EVERYTHING = Where()


def parse_where(r: Reader, key: str, cls: type) -> Where:
    table = r.table_of(key, required=False)
    if table is None:
        return EVERYTHING
    hints = _field_hints(cls)
    terms = []
    for name, raw in table.table.items():
        if name not in hints:
            raise table.fail(f"unknown field {name!r}; {cls.__name__} has {', '.join(hints)}", name)
        if not _filterable(hints[name]):
            raise table.fail(f"{cls.__name__}.{name} cannot be used in a filter", name)
        values = tuple(raw) if isinstance(raw, list) else (raw,)
        if not values:
            raise table.fail("needs at least one value", name)
        for value in values:
            if not _accepts(hints[name], value):
                raise table.fail(f"{value!r} cannot be a value of {cls.__name__}.{name}", name)
        terms.append((name, values))
    return Where(terms=tuple(terms))


# ---------------------------------------------------------------------------------------------
# Counting minutes


@dataclasses.dataclass(frozen=True)
class Counting:
    method: str = "plain"
    max_group: int = 0

    def minutes(self, minutes: int, group_size: int) -> int:
        """Minutes one session (or one case's share of it) counts for."""
        size = max(group_size, 1)
        if self.method == "babcp_training_group":
            # facts §4.1: (group time ÷ number of supervisees) × 2, so 2 h with 4 people counts 1 h.
            return min(minutes, minutes * 2 // size) if size <= self.max_group else 0
        if self.method == "group_limit":
            return minutes if size <= self.max_group else 0
        return minutes

    def refused(self, group_size: int) -> bool:
        return self.method != "plain" and group_size > self.max_group


PLAIN = Counting()


def parse_counting(r: Reader, kind: RecordKind | None) -> Counting:
    method = r.str("counting", required=False, choices=COUNTINGS) or "plain"
    if method != "plain" and kind is not None and not kind.has_group:
        raise r.fail(f"{kind.name} records have no group size; only counting = \"plain\" applies", "counting")
    max_group = r.int("max_group", required=False, minimum=1)
    if method == "plain":
        if max_group is not None:
            raise r.fail("max_group only applies with counting = \"babcp_training_group\" or \"group_limit\"", "max_group")
        return PLAIN
    return Counting(method=method, max_group=max_group or DEFAULT_MAX_GROUP[method])


def _group_size(record: Any) -> int:
    return cast(int, getattr(record, "group_size", 1))


@dataclasses.dataclass(frozen=True)
class Cap:
    where: Where
    max_minutes: int


def parse_caps(r: Reader, cls: type) -> tuple[Cap, ...]:
    caps = []
    for c in r.tables("caps", required=False, id_key=None):
        _only(c, ("where", "max_minutes"))
        if not c.has("where"):
            raise c.fail("is missing", "where")
        caps.append(Cap(where=parse_where(c, "where", cls), max_minutes=c.int("max_minutes", minimum=0)))
    return tuple(caps)


def _tally(records: Sequence[Any], counting: Counting, caps: tuple[Cap, ...] = ()) -> tuple[int, list[tuple[Any, int]], list[str]]:
    """Total counted minutes, (record, minutes) for those that counted, and notes on what did not."""
    used = [0] * len(caps)
    total = 0
    counted: list[tuple[Any, int]] = []
    too_big = 0
    capped = 0
    for record in records:
        size = _group_size(record)
        minutes = counting.minutes(record.minutes, size)
        if counting.refused(size):
            too_big += 1
        for i, cap in enumerate(caps):
            if cap.where.matches(record):
                allowed = max(cap.max_minutes - used[i], 0)
                if minutes > allowed:
                    capped += 1
                minutes = min(minutes, allowed)
        for i, cap in enumerate(caps):
            if cap.where.matches(record):
                used[i] += minutes
        if minutes > 0:
            total += minutes
            counted.append((record, minutes))
    notes = []
    if too_big:
        notes.append(f"{too_big} group session{'s' if too_big != 1 else ''} with more than {counting.max_group} "
                     f"supervisees did not count.")
    if capped:
        limits = ", ".join(minutes_text(c.max_minutes) for c in caps)
        notes.append(f"{capped} record{'s' if capped != 1 else ''} went over a limit ({limits}) and counted only in part or not at all.")
    return total, counted, notes


# ---------------------------------------------------------------------------------------------
# Whole-time equivalent, leave and dates


def wte_on(employment: ev.Employment, day: dt.date) -> Decimal | None:
    """The WTE of the working period covering `day` (the latest-starting one if periods overlap)."""
    covering = [p for p in employment.working if p.start <= day and (p.end is None or p.end >= day)]
    if not covering:
        return None
    return max(covering, key=lambda p: p.start).wte


def _judged_on(window: Window, today: dt.date) -> dt.date:
    return min(window.end, today)


def _leave_so_far(snapshot: ev.Snapshot) -> tuple[ev.Leave, ...]:
    """Leave up to today: open-ended or future-ending leave ends today; leave not yet started is ignored."""
    today = snapshot.today
    return tuple(ev.Leave(kind=item.kind, start=item.start, end=min(item.end or today, today))
                 for item in snapshot.employment.leave if item.start <= today)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def _expected_on(today: dt.date, window: Window, have: int, need: int) -> dt.date | None:
    """At the rate so far in the window (have ÷ days elapsed), the day the shortfall is made up."""
    if have <= 0 or have >= need:
        return None
    elapsed = days_in(so_far(window, today))
    if elapsed <= 0:
        return None
    return today + dt.timedelta(days=_ceil_div((need - have) * elapsed, have))


def _wte_text(wte: Decimal) -> str:
    return _number_text(wte)


# ---------------------------------------------------------------------------------------------
# Parsing helpers


def _only(r: Reader, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    for key in r.table:
        if key not in allowed:
            raise r.fail(f"unknown key {key!r}; allowed here: {', '.join(allowed)}", key)


def _record_kind(r: Reader, choices: tuple[str, ...], *, default: str | None = None) -> RecordKind:
    name: str = r.str("record", required=default is None, choices=choices) or default or ""
    return RECORDS[name]


def _decimal_setting(r: Reader, key: str) -> Decimal | None:
    if not r.has(key):
        return None
    value = r.table[key]
    if isinstance(value, float):
        raise r.fail(f"write decimals as strings (\"{value}\"), not {value!r}", key)
    number: Decimal = r.decimal(key, minimum=Decimal(0))
    return number


def _describe_where(kind: RecordKind, where: Where, noun: str | None = None) -> str:
    """A practitioner's name for what a filter selects: CBT supervision, participatory CPD, Step 2 clinical contacts."""
    words: list[str] = []
    if where.value("cbt_skills") == (True,):
        words.append("CBT skills")
    elif where.value("cbt") == (True,):
        words.append("CBT")
    elif where.value("cbt") == (False,):
        words.append("non-CBT")
    if where.value("training_case") == (True,):
        words.append("training")
    if where.value("participatory") == (True,):
        words.append("participatory")
    if where.value("group_size") == (1,) or where.value("individual") == (True,):
        words.append("individual")
    step = where.value("step")
    if step:
        words.append("Step " + " or ".join(str(s) for s in step))
    kinds = where.value("kind") if kind.name in ("supervision", "training") else None
    if kinds:
        words.append(" or ".join(str(k).replace("_", "-") for k in kinds))
    category = where.value("category") if kind.name == "cpd" else None
    if category:
        words.append(" or ".join(str(c) for c in category))
    noun = " ".join([*words, noun or kind.noun])
    if where.value("has_reflective_statement") == (True,):
        noun += " with a reflective statement"
    return noun


@dataclasses.dataclass(frozen=True, kw_only=True)
class BaseRule:
    """What every rule kind shares: identity, citation, window and leave."""

    id: str
    title: str
    source: str
    uncertain: bool = False
    window: WindowSpec = WindowSpec()
    leave_pauses: tuple[str, ...] = DEFAULT_LEAVE_PAUSES

    def result(self, *, met: bool | None, have: Decimal | int | None, need: Decimal | int | None, unit: str,
               window: Window | None = None, counted: Iterable[str] = (), missing: Iterable[str] = (),
               expected_on: dt.date | None = None, notes: Iterable[str] = ()) -> RequirementResult:
        notes = tuple(notes)
        if self.uncertain:
            notes += ("This figure is uncertain in the sources; an administrator should confirm it.",)
        return RequirementResult(id=self.id, title=self.title, met=met, have=have, need=need, unit=unit,
                                 source=self.source, window=window, counted=tuple(counted), missing=tuple(missing),
                                 expected_on=expected_on, notes=notes)

    def total_window(self, snapshot: ev.Snapshot) -> tuple[Window, tuple[str, ...]]:
        """The window for a total: extended by pausing leave so far (a window with no limit is never extended)."""
        window, notes = self.window.resolve_with_notes(snapshot)
        if self.window.pausable and self.leave_pauses:
            window = extend_for_leave(window, _leave_so_far(snapshot), self.leave_pauses)
        return window, notes

    def in_window(self, kind: RecordKind, snapshot: ev.Snapshot, window: Window, where: Where) -> list[Any]:
        today = snapshot.today
        chosen = (r for r in kind.records(snapshot)
                  if kind.date(r) <= today and kind.in_window(r, window) and where.matches(r))
        return _sorted(kind, chosen)


def _common(r: Reader, params: Iterable[str], *, window: bool = True, leave: bool = True,
            default_window: WindowSpec = WindowSpec(), default_leave: tuple[str, ...] = DEFAULT_LEAVE_PAUSES) -> dict[str, Any]:
    """Check the keys and read what every requirement has; returns BaseRule's keyword arguments."""
    allowed = [k for k in COMMON_KEYS if (window or k != "window") and (leave or k != "leave_pauses")]
    allowed += list(params)
    for key in r.table:
        if key not in allowed:
            if key in ("window", "leave_pauses"):
                raise r.fail(f"a {r.table.get('kind')} requirement does not use {key}", key)
            raise r.fail(f"unknown parameter {key!r} for a {r.table.get('kind')} requirement; "
                         f"allowed: {', '.join(allowed)}", key)
    source = r.str_list("source")
    spec = parse_window_spec(r.table_of("window", required=False)) if r.has("window") else default_window
    pauses = default_leave
    if r.has("leave_pauses"):
        pauses = r.str_list("leave_pauses")  # [] is allowed: no leave pauses this requirement
        for p in pauses:
            if p not in LEAVE_KINDS:
                raise r.fail(f"unknown leave kind {p!r}; known: {', '.join(LEAVE_KINDS)}", "leave_pauses")
    return dict(id=r.str("id"), title=r.str("title"), source="; ".join(source), uncertain=r.uncertain(),
                window=spec, leave_pauses=tuple(pauses))


def _as_rule(rule: BaseRule) -> Rule:
    # Rule declares plain attributes; a frozen dataclass's fields are read-only, which mypy will not match.
    return cast(Rule, rule)


def _what(r: Reader, kind: RecordKind, where: Where) -> str:
    return r.str("what", required=False) or _describe_where(kind, where)


def _pro_rata(r: Reader) -> bool:
    return (r.str("pro_rata", required=False, choices=("none", "wte")) or "none") == "wte"


def _group_only_threshold(r: Reader, kind: RecordKind) -> Decimal | None:
    threshold = _decimal_setting(r, "not_group_only_at_wte")
    if threshold is not None and not kind.has_group:
        raise r.fail(f"{kind.name} records have no group size", "not_group_only_at_wte")
    return threshold


def _group_only_verdict(threshold: Decimal | None, counted: Sequence[tuple[Any, int]], wte: Decimal | None,
                        what: str) -> tuple[bool | None, list[str], list[str]]:
    """(verdict, missing, notes) when the only supervision counted was in groups: None means no objection."""
    if threshold is None or not counted or any(_group_size(rec) <= 1 for rec, _ in counted):
        return None, [], []
    if wte is None:
        return False, [], ["All of it was group supervision and your WTE is not recorded, so it cannot be "
                           "judged whether group supervision alone is enough."]
    if wte < threshold:
        return None, [], []
    return False, [f"You need some individual {what}: group supervision alone is not enough when you work "
                   f"{_wte_text(wte)} WTE."], [
        f"Every counted minute was group supervision; at {_wte_text(threshold)} WTE or more that is not enough."]


# ---------------------------------------------------------------------------------------------
# minutes


@dataclasses.dataclass(frozen=True, kw_only=True)
class MinutesRule(BaseRule):
    record: RecordKind
    where: Where
    need_minutes: int
    counting: Counting = PLAIN
    caps: tuple[Cap, ...] = ()
    pro_rata: bool = False
    not_group_only_at_wte: Decimal | None = None
    what: str = ""

    def evaluate(self, snapshot: ev.Snapshot, context: Context) -> RequirementResult:
        window, notes_t = self.total_window(snapshot)
        notes = list(notes_t)
        records = self.in_window(self.record, snapshot, window, self.where)
        have, counted, tally_notes = _tally(records, self.counting, self.caps)
        notes += tally_notes
        need = self.need_minutes
        wte = wte_on(snapshot.employment, _judged_on(window, snapshot.today))
        met: bool | None = have >= need
        missing: list[str] = []
        if self.pro_rata:
            if wte is None:
                if have < need:
                    met = None
                notes.append("Your working hours (WTE) are not recorded, so the part-time figure cannot be worked out; "
                             "the full-time figure is shown.")
            else:
                need = _ceil(need * wte)
                met = have >= need
                notes.append(f"Pro rata for {_wte_text(wte)} WTE.")
        if met is False or (met is None and have < need):
            missing.append(f"You need {minutes_text(need - have)} more {self.what} in {window.label}.")
        expected = _expected_on(snapshot.today, window, have, need) if have < need else None
        if met:
            verdict, more_missing, more_notes = _group_only_verdict(self.not_group_only_at_wte, counted, wte, self.what)
            if verdict is False:
                met = None if wte is None else False
            missing += more_missing
            notes += more_notes
        return self.result(met=met, have=have, need=need, unit="minutes", window=window,
                           counted=[self.record.ident(rec) for rec, _ in counted], missing=missing,
                           expected_on=expected, notes=notes)


@rule_kind("minutes")
def parse_minutes(r: Reader) -> Rule:
    params = ("record", "where", "need_minutes", "counting", "max_group", "caps", "pro_rata", "not_group_only_at_wte", "what")
    common = _common(r, params)
    kind = _record_kind(r, ("supervision", "supervision_given", "cpd", "contacts", "training"))
    where = parse_where(r, "where", kind.cls)
    return _as_rule(MinutesRule(
        **common, record=kind, where=where, need_minutes=r.int("need_minutes", minimum=0),
        counting=parse_counting(r, kind), caps=parse_caps(r, kind.cls), pro_rata=_pro_rata(r),
        not_group_only_at_wte=_group_only_threshold(r, kind), what=_what(r, kind, where)))


# ---------------------------------------------------------------------------------------------
# monthly_minutes


@dataclasses.dataclass(frozen=True, kw_only=True)
class MonthlyMinutesRule(BaseRule):
    where: Where
    counting: Counting = PLAIN
    full_minutes: int = 90
    part_time_below_wte: Decimal | None = Decimal("0.5")
    part_time_minutes: int | None = 45
    mode: str = "average"
    not_group_only_at_wte: Decimal | None = None
    what: str = ""

    def target(self, wte: Decimal) -> int:
        """facts §4.4: full time ≥ 90 min a month; under half-time clinically, at least 45 (the pro-rata floor)."""
        if self.part_time_below_wte is not None and self.part_time_minutes is not None and wte < self.part_time_below_wte:
            return self.part_time_minutes
        return self.full_minutes

    def evaluate(self, snapshot: ev.Snapshot, context: Context) -> RequirementResult:
        today = snapshot.today
        window, notes_t = self.window.resolve_with_notes(snapshot)
        notes = list(notes_t)
        judged = so_far(window, today)
        months = complete_months(judged)
        if not months:
            months = months_in(judged)
            notes.append("No calendar month in the window is complete yet; the month so far is judged.")
        periods = leave_periods(_leave_so_far(snapshot), self.leave_pauses, today)
        on_leave = [m for m in months if leave_days(periods, m.start, m.end) == days_in(m)]
        if on_leave:
            notes.append("Months wholly on leave are left out: " + ", ".join(m.label for m in on_leave) + ".")
        months = [m for m in months if m not in on_leave]
        if not months:
            return self.result(met=None, have=None, need=self.full_minutes, unit="minutes a month", window=window,
                               notes=notes + ["Every month in the window was on leave, so there is nothing to judge."])
        records = self.in_window(RECORDS["supervision"], snapshot, judged, self.where)
        records = [rec for rec in records if any(contains(m, rec.date) for m in months)]
        _, all_counted, tally_notes = _tally(records, self.counting)
        notes += tally_notes
        per_month: list[tuple[Window, int]] = []
        for month in months:
            per_month.append((month, sum(n for rec, n in all_counted if contains(month, rec.date))))

        wte = wte_on(snapshot.employment, _judged_on(window, today))
        if wte is not None:
            targets = [self.target(wte)]
            notes.append(f"The target for {_wte_text(wte)} WTE is {minutes_text(targets[0])} a month.")
        else:
            targets = sorted({self.full_minutes, self.target(Decimal(0))})
            notes.append("Your working hours (WTE) are not recorded; the full-time target is shown.")
        verdicts = [self._judge(per_month, t) for t in targets]
        met: bool | None = verdicts[0][0] if all(v[0] == verdicts[0][0] for v in verdicts) else None
        target = targets[-1] if wte is None else targets[0]
        _, have, need, unit, missing = self._judge(per_month, target)
        if met:
            verdict, more_missing, more_notes = _group_only_verdict(self.not_group_only_at_wte, all_counted, wte, self.what)
            if verdict is False:
                met = None if wte is None else False
            missing += more_missing
            notes += more_notes
        counted = [RECORDS["supervision"].ident(rec) for rec, _ in all_counted]
        return self.result(met=met, have=have, need=need, unit=unit, window=window, counted=counted,
                           missing=missing, notes=notes)

    def _judge(self, per_month: list[tuple[Window, int]], target: int) -> tuple[bool, Decimal | int, int, str, list[str]]:
        if self.mode == "every_month":
            short = [(m, total) for m, total in per_month if total < target]
            missing = [f"You had {minutes_text(total)} of {self.what} in {m.label}; you need at least "
                       f"{minutes_text(target)} every month." for m, total in short]
            return not short, len(per_month) - len(short), len(per_month), "months", missing
        total = sum(t for _, t in per_month)
        n = len(per_month)
        have = (Decimal(total) / n).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
        missing = []
        if total < target * n:
            months = (per_month[0][0].label if n == 1
                      else f"the {n} months judged, {per_month[0][0].label} to {per_month[-1][0].label},")
            missing.append(f"You need {minutes_text(target * n - total)} more {self.what} in {months} "
                           f"to average {minutes_text(target)} a month.")
        return total >= target * n, have, target, "minutes a month", missing


@rule_kind("monthly_minutes")
def parse_monthly_minutes(r: Reader) -> Rule:
    params = ("record", "where", "counting", "max_group", "full_minutes", "part_time_below_wte", "part_time_minutes",
              "mode", "not_group_only_at_wte", "what")
    common = _common(r, params, default_window=WindowSpec(type="rolling", months=12))
    kind = _record_kind(r, ("supervision",), default="supervision")
    where = parse_where(r, "where", kind.cls)
    below = _decimal_setting(r, "part_time_below_wte")
    part_minutes = r.int("part_time_minutes", required=False, minimum=0)
    if below is None and part_minutes is None:
        below, part_minutes = Decimal("0.5"), 45
    elif below is None or part_minutes is None:
        absent = "part_time_below_wte" if below is None else "part_time_minutes"
        raise r.fail("part_time_below_wte and part_time_minutes go together; this one is missing", absent)
    return _as_rule(MonthlyMinutesRule(
        **common, where=where, counting=parse_counting(r, kind),
        full_minutes=r.int("full_minutes", minimum=0) if r.has("full_minutes") else 90,
        part_time_below_wte=below, part_time_minutes=part_minutes,
        mode=r.str("mode", required=False, choices=("average", "every_month")) or "average",
        not_group_only_at_wte=_group_only_threshold(r, kind), what=_what(r, kind, where)))


# ---------------------------------------------------------------------------------------------
# weekly_rate


@dataclasses.dataclass(frozen=True, kw_only=True)
class WeeklyRateRule(BaseRule):
    record: RecordKind
    where: Where
    measure: str
    need_per_week: Decimal
    counting: Counting = PLAIN
    pro_rata: bool = False
    what: str = ""

    def evaluate(self, snapshot: ev.Snapshot, context: Context) -> RequirementResult:
        today = snapshot.today
        window, notes_t = self.window.resolve_with_notes(snapshot)
        notes = list(notes_t)
        judged = so_far(window, today)
        periods = leave_periods(_leave_so_far(snapshot), self.leave_pauses, today)
        weeks = weeks_in(judged)
        kept = [(w, share) for w, share in weeks if leave_days(periods, w.start, w.end) < days_in(w)]
        if len(kept) < len(weeks):
            n = len(weeks) - len(kept)
            notes.append(f"{n} week{'s' if n != 1 else ''} wholly on leave {'are' if n != 1 else 'is'} left out.")
        unit = f"{'minutes' if self.measure == 'minutes' else self.record.unit} per week"
        need = self.need_per_week
        wte = wte_on(snapshot.employment, _judged_on(window, today))
        if self.pro_rata:
            if wte is None:
                notes.append("Your working hours (WTE) are not recorded; the full-time figure is shown.")
            else:
                need = need * wte
                notes.append(f"Pro rata for {_wte_text(wte)} WTE.")
        week_count = sum((share for _, share in kept), Decimal(0))
        if week_count == 0:
            return self.result(met=None, have=None, need=need, unit=unit, window=window,
                               notes=notes + ["There is no week in the window to judge (all on leave, or it has not started)."])
        records = self.in_window(self.record, snapshot, judged, self.where)
        if self.measure == "minutes":
            total, counted, tally_notes = _tally(records, self.counting)
            notes += tally_notes
        else:
            counted = [(rec, getattr(rec, "count", 1)) for rec in records]
            total = sum(n for _, n in counted)
        have = (Decimal(total) / week_count).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        met: bool | None = Decimal(total) >= need * week_count
        if self.pro_rata and wte is None and not met:
            met = None
        missing = []
        if not met:
            short = _ceil(need * week_count - total)
            amount = minutes_text(short) if self.measure == "minutes" else str(short)
            missing.append(f"You need {amount} more {self.what} in {judged.label} to average "
                           f"{_number_text(need)} {unit}.")
        return self.result(met=met, have=have, need=need, unit=unit, window=window,
                           counted=[self.record.ident(rec) for rec, _ in counted], missing=missing, notes=notes)


@rule_kind("weekly_rate")
def parse_weekly_rate(r: Reader) -> Rule:
    params = ("record", "where", "measure", "need_per_week", "counting", "max_group", "pro_rata", "what")
    common = _common(r, params, default_window=WindowSpec(type="rolling", months=12))
    kind = _record_kind(r, ("contacts", "supervision"))
    where = parse_where(r, "where", kind.cls)
    measure = r.str("measure", choices=("count", "minutes"))
    counting = parse_counting(r, kind)
    if measure == "count" and counting != PLAIN:
        raise r.fail("counting applies to minutes, not to a count", "counting")
    need = _decimal_setting(r, "need_per_week")
    if need is None:
        raise r.fail("is missing", "need_per_week")
    return _as_rule(WeeklyRateRule(**common, record=kind, where=where, measure=measure, need_per_week=need,
                                   counting=counting, pro_rata=_pro_rata(r), what=_what(r, kind, where)))


# ---------------------------------------------------------------------------------------------
# count


@dataclasses.dataclass(frozen=True)
class MaxWhere:
    where: Where
    max: int
    #: A boolean field those records must not have true (the one non-CBT CPD cannot be the CBT skills one).
    excludes: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class CountRule(BaseRule):
    record: RecordKind
    where: Where
    min: int | None = None
    max: int | None = None
    distinct: str | None = None
    max_where: MaxWhere | None = None
    #: What is counted, several and one ("CPD activities with a reflective statement").
    what: str = ""
    what_one: str = ""

    def evaluate(self, snapshot: ev.Snapshot, context: Context) -> RequirementResult:
        window, notes_t = self.total_window(snapshot)
        notes = list(notes_t)
        records = self.in_window(self.record, snapshot, window, self.where)
        if self.max_where is not None:
            records, limit_notes = self._limit(records, self.max_where)
            notes += limit_notes
        if self.distinct is not None:
            values = {getattr(rec, self.distinct) for rec in records} - {None}
            have = len(values)
            unit = f"different {self.distinct.replace('_', ' ')}s"
            if values:
                notes.append(f"{humanise(self.distinct).capitalize()}: {', '.join(sorted(str(v) for v in values))}.")
        else:
            have = sum(getattr(rec, "count", 1) for rec in records)
            unit = self.record.unit
        need = self.min if self.min is not None else self.max
        met = (self.min is None or have >= self.min) and (self.max is None or have <= self.max)
        missing = []
        expected = None
        if self.min is not None and have < self.min:
            more = self.min - have
            what = self.what_one if more == 1 else self.what
            if self.distinct is not None:
                missing.append(f"You need {more} more {what} with a different {self.distinct.replace('_', ' ')} "
                               f"in {window.label}.")
            else:
                missing.append(f"You need {more} more {what} in {window.label}.")
                expected = _expected_on(snapshot.today, window, have, self.min)
        if self.max is not None and have > self.max:
            what = self.what_one if self.max == 1 else self.what
            missing.append(f"At most {self.max} {what} may count in {window.label}; you have {have}.")
        return self.result(met=met, have=have, need=need, unit=unit, window=window,
                           counted=[self.record.ident(rec) for rec in records], missing=missing,
                           expected_on=expected, notes=notes)

    def _limit(self, records: list[Any], limit: MaxWhere) -> tuple[list[Any], list[str]]:
        kept: list[Any] = []
        notes = []
        used = 0
        for rec in records:
            if not limit.where.matches(rec):
                kept.append(rec)
                continue
            name = _record_name(rec)
            if limit.excludes is not None and getattr(rec, limit.excludes):
                notes.append(f"{name} cannot count: it is {_describe_where(self.record, limit.where)} and so cannot "
                             f"also be the {limit.excludes.replace('_', ' ')} one.")
            elif used >= limit.max:
                notes.append(f"{name} does not count: at most {limit.max} of these "
                             f"({_describe_where(self.record, limit.where)}) may count.")
            else:
                used += 1
                kept.append(rec)
        return kept, notes


def _record_name(record: Any) -> str:
    title = getattr(record, "title", None)
    ident = getattr(record, "id", None) or getattr(record, "ref", "")
    return f"“{title}”" if title else str(ident)


@rule_kind("count")
def parse_count(r: Reader) -> Rule:
    params = ("record", "where", "min", "max", "distinct", "max_where", "max_where_excludes", "what")
    common = _common(r, params)
    kind = _record_kind(r, tuple(RECORDS))
    where = parse_where(r, "where", kind.cls)
    low = r.int("min", required=False, minimum=0)
    high = r.int("max", required=False, minimum=0)
    if low is None and high is None:
        raise r.fail("needs min or max (or both)")
    if low is not None and high is not None and low > high:
        raise r.fail(f"min ({low}) is more than max ({high})", "min")
    distinct = _field(r, "distinct", kind.cls, r.table["distinct"]) if r.has("distinct") else None
    limit = None
    mw = r.table_of("max_where", required=False)
    if mw is not None:
        _only(mw, ("where", "max"))
        if not mw.has("where"):
            raise mw.fail("is missing", "where")
        excludes = (_field(r, "max_where_excludes", kind.cls, r.table["max_where_excludes"], boolean=True)
                    if r.has("max_where_excludes") else None)
        limit = MaxWhere(where=parse_where(mw, "where", kind.cls), max=mw.int("max", minimum=0), excludes=excludes)
    elif r.has("max_where_excludes"):
        raise r.fail("only applies with max_where", "max_where_excludes")
    what = r.str("what", required=False)
    return _as_rule(CountRule(**common, record=kind, where=where, min=low, max=high, distinct=distinct, max_where=limit,
                              what=what or _describe_where(kind, where, kind.many),
                              what_one=what or _describe_where(kind, where, kind.one)))


# ---------------------------------------------------------------------------------------------
# cases


@dataclasses.dataclass(frozen=True)
class MixPart:
    group: str
    min: int
    distinct_problems: int | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class CasesRule(BaseRule):
    where: Where
    min_cases: int = 0
    min_sessions: int = 0
    min_supervision_minutes: int = 0
    counting: Counting = PLAIN
    require: tuple[str, ...] = ()
    mix: tuple[MixPart, ...] = ()
    what: str = "cases"
    what_one: str = "case"

    def evaluate(self, snapshot: ev.Snapshot, context: Context) -> RequirementResult:
        window, notes_t = self.total_window(snapshot)
        notes = list(notes_t)
        cases = self.in_window(RECORDS["cases"], snapshot, window, self.where)
        supervised = self._supervision_by_case(snapshot)
        qualifying = []
        missing: list[str] = []
        for case in cases:
            gaps = []
            if case.attended_sessions < self.min_sessions:
                gaps.append(f"{case.attended_sessions} of {self.min_sessions} sessions")
            minutes = supervised.get(case.ref, 0)
            if minutes < self.min_supervision_minutes:
                gaps.append(f"{minutes_text(minutes)} of {minutes_text(self.min_supervision_minutes)} supervision")
            gaps += [f"not {name.replace('_', ' ')}" for name in self.require if not getattr(case, name)]
            if gaps:
                notes.append(f"Case {case.ref} does not count yet: {'; '.join(gaps)}.")
            else:
                qualifying.append(case)
        have = len(qualifying)
        met = have >= self.min_cases
        if have < self.min_cases:
            more = self.min_cases - have
            what = f"{self.what_one} that meets" if more == 1 else f"{self.what} that meet"
            missing.append(f"You need {more} more {what} every criterion.")
        for part in self.mix:
            in_group = [c for c in qualifying if c.presentation_group == part.group]
            label = "trauma or stressor-related" if part.group == "trauma" else part.group
            if len(in_group) < part.min:
                met = False
                more = part.min - len(in_group)
                missing.append(f"You need {more} more {label} case{'s' if more != 1 else ''} among your {self.what}.")
            problems = sorted({c.problem for c in in_group})
            if part.distinct_problems is not None and len(problems) < part.distinct_problems:
                met = False
                more = part.distinct_problems - len(problems)
                had = f" (so far: {', '.join(problems)})" if problems else ""
                missing.append(f"You need {more} more different {label} problem{'s' if more != 1 else ''} "
                               f"among your {self.what}{had}.")
        return self.result(met=met, have=have, need=self.min_cases, unit="cases", window=window,
                           counted=[c.ref for c in qualifying], missing=missing, notes=notes)

    def _supervision_by_case(self, snapshot: ev.Snapshot) -> dict[str, int]:
        totals: dict[str, int] = {}
        for session in snapshot.supervision:
            if session.date > snapshot.today:
                continue
            for share in session.cases:
                totals[share.case_ref] = totals.get(share.case_ref, 0) + self.counting.minutes(share.minutes, session.group_size)
        return totals


@rule_kind("cases")
def parse_cases(r: Reader) -> Rule:
    params = ("record", "where", "min_cases", "min_sessions", "min_supervision_minutes", "counting", "max_group",
              "require", "mix", "what")
    common = _common(r, params)
    _record_kind(r, ("cases",), default="cases")
    where = parse_where(r, "where", ev.Case)
    require = tuple(_field(r, "require", ev.Case, name, boolean=True) for name in r.str_list("require", required=False))
    mix = []
    for m in r.tables("mix", required=False, id_key=None):
        _only(m, ("group", "min", "distinct_problems"))
        mix.append(MixPart(group=m.str("group", choices=PRESENTATION_GROUPS), min=m.int("min", minimum=0),
                           distinct_problems=m.int("distinct_problems", required=False, minimum=1)))
    if not r.has("min_cases") and not mix:
        raise r.fail("needs min_cases or mix")
    return _as_rule(CasesRule(
        **common, where=where, min_cases=r.int("min_cases", required=False, minimum=0) or 0,
        min_sessions=r.int("min_sessions", required=False, minimum=0) or 0,
        min_supervision_minutes=r.int("min_supervision_minutes", required=False, minimum=0) or 0,
        counting=parse_counting(r, RECORDS["supervision"]), require=require, mix=tuple(mix),
        what=r.str("what", required=False) or _describe_where(RECORDS["cases"], where),
        what_one=r.str("what", required=False) or _describe_where(RECORDS["cases"], where, "case")))


# ---------------------------------------------------------------------------------------------
# ratings


def _current(context: Context, file_id: str, on: dt.date) -> Any:
    """The version of a data file in force on `on`, or None when the catalogue has none."""
    try:
        return context.catalogue.current(file_id, on=on)
    except KeyError:
        return None


@dataclasses.dataclass(frozen=True, kw_only=True)
class RatingsRule(BaseRule):
    scale: str
    min_passed: int
    #: A setting (e.g. a course's "ctsr_passes_required") that overrides min_passed.
    min_passed_setting: str | None = None
    where: Where = EVERYTHING
    pass_setting: str | None = None
    pass_by: str = "total"
    distinct: str | None = None

    def pass_mark(self, context: Context, today: dt.date) -> tuple[int | None, str]:
        if self.pass_setting is not None and context.settings.get(self.pass_setting) is not None:
            value = context.settings[self.pass_setting]
            if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
                return None, f"The setting {self.pass_setting} ({value!r}) is not a whole-number pass mark."
            return int(value), f"Pass mark {int(value)} (setting {self.pass_setting})."
        loaded = _current(context, self.scale, today)
        if loaded is None:
            return None, f"The rating scale {self.scale!r} is not in the catalogue, so there is no pass mark."
        default = getattr(loaded.content, "default_pass_total", None)
        if default is None:
            return None, f"The rating scale {self.scale!r} has no usual pass mark and none is set for this pathway."
        return int(default), f"Pass mark {default} (the scale's usual pass mark)."

    def needed(self, context: Context) -> tuple[int | None, str | None]:
        if self.min_passed_setting is None or context.settings.get(self.min_passed_setting) is None:
            return self.min_passed, None
        value = context.settings[self.min_passed_setting]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            return None, f"The setting {self.min_passed_setting} ({value!r}) is not a whole number of ratings."
        return value, f"{value} passed ratings needed (setting {self.min_passed_setting})."

    def evaluate(self, snapshot: ev.Snapshot, context: Context) -> RequirementResult:
        need, need_note = self.needed(context)
        if need is None:
            return self.result(met=None, have=None, need=None, unit="passed ratings", notes=[need_note or ""])
        if need != self.min_passed:
            return dataclasses.replace(self, min_passed=need, min_passed_setting=None).evaluate(snapshot, context)
        window, notes_t = self.total_window(snapshot)
        notes = list(notes_t)
        kind = RECORDS["ratings"]
        ratings = [r for r in self.in_window(kind, snapshot, window, self.where) if r.scale_id == self.scale]
        unit = f"passed ratings with different {self.distinct.replace('_', ' ')}" if self.distinct else "passed ratings"
        if self.pass_by == "flag":  # nosec B105  # how a rating passes, not a password
            passed = [r for r in ratings if r.passed]
            notes.append("A rating passes when the assessor marked it passed.")
        else:
            mark, note = self.pass_mark(context, snapshot.today)
            notes.append(note)
            if mark is None:
                return self.result(met=None, have=None, need=self.min_passed, unit=unit, window=window, notes=notes)
            passed = [r for r in ratings if r.total >= mark]
        if self.distinct is not None:
            values = sorted({str(getattr(r, self.distinct)) for r in passed if getattr(r, self.distinct) is not None})
            have = len(values)
        else:
            have = len(passed)
        met = have >= self.min_passed
        missing = []
        if not met:
            more = self.min_passed - have
            extra = f" of a different {self.distinct.replace('_', ' ')}" if self.distinct else ""
            missing.append(f"You need {more} more passed {humanise(self.scale)} rating{'s' if more != 1 else ''}{extra} "
                           f"in {window.label}.")
        return self.result(met=met, have=have, need=self.min_passed, unit=unit, window=window,
                           counted=[r.id for r in passed], missing=missing, notes=notes)


@rule_kind("ratings")
def parse_ratings(r: Reader) -> Rule:
    params = ("record", "scale", "min_passed", "min_passed_setting", "pass_setting", "pass_by", "distinct", "where")
    common = _common(r, params)
    _record_kind(r, ("ratings",), default="ratings")
    distinct = _field(r, "distinct", ev.Rating, r.table["distinct"]) if r.has("distinct") else None
    pass_by = r.str("pass_by", required=False, choices=("total", "flag")) or "total"
    if pass_by == "flag" and r.has("pass_setting"):  # nosec B105  # how a rating passes, not a password
        raise r.fail("a pass mark setting does nothing when pass_by = \"flag\"", "pass_setting")
    return _as_rule(RatingsRule(**common, scale=r.str("scale"), min_passed=r.int("min_passed", minimum=1),
                                min_passed_setting=r.str("min_passed_setting", required=False),
                                where=parse_where(r, "where", ev.Rating), pass_setting=r.str("pass_setting", required=False),
                                pass_by=pass_by, distinct=distinct))


# ---------------------------------------------------------------------------------------------
# signed_off


@dataclasses.dataclass(frozen=True, kw_only=True)
class SignedOffRule(BaseRule):
    framework: str
    variant_setting: str | None = None

    def evaluate(self, snapshot: ev.Snapshot, context: Context) -> RequirementResult:
        frameworks = importlib.import_module("competences.frameworks")
        loaded = _current(context, self.framework, snapshot.today)
        if loaded is None:
            return self.result(met=None, have=None, need=None, unit="criteria",
                               notes=[f"The framework {self.framework!r} is not in the catalogue."])
        variant = context.settings.get(self.variant_setting) if self.variant_setting else None
        try:
            items = frameworks.applicable_items(loaded.content, variant or None)
        except KeyError:
            return self.result(met=None, have=None, need=None, unit="criteria",
                               notes=[f"The framework has no variant {variant!r}."])
        current_ids = {i.id for i in frameworks.items(loaded.content)}
        version = loaded.meta.version
        notes: list[str] = []
        good: dict[str, list[ev.SignOff]] = {}
        problems: dict[str, list[str]] = {}
        kind = RECORDS["signoffs"]
        for s in _sorted(kind, (s for s in snapshot.signoffs if s.framework_id == self.framework)):
            if s.item_id not in current_ids:
                notes.append(f"A sign-off of {s.item_id} (version {s.framework_version}) does not count: "
                             f"that item no longer exists in version {version}.")
            elif s.withdrawn:
                problems.setdefault(s.item_id, []).append("its sign-off was withdrawn")
            elif s.needs_resigning:
                problems.setdefault(s.item_id, []).append("its sign-off needs signing again")
            elif s.signed_on <= snapshot.today:
                good.setdefault(s.item_id, []).append(s)
        missing = []
        counted: list[ev.SignOff] = []
        for item in items:
            if item.id in good:
                counted += good[item.id]
                continue
            why = "; ".join(dict.fromkeys(problems.get(item.id, [])))
            missing.append(f"{item.title}" + (f" ({why})" if why else " (not signed off)"))
        have = len(items) - len(missing)
        return self.result(met=not missing, have=have, need=len(items), unit="criteria",
                           counted=[s.id for s in _sorted(kind, counted)],
                           missing=missing, notes=notes)


@rule_kind("signed_off")
def parse_signed_off(r: Reader) -> Rule:
    common = _common(r, ("record", "framework", "variant_setting"), window=False, leave=False, default_leave=())
    _record_kind(r, ("signoffs",), default="signoffs")
    return _as_rule(SignedOffRule(**common, framework=r.str("framework"),
                                  variant_setting=r.str("variant_setting", required=False)))


# ---------------------------------------------------------------------------------------------
# credential


@dataclasses.dataclass(frozen=True, kw_only=True)
class CredentialRule(BaseRule):
    credential_kinds: tuple[str, ...]
    min_years_held: int | None = None

    def evaluate(self, snapshot: ev.Snapshot, context: Context) -> RequirementResult:
        today = snapshot.today
        names = " or ".join(humanise(k) for k in self.credential_kinds)
        mine = sorted((c for c in snapshot.credentials if c.kind in self.credential_kinds and c.awarded_on <= today),
                      key=lambda c: (c.awarded_on, c.id))
        current = [c for c in mine if not c.lapsed and (c.expires_on is None or c.expires_on >= today)]
        unit = "years" if self.min_years_held is not None else "credentials"
        need = self.min_years_held if self.min_years_held is not None else 1
        if not current:
            missing = []
            if not mine:
                missing.append(f"You need {names}; none is recorded.")
            for c in mine:
                if c.lapsed:
                    missing.append(f"Your {humanise(c.kind)} has lapsed.")
                elif c.expires_on is not None:
                    missing.append(f"Your {humanise(c.kind)} expired on {long_date(c.expires_on)}.")
            return self.result(met=False, have=0, need=need, unit=unit, missing=missing)
        held = current[0]
        if self.min_years_held is None:
            notes = [f"Held since {long_date(held.awarded_on)}"
                     + (f", current until {long_date(held.expires_on)}." if held.expires_on else ".")]
            return self.result(met=True, have=1, need=1, unit=unit, counted=[held.id], notes=notes)
        years = _whole_years(held.awarded_on, today)
        due = anniversary(held.awarded_on, held.awarded_on.year + self.min_years_held)
        met = today >= due
        missing = [] if met else [f"You will have held {humanise(held.kind)} for {self.min_years_held} years on {long_date(due)}."]
        return self.result(met=met, have=years, need=self.min_years_held, unit=unit, counted=[held.id],
                           missing=missing, expected_on=None if met else due,
                           notes=[f"Held since {long_date(held.awarded_on)}."])


def _whole_years(start: dt.date, today: dt.date) -> int:
    years = today.year - start.year
    if anniversary(start, today.year) > today:
        years -= 1
    return max(years, 0)


@rule_kind("credential")
def parse_credential(r: Reader) -> Rule:
    common = _common(r, ("record", "credential_kinds", "min_years_held"), window=False, leave=False, default_leave=())
    _record_kind(r, ("credentials",), default="credentials")
    kinds = r.str_list("credential_kinds")
    if not kinds:
        raise r.fail("needs at least one credential kind", "credential_kinds")
    return _as_rule(CredentialRule(**common, credential_kinds=tuple(kinds),
                                   min_years_held=r.int("min_years_held", required=False, minimum=0)))


# ---------------------------------------------------------------------------------------------
# time_in_step


@dataclasses.dataclass(frozen=True, kw_only=True)
class TimeInStepRule(BaseRule):
    pay_scale: str = DEFAULT_PAY_SCALE

    def evaluate(self, snapshot: ev.Snapshot, context: Context) -> RequirementResult:
        today = snapshot.today
        emp = snapshot.employment
        if emp.band is None or emp.step is None or emp.step_started_on is None:
            return self.result(met=None, have=None, need=None, unit="years",
                               notes=["Your band, pay step or the date you started it is not recorded."])
        pay = importlib.import_module("competences.pay")
        loaded = _current(context, self.pay_scale, today)
        if loaded is None:
            return self.result(met=None, have=None, need=None, unit="years",
                               notes=[f"The pay scale {self.pay_scale!r} is not in the catalogue."])
        started = emp.step_started_on
        periods = leave_periods(_leave_so_far(snapshot), self.leave_pauses, today)
        try:
            due = pay.next_step_date(loaded.content, emp.band, emp.step, started, periods)
            years = pay.years_to_next_step(loaded.content, emp.band, emp.step, started) if due is not None else None
        except ValueError as exc:
            return self.result(met=None, have=None, need=None, unit="years",
                               notes=[f"The pay data cannot place step {emp.step} of band {emp.band}: {exc}"])
        have = _whole_years(started, today)
        if due is None:
            return self.result(met=None, have=have, need=None, unit="years",
                               notes=[f"Step {emp.step} is at the top of the band (band {emp.band}): there is no further pay step."])
        notes = ["Moving up also needs the pay progression standards (appraisal, training, no capability "
                 "process or live disciplinary sanction)."]
        base = anniversary(started, started.year + years) if years is not None else due
        if due > base:
            notes.append(f"Leave defers the date by {(due - base).days} days.")
        met = today >= due
        missing = [] if met else [f"You reach the next pay step (step {emp.step + 1} of band {emp.band}) on {long_date(due)}."]
        return self.result(met=met, have=have, need=years, unit="years", missing=missing, expected_on=due, notes=notes)


@rule_kind("time_in_step")
def parse_time_in_step(r: Reader) -> Rule:
    # Which leave defers a pay step is not in the facts (and maternity leave counts as service), so none
    # does unless the requirement lists kinds in leave_pauses.
    common = _common(r, ("pay_scale",), window=False, default_leave=())
    return _as_rule(TimeInStepRule(**common, pay_scale=r.str("pay_scale", required=False) or DEFAULT_PAY_SCALE))


# ---------------------------------------------------------------------------------------------
# hr_fact


@dataclasses.dataclass(frozen=True, kw_only=True)
class HrFactRule(BaseRule):
    fact: str
    months: int = 12

    def evaluate(self, snapshot: ev.Snapshot, context: Context) -> RequirementResult:
        hr = snapshot.hr
        today = snapshot.today
        if self.fact == "appraisal_within_months":
            return self._appraisal(hr.last_appraisal_on, today)
        if self.fact == "team_appraisals" and not snapshot.employment.is_line_manager:
            return self._verdict(True, notes=["This applies to line managers only."])
        value, good, missing_text, unknown = {
            "mandatory_training": (hr.mandatory_training_complete, True,
                                   "Complete your statutory and mandatory training.",
                                   "Whether your statutory and mandatory training is complete is not recorded."),
            "no_capability_process": (hr.capability_process, False,
                                      "You are subject to a formal capability process.",
                                      "Whether you are in a capability process is not recorded."),
            "no_disciplinary_sanction": (hr.live_disciplinary_sanction, False,
                                         "You have a live formal disciplinary sanction.",
                                         "Whether you have a live disciplinary sanction is not recorded."),
            "team_appraisals": (hr.team_appraisals_done, True,
                                "Complete the appraisals of all your staff.",
                                "Whether you have appraised all your staff is not recorded."),
        }[self.fact]
        if value is None:
            return self._verdict(None, notes=[unknown])
        met = value == good
        return self._verdict(met, missing=[] if met else [missing_text])

    def _verdict(self, met: bool | None, *, missing: Iterable[str] = (), notes: Iterable[str] = (),
                 expected_on: dt.date | None = None) -> RequirementResult:
        return self.result(met=met, have=None, need=None, unit="", missing=missing, notes=notes, expected_on=expected_on)

    def _appraisal(self, last: dt.date | None, today: dt.date) -> RequirementResult:
        if last is None:
            return self._verdict(None, notes=["No appraisal is recorded."])
        # Inclusive: an appraisal exactly `months` ago to the day still counts (today − 12 months, clamped).
        cutoff = add_months(today, -self.months)
        due = add_months(last, self.months)
        if last >= cutoff:
            return self._verdict(True, notes=[f"Last appraisal {long_date(last)}; the next is due by {long_date(due)}."])
        return self._verdict(False, missing=[f"Your last appraisal was on {long_date(last)}, more than {self.months} "
                                             f"months ago: you need an appraisal."])


@rule_kind("hr_fact")
def parse_hr_fact(r: Reader) -> Rule:
    common = _common(r, ("fact", "months"), window=False, leave=False, default_leave=())
    fact = r.str("fact", choices=HR_FACTS)
    if r.has("months") and fact != "appraisal_within_months":
        raise r.fail("months only applies to fact = \"appraisal_within_months\"", "months")
    months = r.int("months", required=False, minimum=1) or 12
    return _as_rule(HrFactRule(**common, fact=fact, months=months))

