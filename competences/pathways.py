"""Pathways: the requirements a person must meet to move on (accreditation, registration, a pay step), read from data files.

A pathway file (`meta.kind = "pathway"`) has a [pathway] table and [[requirements]]; each
requirement is parsed by its rule kind (docs/rule-kinds.md, competences/rules.py). Two keys
belong to the pathway rather than the rule and are taken out before the rule kind sees the entry:

    notes = "…"                           # shown with the requirement's result (a caveat, an approximation)
    applies_when = "require_babcp_accreditation"   # a boolean setting; false → not applicable

Regenerate docs/pathways.md with `python -m competences.pathways > docs/pathways.md`.
"""
from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from competences.datafile import DataFileError, Meta, RawFile, Reader
from competences.requirements import RULE_KINDS, Rule

#: Keys of a [[requirements]] entry that the pathway reads itself; the rule kind never sees them.
PATHWAY_KEYS = ("notes", "applies_when")

PATHWAY_TABLE_KEYS = ("title", "summary", "applies_to", "references", "settings")

#: Setting names with a meaning to the engine rather than to a rule.
SKIP_SETTING = "skip"

#: The record a rule kind reads when it has no `record` parameter of its own.
FIXED_RECORDS: Mapping[str, str] = types.MappingProxyType({
    "monthly_minutes": "supervision",
    "cases": "cases",
    "ratings": "ratings",
    "signed_off": "signoffs",
    "credential": "credentials",
    "time_in_step": "employment",
    "hr_fact": "hr",
})

#: Requirement parameters that name another data file, and the kind that file must be.
NAMED_FILES: Mapping[str, str] = types.MappingProxyType({
    "framework": "framework",
    "scale": "rating_scale",
    "pay_scale": "afc_pay_scale",
})

#: `time_in_step` reads this pay scale when the requirement names none (docs/rule-kinds.md).
DEFAULT_PAY_SCALE = "afc-pay-england"

_FIXED_WINDOW_LABELS = {
    "declaration_year": "declaration year",
    "calendar_month": "this calendar month",
    "all": "all time",
}


@dataclasses.dataclass(frozen=True)
class RequirementSpec:
    """What the pathway knows about a requirement besides its rule: for the engine, the checks and the docs."""

    id: str
    kind: str
    #: The evidence record kind that feeds it (`cpd`, `supervision`, `credentials`, `hr`, …).
    record: str
    window_label: str
    uncertain: bool = False
    notes: tuple[str, ...] = ()
    #: A boolean setting; when false the requirement is not applicable.
    applies_when: str | None = None
    #: (parameter, data-file id) pairs, e.g. ("scale", "ctsr").
    named_files: tuple[tuple[str, str], ...] = ()


@dataclasses.dataclass(frozen=True)
class Pathway:
    meta: Meta
    title: str
    summary: str
    #: Role or rung ids it is meant for ("trainee_hit", "hi_therapist", "pwp", "nmc_registrant", …).
    applies_to: tuple[str, ...]
    #: Ids of the data files it depends on.
    references: tuple[str, ...]
    #: Defaults a service or course may override (e.g. ctsr_pass_total = 36).
    settings: Mapping[str, Any]
    #: In file order.
    requirements: tuple[Rule, ...]
    #: Requirement id → the evidence record kind that feeds it.
    record_kinds: Mapping[str, str]
    #: Requirement id → what the pathway knows about it besides the rule.
    specs: Mapping[str, RequirementSpec] = dataclasses.field(default_factory=lambda: types.MappingProxyType({}))

    @property
    def id(self) -> str:
        return self.meta.id

    def requirement_ids(self) -> tuple[str, ...]:
        return tuple(rule.id for rule in self.requirements)


def _setting_value(r: Reader, key: str, value: Any) -> Any:
    """Settings are plain values; lists become tuples so the pathway stays immutable. No floats."""
    if isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    if isinstance(value, float):
        raise r.fail(f"write decimals as strings (\"{value}\"), not {value!r}", key)
    raise r.fail(f"must be true/false, a whole number, a string or a list of strings, not {value!r}", key)


