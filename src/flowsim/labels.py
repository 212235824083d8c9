"""Readable names for ids in tables, legends and IAMC variables, and the years a table
shows."""

from __future__ import annotations

__all__ = ["display_name", "report_years"]

_ACRONYMS = {
    "lng": "LNG",
    "espo": "ESPO",
    "espo1": "ESPO-1",
    "pos2": "PoS2",
    "cagp": "CAGP",
    "gpp": "GPP",
    "abc": "A-C",
}
_SMALL = {"of", "and", "to", "via"}


def display_name(identifier: str) -> str:
    """A readable name from an id: ``power_of_siberia`` -> ``Power of Siberia``."""
    words = identifier.split("_")
    out = []
    for i, word in enumerate(words):
        if word in _ACRONYMS:
            out.append(_ACRONYMS[word])
        elif word in _SMALL and i > 0:
            out.append(word)
        else:
            out.append(word.capitalize())
    return " ".join(out)


def report_years(years: list[int]) -> list[int]:
    """First and last year, and the years ending in 0 or 5 between them (at most 9)."""
    chosen = [y for y in years if y % 5 == 0 and years[0] < y < years[-1]]
    while len(chosen) > 7:
        chosen = chosen[::2]
    return [years[0], *chosen, years[-1]] if len(years) > 1 else years
