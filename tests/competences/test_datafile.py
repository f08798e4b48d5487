"""The shared data-file reader: [meta], typed access, and errors that name the file, the item and the problem."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from competences.datafile import DataFileError, Reader, read

META = """
[meta]
id = "example"
kind = "career_ladder"
version = 1
title = "Example"
source = "https://example.org"
effective_from = 2025-04-01
status = "confirmed"
"""


def _error(text: str, name: str = "f.toml") -> DataFileError:
    with pytest.raises(DataFileError) as caught:
        read(text, name)
    return caught.value


def test_a_good_file_gives_its_meta_and_the_rest_of_its_tables():
    raw = read(META + '\n[[rungs]]\nid = "a"\n', "good.toml")
    assert raw.name == "good.toml"
    assert (raw.meta.id, raw.meta.kind, raw.meta.version, raw.meta.title) == ("example", "career_ladder", 1, "Example")
    assert raw.meta.source == ("https://example.org",)
    assert raw.meta.effective_from == dt.date(2025, 4, 1)
    assert raw.meta.uncertain is False and raw.meta.notes == ""
    assert set(raw.body) == {"rungs"}


def test_a_file_without_meta_is_refused():
    error = _error('[[rungs]]\nid = "a"\n', "no-meta.toml")
    assert (error.file, error.item) == ("no-meta.toml", "meta")
    assert "[meta]" in error.problem
    assert str(error) == f"no-meta.toml: meta: {error.problem}"


def test_meta_that_is_not_a_table_is_refused():
    assert _error('meta = "x"\n').item == "meta"


def test_text_that_is_not_toml_is_refused_naming_the_file():
    error = _error("[meta\nid = 1", "broken.toml")
    assert (error.file, error.item) == ("broken.toml", "")
    assert "not valid TOML" in error.problem
    assert str(error).startswith("broken.toml: is not valid TOML")


@pytest.mark.parametrize(("old", "new", "item", "problem"), [
    ("effective_from = 2025-04-01", 'effective_from = "2025-04-01"', "meta.effective_from", "must be a date"),
    ("effective_from = 2025-04-01", "effective_from = 2025-04-01T09:00:00", "meta.effective_from", "must be a date"),
    ("effective_from = 2025-04-01", "", "meta.effective_from", "is missing"),
    ("version = 1", "version = 0", "meta.version", "at least 1"),
    ("version = 1", 'version = "1"', "meta.version", "whole number"),
    ("version = 1", "version = true", "meta.version", "whole number"),
    ('status = "confirmed"', 'status = "maybe"', "meta.status", "must be one of confirmed, uncertain"),
    ('id = "example"', 'id = "  "', "meta.id", "non-empty string"),
    ('source = "https://example.org"', "source = []", "meta.source", "at least one source"),
    ('source = "https://example.org"', 'source = ["a", 3]', "meta.source", "list of non-empty strings"),
])
def test_bad_meta_values_are_refused_naming_the_item(old, new, item, problem):
    assert old in META
    error = _error(META.replace(old, new), "meta.toml")
    assert (error.file, error.item) == ("meta.toml", item)
    assert problem in error.problem


def test_meta_status_uncertain_and_a_list_of_sources_are_read():
    raw = read(META.replace('status = "confirmed"', 'status = "uncertain"\nnotes = "check it"')
               .replace('source = "https://example.org"', 'source = ["a", "b"]'), "u.toml")
    assert raw.meta.uncertain is True
    assert raw.meta.notes == "check it"
    assert raw.meta.source == ("a", "b")


def test_a_duplicate_id_in_an_array_of_tables_is_refused():
    r = Reader("dup.toml", "", {"items": [{"id": "a"}, {"id": "b"}, {"id": "a"}]})
    with pytest.raises(DataFileError) as caught:
        r.tables("items")
    assert (caught.value.file, caught.value.item) == ("dup.toml", "items[2]")
    assert "duplicate id 'a'" in caught.value.problem


def test_an_array_of_tables_item_without_an_id_is_refused():
    r = Reader("f.toml", "x", {"items": [{"name": "a"}]})
    with pytest.raises(DataFileError, match=r"f.toml: x.items\[0\]: needs a non-empty string 'id'"):
        r.tables("items")


def test_items_of_an_array_of_tables_are_named_by_their_id():
    readers = Reader("f.toml", "", {"items": [{"id": "a", "n": "x"}]}).tables("items")
    with pytest.raises(DataFileError, match=r"f.toml: items\[a\].n: must be a whole number"):
        readers[0].int("n")


def test_an_array_of_tables_that_is_a_plain_value_is_refused():
    with pytest.raises(DataFileError, match=r"must be an array of tables \(\[\[items\]\]\)"):
        Reader("f.toml", "", {"items": "a"}).tables("items")


@pytest.mark.parametrize(("value", "expected"), [(3, Decimal(3)), ("1.5", Decimal("1.5")), (0.25, Decimal("0.25"))])
def test_numbers_are_read_as_decimals(value, expected):
    assert Reader("f.toml", "", {"n": value}).decimal("n") == expected


@pytest.mark.parametrize(("value", "problem"), [
    ("abc", "must be a number"),
    (True, "must be a number"),
    ([1], "must be a number"),
    ("nan", "finite number"),
    (float("inf"), "finite number"),
    ("-1", "at least 0"),
])
def test_bad_numbers_are_refused_naming_the_item(value, problem):
    with pytest.raises(DataFileError) as caught:
        Reader("f.toml", "t", {"n": value}).decimal("n", minimum=Decimal(0))
    assert caught.value.item == "t.n"
    assert problem in caught.value.problem


def test_optional_values_may_be_absent_and_required_ones_may_not():
    r = Reader("f.toml", "t", {})
    assert r.str("s", required=False) is None
    assert r.decimal("d", required=False) is None
    assert r.date("d", required=False) is None
    assert r.str_list("l", required=False) == ()
    assert r.tables("a", required=False) == []
    assert r.bool("b") is False and r.uncertain() is False
    assert r.source() == ()
    with pytest.raises(DataFileError, match="f.toml: t.s: is missing"):
        r.str("s")


def test_a_single_string_counts_as_a_list_of_one():
    assert Reader("f.toml", "", {"source": "one"}).source() == ("one",)


def test_a_bool_must_be_true_or_false():
    with pytest.raises(DataFileError, match="t.uncertain: must be true or false"):
        Reader("f.toml", "t", {"uncertain": "yes"}).uncertain()


def test_a_reader_needs_a_table():
    with pytest.raises(DataFileError, match="f.toml: t.sub: expected a table"):
        Reader("f.toml", "t", {"sub": 3}).table_of("sub")
