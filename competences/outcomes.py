"""NHS Talking Therapies outcome rules (finished course, caseness, recovery, reliable change) for a clinical log.

The measures, their cut-offs and reliable-change values are data (outcome_measures.toml). Several
disorder-specific values are not known to the project yet; they are None, and every verdict that
needs one comes back as None with a note naming the missing value, never as a guess. Verdicts use
three-valued logic so that a known value still decides where it can (a PHQ-9 at caseness at the
end means "not recovered" whatever the unknown anxiety cut-off is).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping

from competences.datafile import Meta, RawFile, Reader

ROLES = ("depression", "anxiety", "disability")
#: Values a measure may leave unknown (listed in its `unknown` key) or mark uncertain.
MEASURE_VALUES = ("min_score", "max_score", "caseness_from", "reliable_change")
_VALUE_WORDS = {
    "min_score": "lowest possible score",
    "max_score": "highest possible score",
    "caseness_from": "caseness cut-off",
    "reliable_change": "reliable-change value",
}


@dataclasses.dataclass(frozen=True)
class Measure:
    id: str
    code: str
    title: str
    #: depression, anxiety or disability (WSAS).
    role: str
    min_score: int | None
    max_score: int | None
    #: A score at or above this is "at caseness" (PHQ-9: 10; GAD-7: 8); None when unknown.
    caseness_from: int | None
    #: A change of at least this much is reliable (PHQ-9: 6; GAD-7: 4); None when unknown.
    reliable_change: int | None
    uncertain: bool = False
    #: Which of MEASURE_VALUES are [U] in facts.md.
    uncertain_fields: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    notes: str = ""


@dataclasses.dataclass(frozen=True)
class Problem:
    """A presenting problem and the measures its recovery is judged on."""

    id: str
    title: str
    depression_measure: str
    #: The problem-specific anxiety measure (e.g. SPIN for social anxiety).
    anxiety_measure: str
    #: Older or alternative measures used, in order, when the main one was not given (PTSD: IES-R).
    alternative_anxiety_measures: tuple[str, ...] = ()
    uncertain: bool = False


@dataclasses.dataclass(frozen=True)
class OutcomeMeasures:
    meta: Meta
    measures: tuple[Measure, ...]
    problems: tuple[Problem, ...]
    #: A finished course of treatment has at least this many attended treatment appointments.
    min_attended_treatment_sessions: int
    #: Used when a problem's specific anxiety measure is missing (GAD-7).
    fallback_anxiety_measure: str
    disability_measure: str | None = None


@dataclasses.dataclass(frozen=True)
class CourseScores:
    """One course of treatment: presenting problem, attended treatment sessions, first and last scores by measure id."""

    problem: str
    attended_treatment_sessions: int
    first: Mapping[str, int]
    last: Mapping[str, int]


@dataclasses.dataclass(frozen=True)
class Outcome:
    finished: bool
    #: None when a needed value or score is unknown (the notes say which).
    case_at_start: bool | None
    recovered: bool | None
    reliably_improved: bool | None
    reliably_deteriorated: bool | None
    #: (depression measure id, anxiety measure id) the verdicts were judged on.
    measures_used: tuple[str, str]
    notes: tuple[str, ...]


def measure(data: OutcomeMeasures, measure_id: str) -> Measure:
    for candidate in data.measures:
        if candidate.id == measure_id:
            return candidate
    raise KeyError(f"no outcome measure {measure_id!r}; known: {', '.join(m.id for m in data.measures)}")


def problem(data: OutcomeMeasures, problem_id: str) -> Problem:
    for candidate in data.problems:
        if candidate.id == problem_id:
            return candidate
    raise KeyError(f"no presenting problem {problem_id!r}; known: {', '.join(p.id for p in data.problems)}")


# ---------------------------------------------------------------------------------------------
# Reading the data file


def _only(r: Reader, allowed: Iterable[str]) -> None:
    known = set(allowed)
    for key in r.table:
        if key not in known:
            raise r.fail(f"unknown key {key!r}; expected one of {', '.join(sorted(known))}", key)


def _measure(r: Reader) -> Measure:
    _only(r, ("id", "code", "title", "role", *MEASURE_VALUES, "unknown", "uncertain", "uncertain_fields", "source",
              "notes"))
    unknown = r.str_list("unknown", required=False)
    values: dict[str, int | None] = {}
    for name in unknown:
        if name not in MEASURE_VALUES:
            raise r.fail(f"names {name!r}; expected some of {', '.join(MEASURE_VALUES)}", "unknown")
    for name in MEASURE_VALUES:
        if name in unknown:
            if r.has(name):
                raise r.fail("is listed as unknown but also given", name)
            values[name] = None
        elif not r.has(name):
            raise r.fail("is missing; give it, or list it in `unknown` so that verdicts needing it say so", name)
        else:
            values[name] = r.int(name, minimum=0 if name != "reliable_change" else 1)
    low, high, cut = values["min_score"], values["max_score"], values["caseness_from"]
    if low is not None and high is not None and high <= low:
        raise r.fail(f"must be above min_score ({low}), not {high}", "max_score")
    if cut is not None and ((low is not None and cut <= low) or (high is not None and cut > high)):
        raise r.fail(f"{cut} is outside the measure's range", "caseness_from")
    uncertain_fields = r.str_list("uncertain_fields", required=False)
    for name in uncertain_fields:
        if name not in MEASURE_VALUES:
            raise r.fail(f"names {name!r}; expected some of {', '.join(MEASURE_VALUES)}", "uncertain_fields")
    return Measure(id=r.str("id"), code=r.str("code"), title=r.str("title"), role=r.str("role", choices=ROLES),
                   min_score=low, max_score=high, caseness_from=cut, reliable_change=values["reliable_change"],
                   uncertain=r.uncertain(), uncertain_fields=uncertain_fields, source=r.source(),
                   notes=r.str("notes", required=False) or "")


def parse_outcome_measures(raw: RawFile) -> OutcomeMeasures:
    body = Reader(raw.name, "", raw.body)
    _only(body, ("rules", "measures", "problems"))
    rules = body.table_of("rules")
    if rules is None:  # table_of raises for a missing required table; this narrows the type
        raise body.fail("is missing", "rules")
    _only(rules, ("min_attended_treatment_sessions", "fallback_anxiety_measure", "disability_measure"))
    measures = tuple(_measure(mr) for mr in body.tables("measures"))
    by_id = {m.id: m for m in measures}

    def known(r: Reader, key: str, value: str, role: str) -> str:
        if value not in by_id:
            raise r.fail(f"names {value!r}, which is not in [[measures]]", key)
        if by_id[value].role != role:
            raise r.fail(f"{value!r} is a {by_id[value].role} measure, not a {role} one", key)
        return value

    fallback = known(rules, "fallback_anxiety_measure", rules.str("fallback_anxiety_measure"), "anxiety")
    if by_id[fallback].caseness_from is None or by_id[fallback].reliable_change is None:
        raise rules.fail(f"the fallback measure {fallback!r} needs a known cut-off and reliable-change value",
                         "fallback_anxiety_measure")
    disability = rules.str("disability_measure", required=False)
    if disability is not None:
        known(rules, "disability_measure", disability, "disability")

    problems = []
    for pr in body.tables("problems"):
        _only(pr, ("id", "title", "depression_measure", "anxiety_measure", "alternative_anxiety_measures",
                   "uncertain"))
        alternatives = pr.str_list("alternative_anxiety_measures", required=False)
        for alt in alternatives:
            known(pr, "alternative_anxiety_measures", alt, "anxiety")
        problems.append(Problem(
            id=pr.str("id"), title=pr.str("title"),
            depression_measure=known(pr, "depression_measure", pr.str("depression_measure"), "depression"),
            anxiety_measure=known(pr, "anxiety_measure", pr.str("anxiety_measure"), "anxiety"),
            alternative_anxiety_measures=alternatives, uncertain=pr.uncertain(),
        ))
    return OutcomeMeasures(meta=raw.meta, measures=measures, problems=tuple(problems),
                           min_attended_treatment_sessions=rules.int("min_attended_treatment_sessions", minimum=1),
                           fallback_anxiety_measure=fallback, disability_measure=disability)


# ---------------------------------------------------------------------------------------------
# Judging a course

Verdict = bool | None


def _not(a: Verdict) -> Verdict:
    return None if a is None else not a


def _and(*values: Verdict) -> Verdict:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _or(*values: Verdict) -> Verdict:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def check_score(m: Measure, score: int) -> None:
    """Refuse a score outside the measure's range (scores are never negative, even where the range is unknown)."""
    if isinstance(score, bool) or not isinstance(score, int):
        raise ValueError(f"{m.code} score must be a whole number, not {score!r}")
    low = m.min_score if m.min_score is not None else 0
    if score < low or (m.max_score is not None and score > m.max_score):
        shown = f"{low}–{m.max_score}" if m.max_score is not None else f"at least {low}"
        raise ValueError(f"{m.code} score {score} is outside its range ({shown})")


