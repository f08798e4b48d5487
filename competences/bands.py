"""Agenda for Change band codes in career order (facts §1.1); pay values and step timings are data for issue 3."""
from __future__ import annotations

#: Bands that exist on Agenda for Change today, lowest first. Band 1 closed to new entrants in 2018.
AFC_BANDS: tuple[str, ...] = ("2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9")

#: Most step points a band has had (entry, intermediate, top); pay data refines this per band and year.
MAX_PAY_STEPS = 3


def is_band(code: str) -> bool:
    return code in AFC_BANDS


def band_rank(code: str) -> int:
    """Position in career order, so bands can be sorted and compared ("8a" > "7")."""
    try:
        return AFC_BANDS.index(code)
    except ValueError:
        raise ValueError(f"unknown Agenda for Change band {code!r}; expected one of {', '.join(AFC_BANDS)}") from None
