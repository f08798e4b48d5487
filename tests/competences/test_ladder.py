"""The Talking Therapies career ladder (facts.md §3): the built-in data, rung lookup and a service's override."""
from __future__ import annotations

import datetime as dt
from importlib.resources import files

import pytest

from competences.catalogue import Catalogue, parse
from competences.datafile import DataFileError
from competences.ladder import CareerLadder, rung_for

NAME = "career_ladder.toml"
TEXT = (files("competences") / "data" / NAME).read_text(encoding="utf-8")
LADDER = parse(TEXT, NAME).content
assert isinstance(LADDER, CareerLadder)
LADDER_ID = "career-ladder-talking-therapies"


def test_the_ladder_runs_from_trainee_pwp_to_head_of_service_with_the_facts_bands():
    assert [(r.id, r.bands) for r in LADDER.rungs] == [
        ("trainee-pwp", ("4",)),
        ("pwp", ("5",)),
        ("senior-pwp", ("6",)),
        ("trainee-hi-cbt", ("6",)),
        ("hi-cbt-therapist", ("7",)),
        ("senior-cbt-therapist", ("8a",)),
        ("clinical-lead", ("8b", "8c")),
        ("head-of-service", ("8d", "9")),
    ]
    assert LADDER.meta.id == LADDER_ID


def test_each_rung_leads_to_the_next_and_a_pwp_can_go_senior_or_high_intensity():
    assert [r.id for r in LADDER.next_rungs("trainee-pwp")] == ["pwp"]
    assert [r.id for r in LADDER.next_rungs("pwp")] == ["senior-pwp", "trainee-hi-cbt"]
    assert [r.id for r in LADDER.next_rungs("trainee-hi-cbt")] == ["hi-cbt-therapist"]
    assert [r.id for r in LADDER.next_rungs("hi-cbt-therapist")] == ["senior-cbt-therapist"]
    assert [r.id for r in LADDER.next_rungs("senior-cbt-therapist")] == ["clinical-lead"]
    assert [r.id for r in LADDER.next_rungs("clinical-lead")] == ["head-of-service"]
    assert LADDER.next_rungs("head-of-service") == ()


def test_local_roles_are_marked_uncertain():
    assert {r.id for r in LADDER.rungs if r.uncertain} == {
        "senior-pwp", "senior-cbt-therapist", "clinical-lead", "head-of-service",
    }
    assert all(r.source for r in LADDER.rungs)


def test_entry_requirements_are_data_with_a_service_choice_marked_optional():
    pwp = {q.id: q for q in LADDER.rung("pwp").requirements}
    assert pwp["pass-pwp-training"].text == "Pass BPS-accredited PWP training"
    assert pwp["pass-pwp-training"].optional is False
    hi = {q.id: q for q in LADDER.rung("hi-cbt-therapist").requirements}
    assert hi["pg-dip-pass"].optional is False
    assert hi["babcp-accreditation"].optional is True
    assert "a service may require it" in hi["babcp-accreditation"].text
    trainee = {q.id for q in LADDER.rung("trainee-hi-cbt").requirements}
    assert {"core-profession-or-ksa", "pwp-two-years", "hi-pg-dip-place"} <= trainee


def test_asking_for_a_rung_that_is_not_there_is_a_key_error():
    with pytest.raises(KeyError, match="no rung 'astronaut'"):
        LADDER.rung("astronaut")


@pytest.mark.parametrize(("band", "rung"), [
    ("4", "trainee-pwp"), ("5", "pwp"), ("7", "hi-cbt-therapist"), ("8a", "senior-cbt-therapist"),
    ("8b", "clinical-lead"), ("8c", "clinical-lead"), ("8d", "head-of-service"), ("9", "head-of-service"),
])
def test_a_band_held_by_one_rung_finds_it_whatever_the_job_title(band, rung):
    assert rung_for(LADDER, band).id == rung
    assert rung_for(LADDER, band, "Something Else Entirely").id == rung


def test_a_band_no_rung_holds_finds_nothing():
    assert rung_for(LADDER, "2") is None
    assert rung_for(LADDER, "3", "Administrator") is None


