"""The catalogue: every version of every data file through one loader, picked by version or effective date."""
from __future__ import annotations

import datetime as dt

import pytest

from competences.catalogue import KIND_PARSERS, Catalogue, built_in_texts, parse
from competences.datafile import DataFileError
from competences.ladder import CareerLadder
from competences.pay import HcasTable, PayScale


def _ladder(version: int, effective_from: str, *, title: str = "Trainee PWP", kind: str = "career_ladder",
            file_id: str = "ladder-test") -> str:
    return f"""
[meta]
id = "{file_id}"
kind = "{kind}"
version = {version}
title = "Test ladder v{version}"
source = "test"
effective_from = {effective_from}
status = "confirmed"

[[rungs]]
id = "trainee-pwp"
title = "{title}"
bands = ["4"]
"""


def test_an_unknown_kind_is_refused_naming_the_file():
    with pytest.raises(DataFileError) as caught:
        parse(_ladder(1, "2025-04-01", kind="horoscope"), "stars.toml")
    assert (caught.value.file, caught.value.item) == ("stars.toml", "meta.kind")
    assert "unknown kind 'horoscope'" in caught.value.problem


def test_the_catalogue_keeps_two_versions_and_picks_by_effective_date():
    v1 = parse(_ladder(1, "2024-04-01", title="Old title"), "v1.toml")
    v2 = parse(_ladder(2, "2025-04-01", title="New title"), "v2.toml", origin="database")
    catalogue = Catalogue([v2, v1])   # order given does not matter
    assert [v.meta.version for v in catalogue.versions("ladder-test")] == [1, 2]
    assert catalogue.current("ladder-test", on=dt.date(2025, 3, 31)).content.rung("trainee-pwp").title == "Old title"
    assert catalogue.current("ladder-test", on=dt.date(2025, 4, 1)).content.rung("trainee-pwp").title == "New title"
    assert catalogue.current("ladder-test").meta.version == 2
    assert catalogue.version("ladder-test", 1).content.rung("trainee-pwp").title == "Old title"
    assert catalogue.version("ladder-test", 2).origin == "database"


def test_no_version_in_force_before_the_first_effective_date():
    catalogue = Catalogue([parse(_ladder(1, "2024-04-01"), "v1.toml")])
    with pytest.raises(KeyError, match="no version in force on 2024-03-31"):
        catalogue.current("ladder-test", on=dt.date(2024, 3, 31))


def test_a_missing_file_or_version_is_a_key_error():
    catalogue = Catalogue([parse(_ladder(1, "2024-04-01"), "v1.toml")])
    with pytest.raises(KeyError, match="no data file with id 'nope'"):
        catalogue.current("nope")
    with pytest.raises(KeyError, match="has no version 3"):
        catalogue.version("ladder-test", 3)
    assert catalogue.has("ladder-test") and not catalogue.has("nope")
    assert catalogue.ids() == ["ladder-test"] and catalogue.ids("career_ladder") == ["ladder-test"]
    assert catalogue.ids("hcas") == []


def test_a_corrected_version_with_the_same_version_number_is_refused():
    v1 = parse(_ladder(1, "2024-04-01"), "built-in.toml")
    again = parse(_ladder(1, "2025-04-01", title="Corrected"), "correction.toml", origin="database")
    with pytest.raises(DataFileError) as caught:
        Catalogue([v1, again])
    assert (caught.value.file, caught.value.item) == ("correction.toml", "meta.version")
    assert "version 1 already exists in built-in.toml" in caught.value.problem
    assert "needs a higher version" in caught.value.problem


def test_a_version_of_a_different_kind_under_the_same_id_is_refused():
    ladder = parse(_ladder(1, "2024-04-01", file_id="shared-id"), "ladder.toml")
    hcas = parse("""nation = "england"
[meta]
id = "shared-id"
kind = "hcas"
version = 2
title = "HCAS"
source = "test"
effective_from = 2025-04-01
status = "confirmed"
[[zones]]
id = "none"
name = "None"
[[years]]
label = "2025/26"
starts_on = 2025-04-01
ends_on = 2026-03-31
[years.rates]
""", "hcas.toml")
    with pytest.raises(DataFileError, match="hcas.toml: meta.kind: shared-id is a career_ladder in ladder.toml"):
        Catalogue([ladder, hcas])


def test_reference_checks_run_for_every_version():
    good = parse(_ladder(1, "2024-04-01"), "v1.toml")
    bad = parse(_ladder(2, "2025-04-01").replace('bands = ["4"]', 'bands = ["4"]\nnext = ["pwp"]'), "v2.toml")
    with pytest.raises(DataFileError, match="v2.toml: rungs\\[trainee-pwp\\].next: names rung 'pwp'"):
        Catalogue([good, bad])


@pytest.mark.parametrize(("name", "kind", "cls", "file_id"), [
    ("afc_pay_england.toml", "afc_pay_scale", PayScale, "afc-pay-england"),
    ("hcas_england.toml", "hcas", HcasTable, "hcas-england"),
    ("career_ladder.toml", "career_ladder", CareerLadder, "career-ladder-talking-therapies"),
])
def test_the_pay_and_ladder_files_ship_in_the_package_and_load(name, kind, cls, file_id):
    texts = dict(built_in_texts())
    assert name in texts
    loaded = parse(texts[name], name)
    assert kind in KIND_PARSERS
    assert (loaded.meta.id, loaded.meta.kind, loaded.origin) == (file_id, kind, "built-in")
    assert isinstance(loaded.content, cls)
    Catalogue([loaded])
