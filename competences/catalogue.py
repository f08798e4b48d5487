"""Every data file, built-in or corrected by an admin, loaded through one validating path.

A correction is a new version of a file (same id, higher version). Built-in files ship in
competences/data; corrected versions live in the database and are passed in as text, so every
web and queue worker builds the same catalogue. Old versions stay loadable: a claim made
against version 1 of a framework can still be shown against version 1.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib
from collections.abc import Callable, Iterable
from importlib.resources import files
from typing import Any

from competences.datafile import DataFileError, Meta, RawFile, read

#: kind → "module:parser" (and optionally a reference check run once all files are loaded).
KIND_PARSERS: dict[str, str] = {
    "afc_pay_scale": "competences.pay:parse_pay_scale",
    "hcas": "competences.pay:parse_hcas",
    "career_ladder": "competences.ladder:parse_ladder",
    "framework": "competences.frameworks:parse_framework",
    "rating_scale": "competences.frameworks:parse_rating_scale",
    "outcome_measures": "competences.outcomes:parse_outcome_measures",
    "pathway": "competences.pathways:parse_pathway",
    "credential_rules": "competences.credentials:parse_credential_rules",
    "skill_vocabulary": "competences.skills:parse_skill_vocabulary",
}
KIND_CHECKS: dict[str, str] = {
    "pathway": "competences.pathways:check_pathway",
    "career_ladder": "competences.ladder:check_ladder",
}

BUILT_IN = "built-in"


@dataclasses.dataclass(frozen=True)
class Loaded:
    """One version of one data file, parsed into its kind's dataclasses (`content`)."""

    meta: Meta
    content: Any
    name: str
    text: str
    origin: str = BUILT_IN


def _resolve(spec: str) -> Callable[..., Any]:
    module, _, attr = spec.partition(":")
    fn: Callable[..., Any] = getattr(importlib.import_module(module), attr)
    return fn


def parse(text: str, name: str, *, origin: str = BUILT_IN) -> Loaded:
    raw: RawFile = read(text, name)
    spec = KIND_PARSERS.get(raw.meta.kind)
    if spec is None:
        raise DataFileError(name, "meta.kind", f"unknown kind {raw.meta.kind!r}; known: {', '.join(sorted(KIND_PARSERS))}")
    content = _resolve(spec)(raw)
    return Loaded(meta=raw.meta, content=content, name=name, text=text, origin=origin)


def built_in_texts() -> list[tuple[str, str]]:
    folder = files("competences") / "data"
    return sorted((f.name, f.read_text(encoding="utf-8")) for f in folder.iterdir() if f.name.endswith(".toml"))


@functools.cache
def _built_in() -> tuple[Loaded, ...]:
    return tuple(parse(text, name) for name, text in built_in_texts())


class Catalogue:
    """All versions of all data files, checked for duplicates and for references between files."""

    def __init__(self, loaded: Iterable[Loaded]) -> None:
        self._by_id: dict[str, list[Loaded]] = {}
        for item in loaded:
            versions = self._by_id.setdefault(item.meta.id, [])
            clash = next((v for v in versions if v.meta.version == item.meta.version), None)
            if clash is not None:
                raise DataFileError(item.name, "meta.version",
                                    f"{item.meta.id} version {item.meta.version} already exists in {clash.name} "
                                    f"({clash.origin}); a correction needs a higher version")
            if versions and versions[0].meta.kind != item.meta.kind:
                raise DataFileError(item.name, "meta.kind",
                                    f"{item.meta.id} is a {versions[0].meta.kind} in {versions[0].name}, not {item.meta.kind}")
            versions.append(item)
        for versions in self._by_id.values():
            versions.sort(key=lambda v: v.meta.version)
        for versions in self._by_id.values():
            for item in versions:
                check = KIND_CHECKS.get(item.meta.kind)
                if check:
                    _resolve(check)(item, self)

    def ids(self, kind: str | None = None) -> list[str]:
        return sorted(i for i, v in self._by_id.items() if kind is None or v[0].meta.kind == kind)

    def versions(self, file_id: str) -> list[Loaded]:
        if file_id not in self._by_id:
            raise KeyError(f"no data file with id {file_id!r}")
        return list(self._by_id[file_id])

    def version(self, file_id: str, version: int) -> Loaded:
        for item in self.versions(file_id):
            if item.meta.version == version:
                return item
        raise KeyError(f"{file_id} has no version {version}")

    def current(self, file_id: str, on: dt.date | None = None) -> Loaded:
        """The highest version in force on `on` (any date: the highest version overall)."""
        candidates = [v for v in self.versions(file_id) if on is None or v.meta.effective_from <= on]
        if not candidates:
            raise KeyError(f"{file_id} has no version in force on {on}")
        return candidates[-1]

    def has(self, file_id: str) -> bool:
        return file_id in self._by_id


def build_catalogue(extra: Iterable[tuple[str, str]] = (), *, origin: str = "database") -> Catalogue:
    """Built-in files plus corrected versions given as (name, TOML text), each through the same loader."""
    return Catalogue([*_built_in(), *(parse(text, name, origin=origin) for name, text in extra)])


@functools.cache
def built_in_catalogue() -> Catalogue:
    return Catalogue(_built_in())