@pytest.mark.parametrize(("title", "rung"), [
    ("Senior PWP", "senior-pwp"),
    ("Senior Psychological Wellbeing Practitioner", "senior-pwp"),
    ("senior psychological wellbeing practitioner (Step 2 lead)", "senior-pwp"),
    ("Trainee High Intensity Therapist", "trainee-hi-cbt"),
    ("Trainee HI CBT Therapist", "trainee-hi-cbt"),
    ("Trainee Cognitive Behavioural Psychotherapist", "trainee-hi-cbt"),
    ("Trainee High Intensity CBT Therapist", "trainee-hi-cbt"),
])
def test_band_6_uses_the_job_title_to_tell_senior_pwp_from_trainee_hi(title, rung):
    assert rung_for(LADDER, "6", title).id == rung


@pytest.mark.parametrize("title", [None, "", "Band 6 Practitioner", "Senior PWP and trainee HI"])
def test_band_6_without_a_telling_job_title_is_ambiguous(title):
    # "Senior PWP and trainee HI" matches both rungs equally well ("senior pwp", "trainee hi").
    assert rung_for(LADDER, "6", title) is None


# ---- malformed ladders and overrides ---------------------------------------------------------

def _with(text: str, *, name: str = "service-ladder.toml") -> object:
    return parse(text, name, origin="database")


def test_a_next_rung_that_does_not_exist_fails_naming_the_file_and_rung():
    broken = TEXT.replace('next = ["clinical-lead"]', 'next = ["clinical-director"]')
    with pytest.raises(DataFileError) as caught:
        Catalogue([parse(broken, "broken.toml")])
    assert caught.value.file == "broken.toml"
    assert caught.value.item == "rungs[senior-cbt-therapist].next"
    assert "'clinical-director'" in caught.value.problem


@pytest.mark.parametrize(("change", "item", "problem"), [
    (('bands = ["7"]', 'bands = ["7", "10"]'), "rungs[hi-cbt-therapist].bands", "unknown band '10'"),
    (('bands = ["7"]', "bands = []"), "rungs[hi-cbt-therapist].bands", "at least one band"),
    (('next = ["head-of-service"]', 'next = ["clinical-lead"]'), "rungs[clinical-lead].next", "lead to itself"),
    (('id = "pg-dip-pass"', 'id = "babcp-accreditation"'), "rungs[hi-cbt-therapist].requirements[1]",
     "duplicate id 'babcp-accreditation'"),
    (('id = "senior-pwp"', 'id = "pwp"'), "rungs[2]", "duplicate id 'pwp'"),
    (('optional = true\n\n[[rungs]]\nid = "senior-cbt-therapist"', 'optional = "yes"\n\n[[rungs]]\nid = "senior-cbt-therapist"'),
     "rungs[hi-cbt-therapist].requirements[babcp-accreditation].optional", "true or false"),
])
def test_a_malformed_ladder_fails_naming_the_file_and_item(change, item, problem):
    old, new = change
    assert old in TEXT
    with pytest.raises(DataFileError) as caught:
        parse(TEXT.replace(old, new, 1), "bad-ladder.toml")
    assert (caught.value.file, caught.value.item) == ("bad-ladder.toml", item)
    assert problem in caught.value.problem


def test_a_service_ladder_with_a_higher_version_replaces_the_built_in_one_whole():
    # A service that bands senior PWPs at 7 and has no senior CBT rung of its own.
    override = (TEXT.replace("version = 1", "version = 2", 1)
                .replace("effective_from = 2022-04-01", "effective_from = 2025-01-01", 1)
                .replace('id = "senior-pwp"\ntitle = "Senior Psychological Wellbeing Practitioner"\nbands = ["6"]',
                         'id = "senior-pwp"\ntitle = "Senior Psychological Wellbeing Practitioner"\nbands = ["7"]'))
    catalogue = Catalogue([parse(TEXT, NAME), _with(override)])
    current = catalogue.current(LADDER_ID, on=dt.date(2025, 6, 1))
    assert current.meta.version == 2 and current.origin == "database"
    assert current.content.rung("senior-pwp").bands == ("7",)
    assert rung_for(current.content, "6").id == "trainee-hi-cbt"
    # Before the override took effect, and by explicit version, the built-in ladder still loads.
    assert catalogue.current(LADDER_ID, on=dt.date(2024, 6, 1)).content.rung("senior-pwp").bands == ("6",)
    assert catalogue.version(LADDER_ID, 1).content.rung("senior-pwp").bands == ("6",)


def test_a_service_ladder_with_the_same_version_is_refused():
    with pytest.raises(DataFileError, match="needs a higher version"):
        Catalogue([parse(TEXT, NAME), _with(TEXT)])
