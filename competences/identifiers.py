"""Spotting NHS numbers, so that free text (reflections, case notes, comments) never stores a patient identifier.

An NHS number is 10 digits whose last is a modulus-11 check digit (NHS Data Dictionary,
facts.md §12), often written 3-3-4 with spaces or hyphens. Only ASCII digits count.
"""
from __future__ import annotations

import re

#: 3-3-4 digits with the same separator (none, one space or one hyphen) in both places.
_SHAPE = r"[0-9]{3}([ -]?)[0-9]{3}\1[0-9]{4}"
_WHOLE = re.compile(_SHAPE)
#: Candidates not glued to further digits; a lookahead so that overlapping candidates are all tried.
_INSIDE = re.compile(r"(?<![0-9])(?=(" + _SHAPE.replace(r"\1", r"\2") + r")(?![0-9]))")

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when the remainder rule gives 10 (no valid number)."""
    if len(first_nine) != 9 or not first_nine.isascii() or not first_nine.isdigit():
        raise ValueError(f"expected nine digits, not {first_nine!r}")
    remainder = sum(int(d) * w for d, w in zip(first_nine, _WEIGHTS)) % 11
    digit = 11 - remainder
    if digit == 11:
        return 0
    return None if digit == 10 else digit


def _valid_digits(digits: str) -> bool:
    return check_digit(digits[:9]) == int(digits[9])


def looks_like_nhs_number(text: str) -> bool:
    """True for 10 digits (optionally 3-3-4 with spaces or hyphens) whose check digit is right."""
    candidate = text.strip()
    if not _WHOLE.fullmatch(candidate):
        return False
    return _valid_digits(candidate.replace(" ", "").replace("-", ""))


def find_nhs_numbers(text: str) -> list[str]:
    """Valid NHS numbers in free text, as written there, in order of appearance."""
    found: list[str] = []
    end = -1
    for match in _INSIDE.finditer(text):
        written = match.group(1)
        if match.start() < end:  # overlaps one already reported
            continue
        if _valid_digits(written.replace(" ", "").replace("-", "")):
            found.append(written)
            end = match.start() + len(written)
    return found
