"""Frameworks (KSA, IAPT areas, UCL maps, KSF) and the CTS-R rating scale, from their shipped data files."""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competences.datafile import DataFileError, read
from competences.frameworks import (
    EvidenceRule,
    Framework,
    RatingScale,
    applicable_items,
    group,
    item,
    items,
    missing_evidence,
    parse_framework,
    parse_rating_scale,
    pass_mark,
    passed,
    satisfied,
    total,
)


def load_framework(name: str) -> Framework:
    return parse_framework(read((files("competences") / "data" / name).read_text(encoding="utf-8"), name))


def load_scale(name: str) -> RatingScale:
    return parse_rating_scale(read((files("competences") / "data" / name).read_text(encoding="utf-8"), name))


KSA = load_framework("framework_ksa.toml")
CTSR = load_scale("rating_ctsr.toml")


def scores(value: int = 3, **overrides: int) -> dict[str, int]:
    result = {i.id: value for i in CTSR.items}
    result.update({k.replace("_", "-"): v for k, v in overrides.items()})
    return result


# --- KSA ------------------------------------------------------------------------------------


def test_ksa_has_14_criteria_in_four_groups() -> None:
    assert KSA.meta.id == "ksa"
    assert KSA.structure == "criteria"
    assert [(g.id, [i.code for i in g.items]) for g in KSA.groups] == [
        ("knowledge", ["1", "2", "3", "4"]),
        ("skills", ["5", "6", "7", "8", "9", "10"]),
        ("attitudes", ["11", "12", "13"]),
        ("experience", ["14"]),
    ]
    assert len(items(KSA)) == 14


def test_ksa_declares_the_seven_babcp_forms() -> None:
    forms = {e.form_code: e.id for e in KSA.evidence_types if e.form_code}
    assert forms == {
        "KSA1": "criterion-checklist", "KSA2": "self-statement", "KSA3": "countersigned-self-statement",
        "KSA4": "reference", "KSA5": "self-directed-study", "KSA6": "biography", "KSA7": "document-list",
    }


def test_knowledge_criteria_need_a_self_statement_and_skills_a_countersigned_one() -> None:
    for code in ("1", "2", "3", "4"):
        rule = item(KSA, f"ksa-{code}").evidence_rule
        assert rule is not None and "self-statement" in rule.all_of
    for code in ("5", "6", "7", "8", "9", "10"):
        rule = item(KSA, f"ksa-{code}").evidence_rule
        assert rule is not None and "countersigned-self-statement" in rule.all_of


def test_unconfirmed_ksa_titles_are_marked_uncertain() -> None:
    assert [i.code for i in items(KSA) if i.uncertain] == ["10", "11", "12", "13", "14"]
    assert KSA.meta.uncertain


def test_self_statements_must_cover_four_components_with_two_examples() -> None:
    assert [(c.id, c.min_count) for c in KSA.statement_components] == [
        ("how-learned", None), ("what-learned", None), ("critical-appraisal", None), ("illustrative-examples", 2),
    ]


def rule_of(code: str) -> EvidenceRule:
    rule = item(KSA, f"ksa-{code}").evidence_rule
    assert rule is not None
    return rule


def test_criterion_1_is_met_by_a_course_or_by_a_reference_with_self_directed_study() -> None:
    rule = rule_of("1")
    assert missing_evidence(rule, {"self-statement", "training-course"}) == ()
    assert missing_evidence(rule, {"self-statement", "reference", "self-directed-study"}) == ()
    assert satisfied(rule, {"self-statement", "training-course"})


def test_criterion_1_without_evidence_suggests_the_shorter_course_route() -> None:
    assert missing_evidence(rule_of("1"), set()) == ("self-statement", "training-course")


def test_criterion_1_with_a_reference_suggests_completing_the_reference_route() -> None:
    assert missing_evidence(rule_of("1"), {"self-statement", "reference"}) == ("self-directed-study",)


def test_criterion_5_needs_a_reference_and_one_other_item() -> None:
    rule = rule_of("5")
    assert missing_evidence(rule, {"countersigned-self-statement", "reference", "self-directed-study"}) == ()
    assert missing_evidence(rule, {"countersigned-self-statement", "reference"}) == ("training-course",)
    assert missing_evidence(rule, {"countersigned-self-statement", "training-course"}) == ("reference",)


def test_criterion_8_needs_a_course_and_a_reference() -> None:
    rule = rule_of("8")
    assert missing_evidence(rule, {"countersigned-self-statement", "reference", "self-directed-study"}) == (
        "training-course",)
    assert missing_evidence(rule, {"countersigned-self-statement", "reference", "training-course"}) == ()


def test_criterion_11_needs_a_self_statement_and_a_reference() -> None:
    rule = rule_of("11")
    assert missing_evidence(rule, set()) == ("self-statement", "reference")
    assert missing_evidence(rule, {"reference", "training-course"}) == ("self-statement",)
    assert missing_evidence(rule, {"self-statement", "reference"}) == ()


