"""Pathway data files: they load, name what they depend on, document what feeds them, and judge real evidence."""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from competences.catalogue import build_catalogue, built_in_catalogue, parse
from competences.datafile import DataFileError
from competences.engine import evaluate
from competences.evidence import HrFacts
from competences.pathways import Pathway, feeds_table, render_feeds_markdown, window_label
from tests.competences import snapshots as s

DOCS = Path(__file__).resolve().parents[2] / "docs" / "pathways.md"

PATHWAY_IDS = (
    "babcp-practitioner-accreditation", "ksa-portfolio", "babcp-first-accreditation-audit", "babcp-reaccreditation",
    "babcp-supervisor-accreditation", "babcp-supervisor-maintenance", "pwp-register-babcp", "pwp-register-bps",
    "nmc-revalidation", "hcpc-renewal", "trainee-hit-to-band-7", "trainee-pwp-to-pwp", "next-pay-step",
    "senior-8a-readiness",
)


@pytest.fixture(scope="module")
def catalogue():
    return built_in_catalogue()


def pathway(catalogue, pathway_id: str) -> Pathway:
    return catalogue.current(pathway_id).content


def judge(catalogue, pathway_id, snapshot, settings=None):
    return evaluate(pathway(catalogue, pathway_id), snapshot, catalogue, settings)


# ---------------------------------------------------------------------------------------------
# Loading


def test_every_pathway_file_loads_into_the_built_in_catalogue(catalogue):
    assert sorted(catalogue.ids("pathway")) == sorted(PATHWAY_IDS)


@pytest.mark.parametrize("pathway_id", PATHWAY_IDS)
def test_every_pathway_has_a_source_an_effective_date_and_a_summary(catalogue, pathway_id):
    p = pathway(catalogue, pathway_id)
    assert p.meta.kind == "pathway"
    assert p.meta.source and p.meta.effective_from <= s.TODAY
    assert p.summary and p.applies_to
    assert p.requirement_ids() == tuple(p.record_kinds)
    for rule in p.requirements:
        assert rule.source, rule.id


def test_pathways_resting_on_uncertain_facts_say_so(catalogue):
    uncertain = {pid for pid in PATHWAY_IDS if pathway(catalogue, pid).meta.uncertain}
    assert uncertain == {"senior-8a-readiness", "babcp-supervisor-accreditation", "ksa-portfolio"}
    supervisor = pathway(catalogue, "babcp-supervisor-accreditation")
    assert supervisor.specs["supervisory-cpd"].uncertain


def test_record_kinds_come_from_each_rules_record(catalogue):
    assert dict(pathway(catalogue, "babcp-reaccreditation").record_kinds) == {
        "babcp-accreditation": "credentials",
        "supervision": "supervision",
        "supervision-not-group-only": "supervision",
        "cpd-activities": "cpd",
        "cpd-skills": "cpd",
        "caseload": "contacts",
    }
    assert dict(pathway(catalogue, "next-pay-step").record_kinds) == {
        "time-in-step": "employment", "appraisal": "hr", "no-capability-process": "hr",
        "no-disciplinary-sanction": "hr", "mandatory-training": "hr", "team-appraisals": "hr",
    }


def test_pathway_settings_hold_the_defaults_a_course_may_override(catalogue):
    p = pathway(catalogue, "babcp-practitioner-accreditation")
    assert dict(p.settings) == {"ctsr_pass_total": 36, "ctsr_passes_required": 3, "core_profession_route": True}
    assert p.references == ("ctsr",)
    assert dict(pathway(catalogue, "ksa-portfolio").settings) == {"ksa_variant": ""}
    assert pathway(catalogue, "trainee-hit-to-band-7").settings["require_babcp_accreditation"] is True


def test_window_labels_describe_the_window_table():
    assert window_label({"type": "rolling", "months": 12}, "minutes") == "rolling 12 months"
    assert window_label({"type": "rolling", "years": 1}, "count") == "rolling 1 year"
    assert window_label({"type": "rolling", "years": 1, "months": 6}, "count") == "rolling 1 year 6 months"
    assert window_label({"type": "declaration_year"}, "count") == "declaration year"
    assert window_label(None, "count") == "all time"
    assert window_label(None, "credential") == "as at today"


