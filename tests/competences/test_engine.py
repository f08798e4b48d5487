"""The readiness engine: status, expected dates, settings, skipped requirements and the summary sentence."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from competences.catalogue import built_in_catalogue, parse
from competences.engine import ReadinessReport, evaluate, merged_settings
from competences.evidence import CpdActivity, HrFacts, Snapshot
from tests.competences import snapshots as s


@pytest.fixture(scope="module")
def catalogue():
    return built_in_catalogue()


def pathway(catalogue, pathway_id):
    return catalogue.current(pathway_id).content


#: Two CPD counts over rolling windows and an HR fact, so each status can be reached by hand.
TEST_PATHWAY = """
[meta]
id = "engine-test"
kind = "pathway"
version = 3
title = "Engine test pathway"
source = "tests"
effective_from = 2025-01-01
status = "confirmed"

[pathway]
summary = "For engine tests."
applies_to = ["pwp"]

[pathway.settings]
flag = true

[[requirements]]
id = "four-a-year"
kind = "count"
title = "4 CPD activities in 12 months"
source = "tests"
record = "cpd"
min = 4
window = { type = "rolling", months = 12 }
leave_pauses = []

[[requirements]]
id = "two-skills"
kind = "count"
title = "2 skills activities in 12 months"
source = "tests"
record = "cpd"
where = { cbt_skills = true }
min = 2
window = { type = "rolling", months = 12 }
leave_pauses = []