class _Judge:
    """Collects, for verdicts that come out unknown, which unknown values or scores made them so."""

    def __init__(self) -> None:
        self.unknown: list[str] = []

    def value(self, m: Measure, name: str) -> int | None:
        value: int | None = getattr(m, name)
        if value is None:
            self.unknown.append(f"the {m.code} {_VALUE_WORDS[name]} is unknown (not in the outcome-measures data)")
        return value

    def at_caseness(self, m: Measure, score: int | None, when: str) -> Verdict:
        if score is None:
            self.unknown.append(f"no {m.code} score {when}")
            return None
        cut = self.value(m, "caseness_from")
        return None if cut is None else score >= cut

    def reliable(self, m: Measure, first: int | None, last: int | None, rise: bool) -> Verdict:
        if first is None or last is None:
            self.unknown.append(f"no {m.code} score at both first and last")
            return None
        change = self.value(m, "reliable_change")
        if change is None:
            return None
        return (last - first if rise else first - last) >= change

    def decide(self, compute: Callable[[], Verdict], what: str, notes: list[str]) -> Verdict:
        self.unknown = []
        verdict = compute()
        if verdict is None:
            reasons = list(dict.fromkeys(self.unknown))
            notes.append(f"{what} cannot be judged: {'; '.join(reasons)}.")
        return verdict


