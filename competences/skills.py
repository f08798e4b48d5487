"""The skill-mix vocabulary: competence areas, modalities, specialisms, champion roles and development work, as data.

A service needs, across its team rather than in any one person, every competence area, the
therapy modalities and the specialisms its population calls for. People record what they hold or
are training in (models.hr.SkillRecord names an entry here by category and code), and each entry
says which competence areas and senior-band themes it evidences. The vocabulary is a data file
(competences/data/skill_mix.toml, kind `skill_vocabulary`), so an admin adds a modality by
uploading a corrected version through the reference-data pages, with no code change.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from competences.datafile import Meta, RawFile, Reader

#: What a person records (SkillRecord.category), in the order pages list them, with the file's table for each.
CATEGORIES: tuple[str, ...] = ("modality", "specialism", "champion", "development")
#: What a service lead may set a target for (SkillTarget.category): competence areas and the three held kinds.
TARGET_CATEGORIES: tuple[str, ...] = ("area", "modality", "specialism", "champion")
#: Modalities and specialisms are trained in before they are held; champion roles and development
#: work count as held while current (no end date, or one not yet passed).
RATED_CATEGORIES: frozenset[str] = frozenset({"modality", "specialism"})

_TABLES: Mapping[str, str] = {"modality": "modalities", "specialism": "specialisms", "champion": "champions",
                              "development": "development"}
CATEGORY_LABELS: Mapping[str, str] = {
    "area": "Competence area", "modality": "Modality", "specialism": "Specialism", "champion": "Champion role",
    "development": "Service-development work",
}
#: Plural headings for the groups of columns and lists.
CATEGORY_PLURALS: Mapping[str, str] = {
    "area": "Competence areas", "modality": "Modalities", "specialism": "Specialisms", "champion": "Champion roles",
    "development": "Service-development work",
}
#: Codes are stored in a 60-character column and appear in URLs (?column=modality:emdr).
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_ID = 60


@dataclasses.dataclass(frozen=True)
class Area:
    """One of the competence areas a service needs covered across its team."""

    id: str
    title: str
    source: tuple[str, ...] = ()
    uncertain: bool = False


@dataclasses.dataclass(frozen=True)
class Theme:
    """A senior-band requirement theme (clinical leadership, quality improvement …) that records evidence."""

    id: str
    title: str
    source: tuple[str, ...] = ()
    uncertain: bool = False


@dataclasses.dataclass(frozen=True)
class Skill:
    """One entry a person may record: a modality, specialism, champion role or kind of development work."""

    category: str
    id: str
    title: str
    #: Competence area ids it evidences (at least one).
    areas: tuple[str, ...]
    #: Senior-band theme ids it evidences (may be none).
    themes: tuple[str, ...] = ()
    #: A shorter title for column headings ("CBT"); the title when not given.
    short: str = ""
    source: tuple[str, ...] = ()
    uncertain: bool = False
    notes: str = ""

    @property
    def heading(self) -> str:
        return self.short or self.title


@dataclasses.dataclass(frozen=True)
class SkillVocabulary:
    meta: Meta
    areas: tuple[Area, ...]
    themes: tuple[Theme, ...]
    skills: tuple[Skill, ...]

    def of(self, category: str) -> tuple[Skill, ...]:
        """The entries of one recorded category, in file order."""
        return tuple(s for s in self.skills if s.category == category)

    def skill(self, category: str, code: str) -> Skill | None:
        return next((s for s in self.skills if s.category == category and s.id == code), None)

    def area(self, code: str) -> Area | None:
        return next((a for a in self.areas if a.id == code), None)

    def theme(self, code: str) -> Theme | None:
        return next((t for t in self.themes if t.id == code), None)

    def has(self, category: str, code: str) -> bool:
        """A target or record may name this (category, code): areas for targets, entries for both."""
        if category == "area":
            return self.area(code) is not None
        return self.skill(category, code) is not None

    def title(self, category: str, code: str) -> str:
        """The entry's title, or the bare code for one a later version dropped (old records still show)."""
        if category == "area":
            area = self.area(code)
            return area.title if area else code
        skill = self.skill(category, code)
        return skill.title if skill else code

    def heading(self, category: str, code: str) -> str:
        if category == "area":
            return self.title(category, code)
        skill = self.skill(category, code)
        return skill.heading if skill else code

    def mapping_to_area(self, area_id: str) -> tuple[Skill, ...]:
        """Every entry that evidences the area (any category)."""
        return tuple(s for s in self.skills if area_id in s.areas)

    def choices(self, category: str) -> tuple[tuple[str, str], ...]:
        """(code, title) for a target category: the areas, or one kind of entry."""
        if category == "area":
            return tuple((a.id, a.title) for a in self.areas)
        return tuple((s.id, s.title) for s in self.of(category))


def _id(r: Reader, key: str = "id") -> str:
    value: str = r.str(key)
    if len(value) > MAX_ID or not _ID.fullmatch(value):
        raise r.fail(f"must be lower-case letters, digits and single hyphens, at most {MAX_ID} characters, "
                     f"not {value!r}", key)
    return value


def _refs(r: Reader, key: str, known: Mapping[str, object], what: str, *, required: bool) -> tuple[str, ...]:
    values: tuple[str, ...] = r.str_list(key, required=required)
    if required and not values:
        raise r.fail(f"must name at least one {what}", key)
    seen: set[str] = set()
    for value in values:
        if value not in known:
            raise r.fail(f"names {what} {value!r}, which is not in the file; known: {', '.join(known) or 'none'}", key)
        if value in seen:
            raise r.fail(f"names {what} {value!r} twice", key)
        seen.add(value)
    return values


def parse_skill_vocabulary(raw: RawFile) -> SkillVocabulary:
    """Read a `skill_vocabulary` file: [[areas]], [[themes]], then [[modalities]], [[specialisms]],
    [[champions]] and [[development]], each entry naming the areas (and optionally themes) it evidences."""
    r = Reader(raw.name, "", raw.body)
    r.only("areas", "themes", *_TABLES.values())
    areas: dict[str, Area] = {}
    for a in r.tables("areas"):
        a.only("id", "title", "source", "uncertain", "notes")
        area = Area(id=_id(a), title=a.str("title"), source=a.source(), uncertain=a.uncertain())
        areas[area.id] = area
    if not areas:
        raise r.fail("needs at least one competence area", "areas")
    themes: dict[str, Theme] = {}
    for t in r.tables("themes", required=False):
        t.only("id", "title", "source", "uncertain", "notes")
        theme = Theme(id=_id(t), title=t.str("title"), source=t.source(), uncertain=t.uncertain())
        themes[theme.id] = theme
    skills: list[Skill] = []
    for category in CATEGORIES:
        for s in r.tables(_TABLES[category], required=False):
            s.only("id", "title", "short", "areas", "themes", "source", "uncertain", "notes")
            skills.append(Skill(
                category=category, id=_id(s), title=s.str("title"), short=s.str("short", required=False) or "",
                areas=_refs(s, "areas", areas, "competence area", required=True),
                themes=_refs(s, "themes", themes, "theme", required=False),
                source=s.source(), uncertain=s.uncertain(), notes=s.str("notes", required=False) or ""))
    return SkillVocabulary(meta=raw.meta, areas=tuple(areas.values()), themes=tuple(themes.values()),
                           skills=tuple(skills))


__all__ = ["CATEGORIES", "CATEGORY_LABELS", "CATEGORY_PLURALS", "RATED_CATEGORIES", "TARGET_CATEGORIES", "Area",
           "Skill", "SkillVocabulary", "Theme", "parse_skill_vocabulary"]
