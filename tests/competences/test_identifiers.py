"""NHS numbers: the modulus-11 check digit (facts.md §12), hand-computed."""
from __future__ import annotations

import pytest

from competences.identifiers import check_digit, find_nhs_numbers, looks_like_nhs_number


def test_the_worked_example_943_476_5919_is_valid() -> None:
    # 9×10 + 4×9 + 3×8 + 4×7 + 7×6 + 6×5 + 5×4 + 9×3 + 1×2 = 299; 299 mod 11 = 2; 11 − 2 = 9.
    assert check_digit("943476591") == 9
    assert looks_like_nhs_number("943 476 5919")


def test_a_wrong_check_digit_is_invalid() -> None:
    assert not looks_like_nhs_number("943 476 5918")


def test_a_remainder_giving_check_digit_10_makes_every_number_invalid() -> None:
    # 943476596: 297 + 6×2 = 309; 309 mod 11 = 1; 11 − 1 = 10 → no valid number.
    assert check_digit("943476596") is None
    assert not any(looks_like_nhs_number(f"943476596{d}") for d in range(10))


def test_a_check_digit_of_11_becomes_0() -> None:
    # 943476590: 297; 297 mod 11 = 0; 11 − 0 = 11 → 0.
    assert check_digit("943476590") == 0
    assert looks_like_nhs_number("9434765900")


def test_spaced_hyphenated_and_plain_forms_are_recognised() -> None:
    assert looks_like_nhs_number("9434765919")
    assert looks_like_nhs_number("943-476-5919")
    assert looks_like_nhs_number("  943 476 5919 ")


def test_mixed_or_misplaced_separators_are_not_recognised() -> None:
    assert not looks_like_nhs_number("943 476-5919")
    assert not looks_like_nhs_number("9434 76 5919")


def test_nine_or_eleven_digits_are_rejected() -> None:
    assert not looks_like_nhs_number("943476591")
    assert not looks_like_nhs_number("94347659190")


def test_non_ascii_digits_are_not_nhs_numbers() -> None:
    assert not looks_like_nhs_number("٩٤٣٤٧٦٥٩١٩")


def test_nhs_numbers_are_found_inside_free_text_as_written() -> None:
    # 401 023 2137: 4×10 + 1×8 + 2×6 + 3×5 + 2×4 + 1×3 + 3×2 = 92; 92 mod 11 = 4; 11 − 4 = 7.
    text = "Saw client 943 476 5919 today; colleague's was 401-023-2137 (not 943 476 5918)."
    assert find_nhs_numbers(text) == ["943 476 5919", "401-023-2137"]


def test_digits_inside_longer_numbers_are_not_reported() -> None:
    assert find_nhs_numbers("order 94347659190 and 19434765919") == []


def test_numbers_glued_to_letters_are_still_found() -> None:
    assert find_nhs_numbers("ref:9434765919x") == ["9434765919"]


def test_text_without_numbers_finds_nothing() -> None:
    assert find_nhs_numbers("Reflected on agenda setting with my supervisor.") == []


def test_check_digit_needs_nine_digits() -> None:
    with pytest.raises(ValueError):
        check_digit("12345678")
