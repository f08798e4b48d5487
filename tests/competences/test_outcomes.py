"""Finished courses, caseness, recovery and reliable change (facts.md §11), hand-computed."""
from __future__ import annotations

from importlib.resources import files

import pytest

from competences.datafile import DataFileError, read
from competences.outcomes import CourseScores, OutcomeMeasures, measure, outcome, parse_outcome_measures

TEXT = (files("competences") / "data" / "outcome_measures.toml").read_text(encoding="utf-8")
DATA = parse_outcome_measures(read(TEXT, "outcome_measures.toml"))


def course(problem: str = "depression", sessions: int = 6, *, first: dict[str, int],
           last: dict[str, int]) -> CourseScores:
    return CourseScores(problem=problem, attended_treatment_sessions=sessions, first=first, last=last)


def test_phq9_and_gad7_carry_their_published_ranges_cut_offs_and_reliable_change() -> None:
    phq, gad = measure(DATA, "phq9"), measure(DATA, "gad7")
    assert (phq.min_score, phq.max_score, phq.caseness_from, phq.reliable_change) == (0, 27, 10, 6)
    assert (gad.min_score, gad.max_score, gad.caseness_from, gad.reliable_change) == (0, 21, 8, 4)
    assert DATA.min_attended_treatment_sessions == 2
    assert DATA.fallback_anxiety_measure == "gad7"


def test_disorder_specific_values_not_in_the_facts_are_unknown_and_uncertain() -> None:
    for ident in ("spin", "ies-r", "pcl5", "mi", "oci", "pdss", "hai", "wsas"):
        m = measure(DATA, ident)
        assert m.uncertain
        assert (m.min_score, m.max_score, m.caseness_from, m.reliable_change) == (None, None, None, None)


def test_each_problem_uses_phq9_with_its_own_anxiety_measure() -> None:
    pairs = {p.id: (p.depression_measure, p.anxiety_measure) for p in DATA.problems}
    assert pairs == {
        "depression": ("phq9", "gad7"), "gad": ("phq9", "gad7"), "mixed_anxiety_depression": ("phq9", "gad7"),
        "social_anxiety": ("phq9", "spin"), "ptsd": ("phq9", "pcl5"), "agoraphobia": ("phq9", "mi"),
        "ocd": ("phq9", "oci"), "panic": ("phq9", "pdss"), "health_anxiety": ("phq9", "hai"),
    }


def test_one_attended_treatment_session_is_not_a_finished_course_and_recovery_is_not_judged() -> None:
    result = outcome(DATA, course(sessions=1, first={"phq9": 12, "gad7": 9}, last={"phq9": 8, "gad7": 5}))
    assert not result.finished
    assert result.case_at_start is True
    assert (result.recovered, result.reliably_improved, result.reliably_deteriorated) == (None, None, None)
    assert any("1 attended treatment session, at least 2 needed" in n for n in result.notes)


def test_two_attended_treatment_sessions_finish_a_course() -> None:
    assert outcome(DATA, course(sessions=2, first={"phq9": 12, "gad7": 9}, last={"phq9": 8, "gad7": 5})).finished


def test_phq9_12_to_8_and_gad7_9_to_5_is_recovery_and_reliable_improvement() -> None:
    # Start: PHQ 12 ≥ 10 → caseness. End: PHQ 8 < 10 and GAD 5 < 8 → not caseness: recovered.
    # Falls: PHQ 4 < 6 (not reliable), GAD 4 ≥ 4 (reliable); no rise → reliable improvement.
    result = outcome(DATA, course(first={"phq9": 12, "gad7": 9}, last={"phq9": 8, "gad7": 5}))
    assert result.finished and result.case_at_start
    assert result.recovered is True
    assert result.reliably_improved is True
    assert result.reliably_deteriorated is False
    assert result.measures_used == ("phq9", "gad7")
    assert result.notes == ()


def test_a_phq9_fall_of_4_alone_is_not_reliable_improvement() -> None:
    result = outcome(DATA, course(first={"phq9": 12, "gad7": 9}, last={"phq9": 8, "gad7": 6}))
    assert result.reliably_improved is False  # PHQ fall 4 < 6, GAD fall 3 < 4


def test_phq9_of_10_is_caseness_and_9_is_not() -> None:
    assert outcome(DATA, course(first={"phq9": 10, "gad7": 0}, last={"phq9": 0, "gad7": 0})).case_at_start is True
    below = outcome(DATA, course(first={"phq9": 9, "gad7": 7}, last={"phq9": 0, "gad7": 0}))
    assert below.case_at_start is False
    assert below.recovered is None
    assert "Not at caseness at the start, so recovery does not apply." in below.notes


def test_gad7_of_8_is_caseness() -> None:
    assert outcome(DATA, course(first={"phq9": 0, "gad7": 8}, last={"phq9": 0, "gad7": 0})).case_at_start is True


def test_ending_at_a_cut_off_is_not_recovery() -> None:
    assert outcome(DATA, course(first={"phq9": 15, "gad7": 12}, last={"phq9": 10, "gad7": 3})).recovered is False
    assert outcome(DATA, course(first={"phq9": 15, "gad7": 12}, last={"phq9": 3, "gad7": 8})).recovered is False