def _settings(r: Reader | None) -> Mapping[str, Any]:
    if r is None:
        return types.MappingProxyType({})
    return types.MappingProxyType({key: _setting_value(r, key, value) for key, value in r.table.items()})


#: Rule kinds judged as at today, with no window.
UNWINDOWED_KINDS = ("credential", "time_in_step", "hr_fact", "signed_off")


def window_label(window: Any, kind: str = "") -> str:
    """A short label for a requirement's `window` table, for documentation (the rule labels the real dates)."""
    if kind in UNWINDOWED_KINDS:
        return "as at today"
    if window is None:
        return "all time"
    if not isinstance(window, Mapping):
        return str(window)
    window_type = str(window.get("type"))
    if window_type == "rolling":
        parts = [f"{window[unit]} {unit[:-1] if window[unit] == 1 else unit}"
                 for unit in ("years", "months", "weeks") if unit in window]
        return "rolling " + " ".join(parts)
    return _FIXED_WINDOW_LABELS.get(window_type, window_type)


def _record_of(kind: str, req: Reader) -> str:
    if kind in FIXED_RECORDS:
        return FIXED_RECORDS[kind]
    record = req.table.get("record")
    return record if isinstance(record, str) else "?"


def _named_files(kind: str, req: Reader) -> tuple[tuple[str, str], ...]:
    named = [(key, req.table[key]) for key in NAMED_FILES if isinstance(req.table.get(key), str)]
    if kind == "time_in_step" and "pay_scale" not in req.table:
        named.append(("pay_scale", DEFAULT_PAY_SCALE))
    return tuple(named)


def _parse_requirement(req: Reader, settings: Mapping[str, Any]) -> tuple[Rule, RequirementSpec]:
    import competences.rules  # noqa: F401  (fills RULE_KINDS)

    kind = req.str("kind")
    parser = RULE_KINDS.get(kind)
    if parser is None:
        raise req.fail(f"unknown rule kind {kind!r}; known: {', '.join(sorted(RULE_KINDS))}")
    notes = req.str_list("notes", required=False)
    applies_when = req.str("applies_when", required=False)
    if applies_when is not None and not isinstance(settings.get(applies_when), bool):
        raise req.fail(f"names {applies_when!r}, which is not a true/false setting in [pathway.settings]", "applies_when")
    for key in ("pass_setting", "variant_setting", "min_passed_setting"):
        name = req.table.get(key)
        if isinstance(name, str) and name not in settings:
            raise req.fail(f"names {name!r}, which is not in [pathway.settings]", key)
    rule_table = {k: v for k, v in req.table.items() if k not in PATHWAY_KEYS}
    rule = parser(Reader(req.file, req.path, rule_table))
    spec = RequirementSpec(
        id=rule.id,
        kind=kind,
        record=_record_of(kind, req),
        window_label=window_label(req.table.get("window"), kind),
        uncertain=req.uncertain(),
        notes=tuple(notes),
        applies_when=applies_when,
        named_files=_named_files(kind, req),
    )
    return rule, spec


def parse_pathway(raw: RawFile) -> Pathway:
    body = Reader(raw.name, "", raw.body)
    p = body.table_of("pathway")
    assert p is not None  # required=True raises instead of returning None
    for key in p.table:
        if key not in PATHWAY_TABLE_KEYS:
            raise p.fail(f"unknown key {key!r}; a [pathway] table has {', '.join(PATHWAY_TABLE_KEYS)}", key)
    settings = _settings(p.table_of("settings", required=False))
    requirements: list[Rule] = []
    specs: dict[str, RequirementSpec] = {}
    for req in body.tables("requirements"):
        rule, spec = _parse_requirement(req, settings)
        requirements.append(rule)
        specs[rule.id] = spec
    if not requirements:
        raise body.fail("a pathway needs at least one [[requirements]] entry", "requirements")
    skip = settings.get(SKIP_SETTING, ())
    if not isinstance(skip, tuple) or any(s not in specs for s in skip):
        raise p.fail(f"must be a list of requirement ids of this pathway ({', '.join(specs)})", f"settings.{SKIP_SETTING}")
    return Pathway(
        meta=raw.meta,
        title=p.str("title", required=False) or raw.meta.title,
        summary=p.str("summary"),
        applies_to=p.str_list("applies_to"),
        references=p.str_list("references", required=False),
        settings=settings,
        requirements=tuple(requirements),
        record_kinds=types.MappingProxyType({rid: spec.record for rid, spec in specs.items()}),
        specs=types.MappingProxyType(specs),
    )


