"""The patient-identifier guard: NHS numbers, postcodes and dates of birth are refused, with the reason."""
import pytest

from app.services.errors import DomainError
from app.services.privacy import check_case_reference, patient_identifier_problem, refuse_patient_identifiers

WHY = "Waymark holds staff records only, never patient identifiers"


# --- NHS numbers (modulus 11, facts §12) -------------------------------------------------------

@pytest.mark.parametrize("text", [
    "943 476 5919",
    "943-476-5919",
    "9434765919",
    "Discussed the client (NHS 943 476 5919) in supervision",
    "ref:9434765919.",
])
def test_a_valid_nhs_number_is_refused_in_any_of_its_written_forms(text):
    assert patient_identifier_problem(text) == f"This looks like an NHS number. {WHY}: remove it."


@pytest.mark.parametrize("text", [
    "943 476 5918",  # the check digit should be 9
    "943-476-5918",
    "9434765918",
    "943 476-5919",  # mixed separators are not the 3-3-4 form
    "19434765919",  # eleven digits: part of something longer
    "Saw 12 clients for 50 minutes",
])
def test_numbers_that_are_not_valid_nhs_numbers_are_allowed(text):
    assert patient_identifier_problem(text) is None


# --- postcodes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["SW1A 1AA", "M1 1AE", "B33 8TH", "cr2 6xh", "SW1A1AA",
                                  "The client moved to B33 8TH last month"])
def test_a_uk_postcode_is_refused_whatever_its_case_or_spacing(text):
    assert patient_identifier_problem(text) == f"This looks like a postcode. {WHY}: remove it."


@pytest.mark.parametrize("text", [
    "CBT",
    "step 2",
    "Step 3 CBT for PTSD",
    "PHQ-9 went from 18 to 7 and GAD-7 from 15 to 6",
    "Guided self-help, 6 sessions of 30 minutes",
    "Moved the A1 clinic room",
])
def test_clinical_shorthand_is_not_taken_for_a_postcode(text):
    assert patient_identifier_problem(text) is None


# --- dates of birth ----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "DOB 12/03/1985",
    "d.o.b. 1985-03-12",
    "born 3 March 1990",
    "Date of birth: 3rd March 1990",
    "Client born on 12.03.1985, referred by GP",
])
def test_a_full_date_next_to_a_birth_cue_is_refused_in_free_text(text):
    assert patient_identifier_problem(text) == f"This looks like a date of birth. {WHY}: remove it."


@pytest.mark.parametrize("text", [
    "session on 12/03/2025",
    "Workshop on 3 March 2025 about exposure",
    "born in 1990",  # a year alone is not a full date of birth
    "DOB not recorded here",
])
def test_a_date_without_a_birth_cue_or_a_partial_date_is_allowed_in_free_text(text):
    assert patient_identifier_problem(text) is None


@pytest.mark.parametrize("ref", [
    "NTT-12/03/2025", "NTT-2025-03-12", "HI 3 March 1990", "NTT 12.03.1985", "C12.03.1985", "NTT_12.03.1985",
])
def test_a_case_reference_with_any_full_date_is_refused(ref):
    with pytest.raises(DomainError) as err:
        check_case_reference(ref)
    assert err.value.field == "case_ref"
    assert err.value.message == f"This looks like a date of birth. {WHY}: remove it."


@pytest.mark.parametrize("ref", ["NTT-HI-0042", "PWP-2025-17", "HI-03-2025", "Case 7"])
def test_an_anonymised_case_reference_is_allowed(ref):
    check_case_reference(ref)


@pytest.mark.parametrize("ref, kind", [("NTT-9434765919", "an NHS number"), ("SW1A 1AA", "a postcode")])
def test_a_case_reference_holding_another_identifier_says_which(ref, kind):
    with pytest.raises(DomainError) as err:
        check_case_reference(ref, field="cases-0-case_ref")
    assert err.value.field == "cases-0-case_ref" and f"looks like {kind}" in err.value.message


# --- the guard the services call ---------------------------------------------------------------

def test_refusing_names_the_field_so_the_message_shows_beside_it():
    with pytest.raises(DomainError) as err:
        refuse_patient_identifiers("Client 943 476 5919 improved", "themes")
    assert err.value.field == "themes"
    assert "NHS number" in err.value.message and WHY in err.value.message


@pytest.mark.parametrize("text", [None, "", "   "])
def test_empty_text_has_nothing_to_refuse(text):
    assert patient_identifier_problem(text) is None
    refuse_patient_identifiers(text, "notes")