def _has_both(course: CourseScores, measure_id: str) -> bool:
    return measure_id in course.first and measure_id in course.last


def outcome(data: OutcomeMeasures, course: CourseScores) -> Outcome:
    """Finished course, caseness at start, recovery and reliable change for one course (facts.md §11)."""
    for when, scores in (("first", course.first), ("last", course.last)):
        for measure_id, value in scores.items():
            try:
                m = measure(data, measure_id)
            except KeyError as exc:
                raise ValueError(f"{when} scores: {exc.args[0]}") from None
            check_score(m, value)
    sessions = course.attended_treatment_sessions
    if isinstance(sessions, bool) or not isinstance(sessions, int) or sessions < 0:
        raise ValueError(f"attended treatment sessions must be a whole number ≥ 0, "
                         f"not {course.attended_treatment_sessions!r}")
    try:
        prob = problem(data, course.problem)
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None

    notes: list[str] = []
    dep = measure(data, prob.depression_measure)
    anx = measure(data, prob.anxiety_measure)
    if not _has_both(course, anx.id):
        chosen = next((a for a in prob.alternative_anxiety_measures if _has_both(course, a)), None)
        if chosen is not None:
            notes.append(f"{anx.code} was not scored at both first and last; "
                         f"{measure(data, chosen).code} was used instead.")
        elif anx.id != data.fallback_anxiety_measure and _has_both(course, data.fallback_anxiety_measure):
            chosen = data.fallback_anxiety_measure
            notes.append(f"{anx.code} was not scored at both first and last; "
                         f"{measure(data, chosen).code} was used instead (the fallback anxiety measure).")
        if chosen is not None:
            anx = measure(data, chosen)

    dep_first, dep_last = course.first.get(dep.id), course.last.get(dep.id)
    anx_first, anx_last = course.first.get(anx.id), course.last.get(anx.id)
    judge = _Judge()
    case_at_start = judge.decide(
        lambda: _or(judge.at_caseness(dep, dep_first, "at the start"),
                    judge.at_caseness(anx, anx_first, "at the start")),
        "Caseness at the start", notes)

    need = data.min_attended_treatment_sessions
    finished = course.attended_treatment_sessions >= need
    recovered: Verdict = None
    improved: Verdict = None
    deteriorated: Verdict = None
    if not finished:
        notes.append(f"Not a finished course of treatment: {sessions} attended treatment "
                     f"session{'' if sessions == 1 else 's'}, at least {need} needed, so recovery and reliable "
                     f"change are not judged.")
    else:
        def rises() -> Verdict:
            return _or(judge.reliable(dep, dep_first, dep_last, rise=True),
                       judge.reliable(anx, anx_first, anx_last, rise=True))

        def falls() -> Verdict:
            return _or(judge.reliable(dep, dep_first, dep_last, rise=False),
                       judge.reliable(anx, anx_first, anx_last, rise=False))

        deteriorated = judge.decide(rises, "Reliable deterioration", notes)
        # A reliable fall on one measure already rules out a rise on that one, so "no reliable
        # deterioration on the other" is the same as no reliable deterioration at all.
        improved = judge.decide(lambda: _and(falls(), _not(rises())), "Reliable improvement", notes)
        if case_at_start is False:
            notes.append("Not at caseness at the start, so recovery does not apply.")
        elif case_at_start is True:
            recovered = judge.decide(
                lambda: _not(_or(judge.at_caseness(dep, dep_last, "at the end"),
                                 judge.at_caseness(anx, anx_last, "at the end"))),
                "Recovery", notes)
        else:
            notes.append("Recovery cannot be judged because caseness at the start is unknown.")

    return Outcome(finished=finished, case_at_start=case_at_start, recovered=recovered,
                   reliably_improved=improved, reliably_deteriorated=deteriorated,
                   measures_used=(dep.id, anx.id), notes=tuple(notes))