# ---------------------------------------------------------------------------------------------
# docs/pathways.md


def test_docs_pathways_md_is_the_rendered_output(catalogue):
    assert DOCS.read_text(encoding="utf-8") == render_feeds_markdown(catalogue), (
        "docs/pathways.md is stale: run `python -m competences.pathways > docs/pathways.md`")


def test_the_docs_say_how_to_regenerate_them(catalogue):
    first = render_feeds_markdown(catalogue).splitlines()[0]
    assert "python -m competences.pathways > docs/pathways.md" in first


def test_feeds_table_lists_every_requirement_with_its_record_and_window(catalogue):
    rows = feeds_table(catalogue)
    assert len(rows) == sum(len(pathway(catalogue, pid).requirements) for pid in PATHWAY_IDS)
    assert ("NMC revalidation", "At least 20 of those CPD hours participatory", "cpd", "rolling 3 years") in rows
    assert ("BABCP annual reaccreditation declaration", "A CBT caseload of at least 2 clinical contacts a week",
            "contacts", "declaration year") in rows


# ---------------------------------------------------------------------------------------------
# Malformed pathway files fail naming the file and the requirement

GOOD_HEAD = """
[meta]
id = "test-pathway"
kind = "pathway"
version = 1
title = "A test pathway"
source = "tests"
effective_from = 2025-01-01
status = "confirmed"

[pathway]
summary = "For tests."
applies_to = ["pwp"]
"""

CREDENTIAL = """
[[requirements]]
id = "{id}"
kind = "credential"
title = "A credential"
source = "tests"
credential_kinds = ["nmc"]
"""


def test_an_unknown_rule_kind_names_the_file_the_requirement_and_the_known_kinds():
    text = GOOD_HEAD + CREDENTIAL.format(id="reg").replace('kind = "credential"', 'kind = "vibes"')
    with pytest.raises(DataFileError) as err:
        parse(text, "pathway_bad.toml")
    message = str(err.value)
    assert message.startswith("pathway_bad.toml: requirements[reg]: unknown rule kind 'vibes'; known: ")
    assert "credential" in message and "monthly_minutes" in message


def test_a_duplicate_requirement_id_names_the_file_and_the_id():
    text = GOOD_HEAD + CREDENTIAL.format(id="reg") + CREDENTIAL.format(id="reg")
    with pytest.raises(DataFileError, match=r"^pathway_dup\.toml: requirements\[1\]: duplicate id 'reg'"):
        parse(text, "pathway_dup.toml")


def test_a_rule_parameter_error_names_the_requirement():
    text = GOOD_HEAD + CREDENTIAL.format(id="reg").replace('credential_kinds = ["nmc"]', 'credential_kinds = ["nmc"]\nmin = 3')
    with pytest.raises(DataFileError, match=r"^pathway_bad\.toml: requirements\[reg\]\.min: unknown parameter 'min'"):
        parse(text, "pathway_bad.toml")


def test_a_reference_to_an_unknown_framework_fails_when_the_catalogue_is_built():
    text = GOOD_HEAD + """
[[requirements]]
id = "signed"
kind = "signed_off"
title = "Everything signed off"
source = "tests"
framework = "no-such-framework"
"""
    parse(text, "pathway_ref.toml")  # the file alone is well formed
    with pytest.raises(DataFileError) as err:
        build_catalogue([("pathway_ref.toml", text)])
    assert str(err.value) == ("pathway_ref.toml: requirements[signed].framework: "
                              "no data file with id 'no-such-framework' in the catalogue")


def test_a_reference_to_a_file_of_the_wrong_kind_fails():
    text = GOOD_HEAD + """
[[requirements]]
id = "passes"
kind = "ratings"
title = "Passed ratings"
source = "tests"
scale = "ksa"
min_passed = 1
"""
    with pytest.raises(DataFileError, match=r"requirements\[passes\]\.scale: 'ksa' is a framework, not a rating_scale"):
        build_catalogue([("pathway_kind.toml", text)])


