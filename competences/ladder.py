"""The NHS Talking Therapies career ladder (trainee PWP to head of service) as data a service can override.

Banding is set locally by job evaluation, so the built-in ladder is a default: a service's own
ladder is a corrected version of the same file (same meta.id, higher meta.version) and replaces
it whole through the catalogue; nothing here merges rungs.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any

from competences.bands import AFC_BANDS
from competences.datafile import DataFileError, Meta, RawFile, Reader


@dataclasses.dataclass(frozen=True)
class RungRequirement:
    """Something needed to hold or move into a rung; `optional` ones are for a service to require or not."""

    id: str
    text: str
    optional: bool


@dataclasses.dataclass(frozen=True)
class Rung:
    id: str
    title: str
    bands: tuple[str, ...]
    #: Ids of the rungs this one usually leads to (empty at the top of the ladder).
    next: tuple[str, ...]
    requirements: tuple[RungRequirement, ...]
    #: True when the role or its banding is local convention rather than a national rule.
    uncertain: bool
    source: tuple[str, ...]
    #: Phrases that identify the rung in a job title ("senior pwp"), used when bands are shared.
    aliases: tuple[str, ...] = ()
    notes: str = ""


@dataclasses.dataclass(frozen=True)
class CareerLadder:
    meta: Meta
    rungs: tuple[Rung, ...]

    def rung(self, rung_id: str) -> Rung:
        for rung in self.rungs:
            if rung.id == rung_id:
                return rung
        raise KeyError(f"{self.meta.id} version {self.meta.version} has no rung {rung_id!r}")

    def next_rungs(self, rung_id: str) -> tuple[Rung, ...]:
        return tuple(self.rung(n) for n in self.rung(rung_id).next)


def parse_ladder(raw: RawFile) -> CareerLadder:
    """Read a `career_ladder` file; references between rungs are checked by `check_ladder`."""
    r = Reader(raw.name, "", raw.body)
    rungs = []
    for g in r.tables("rungs"):
        bands = g.str_list("bands")
        if not bands:
            raise g.fail("must name at least one band", "bands")
        for band in bands:
            if band not in AFC_BANDS:
                raise g.fail(f"unknown band {band!r}; expected one of {', '.join(AFC_BANDS)}", "bands")
        rung_id = g.str("id")
        nexts = g.str_list("next", required=False)
        if rung_id in nexts:
            raise g.fail(f"rung {rung_id!r} cannot lead to itself", "next")
        requirements = tuple(
            RungRequirement(id=q.str("id"), text=q.str("text"), optional=q.bool("optional"))
            for q in g.tables("requirements", required=False)
        )
        rungs.append(Rung(id=rung_id, title=g.str("title"), bands=bands, next=nexts, requirements=requirements,
                          uncertain=g.uncertain(), source=g.source(),
                          aliases=g.str_list("aliases", required=False), notes=g.str("notes", required=False) or ""))
    if not rungs:
        raise r.fail("needs at least one [[rungs]] table", "rungs")
    return CareerLadder(meta=raw.meta, rungs=tuple(rungs))


def check_ladder(loaded: Any, catalogue: Any) -> None:
    """Every `next` names a rung of the same ladder (a catalogue check: `loaded` is a catalogue.Loaded)."""
    ladder: CareerLadder = loaded.content
    ids = {rung.id for rung in ladder.rungs}
    for rung in ladder.rungs:
        for n in rung.next:
            if n not in ids:
                raise DataFileError(loaded.name, f"rungs[{rung.id}].next",
                                    f"names rung {n!r}, which is not in {ladder.meta.id} version {ladder.meta.version}")


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "


def rung_for(ladder: CareerLadder, band: str, job_title: str | None = None) -> Rung | None:
    """The rung for someone on `band`, using `job_title` when several rungs share the band (band 6:
    senior PWP or trainee high intensity therapist).

    The title matches a rung when one of the rung's aliases (or its title) appears in it as whole
    words, ignoring case and punctuation; the longest matching phrase wins. None when no rung has
    the band, or the band is shared and the title is missing or matches none (or ties).
    """
    candidates = [rung for rung in ladder.rungs if band in rung.bands]
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    if not job_title:
        return None
    title = _words(job_title)
    best: list[tuple[int, Rung]] = []
    for rung in candidates:
        lengths = [len(p) for p in (_words(a) for a in (*rung.aliases, rung.title)) if p.strip() and p in title]
        if lengths:
            best.append((max(lengths), rung))
    if not best:
        return None
    best.sort(key=lambda item: item[0], reverse=True)
    if len(best) > 1 and best[0][0] == best[1][0]:
        return None
    return best[0][1]
