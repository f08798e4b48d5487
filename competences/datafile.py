"""Reading the versioned TOML data files that hold every fact and rule, with errors that name the place.

Every file opens with a [meta] table:

    [meta]
    id = "afc-pay-england"          # stable identifier; versions of one file share it
    kind = "afc_pay_scale"          # which parser reads the body (see competences.catalogue)
    version = 1                     # whole number; a correction gets a higher one
    title = "Agenda for Change pay points, England"
    source = "https://…"            # a URL or a short citation (or a list of them)
    effective_from = 2025-04-01     # from when this version applies
    status = "confirmed"            # or "uncertain": an admin should check it (facts.md [U])
    notes = "…"                     # optional

Items inside a file may carry their own `source` and `uncertain = true`.
"""
from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
import tomllib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

STATUSES = ("confirmed", "uncertain")


class DataFileError(ValueError):
    """A data file cannot be used; says which file, which item and what is wrong."""

    def __init__(self, file: str, item: str, problem: str) -> None:
        super().__init__(f"{file}: {item}: {problem}" if item else f"{file}: {problem}")
        self.file, self.item, self.problem = file, item, problem


@dataclasses.dataclass(frozen=True)
class Meta:
    id: str
    kind: str
    version: int
    title: str
    source: tuple[str, ...]
    effective_from: dt.date
    status: str
    notes: str = ""

    @property
    def uncertain(self) -> bool:
        return self.status == "uncertain"


@dataclasses.dataclass(frozen=True)
class RawFile:
    """A parsed but not yet interpreted file: its meta and the rest of its tables."""

    name: str
    meta: Meta
    body: Mapping[str, Any]
    text: str


class Reader:
    """Typed access to one table of a file; every failure names the file and the item's path."""

    def __init__(self, file: builtins.str, path: builtins.str, table: Mapping[str, Any]) -> None:
        if not isinstance(table, Mapping):
            raise DataFileError(file, path, "expected a table")
        self.file, self.path, self.table = file, path, table

    def _where(self, key: builtins.str) -> builtins.str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, problem: builtins.str, key: builtins.str | None = None) -> DataFileError:
        return DataFileError(self.file, self._where(key) if key else self.path, problem)

    def only(self, *allowed: builtins.str) -> None:
        """Refuse keys the parser does not know, so a misspelt key is an error rather than ignored."""
        unknown = sorted(k for k in self.table if k not in allowed)
        if unknown:
            raise self.fail(f"unknown key {unknown[0]!r}; expected one of {', '.join(sorted(allowed))}", unknown[0])

    def has(self, key: builtins.str) -> builtins.bool:
        return key in self.table

    def _get(self, key: builtins.str, required: builtins.bool) -> Any:
        if key not in self.table:
            if required:
                raise self.fail("is missing", key)
            return None
        return self.table[key]

    def str(self, key: builtins.str, *, required: builtins.bool = True, choices: tuple[str, ...] | None = None) -> Any:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"must be a non-empty string, not {value!r}", key)
        if choices is not None and value not in choices:
            raise self.fail(f"must be one of {', '.join(choices)}, not {value!r}", key)
        return value

    def int(self, key: builtins.str, *, required: builtins.bool = True, minimum: builtins.int | None = None) -> Any:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"must be a whole number, not {value!r}", key)
        if minimum is not None and value < minimum:
            raise self.fail(f"must be at least {minimum}, not {value}", key)
        return value

    def decimal(self, key: builtins.str, *, required: builtins.bool = True, minimum: Decimal | None = None) -> Any:
        """Numbers as Decimal; write them as strings ("1.5") or integers in the file, never rely on floats."""
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, str, float)):
            raise self.fail(f"must be a number, not {value!r}", key)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(f"must be a number, not {value!r}", key) from None
        if not number.is_finite():
            raise self.fail(f"must be a finite number, not {value!r}", key)
        if minimum is not None and number < minimum:
            raise self.fail(f"must be at least {minimum}, not {number}", key)
        return number

    def bool(self, key: builtins.str, *, default: builtins.bool = False) -> builtins.bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"must be true or false, not {value!r}", key)
        return value

    def date(self, key: builtins.str, *, required: builtins.bool = True) -> Any:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise self.fail(f"must be a date like 2025-04-01, not {value!r}", key)
        return value

    def str_list(self, key: builtins.str, *, required: builtins.bool = True) -> Any:
        value = self._get(key, required)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail("must be a list of non-empty strings", key)
        return tuple(value)

    def table_of(self, key: builtins.str, *, required: builtins.bool = True) -> Reader | None:
        value = self._get(key, required)
        if value is None:
            return None
        return Reader(self.file, self._where(key), value)

    def tables(self, key: builtins.str, *, required: builtins.bool = True, id_key: builtins.str | None = "id") -> list[Reader]:
        """An array of tables ([[key]]); with `id_key`, ids must be present and unique."""
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise self.fail("must be an array of tables ([[" + key + "]])", key)
        readers = []
        seen: set[str] = set()
        for i, item in enumerate(value):
            label = f"{self._where(key)}[{i}]"
            if id_key is not None:
                ident = item.get(id_key)
                if not isinstance(ident, str) or not ident.strip():
                    raise DataFileError(self.file, label, f"needs a non-empty string {id_key!r}")
                if ident in seen:
                    raise DataFileError(self.file, label, f"duplicate {id_key} {ident!r}")
                seen.add(ident)
                label = f"{self._where(key)}[{ident}]"
            readers.append(Reader(self.file, label, item))
        return readers

    def uncertain(self) -> builtins.bool:
        return self.bool("uncertain")

    def source(self) -> tuple[builtins.str, ...]:
        return tuple(self.str_list("source", required=False))


def parse_meta(name: str, data: Mapping[str, Any]) -> Meta:
    if not isinstance(data.get("meta"), Mapping):
        raise DataFileError(name, "meta", "every data file starts with a [meta] table")
    r = Reader(name, "meta", data["meta"])
    meta_keys = ("id", "kind", "version", "title", "source", "effective_from", "status", "notes")
    stray = sorted(k for k in data["meta"] if k not in meta_keys)
    if stray:
        # TOML puts every key after a [table] header into that table, a common slip in these files.
        raise r.fail(f"unknown key {stray[0]!r} in [meta]; if it belongs to the file itself, write it before [meta]",
                     stray[0])
    if not r.str_list("source"):
        raise r.fail("must name at least one source", "source")
    return Meta(
        id=r.str("id"),
        kind=r.str("kind"),
        version=r.int("version", minimum=1),
        title=r.str("title"),
        source=r.str_list("source"),
        effective_from=r.date("effective_from"),
        status=r.str("status", choices=STATUSES),
        notes=r.str("notes", required=False) or "",
    )


def read(text: str, name: str) -> RawFile:
    """Parse TOML text and its [meta]; the kind's own parser reads the body."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(name, "", f"is not valid TOML ({exc})") from None
    meta = parse_meta(name, data)
    body = {k: v for k, v in data.items() if k != "meta"}
    return RawFile(name=name, meta=meta, body=body, text=text)