def test_condensed_pwp_route_exempts_only_its_listed_criteria() -> None:
    condensed = next(v for v in KSA.variants if v.id == "condensed-pwp")
    assert condensed.uncertain
    assert condensed.exempt_items == ("ksa-5", "ksa-6", "ksa-7", "ksa-8", "ksa-12")
    remaining = [i.id for i in applicable_items(KSA, "condensed-pwp")]
    assert remaining == ["ksa-1", "ksa-2", "ksa-3", "ksa-4", "ksa-9", "ksa-10", "ksa-11", "ksa-13", "ksa-14"]
    assert len(applicable_items(KSA, None)) == 14


def test_an_unknown_variant_is_refused() -> None:
    with pytest.raises(KeyError, match="condensed-nurse"):
        applicable_items(KSA, "condensed-nurse")


# --- other frameworks -----------------------------------------------------------------------


def test_ucl_cbt_has_five_domains_with_generic_statement_counts() -> None:
    ucl = load_framework("framework_ucl_cbt.toml")
    assert [g.id for g in ucl.groups] == ["generic", "basic-cbt", "specific-techniques", "problem-specific",
                                         "metacompetences"]
    assert [i.statement_count for i in group(ucl, "generic").items] == [6, 13, 18, 8, 37, 3, 4, 11, 17]
    assert item(ucl, "problem-ocd-salkovskis").uncertain
    assert not item(ucl, "technique-exposure").uncertain


def test_ucl_supervision_has_four_domains() -> None:
    sup = load_framework("framework_ucl_supervision.toml")
    assert [g.title for g in sup.groups] == [
        "Generic supervision competences", "Specific supervision competences",
        "Applications to specific models and contexts", "Metacompetences",
    ]


def test_ksf_core_has_six_dimensions_each_with_four_levels() -> None:
    ksf = load_framework("framework_ksf.toml")
    assert ksf.structure == "levelled"
    core = group(ksf, "core")
    assert [i.code for i in core.items] == ["C1", "C2", "C3", "C4", "C5", "C6"]
    assert all([level.number for level in i.levels] == [1, 2, 3, 4] for i in core.items)
    # Communication's level titles are confirmed; the other core dimensions' are recalled.
    assert not any(level.uncertain for level in item(ksf, "c1").levels)
    assert all(level.uncertain for level in item(ksf, "c5").levels)


def test_ksf_has_24_specific_dimensions_with_unseen_names_marked() -> None:
    ksf = load_framework("framework_ksf.toml")
    specific = [i for i in items(ksf) if i.group_id != "core"]
    assert len(specific) == 24
    assert [i.code for i in specific if not i.uncertain] == [f"HWB{n}" for n in range(1, 11)]


def test_iapt_competence_areas_file_is_marked_uncertain_and_says_the_eight_areas_are_missing() -> None:
    areas = load_framework("framework_iapt_competence_areas.toml")
    assert areas.meta.uncertain
    assert "eight competence areas" in areas.meta.notes


# --- malformed framework files --------------------------------------------------------------

HEAD = """
[meta]
id = "bad"
kind = "framework"
version = 1
title = "Bad"
source = "test"
effective_from = 2025-04-01
status = "confirmed"
"""


def parse(body: str) -> Framework:
    return parse_framework(read(HEAD + body, "bad.toml"))


def test_a_duplicate_item_id_in_another_group_is_refused_naming_the_item() -> None:
    with pytest.raises(DataFileError, match=r"bad\.toml: groups\[b\]\.items\[x1\]: duplicate id 'x1'"):
        parse("""
[framework]
structure = "competences"
[[groups]]
id = "a"
title = "A"
[[groups.items]]
id = "x1"
code = "1"
title = "One"
[[groups]]
id = "b"
title = "B"
[[groups.items]]
id = "x1"
code = "2"
title = "Two"
""")


def test_an_evidence_rule_naming_an_undeclared_type_is_refused_naming_the_item() -> None:
    with pytest.raises(DataFileError, match=r"groups\[a\]\.items\[x1\]\.evidence.*'portfolio'") as caught:
        parse("""
[framework]
structure = "criteria"
[[evidence_types]]
id = "reference"
title = "Reference"
[[groups]]
id = "a"
title = "A"
[[groups.items]]
id = "x1"
code = "1"
title = "One"
evidence = { all_of = ["reference", "portfolio"] }
""")
    assert caught.value.file == "bad.toml"


def test_levels_with_a_gap_are_refused() -> None:
    with pytest.raises(DataFileError, match="levels must be numbered 1 to 2 .* not 1, 3"):
        parse("""
[framework]
structure = "levelled"
[[levels]]
number = 1
title = "One"
[[levels]]
number = 3
title = "Three"
[[groups]]
id = "a"
title = "A"
[[groups.items]]
id = "x1"
code = "1"
title = "One"
""")


def test_a_variant_exempting_an_unknown_item_is_refused() -> None:
    with pytest.raises(DataFileError, match=r"variants\[short\]\.exempt_items.*'x9'"):
        parse("""
[framework]
structure = "competences"
[[groups]]
id = "a"
title = "A"
[[groups.items]]
id = "x1"
code = "1"
title = "One"
[[variants]]
id = "short"
title = "Short"
applies_to = "everyone"
exempt_items = ["x9"]
""")