[[requirements]]
id = "training"
kind = "hr_fact"
title = "Mandatory training complete"
source = "tests"
fact = "mandatory_training"
notes = "A note from the pathway file."
"""


@pytest.fixture(scope="module")
def test_pathway():
    return parse(TEST_PATHWAY, "pathway_engine_test.toml").content


def activity(ident: str, on: dt.date, *, skills: bool = False) -> CpdActivity:
    return CpdActivity(id=ident, start=on, end=on, title=ident, category="clinical", minutes=60, cbt_skills=skills)


def person(*activities: CpdActivity, training: bool | None = True) -> Snapshot:
    return Snapshot(person_id="p", today=s.TODAY, cpd=activities, hr=HrFacts(mandatory_training_complete=training))


# Rolling 12 months to 15 June 2025 = 16 June 2024 – 15 June 2025 (365 days).
FOUR = (activity("a", dt.date(2024, 8, 1), skills=True), activity("b", dt.date(2024, 11, 1), skills=True),
        activity("c", dt.date(2025, 2, 1)), activity("d", dt.date(2025, 5, 1)))


def test_ready_only_when_every_requirement_is_met(test_pathway, catalogue):
    report = evaluate(test_pathway, person(*FOUR), catalogue)
    assert (report.status, report.met, report.not_met, report.unknown) == ("ready", 3, 0, 0)
    assert report.summary == "Ready: all 3 requirements met."
    assert report.expected_ready_on is None


def test_cannot_tell_when_nothing_is_unmet_but_something_is_unrecorded(test_pathway, catalogue):
    report = evaluate(test_pathway, person(*FOUR, training=None), catalogue)
    assert (report.status, report.met, report.not_met, report.unknown) == ("cannot_tell", 2, 0, 1)
    assert report.summary == ("Cannot tell yet: 1 of 3 requirements cannot be judged until more is recorded "
                              "(Mandatory training complete).")


def test_cannot_tell_when_an_hr_fact_is_unrecorded_on_the_pay_step(catalogue):
    hr = HrFacts(last_appraisal_on=dt.date(2025, 1, 20), mandatory_training_complete=True, capability_process=None,
                 live_disciplinary_sanction=False)
    report = evaluate(pathway(catalogue, "next-pay-step"), s.band_7_therapist(hr=hr), catalogue)
    assert report.status == "cannot_tell"
    assert report.result("no-capability-process").met is None
    assert report.result("no-capability-process").notes == ("Whether you are in a capability process is not recorded.",)


def test_not_ready_wins_over_unknown_and_then_there_is_no_expected_date(test_pathway, catalogue):
    report = evaluate(test_pathway, person(*FOUR[:3], training=None), catalogue)
    assert (report.status, report.not_met, report.unknown) == ("not_ready", 1, 1)
    assert report.result("four-a-year").expected_on is not None
    assert report.expected_ready_on is None
    assert report.summary == ("Not ready: 1 of 3 requirements not met (4 CPD activities in 12 months). "
                              "1 more cannot be judged yet (Mandatory training complete).")


def test_expected_ready_on_is_the_latest_expected_date_of_the_unmet(test_pathway, catalogue):
    # 16 June 2024 – 15 June 2025 is 365 days so far. Three activities (one skills):
    #   four-a-year: 3 of 4 → 1 more at 3 per 365 days → ceil(1 × 365 ÷ 3) = 122 days → 15 October 2025;
    #   two-skills:  1 of 2 → 1 more at 1 per 365 days → 365 days → 15 June 2026 (the later one).
    report = evaluate(test_pathway, person(FOUR[0], FOUR[2], FOUR[3]), catalogue)
    assert report.result("four-a-year").expected_on == dt.date(2025, 10, 15)
    assert report.result("two-skills").expected_on == dt.date(2026, 6, 15)
    assert report.expected_ready_on == dt.date(2026, 6, 15)
    assert report.summary.endswith("At the current rate, expected to be ready on 15 June 2026.")


def test_no_expected_date_when_an_unmet_requirement_has_none(test_pathway, catalogue):
    # No skills activity at all: no rate, so no date for two-skills, so none for the pathway.
    report = evaluate(test_pathway, person(FOUR[2], FOUR[3]), catalogue)
    assert report.result("two-skills").expected_on is None
    assert report.expected_ready_on is None


def test_requirements_follow_the_file_order_and_carry_the_files_notes(test_pathway, catalogue):
    report = evaluate(test_pathway, person(*FOUR), catalogue)
    assert [r.id for r in report.requirements] == ["four-a-year", "two-skills", "training"]
    assert report.result("training").notes[-1] == "A note from the pathway file."
    assert (report.pathway_id, report.pathway_version, report.title, report.today) == (
        "engine-test", 3, "Engine test pathway", s.TODAY)


def test_the_report_is_frozen(test_pathway, catalogue):
    report = evaluate(test_pathway, person(*FOUR), catalogue)
    assert isinstance(report, ReadinessReport)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.status = "ready"  # type: ignore[misc]
    with pytest.raises(TypeError):
        report.settings["flag"] = False  # type: ignore[index]


# ---------------------------------------------------------------------------------------------
# Settings


def test_skip_turns_requirements_off_and_shows_them_as_not_applicable(test_pathway, catalogue):
    report = evaluate(test_pathway, person(*FOUR[:3]), catalogue, {"skip": ["four-a-year"]})
    assert report.status == "ready"
    assert report.not_applicable == ("four-a-year",)
    assert not report.is_applicable("four-a-year")
    skipped = report.result("four-a-year")
    assert (skipped.met, skipped.unit, skipped.notes) == (None, "not applicable", ("Not applicable: turned off by the service.",))
    assert (report.met, report.not_met, report.unknown) == (2, 0, 0)
    assert report.summary == "Ready: all 2 requirements met."


def test_skip_accepts_one_id_and_refuses_ids_the_pathway_does_not_have(test_pathway, catalogue):
    assert evaluate(test_pathway, person(*FOUR[:3]), catalogue, {"skip": "four-a-year"}).status == "ready"
    with pytest.raises(ValueError, match="cannot skip 'four-a-yaer'; requirements are four-a-year, two-skills, training"):
        evaluate(test_pathway, person(*FOUR), catalogue, {"skip": ("four-a-yaer",)})


def test_skipping_the_babcp_requirement_of_the_band_7_pathway(catalogue):
    report = evaluate(pathway(catalogue, "trainee-hit-to-band-7"), s.qualified_hit(accredited=False), catalogue,
                      {"skip": ("babcp-accreditation",)})
    assert report.status == "ready"
    assert report.summary == "Ready: the one requirement is met."


def test_settings_override_the_pathway_defaults_and_keep_their_type(test_pathway):
    assert dict(merged_settings(test_pathway, None)) == {"flag": True}
    assert dict(merged_settings(test_pathway, {"flag": False, "elsewhere": 40})) == {"flag": False, "elsewhere": 40}
    with pytest.raises(ValueError, match="setting 'flag' must be like True, not 1"):
        merged_settings(test_pathway, {"flag": 1})


def test_a_settings_mapping_is_not_changed_by_the_engine(test_pathway, catalogue):
    given = {"skip": ["four-a-year"]}
    evaluate(test_pathway, person(*FOUR), catalogue, given)
    assert given == {"skip": ["four-a-year"]}


# ---------------------------------------------------------------------------------------------
# A course's CTS-R pass mark


@pytest.mark.parametrize(("totals", "course_mark", "passes", "status"), [
    # Ratings on the 3 closely supervised cases (plus an early 30, which never passes).
    ((36, 38, 41), None, 3, "ready"),          # the pathway's default mark, 36: 36, 38, 41 pass
    ((35, 38, 41), None, 2, "not_ready"),      # 35 misses 36
    ((35, 38, 41), 35, 3, "ready"),            # a course passing at 35
    ((36, 38, 41), 40, 1, "not_ready"),        # a course passing at 40: only 41
])
def test_a_course_setting_overrides_the_ctsr_pass_mark(catalogue, totals, course_mark, passes, status):
    settings = None if course_mark is None else {"ctsr_pass_total": course_mark}
    report = evaluate(pathway(catalogue, "babcp-practitioner-accreditation"), s.trainee_hit_year(ctsr_totals=totals),
                      catalogue, settings)
    result = report.result("ctsr-passes")
    assert (result.have, report.status) == (passes, status)
    assert f"Pass mark {course_mark or 36} (setting ctsr_pass_total)." in result.notes
    assert report.settings["ctsr_pass_total"] == (course_mark or 36)


@pytest.mark.parametrize(("passes_required", "status"), [(None, "ready"), (2, "ready"), (4, "not_ready")])
def test_a_course_setting_sets_how_many_passing_ctsr_recordings_are_needed(catalogue, passes_required, status):
    # Three closely supervised cases each rated 36, 38 and 41: three passes at the default mark of 36.
    settings = None if passes_required is None else {"ctsr_passes_required": passes_required}
    report = evaluate(pathway(catalogue, "babcp-practitioner-accreditation"),
                      s.trainee_hit_year(ctsr_totals=(36, 38, 41)), catalogue, settings)
    result = report.result("ctsr-passes")
    assert (result.have, result.need) == (3, passes_required or 3)
    assert report.status == status


def test_a_pathway_further_off_than_the_horizon_gets_no_date_but_says_so(test_pathway, catalogue, monkeypatch):
    # Same evidence as above (ready on 15 June 2026, a year off); with a horizon of 0 years that is too far to name.
    import competences.engine as engine_module

    monkeypatch.setattr(engine_module, "EXPECTED_HORIZON_YEARS", 0)
    report = evaluate(test_pathway, person(FOUR[0], FOUR[2], FOUR[3]), catalogue)
    assert report.expected_ready_on is None
    assert report.summary.endswith("At the current rate, not within 0 years.")
