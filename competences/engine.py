"""The readiness engine: judge one person's snapshot against one pathway and say what is missing.

Pure: the same pathway, snapshot, catalogue and settings always give the same report, so a web
page, a PDF and a test explain the same thing. Settings start from the pathway's defaults and a
service or course overrides them (a course's CTS-R pass mark). The `skip` setting lists requirement
ids a service has turned off; they, and requirements whose `applies_when` setting is false, are
reported as not applicable and do not count either way.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import types
from collections.abc import Mapping
from typing import Any, Literal

from competences.evidence import Snapshot
from competences.pathways import SKIP_SETTING, Pathway
from competences.requirements import Context, RequirementResult

Status = Literal["ready", "not_ready", "cannot_tell"]

NOT_APPLICABLE_UNIT = "not applicable"


#: Readiness further ahead than this at the current rate is reported as "not within N years", not as a date.
EXPECTED_HORIZON_YEARS = 10

@dataclasses.dataclass(frozen=True)
class ReadinessReport:
    pathway_id: str
    pathway_version: int
    title: str
    today: dt.date
    #: One result per requirement, in the pathway file's order (not-applicable ones included).
    requirements: tuple[RequirementResult, ...]
    met: int
    not_met: int
    unknown: int
    status: Status
    #: The latest `expected_on` of the unmet requirements, when every one has a date and none is unknown.
    expected_ready_on: dt.date | None
    summary: str
    #: Ids of requirements turned off by `skip` or an `applies_when` setting.
    not_applicable: tuple[str, ...] = ()
    #: The settings the report was judged with (pathway defaults plus overrides).
    settings: Mapping[str, Any] = dataclasses.field(default_factory=lambda: types.MappingProxyType({}))
    #: The pathway itself rests on uncertain figures (meta.status = "uncertain").
    uncertain: bool = False

    def result(self, requirement_id: str) -> RequirementResult:
        for r in self.requirements:
            if r.id == requirement_id:
                return r
        raise KeyError(f"{self.pathway_id} has no requirement {requirement_id!r}")

    def is_applicable(self, requirement_id: str) -> bool:
        return requirement_id not in self.not_applicable


def merged_settings(pathway: Pathway, overrides: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The pathway's defaults with the given settings on top; a known setting keeps its type.

    Settings this pathway does not declare (a service's CTS-R pass mark when judging a pay step) pass
    through unread; `skip` must name requirements of this pathway, so a typo cannot hide a requirement.
    """
    merged = dict(pathway.settings)
    for key, value in (overrides or {}).items():
        if key == SKIP_SETTING:
            skip = (value,) if isinstance(value, str) else tuple(value)
            unknown = [s for s in skip if s not in pathway.specs]
            if unknown:
                raise ValueError(f"{pathway.id}: cannot skip {', '.join(map(repr, unknown))}; "
                                 f"requirements are {', '.join(pathway.requirement_ids())}")
            merged[key] = skip
            continue
        if isinstance(value, list):
            value = tuple(value)
        if key in pathway.settings:
            default = pathway.settings[key]
            if isinstance(default, bool) != isinstance(value, bool) or not isinstance(value, type(default)):
                raise ValueError(f"{pathway.id}: setting {key!r} must be like {default!r}, not {value!r}")
        merged[key] = value
    return types.MappingProxyType(merged)


def _not_applicable(rule_id: str, title: str, source: str, why: str) -> RequirementResult:
    return RequirementResult(id=rule_id, title=title, met=None, have=None, need=None, unit=NOT_APPLICABLE_UNIT,
                             source=source, notes=(f"Not applicable: {why}.",))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _titles(results: list[RequirementResult]) -> str:
    return "; ".join(r.title for r in results)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _summary(status: Status, applicable: list[RequirementResult], expected: dt.date | None, *,
             beyond_horizon: bool = False) -> str:
    total = len(applicable)
    unmet = [r for r in applicable if r.met is False]
    unknown = [r for r in applicable if r.met is None]
    if status == "ready":
        if total == 1:
            return "Ready: the one requirement is met."
        return f"Ready: all {total} requirements met." if total else "Ready: no requirement applies."
    if status == "cannot_tell":
        return (f"Cannot tell yet: {len(unknown)} of {_plural(total, 'requirement')} cannot be judged "
                f"until more is recorded ({_titles(unknown)}).")
    text = f"Not ready: {len(unmet)} of {_plural(total, 'requirement')} not met ({_titles(unmet)})."
    if unknown:
        text += f" {len(unknown)} more cannot be judged yet ({_titles(unknown)})."
    if expected is not None:
        text += f" At the current rate, expected to be ready on {expected.day} {expected:%B %Y}."
    elif beyond_horizon:
        text += f" At the current rate, not within {EXPECTED_HORIZON_YEARS} years."
    return text


def evaluate(pathway: Pathway, snapshot: Snapshot, catalogue: Any,
             settings: Mapping[str, Any] | None = None) -> ReadinessReport:
    merged = merged_settings(pathway, settings)
    skip = set(merged.get(SKIP_SETTING, ()))
    context = Context(catalogue=catalogue, settings=merged)
    results: list[RequirementResult] = []
    not_applicable: list[str] = []
    for rule in pathway.requirements:
        spec = pathway.specs.get(rule.id)
        if rule.id in skip:
            results.append(_not_applicable(rule.id, rule.title, rule.source, "turned off by the service"))
            not_applicable.append(rule.id)
            continue
        if spec is not None and spec.applies_when and not merged.get(spec.applies_when):
            results.append(_not_applicable(rule.id, rule.title, rule.source, f"the setting {spec.applies_when} is off"))
            not_applicable.append(rule.id)
            continue
        result = rule.evaluate(snapshot, context)
        if spec is not None and spec.notes:
            result = dataclasses.replace(result, notes=result.notes + spec.notes)
        results.append(result)

    applicable = [r for r in results if r.id not in not_applicable]
    met = sum(1 for r in applicable if r.met is True)
    not_met = sum(1 for r in applicable if r.met is False)
    unknown = sum(1 for r in applicable if r.met is None)
    status: Status = "ready" if not_met == 0 and unknown == 0 else "cannot_tell" if not_met == 0 else "not_ready"
    dates = [r.expected_on for r in applicable if r.met is False]
    expected = None
    beyond_horizon = False
    if status == "not_ready" and unknown == 0 and all(d is not None for d in dates):
        expected = max(d for d in dates if d is not None)
        # A trickle of evidence extrapolates to dates nobody can plan by; say so instead of naming one.
        if expected > _add_years(snapshot.today, EXPECTED_HORIZON_YEARS):
            expected, beyond_horizon = None, True
    return ReadinessReport(
        pathway_id=pathway.meta.id,
        pathway_version=pathway.meta.version,
        title=pathway.title,
        today=snapshot.today,
        requirements=tuple(results),
        met=met,
        not_met=not_met,
        unknown=unknown,
        status=status,
        expected_ready_on=expected,
        summary=_summary(status, applicable, expected, beyond_horizon=beyond_horizon),
        not_applicable=tuple(not_applicable),
        settings=merged,
        uncertain=pathway.meta.uncertain,
    )