def test_an_unknown_id_in_references_fails_when_the_catalogue_is_built():
    text = GOOD_HEAD.replace('applies_to = ["pwp"]', 'applies_to = ["pwp"]\nreferences = ["ctsr", "gone"]') + CREDENTIAL.format(id="reg")
    with pytest.raises(DataFileError, match=r"^pathway_refs\.toml: pathway\.references: no data file with id 'gone'"):
        build_catalogue([("pathway_refs.toml", text)])


def test_a_pass_setting_must_be_a_pathway_setting():
    text = GOOD_HEAD + """
[[requirements]]
id = "passes"
kind = "ratings"
title = "Passed ratings"
source = "tests"
scale = "ctsr"
min_passed = 1
pass_setting = "ctsr_pass_mark"
"""
    with pytest.raises(DataFileError, match=r"requirements\[passes\]\.pass_setting: names 'ctsr_pass_mark', which is not in \[pathway\.settings\]"):
        parse(text, "pathway_setting.toml")


def test_applies_when_must_name_a_true_false_setting():
    text = GOOD_HEAD + CREDENTIAL.format(id="reg") + 'applies_when = "needs_it"\n'
    with pytest.raises(DataFileError, match=r"requirements\[reg\]\.applies_when: names 'needs_it'"):
        parse(text, "pathway_when.toml")


def test_settings_refuse_floats_and_skip_must_name_requirements():
    with pytest.raises(DataFileError, match=r"pathway\.settings\.mark: write decimals as strings"):
        parse(GOOD_HEAD + "\n[pathway.settings]\nmark = 36.5\n" + CREDENTIAL.format(id="reg"), "pathway_float.toml")
    with pytest.raises(DataFileError, match=r"pathway\.settings\.skip: must be a list of requirement ids"):
        parse(GOOD_HEAD + '\n[pathway.settings]\nskip = ["nope"]\n' + CREDENTIAL.format(id="reg"), "pathway_skip.toml")


def test_an_unknown_key_in_the_pathway_table_is_refused():
    text = GOOD_HEAD.replace('summary = "For tests."', 'summary = "For tests."\nsumary = "typo"') + CREDENTIAL.format(id="reg")
    with pytest.raises(DataFileError, match=r"^pathway_key\.toml: pathway\.sumary: unknown key 'sumary'"):
        parse(text, "pathway_key.toml")


def test_a_pathway_needs_requirements():
    with pytest.raises(DataFileError, match=r"pathway_empty\.toml: requirements: is missing"):
        parse(GOOD_HEAD, "pathway_empty.toml")


def test_a_corrected_pathway_version_loads_through_the_same_path(catalogue):
    original = catalogue.current("trainee-hit-to-band-7")
    corrected = original.text.replace("version = 1", "version = 2", 1).replace(
        "require_babcp_accreditation = true", "require_babcp_accreditation = false")
    built = build_catalogue([("pathway_trainee_hit_to_band_7.toml", corrected)])
    assert [v.meta.version for v in built.versions("trainee-hit-to-band-7")] == [1, 2]
    report = evaluate(built.current("trainee-hit-to-band-7").content, s.qualified_hit(accredited=False), built)
    assert report.status == "ready" and report.pathway_version == 2


# ---------------------------------------------------------------------------------------------
# Every pathway: a snapshot that meets it, and one that misses exactly one requirement


@pytest.mark.parametrize("pathway_id", PATHWAY_IDS)
def test_the_builders_snapshot_meets_its_pathway(catalogue, pathway_id):
    report = judge(catalogue, pathway_id, s.all_builders()[pathway_id])
    assert report.status == "ready", [r for r in report.requirements if r.met is not True]
    assert report.not_met == report.unknown == 0
    assert report.met == len(pathway(catalogue, pathway_id).requirements)


def only_unmet(report):
    unmet = [r for r in report.requirements if r.met is not True]
    assert report.status == "not_ready" and report.not_met == 1 and report.unknown == 0, unmet
    assert len(unmet) == 1
    return unmet[0]


