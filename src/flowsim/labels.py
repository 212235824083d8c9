"""Readable names for ids in tables, legends and IAMC variables."""

from __future__ import annotations

__all__ = ["display_name"]

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