def test_a_misspelt_key_is_refused_rather_than_ignored() -> None:
    with pytest.raises(DataFileError, match=r"groups\[a\]\.items\[x1\]\.uncertian: unknown key"):
        parse("""
[framework]
structure = "competences"
[[groups]]
id = "a"
title = "A"
[[groups.items]]
id = "x1"
code = "1"
title = "One"
uncertian = true
""")


# --- CTS-R ----------------------------------------------------------------------------------


def test_ctsr_has_twelve_items_scored_0_to_6_with_a_maximum_of_72() -> None:
    assert [i.number for i in CTSR.items] == list(range(1, 13))
    assert (CTSR.min_score, CTSR.max_score, CTSR.max_total) == (0, 6, 72)
    assert [a.title for a in CTSR.anchors] == [
        "Incompetent", "Novice", "Advanced beginner", "Competent", "Proficient", "Advanced", "Expert"]
    assert (CTSR.default_pass_total, CTSR.default_passes_required) == (36, 3)
    assert CTSR.uncertain_fields == ("default_passes_required",)


def test_ctsr_total_adds_the_twelve_item_scores() -> None:
    assert total(CTSR, scores(3)) == 36
    assert total(CTSR, scores(3, feedback=0, homework_setting=6)) == 36 - 3 + 3


def test_ctsr_35_fails_and_36_passes() -> None:
    assert not passed(CTSR, scores(3, feedback=2))  # 35
    assert passed(CTSR, scores(3))  # 36


def test_a_course_pass_mark_of_40_overrides_the_default() -> None:
    at_38 = scores(3, feedback=5)
    assert passed(CTSR, at_38)
    assert not passed(CTSR, at_38, pass_total=40)
    assert passed(CTSR, scores(3, feedback=5, collaboration=5), pass_total=40)
    assert pass_mark(CTSR, 40) == 40


def test_a_course_pass_mark_above_72_is_refused() -> None:
    with pytest.raises(ValueError, match="pass mark 73"):
        passed(CTSR, scores(3), pass_total=73)


def test_a_missing_ctsr_item_is_refused_naming_it() -> None:
    incomplete = scores(3)
    del incomplete["guided-discovery"]
    with pytest.raises(ValueError, match="item 9 'guided-discovery' .* has no score"):
        total(CTSR, incomplete)


def test_a_ctsr_score_of_7_is_refused_naming_the_item() -> None:
    with pytest.raises(ValueError, match="item 2 'feedback' .*score 7 is outside 0–6"):
        total(CTSR, scores(3, feedback=7))


def test_an_unknown_ctsr_item_is_refused() -> None:
    with pytest.raises(ValueError, match="no item 'warmth'"):
        total(CTSR, {**scores(3), "warmth": 3})


SCALE_HEAD = HEAD.replace('kind = "framework"', 'kind = "rating_scale"')


def test_a_default_pass_mark_above_the_maximum_total_is_refused() -> None:
    with pytest.raises(DataFileError, match=r"bad\.toml: scale\.default_pass_total: 13 is outside .* 0–12"):
        parse_rating_scale(read(SCALE_HEAD + """
[scale]
min_score = 0
max_score = 6
default_pass_total = 13
[[items]]
id = "a"
number = 1
title = "A"
[[items]]
id = "b"
number = 2
title = "B"
""", "bad.toml"))


def test_the_shipped_ctsr_file_with_its_pass_mark_raised_to_73_is_refused() -> None:
    text = (files("competences") / "data" / "rating_ctsr.toml").read_text(encoding="utf-8")
    with pytest.raises(DataFileError, match="default_pass_total: 73 is outside the possible totals 0–72"):
        parse_rating_scale(read(text.replace("default_pass_total = 36", "default_pass_total = 73"), "ctsr.toml"))


item_scores = st.fixed_dictionaries({i.id: st.integers(0, 6) for i in CTSR.items})


@settings(max_examples=50, deadline=None)
@given(item_scores, st.sampled_from([i.id for i in CTSR.items]), st.integers(0, 72))
def test_ctsr_total_is_the_sum_and_passing_is_monotonic_in_every_item(
        rated: dict[str, int], raised: str, mark: int) -> None:
    assert total(CTSR, rated) == sum(rated.values())
    if rated[raised] < 6:
        better = {**rated, raised: rated[raised] + 1}
        assert passed(CTSR, better, mark) >= passed(CTSR, rated, mark)
        assert passed(CTSR, better) >= passed(CTSR, rated)


def test_a_level_rule_on_a_framework_without_levels_is_refused():
    from competences.catalogue import parse
    from competences.datafile import DataFileError
    text = (Path(__file__).parents[2] / "competences" / "data" / "framework_ksa.toml").read_text()
    text = text.replace("[framework]\n", '[framework]\nlevel_rule = "latest_agreed"\n', 1)
    with pytest.raises(DataFileError, match="only a levelled framework has a level rule"):
        parse(text, "ksa-bad.toml")