def test_practitioner_accreditation_counts_no_more_than_40_online_hours_as_taught(catalogue):
    # 7 taught-live blocks × 1,200 = 8,400 + online 3,000 capped at 2,400 = 10,800 min of the 12,000 (200 h):
    # 20 h short. Without the cap it would be 11,400 (10 h short). Total training is still 27,000.
    miss = only_unmet(judge(catalogue, "babcp-practitioner-accreditation", s.trainee_hit_year(taught_live_blocks=7)))
    assert miss.id == "taught-hours"
    assert (miss.have, miss.need) == (10800, 12000)
    assert miss.missing[0].startswith("You need 20 h more taught-live or online-interactive training")


def test_practitioner_accreditation_meets_the_hand_counted_figures(catalogue):
    report = judge(catalogue, "babcp-practitioner-accreditation", s.trainee_hit_year())
    have = {r.id: r.have for r in report.requirements}
    assert have["training-hours"] == 27000  # 12,000 + 3,000 + 12,000
    assert have["taught-hours"] == 14400  # 12,000 + 2,400 (online capped)
    assert have["skills-training"] == 16200  # 7,200 + 3,000 + 6,000
    assert have["supervised-practice"] == 12000  # 50 × 240
    assert have["training-cases"] == 8
    assert have["supervision-hours"] == 3000  # 40 × 60 + 10 × (120 ÷ 4 × 2); the group of 6 counts 0
    assert set(report.result("ctsr-passes").counted) == {"r1", "r2", "r3"}


def test_the_ksa_route_stands_in_for_a_core_profession(catalogue):
    # Without a core profession the core-profession requirement fails ...
    miss = only_unmet(judge(catalogue, "babcp-practitioner-accreditation", s.trainee_hit_year(core_profession=False)))
    assert miss.id == "core-profession"
    # ... unless the person is on the KSA route, where it does not apply and ksa-portfolio is judged instead.
    report = judge(catalogue, "babcp-practitioner-accreditation", s.trainee_hit_year(core_profession=False),
                   {"core_profession_route": False})
    assert report.status == "ready" and report.not_applicable == ("core-profession",)


def test_ksa_portfolio_names_the_criterion_not_signed_off(catalogue):
    items = tuple(i for i in s.KSA_ITEMS if i != "ksa-3")  # 13 of 14
    miss = only_unmet(judge(catalogue, "ksa-portfolio", s.ksa_portfolio(items=items)))
    assert (miss.have, miss.need) == (13, 14)
    assert miss.missing == ("Psychopathology and diagnostic skills (not signed off)",)


def test_ksa_condensed_variant_is_a_setting(catalogue):
    condensed = tuple(i for i in s.KSA_ITEMS if i not in s.KSA_CONDENSED_EXEMPT)  # 9 criteria
    full = judge(catalogue, "ksa-portfolio", s.ksa_portfolio(items=condensed))
    assert full.status == "not_ready" and full.result("ksa-criteria").have == 9
    report = judge(catalogue, "ksa-portfolio", s.ksa_portfolio(items=condensed), {"ksa_variant": "condensed-pwp"})
    assert report.status == "ready" and report.result("ksa-criteria").need == 9


def test_first_accreditation_audit_needs_supervision_in_every_month(catalogue):
    # February 2025 has no supervision; the other 10 complete months have 120 min: average 1,200 ÷ 11 = 109 ≥ 90.
    miss = only_unmet(judge(catalogue, "babcp-first-accreditation-audit", s.newly_accredited(skip_month=dt.date(2025, 2, 1))))
    assert miss.id == "supervision-every-month"
    assert (miss.have, miss.need) == (10, 11)
    assert miss.missing == ("You had 0 min of CBT supervision in February 2025; you need at least 1 min every month.",)


def test_first_accreditation_audit_needs_a_supervisors_report(catalogue):
    miss = only_unmet(judge(catalogue, "babcp-first-accreditation-audit", s.newly_accredited(supervisor_report=False)))
    assert miss.id == "supervisor-report"
    assert miss.missing == ("You need 1 more supervisor's report in the 12 months to 15 June 2025.",)


