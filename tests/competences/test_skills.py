"""The skill-mix vocabulary: the built-in file loads, and a broken file is refused naming the file, the item and the problem."""
import pytest

from competences.catalogue import KIND_PARSERS, built_in_catalogue, build_catalogue, parse
from competences.datafile import DataFileError
from competences.skills import SkillVocabulary

HEAD = """
[meta]
id = "skill-mix-test"
kind = "skill_vocabulary"
version = 1
title = "Test vocabulary"
source = "test"
effective_from = 2025-04-01
status = "uncertain"

[[areas]]
id = "therapy"
title = "Therapy"

[[areas]]
id = "specialist-skills"
title = "Specialist skills"

[[themes]]
id = "quality-improvement"
title = "Quality improvement"
"""


def vocab(body: str) -> SkillVocabulary:
    loaded = parse(HEAD + body, "skills.toml")
    content: SkillVocabulary = loaded.content
    return content


def test_the_built_in_vocabulary_ships_in_the_package_and_loads_with_the_whole_catalogue():
    assert KIND_PARSERS["skill_vocabulary"] == "competences.skills:parse_skill_vocabulary"
    loaded = built_in_catalogue().current("skill-mix")
    v = loaded.content
    assert (loaded.meta.kind, loaded.meta.uncertain, loaded.origin) == ("skill_vocabulary", True, "built-in")
    assert [a.title for a in v.areas] == [
        "Therapy", "Supervision and case management", "Governance and leadership", "Education and training",
        "Social inclusion and equality", "Work and employment", "Medicines management", "Specialist skills"]
    assert {t.id for t in v.themes} == {"clinical-leadership", "project-leadership", "quality-improvement",
                                        "supervision", "service-management"}
    emdr = v.skill("modality", "emdr")
    assert emdr is not None and emdr.areas == ("therapy", "specialist-skills") and emdr.heading == "EMDR"
    assert v.skill("development", "teaching").areas == ("education-training",)
    assert v.skill("development", "audit").areas == ("governance-leadership",)
    assert "quality-improvement" in v.skill("development", "quality-improvement").themes
    for code in ("cbt", "ipt", "dit", "counselling-for-depression", "couple-therapy-depression", "mbct", "emdr"):
        assert v.has("modality", code)
    for code in ("ptsd", "ocd", "eating-disorders", "long-term-conditions", "prison-settings", "perinatal"):
        assert v.has("specialism", code)
    for code in ("social-inclusion", "lgbtq-engagement", "employment", "physical-activity"):
        assert v.has("champion", code)
    for code in ("group", "outreach", "teaching", "audit", "quality-improvement", "project"):
        assert v.has("development", code)
    # Every competence area has at least one entry evidencing it, so none is a gap by construction.
    assert all(v.mapping_to_area(a.id) for a in v.areas)


def test_entries_are_read_with_their_areas_themes_and_marks():
    v = vocab("""
[[modalities]]
id = "emdr"
title = "Eye movement desensitisation and reprocessing"
short = "EMDR"
areas = ["therapy", "specialist-skills"]
uncertain = true
source = "Issue brief"

[[development]]
id = "audit"
title = "Clinical audit"
areas = "therapy"
themes = ["quality-improvement"]
""")
    emdr, audit = v.skills
    assert (emdr.category, emdr.heading, emdr.uncertain, emdr.source) == ("modality", "EMDR", True, ("Issue brief",))
    assert (audit.category, audit.areas, audit.themes, audit.heading) == ("development", ("therapy",),
                                                                         ("quality-improvement",), "Clinical audit")
    assert v.title("area", "therapy") == "Therapy" and v.title("modality", "gone") == "gone"
    assert v.choices("area") == (("therapy", "Therapy"), ("specialist-skills", "Specialist skills"))
    assert [s.id for s in v.mapping_to_area("specialist-skills")] == ["emdr"]
    assert not v.has("champion", "emdr") and v.has("area", "therapy")


def test_a_duplicate_id_is_refused_naming_the_file_and_the_item():
    with pytest.raises(DataFileError) as caught:
        vocab("""
[[modalities]]
id = "emdr"
title = "EMDR"
areas = ["therapy"]

[[modalities]]
id = "emdr"
title = "EMDR again"
areas = ["therapy"]
""")
    assert (caught.value.file, caught.value.item) == ("skills.toml", "modalities[1]")
    assert caught.value.problem == "duplicate id 'emdr'"


def test_a_duplicate_area_id_is_refused():
    with pytest.raises(DataFileError, match=r"skills.toml: areas\[2\]: duplicate id 'therapy'"):
        vocab('\n[[areas]]\nid = "therapy"\ntitle = "Therapy twice"\n')


def test_a_reference_to_an_unknown_area_is_refused_with_a_clear_message():
    with pytest.raises(DataFileError) as caught:
        vocab("""
[[specialisms]]
id = "ptsd"
title = "PTSD"
areas = ["specialist-skill"]
""")
    assert (caught.value.file, caught.value.item) == ("skills.toml", "specialisms[ptsd].areas")
    assert caught.value.problem.startswith("names competence area 'specialist-skill', which is not in the file; "
                                           "known: therapy, specialist-skills")


def test_a_reference_to_an_unknown_theme_is_refused():
    with pytest.raises(DataFileError, match=r"development\[qi\]\.themes: names theme 'qi', which is not in the file"):
        vocab('\n[[development]]\nid = "qi"\ntitle = "QI"\nareas = ["therapy"]\nthemes = ["qi"]\n')


@pytest.mark.parametrize(("body", "item", "problem"), [
    ('\n[[champions]]\nid = "x"\ntitle = "X"\nareas = []\n', "champions[x].areas", "must name at least one competence area"),
    ('\n[[champions]]\nid = "x"\ntitle = "X"\n', "champions[x].areas", "is missing"),
    ('\n[[champions]]\nid = "Social Inclusion"\ntitle = "X"\nareas = ["therapy"]\n', "champions[Social Inclusion].id",
     "must be lower-case letters, digits and single hyphens"),
    ('\n[[champions]]\nid = "x"\ntitle = "X"\nareas = ["therapy", "therapy"]\n', "champions[x].areas",
     "names competence area 'therapy' twice"),
    ('\n[[champions]]\nid = "x"\ntitle = "X"\nareas = ["therapy"]\ncolour = "red"\n', "champions[x].colour",
     "unknown key 'colour'"),
    ('\n[[modalitys]]\nid = "x"\n', "modalitys", "unknown key 'modalitys'"),
])
def test_malformed_entries_are_refused(body, item, problem):
    with pytest.raises(DataFileError) as caught:
        vocab(body)
    assert caught.value.item == item
    assert caught.value.problem.startswith(problem)


def test_a_file_without_areas_is_refused():
    text = HEAD.split("[[areas]]")[0]
    with pytest.raises(DataFileError, match="skills.toml: areas: is missing"):
        parse(text, "skills.toml")


def test_an_admin_correction_adding_a_modality_loads_as_the_newer_version():
    text = built_in_catalogue().current("skill-mix").text.replace("version = 1", "version = 2", 1)
    text += '\n[[modalities]]\nid = "cbt-psychosis"\ntitle = "CBT for psychosis"\nareas = ["therapy", "specialist-skills"]\n'
    catalogue = build_catalogue([("correction.toml", text)])
    assert catalogue.current("skill-mix").content.has("modality", "cbt-psychosis")
    assert not catalogue.version("skill-mix", 1).content.has("modality", "cbt-psychosis")