def check_pathway(loaded: Any, catalogue: Any) -> None:
    """Every data file the pathway names exists in the catalogue and is of the right kind."""
    pathway: Pathway = loaded.content
    for ref in pathway.references:
        if not catalogue.has(ref):
            raise DataFileError(loaded.name, "pathway.references", f"no data file with id {ref!r} in the catalogue")
    for rid, spec in pathway.specs.items():
        for key, ref in spec.named_files:
            where = f"requirements[{rid}].{key}"
            if not catalogue.has(ref):
                raise DataFileError(loaded.name, where, f"no data file with id {ref!r} in the catalogue")
            kind = catalogue.versions(ref)[0].meta.kind
            if kind != NAMED_FILES[key]:
                raise DataFileError(loaded.name, where, f"{ref!r} is a {kind}, not a {NAMED_FILES[key]}")


def _pathways(catalogue: Any) -> list[Pathway]:
    return [catalogue.current(pid).content for pid in catalogue.ids("pathway")]


def feeds_table(catalogue: Any) -> list[tuple[str, str, str, str]]:
    """(pathway title, requirement title, record kind, window label) for every current pathway, in file order."""
    rows = []
    for pathway in _pathways(catalogue):
        for rule in pathway.requirements:
            spec = pathway.specs[rule.id]
            rows.append((pathway.title, rule.title, spec.record, spec.window_label))
    return rows


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _setting_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    if isinstance(value, (int, Decimal)):
        return str(value)
    return f'"{value}"'


def render_feeds_markdown(catalogue: Any) -> str:
    """docs/pathways.md: which evidence feeds which requirement of which pathway."""
    lines = [
        "<!-- Generated from competences/data/pathway_*.toml: python -m competences.pathways > docs/pathways.md -->",
        "# Pathways and the evidence that feeds them",
        "",
        "Each pathway is a data file in `competences/data/`; each requirement is judged by a rule kind",
        "(`docs/rule-kinds.md`) from one kind of evidence record (`competences/evidence.py`).",
        "Requirements marked (uncertain) rest on figures an administrator should confirm; one marked",
        "(only when `setting`) is not applicable when that setting is false. A service may also turn",
        "requirements off with the `skip` setting; the engine then shows them as not applicable.",
    ]
    for pathway in _pathways(catalogue):
        meta = pathway.meta
        status = " (uncertain)" if meta.uncertain else ""
        lines += [
            "",
            f"## {pathway.title}{status}",
            "",
            f"`{meta.id}` version {meta.version}, effective from {meta.effective_from.isoformat()}. "
            f"For: {', '.join(pathway.applies_to)}.",
            "",
            " ".join(pathway.summary.split()),
            "",
        ]
        if pathway.settings:
            settings = ", ".join(f"`{k} = {_setting_text(v)}`" for k, v in pathway.settings.items())
            lines += [f"Settings: {settings}.", ""]
        lines += ["| Requirement | Fed by | Rule kind | Window |", "|---|---|---|---|"]
        for rule in pathway.requirements:
            spec = pathway.specs[rule.id]
            flags = " (uncertain)" if spec.uncertain else ""
            if spec.applies_when:
                flags += f" (only when `{spec.applies_when}`)"
            lines.append(f"| {_cell(rule.title)}{flags} | `{spec.record}` | {spec.kind} | {spec.window_label} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    # Import by name: run as __main__, this module is a second copy of competences.pathways.
    from competences.catalogue import built_in_catalogue
    from competences.pathways import render_feeds_markdown as _render

    print(_render(built_in_catalogue()), end="")