def test_reaccreditation_refuses_group_only_supervision_at_full_time(catalogue):
    # Every session is a group (of 4 or 5): 120 min a month still averages ≥ 90, but at 1.0 WTE that is not enough.
    miss = only_unmet(judge(catalogue, "babcp-reaccreditation", s.accredited_therapist(group_only=True)))
    assert miss.id == "supervision-not-group-only"
    assert miss.missing == ("You need some individual CBT supervision: group supervision alone is not enough "
                            "when you work 1 WTE.",)
    part_time = judge(catalogue, "babcp-reaccreditation", s.accredited_therapist(group_only=True, employment=s.part_time("0.4")))
    assert part_time.status == "ready"


def test_reaccreditation_without_supervision_fails_only_the_amount(catalogue):
    # 0 min a month: the average fails; "not group only" has nothing counted, so it raises no objection.
    snapshot = dataclasses.replace(s.accredited_therapist(), supervision=())
    miss = only_unmet(judge(catalogue, "babcp-reaccreditation", snapshot))
    assert miss.id == "supervision"
    assert "16 h 30 min more CBT supervision" in miss.missing[0]  # 11 months × 90 min


def test_reaccreditation_supervision_is_pro_rata_to_45_minutes_under_half_time(catalogue):
    # 30 + 30 = 60 min a month: short of 90 at full time (11 months × 30 = 5 h 30 min short), enough at 0.4 WTE (45).
    miss = only_unmet(judge(catalogue, "babcp-reaccreditation", s.accredited_therapist(individual_minutes=30, group_minutes=30)))
    assert miss.id == "supervision"
    assert (miss.have, miss.need) == (60, 90)
    assert "5 h 30 min more CBT supervision" in miss.missing[0]
    report = judge(catalogue, "babcp-reaccreditation",
                   s.accredited_therapist(individual_minutes=30, group_minutes=30, employment=s.part_time("0.4")))
    assert report.status == "ready" and report.result("supervision").need == 45


def test_reaccreditation_counts_only_one_non_cbt_activity(catalogue):
    # Two non-CBT activities: only the first (March) counts, so 4 of the 5 needed.
    miss = only_unmet(judge(catalogue, "babcp-reaccreditation", s.accredited_therapist(second_non_cbt=True)))
    assert miss.id == "cpd-activities"
    assert (miss.have, miss.need) == (4, 5)
    assert "leadership-course" in " ".join(miss.notes)


def test_reaccreditation_needs_two_cbt_contacts_a_week(catalogue):
    # 1 contact a week for 50 weeks = 50; 2 a week needs 100.
    miss = only_unmet(judge(catalogue, "babcp-reaccreditation", s.accredited_therapist(contacts_per_week=1)))
    assert miss.id == "caseload"
    assert miss.missing[0].startswith("You need 50 more CBT clinical contacts")


def test_supervisor_accreditation_does_not_count_supervision_of_pwps(catalogue):
    # The 20th's 24 sessions are of PWPs: 24 × 150 = 3,600 of the 4,800 (80 h) count: 20 h short.
    miss = only_unmet(judge(catalogue, "babcp-supervisor-accreditation", s.experienced_supervisor(pwp_only_on_20th=True)))
    assert miss.id == "supervision-given"
    assert (miss.have, miss.need) == (3600, 4800)
    assert miss.missing == ("You need 20 h more CBT supervision given in the 2 years to 15 June 2025.",)


def test_supervisor_maintenance_needs_supervisory_cpd(catalogue):
    miss = only_unmet(judge(catalogue, "babcp-supervisor-maintenance", s.experienced_supervisor(supervisory_cpd=False)))
    assert miss.id == "supervisory-cpd"
    assert miss.missing[0].startswith("You need 1 more supervisory CPD activity (professional category)")


def test_pwp_register_babcp_needs_two_different_interventions_assessed(catalogue):
    snapshot = s.registered_pwp(interventions=("behavioural_activation", "behavioural_activation"))
    miss = only_unmet(judge(catalogue, "pwp-register-babcp", snapshot))
    assert miss.id == "live-assessments"
    assert miss.missing[0].startswith("You need 1 more live assessment with a different intervention")


def test_pwp_register_bps_needs_three_cbt_informed_statements(catalogue):
    # Only the first 2 of the 5 activities are CBT-informed; BPS needs 3 (all 5 still have statements).
    miss = only_unmet(judge(catalogue, "pwp-register-bps", s.registered_pwp(register="bps_wpwr", cbt_informed=2)))
    assert miss.id == "cpd-cbt-informed"
    assert (miss.have, miss.need) == (2, 3)


