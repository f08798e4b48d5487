"""Competence frameworks (KSA, UCL maps, KSF) and rating scales (CTS-R) read from versioned data files.

A framework is groups of items; an item may say which kinds of evidence it needs (the KSA's
criteria), what levels it has (KSF dimensions) or how many competence statements it holds
(UCL maps). Variants (the condensed KSA) exempt some items. Rating scales score a recording
item by item and decide a pass against a default pass mark that a course setting may override.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from competences.datafile import Meta, RawFile, Reader
from competences.levels import DEFAULT_LEVEL_RULE, LEVEL_RULES

STRUCTURES = ("criteria", "competences", "levelled")


@dataclasses.dataclass(frozen=True)
class Level:
    number: int
    title: str
    uncertain: bool = False


@dataclasses.dataclass(frozen=True)
class EvidenceType:
    id: str
    #: The BABCP form that carries it ("KSA2"), or None for evidence without its own form.
    form_code: str | None
    title: str
    uncertain: bool = False


@dataclasses.dataclass(frozen=True)
class EvidenceRule:
    """Which evidence types an item needs: every entry of `all_of`, and one entry of `any_of` (if any).

    Entries are evidence type ids or a nested rule (one level deep, holding ids only), so
    "a training course, or a reference and a self-directed study record" is
    `any_of=("training-course", EvidenceRule(all_of=("reference", "self-directed-study")))`.
    """

    all_of: tuple[str | EvidenceRule, ...] = ()
    any_of: tuple[str | EvidenceRule, ...] = ()


@dataclasses.dataclass(frozen=True)
class Item:
    id: str
    code: str
    title: str
    group_id: str
    evidence_rule: EvidenceRule | None
    levels: tuple[Level, ...]
    uncertain: bool
    source: tuple[str, ...]
    #: UCL maps: how many competence statements the area holds, where the source says.
    statement_count: int | None = None
    notes: str = ""


@dataclasses.dataclass(frozen=True)
class Group:
    id: str
    title: str
    items: tuple[Item, ...]
    uncertain: bool
    notes: str = ""


@dataclasses.dataclass(frozen=True)
class Variant:
    """A shorter route through the framework for some backgrounds (e.g. the condensed KSA for PWPs)."""

    id: str
    title: str
    #: Who may use it, in words.
    applies_to: str
    exempt_items: tuple[str, ...]
    uncertain: bool
    notes: str = ""


@dataclasses.dataclass(frozen=True)
class StatementComponent:
    """A part every self-statement must cover (KSA: how learned, what learned, appraisal, examples)."""

    id: str
    title: str
    #: At least this many (e.g. two illustrative examples); None when one is enough.
    min_count: int | None = None
    uncertain: bool = False


@dataclasses.dataclass(frozen=True)
class Framework:
    meta: Meta
    structure: str
    groups: tuple[Group, ...]
    evidence_types: tuple[EvidenceType, ...]
    variants: tuple[Variant, ...]
    levels: tuple[Level, ...]
    statement_components: tuple[StatementComponent, ...] = ()
    notes: str = ""
    #: For levelled frameworks: how the current level is chosen from many ratings (competences.levels).
    level_rule: str | None = None


# ---------------------------------------------------------------------------------------------
# Questions asked of a framework


def items(framework: Framework) -> tuple[Item, ...]:
    return tuple(i for g in framework.groups for i in g.items)


def item(framework: Framework, item_id: str) -> Item:
    for candidate in items(framework):
        if candidate.id == item_id:
            return candidate
    raise KeyError(f"{framework.meta.id} has no item {item_id!r}")


def group(framework: Framework, group_id: str) -> Group:
    for candidate in framework.groups:
        if candidate.id == group_id:
            return candidate
    raise KeyError(f"{framework.meta.id} has no group {group_id!r}")


def variant(framework: Framework, variant_id: str) -> Variant:
    for candidate in framework.variants:
        if candidate.id == variant_id:
            return candidate
    raise KeyError(f"{framework.meta.id} has no variant {variant_id!r}")


def applicable_items(framework: Framework, variant_id: str | None) -> tuple[Item, ...]:
    """The items a person must complete: all of them, or those a variant does not exempt."""
    if variant_id is None:
        return items(framework)
    exempt = set(variant(framework, variant_id).exempt_items)
    return tuple(i for i in items(framework) if i.id not in exempt)


def evidence_type_ids(rule: EvidenceRule) -> tuple[str, ...]:
    """Every evidence type a rule mentions, in order of first mention."""
    found: list[str] = []
    for term in (*rule.all_of, *rule.any_of):
        found.extend([term] if isinstance(term, str) else evidence_type_ids(term))
    return tuple(dict.fromkeys(found))


def _missing_term(term: str | EvidenceRule, have: Collection[str]) -> tuple[str, ...]:
    if isinstance(term, str):
        return () if term in have else (term,)
    return missing_evidence(term, have)


def missing_evidence(rule: EvidenceRule, have: Collection[str]) -> tuple[str, ...]:
    """Evidence types still needed to satisfy `rule` given those held; empty when it is satisfied.

    Where `any_of` is not yet satisfied, the option needing fewest further types is suggested
    (ties go to the option the person has most of already, then to the first listed), so a
    person holding a reference is told to add self-directed study rather than a course.
    """
    need: list[str] = []
    for term in rule.all_of:
        need.extend(_missing_term(term, have))
    if rule.any_of:
        options = [_missing_term(term, have) for term in rule.any_of]
        if all(options):
            def cost(i: int) -> tuple[int, int, int]:
                term = rule.any_of[i]
                held = sum(1 for t in ([term] if isinstance(term, str) else evidence_type_ids(term)) if t in have)
                return (len(options[i]), -held, i)
            need.extend(options[min(range(len(options)), key=cost)])
    return tuple(dict.fromkeys(need))


def satisfied(rule: EvidenceRule, have: Collection[str]) -> bool:
    return not missing_evidence(rule, have)


# ---------------------------------------------------------------------------------------------
# Reading a framework file


def _only(r: Reader, allowed: Iterable[str]) -> None:
    """Refuse keys the parser does not know, so a misspelt `uncertian = true` is not silently lost."""
    known = set(allowed)
    for key in r.table:
        if key not in known:
            raise r.fail(f"unknown key {key!r}; expected one of {', '.join(sorted(known))}", key)


def _table(r: Reader, key: str) -> Reader:
    table = r.table_of(key)
    if table is None:  # table_of raises for a missing required table; this narrows the type
        raise r.fail("is missing", key)
    return table


def _levels(r: Reader, key: str) -> tuple[Level, ...]:
    readers = r.tables(key, required=False, id_key=None)
    levels = []
    for lr in readers:
        _only(lr, ("number", "title", "uncertain"))
        levels.append(Level(number=lr.int("number", minimum=1), title=lr.str("title"), uncertain=lr.uncertain()))
    numbers = [level.number for level in levels]
    if numbers != list(range(1, len(numbers) + 1)):
        shown = ", ".join(str(n) for n in numbers)
        raise r.fail(f"levels must be numbered 1 to {len(numbers)} in order without gaps, not {shown}", key)
    return tuple(levels)


def _rule(r: Reader, key: str, value: Any, declared: Collection[str], depth: int = 0) -> EvidenceRule:
    where = Reader(r.file, f"{r.path}.{key}" if r.path else key, value)
    _only(where, ("all_of", "any_of"))
    parts: dict[str, tuple[str | EvidenceRule, ...]] = {}
    for part in ("all_of", "any_of"):
        raw = where.table.get(part, [])
        if not isinstance(raw, list):
            raise where.fail("must be a list of evidence type ids or {all_of/any_of} tables", part)
        terms: list[str | EvidenceRule] = []
        for n, term in enumerate(raw):
            if isinstance(term, str):
                if term not in declared:
                    raise where.fail(f"names evidence type {term!r}, which is not declared in [[evidence_types]] "
                                     f"({', '.join(sorted(declared))})", part)
                terms.append(term)
            elif isinstance(term, Mapping):
                if depth >= 1:
                    raise where.fail("rules nest only one level deep", part)
                terms.append(_rule(where, f"{part}[{n}]", term, declared, depth + 1))
            else:
                raise where.fail(f"entries must be evidence type ids or tables, not {term!r}", part)
        parts[part] = tuple(terms)
    if not parts["all_of"] and not parts["any_of"]:
        raise where.fail("an evidence rule needs all_of or any_of")
    return EvidenceRule(all_of=parts["all_of"], any_of=parts["any_of"])


def parse_framework(raw: RawFile) -> Framework:
    body = Reader(raw.name, "", raw.body)
    _only(body, ("framework", "evidence_types", "evidence_rules", "self_statement_components", "levels", "groups",
                 "variants"))
    head = _table(body, "framework")
    _only(head, ("structure", "notes", "level_rule"))
    structure: str = head.str("structure", choices=STRUCTURES)
    level_rule = head.str("level_rule", required=False, choices=tuple(LEVEL_RULES))
    if level_rule is not None and structure != "levelled":
        raise head.fail("only a levelled framework has a level rule", "level_rule")
    if structure == "levelled" and level_rule is None:
        level_rule = DEFAULT_LEVEL_RULE
    levels = _levels(body, "levels")

    evidence_types = []
    for er in body.tables("evidence_types", required=False):
        _only(er, ("id", "form_code", "title", "uncertain"))
        evidence_types.append(EvidenceType(id=er.str("id"), form_code=er.str("form_code", required=False),
                                           title=er.str("title"), uncertain=er.uncertain()))
    declared = {e.id for e in evidence_types}

    named: dict[str, EvidenceRule] = {}
    rules_table = body.table_of("evidence_rules", required=False)
    if rules_table is not None:
        for name, value in rules_table.table.items():
            if not isinstance(value, Mapping):
                raise rules_table.fail("must be a table with all_of and/or any_of", name)
            named[name] = _rule(rules_table, name, value, declared)

    components = []
    for cr in body.tables("self_statement_components", required=False):
        _only(cr, ("id", "title", "min_count", "uncertain"))
        components.append(StatementComponent(id=cr.str("id"), title=cr.str("title"),
                                             min_count=cr.int("min_count", required=False, minimum=1),
                                             uncertain=cr.uncertain()))

    seen: dict[str, str] = {}

    def claim(r: Reader, ident: str) -> None:
        if ident in seen:
            raise r.fail(f"duplicate id {ident!r} (already used by {seen[ident]}); group and item ids must be unique")
        seen[ident] = r.path

    groups = []
    for gr in body.tables("groups"):
        _only(gr, ("id", "title", "uncertain", "notes", "items"))
        group_id: str = gr.str("id")
        claim(gr, group_id)
        group_items = []
        for ir in gr.tables("items"):
            _only(ir, ("id", "code", "title", "evidence", "levels", "uncertain", "source", "statement_count", "notes"))
            item_id: str = ir.str("id")
            claim(ir, item_id)
            rule: EvidenceRule | None = None
            if ir.has("evidence"):
                value = ir.table["evidence"]
                if isinstance(value, str):
                    if value not in named:
                        raise ir.fail(f"names evidence rule {value!r}, which is not in [evidence_rules] "
                                      f"({', '.join(sorted(named)) or 'none declared'})", "evidence")
                    rule = named[value]
                elif isinstance(value, Mapping):
                    rule = _rule(ir, "evidence", value, declared)
                else:
                    raise ir.fail("must name a rule in [evidence_rules] or be a table with all_of/any_of", "evidence")
            elif structure == "criteria":
                raise ir.fail("criteria need an evidence rule", "evidence")
            item_levels = _levels(ir, "levels")
            if item_levels and len(item_levels) != len(levels):
                raise ir.fail(f"has {len(item_levels)} levels but the framework has {len(levels)}", "levels")
            group_items.append(Item(
                id=item_id, code=ir.str("code"), title=ir.str("title"), group_id=group_id, evidence_rule=rule,
                levels=item_levels, uncertain=ir.uncertain(), source=ir.source(),
                statement_count=ir.int("statement_count", required=False, minimum=1),
                notes=ir.str("notes", required=False) or "",
            ))
        if not group_items:
            raise gr.fail("a group needs at least one item")
        groups.append(Group(id=group_id, title=gr.str("title"), items=tuple(group_items), uncertain=gr.uncertain(),
                            notes=gr.str("notes", required=False) or ""))
    if structure == "levelled" and not levels:
        raise body.fail("a levelled framework needs [[levels]]", "levels")

    item_ids = {i.id for g in groups for i in g.items}
    variants = []
    for vr in body.tables("variants", required=False):
        _only(vr, ("id", "title", "applies_to", "exempt_items", "uncertain", "notes"))
        exempt = vr.str_list("exempt_items")
        for ident in exempt:
            if ident not in item_ids:
                raise vr.fail(f"exempts {ident!r}, which is not an item of this framework", "exempt_items")
        variants.append(Variant(id=vr.str("id"), title=vr.str("title"), applies_to=vr.str("applies_to"),
                                exempt_items=exempt, uncertain=vr.uncertain(),
                                notes=vr.str("notes", required=False) or ""))

    return Framework(meta=raw.meta, structure=structure, groups=tuple(groups), evidence_types=tuple(evidence_types),
                     variants=tuple(variants), levels=levels, statement_components=tuple(components),
                     notes=head.str("notes", required=False) or "", level_rule=level_rule)


# ---------------------------------------------------------------------------------------------
# Rating scales (CTS-R)


@dataclasses.dataclass(frozen=True)
class ScaleItem:
    id: str
    number: int
    title: str
    #: e.g. ("general",) or ("general", "ct-specific") for CTS-R item 1.
    categories: tuple[str, ...] = ()
    uncertain: bool = False


@dataclasses.dataclass(frozen=True)
class Anchor:
    score: int
    title: str
    uncertain: bool = False


@dataclasses.dataclass(frozen=True)
class RatingScale:
    meta: Meta
    items: tuple[ScaleItem, ...]
    min_score: int
    max_score: int
    anchors: tuple[Anchor, ...]
    #: Usual pass mark for one rating (a course setting may override it); None: no default.
    default_pass_total: int | None
    #: Usual number of passing ratings a training needs; None: no default.
    default_passes_required: int | None
    #: Names of the scale-level values above that are [U] in facts.md.
    uncertain_fields: tuple[str, ...] = ()

    @property
    def min_total(self) -> int:
        return self.min_score * len(self.items)

    @property
    def max_total(self) -> int:
        return self.max_score * len(self.items)


_SCALE_FIELDS = ("min_score", "max_score", "default_pass_total", "default_passes_required")


def parse_rating_scale(raw: RawFile) -> RatingScale:
    body = Reader(raw.name, "", raw.body)
    _only(body, ("scale", "anchors", "items"))
    head = _table(body, "scale")
    _only(head, (*_SCALE_FIELDS, "uncertain_fields"))
    low: int = head.int("min_score", minimum=0)
    high: int = head.int("max_score")
    if high <= low:
        raise head.fail(f"must be above min_score ({low}), not {high}", "max_score")
    uncertain_fields = head.str_list("uncertain_fields", required=False)
    for name in uncertain_fields:
        if name not in _SCALE_FIELDS:
            raise head.fail(f"names {name!r}; expected some of {', '.join(_SCALE_FIELDS)}", "uncertain_fields")

    scale_items = []
    numbers: set[int] = set()
    for ir in body.tables("items"):
        _only(ir, ("id", "number", "title", "categories", "uncertain"))
        number: int = ir.int("number", minimum=1)
        if number in numbers:
            raise ir.fail(f"duplicate item number {number}", "number")
        numbers.add(number)
        scale_items.append(ScaleItem(id=ir.str("id"), number=number, title=ir.str("title"),
                                     categories=ir.str_list("categories", required=False), uncertain=ir.uncertain()))
    if not scale_items:
        raise body.fail("a rating scale needs at least one item", "items")

    anchors = []
    scores: set[int] = set()
    for ar in body.tables("anchors", required=False, id_key=None):
        _only(ar, ("score", "title", "uncertain"))
        score: int = ar.int("score")
        if not low <= score <= high or score in scores:
            raise ar.fail(f"score {score} must be unique and within {low}–{high}", "score")
        scores.add(score)
        anchors.append(Anchor(score=score, title=ar.str("title"), uncertain=ar.uncertain()))

    lowest, highest = low * len(scale_items), high * len(scale_items)
    pass_total: int | None = head.int("default_pass_total", required=False)
    if pass_total is not None and not lowest <= pass_total <= highest:
        raise head.fail(f"{pass_total} is outside the possible totals {lowest}–{highest}", "default_pass_total")
    passes: int | None = head.int("default_passes_required", required=False, minimum=1)

    return RatingScale(meta=raw.meta, items=tuple(scale_items), min_score=low, max_score=high,
                       anchors=tuple(sorted(anchors, key=lambda a: a.score)), default_pass_total=pass_total,
                       default_passes_required=passes, uncertain_fields=uncertain_fields)


def _label(scale: RatingScale, scale_item: ScaleItem) -> str:
    return f"{scale.meta.id} item {scale_item.number} {scale_item.id!r} ({scale_item.title})"


def total(scale: RatingScale, scores: Mapping[str, int]) -> int:
    """The sum of item scores; every item must be scored exactly once, within the scale's range."""
    known = {i.id for i in scale.items}
    for key in scores:
        if key not in known:
            raise ValueError(f"{scale.meta.id} has no item {key!r}")
    result = 0
    for scale_item in scale.items:
        if scale_item.id not in scores:
            raise ValueError(f"{_label(scale, scale_item)} has no score")
        score = scores[scale_item.id]
        if isinstance(score, bool) or not isinstance(score, int):
            raise ValueError(f"{_label(scale, scale_item)}: score must be a whole number, not {score!r}")
        if not scale.min_score <= score <= scale.max_score:
            raise ValueError(f"{_label(scale, scale_item)}: score {score} is outside "
                             f"{scale.min_score}–{scale.max_score}")
        result += score
    return result


def pass_mark(scale: RatingScale, pass_total: int | None = None) -> int:
    """The pass mark in force: the course's own if it sets one, else the scale's default."""
    mark = pass_total if pass_total is not None else scale.default_pass_total
    if mark is None:
        raise ValueError(f"{scale.meta.id} has no default pass mark; the course must set one")
    if not scale.min_total <= mark <= scale.max_total:
        raise ValueError(f"pass mark {mark} is outside the possible totals {scale.min_total}–{scale.max_total} "
                         f"of {scale.meta.id}")
    return mark


def passed(scale: RatingScale, scores: Mapping[str, int], pass_total: int | None = None) -> bool:
    """Whether a rating reaches the pass mark (a course's `pass_total` overrides the scale's default)."""
    return total(scale, scores) >= pass_mark(scale, pass_total)