def test_a_phq9_rise_of_6_is_reliable_deterioration() -> None:
    result = outcome(DATA, course(first={"phq9": 10, "gad7": 9}, last={"phq9": 16, "gad7": 9}))
    assert result.reliably_deteriorated is True
    assert result.reliably_improved is False


def test_a_phq9_rise_of_5_is_not_reliable_deterioration() -> None:
    assert outcome(DATA, course(first={"phq9": 10, "gad7": 9}, last={"phq9": 15, "gad7": 9})
                   ).reliably_deteriorated is False


def test_improvement_on_one_measure_with_deterioration_on_the_other_is_not_reliable_improvement() -> None:
    # PHQ falls 6 (reliable); GAD rises 4 (reliable deterioration).
    result = outcome(DATA, course(first={"phq9": 16, "gad7": 5}, last={"phq9": 10, "gad7": 9}))
    assert result.reliably_improved is False
    assert result.reliably_deteriorated is True


def test_social_anxiety_is_judged_on_spin() -> None:
    result = outcome(DATA, course("social_anxiety", first={"phq9": 15, "spin": 40, "gad7": 12},
                                  last={"phq9": 5, "spin": 10, "gad7": 3}))
    assert result.measures_used == ("phq9", "spin")


def test_social_anxiety_falls_back_to_gad7_with_a_note_when_spin_is_missing() -> None:
    result = outcome(DATA, course("social_anxiety", first={"phq9": 12, "gad7": 9}, last={"phq9": 8, "gad7": 5}))
    assert result.measures_used == ("phq9", "gad7")
    assert result.recovered is True and result.reliably_improved is True
    assert "SPIN was not scored at both first and last; GAD-7 was used instead (the fallback anxiety measure)." \
        in result.notes


def test_spins_unknown_cut_off_leaves_recovery_unknown_with_a_note_naming_it() -> None:
    # PHQ 12 → caseness at start is known; at the end PHQ 8 is below, but SPIN's cut-off is unknown.
    result = outcome(DATA, course("social_anxiety", first={"phq9": 12, "spin": 40}, last={"phq9": 8, "spin": 10}))
    assert result.case_at_start is True
    assert result.recovered is None
    assert any(n.startswith("Recovery cannot be judged") and "SPIN caseness cut-off is unknown" in n
               for n in result.notes)
    assert any("SPIN reliable-change value is unknown" in n for n in result.notes)


def test_a_known_value_still_decides_despite_an_unknown_one() -> None:
    # PHQ still at caseness at the end, so not recovered whatever SPIN's cut-off is; PHQ rose 6: deteriorated.
    result = outcome(DATA, course("social_anxiety", first={"phq9": 12, "spin": 40}, last={"phq9": 18, "spin": 40}))
    assert result.recovered is False
    assert result.reliably_deteriorated is True
    assert result.reliably_improved is False


def test_ptsd_uses_ies_r_when_pcl5_is_missing() -> None:
    result = outcome(DATA, course("ptsd", first={"phq9": 12, "ies-r": 50}, last={"phq9": 8, "ies-r": 20}))
    assert result.measures_used == ("phq9", "ies-r")
    assert any("PCL-5 was not scored" in n and "IES-R was used instead" in n for n in result.notes)


def test_a_score_outside_the_measure_range_is_refused_naming_the_measure() -> None:
    with pytest.raises(ValueError, match="PHQ-9 score 28 is outside its range"):
        outcome(DATA, course(first={"phq9": 28, "gad7": 9}, last={"phq9": 8, "gad7": 5}))
    with pytest.raises(ValueError, match="GAD-7 score -1 is outside its range"):
        outcome(DATA, course(first={"phq9": 12, "gad7": 9}, last={"phq9": 8, "gad7": -1}))


def test_an_unknown_measure_or_problem_is_refused() -> None:
    with pytest.raises(ValueError, match="no outcome measure 'bdi'"):
        outcome(DATA, course(first={"bdi": 20}, last={"bdi": 5}))
    with pytest.raises(ValueError, match="no presenting problem 'insomnia'"):
        outcome(DATA, course("insomnia", first={"phq9": 12}, last={"phq9": 8}))


def test_a_measure_value_neither_given_nor_listed_unknown_is_refused() -> None:
    broken = TEXT.replace('id = "gad7"\ncode = "GAD-7"', 'id = "gad7"\ncode = "GAD-7"\nunknown = []', 1).replace(
        "reliable_change = 4\n", "", 1)
    with pytest.raises(DataFileError, match=r"measures\[gad7\]\.reliable_change: is missing"):
        parse_outcome_measures(read(broken, "outcome_measures.toml"))


def test_a_problem_naming_an_unknown_measure_is_refused() -> None:
    broken = TEXT.replace('anxiety_measure = "hai"', 'anxiety_measure = "shai"')
    with pytest.raises(DataFileError, match=r"problems\[health_anxiety\]\.anxiety_measure: names 'shai'"):
        parse_outcome_measures(read(broken, "outcome_measures.toml"))


def test_data_is_an_outcome_measures_object() -> None:
    assert isinstance(DATA, OutcomeMeasures)
    assert DATA.meta.id == "outcome-measures"