def test_the_bps_register_does_not_accept_the_babcp_register(catalogue):
    miss = only_unmet(judge(catalogue, "pwp-register-bps", s.registered_pwp()))
    assert miss.id == "register"


def test_nmc_revalidation_needs_20_participatory_hours(catalogue):
    # 3 participatory × 360 = 1,080 of 1,200: 2 h short; total CPD still 2,160 ≥ 2,100.
    miss = only_unmet(judge(catalogue, "nmc-revalidation", s.nmc_nurse(participatory=3)))
    assert miss.id == "cpd-participatory"
    assert miss.missing == ("You need 2 h more participatory CPD in the 3 years to 15 June 2025.",)


def test_hcpc_renewal_needs_a_mixture_of_activities(catalogue):
    miss = only_unmet(judge(catalogue, "hcpc-renewal", s.hcpc_registrant(categories=("clinical", "clinical", "clinical"))))
    assert miss.id == "cpd-mixture"
    assert (miss.have, miss.need) == (1, 2)


def test_trainee_hit_needs_babcp_accreditation_unless_the_service_does_not(catalogue):
    miss = only_unmet(judge(catalogue, "trainee-hit-to-band-7", s.qualified_hit(accredited=False)))
    assert miss.id == "babcp-accreditation"
    assert miss.missing == ("You need BABCP accreditation; none is recorded.",)
    report = judge(catalogue, "trainee-hit-to-band-7", s.qualified_hit(accredited=False),
                   {"require_babcp_accreditation": False})
    assert report.status == "ready" and report.not_applicable == ("babcp-accreditation",)
    assert report.result("babcp-accreditation").notes == (
        "Not applicable: the setting require_babcp_accreditation is off.",)


def test_trainee_pwp_needs_to_pass_training(catalogue):
    miss = only_unmet(judge(catalogue, "trainee-pwp-to-pwp", s.trainee_pwp_year(passed=False)))
    assert miss.id == "pwp-training"


def test_next_pay_step_waits_for_the_step_date(catalogue):
    # Band 7 entry step from 1 January 2024: 2 years → 1 January 2026; every standard is met.
    report = judge(catalogue, "next-pay-step", s.band_7_therapist(step_started_on=dt.date(2024, 1, 1)))
    miss = only_unmet(report)
    assert miss.id == "time-in-step"
    assert miss.expected_on == dt.date(2026, 1, 1)
    assert report.expected_ready_on == dt.date(2026, 1, 1)
    assert report.summary.endswith("expected to be ready on 1 January 2026.")


def test_next_pay_step_asks_line_managers_for_their_teams_appraisals(catalogue):
    hr = HrFacts(last_appraisal_on=dt.date(2025, 1, 20), mandatory_training_complete=True, capability_process=False,
                 live_disciplinary_sanction=False, team_appraisals_done=False)
    miss = only_unmet(judge(catalogue, "next-pay-step", s.band_7_therapist(line_manager=True, hr=hr)))
    assert miss.id == "team-appraisals"
    assert judge(catalogue, "next-pay-step", s.band_7_therapist(line_manager=True)).status == "ready"


def test_senior_8a_readiness_needs_a_supervisor_credential_and_is_marked_uncertain(catalogue):
    report = judge(catalogue, "senior-8a-readiness", s.experienced_supervisor(supervisor_accreditation=False))
    miss = only_unmet(report)
    assert miss.id == "supervisor-credential"
    assert report.uncertain


def test_each_pathway_notes_reach_the_result(catalogue):
    report = judge(catalogue, "nmc-revalidation", s.nmc_nurse())
    assert any("non-clinical practice" in n for n in report.result("practice-hours").notes)


def test_reports_keep_the_snapshot_unchanged(catalogue):
    snapshot = s.trainee_hit_year()
    before = dataclasses.astuple(snapshot)
    judge(catalogue, "babcp-practitioner-accreditation", snapshot)
    assert dataclasses.astuple(snapshot) == before
