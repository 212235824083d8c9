"""Random-number streams, one per random element, keyed so that no two ever overlap.

Every stream is a child of ``numpy.random.SeedSequence(seed)`` keyed by numbers, never
by the order of drawing: an element's stream in a substream of members (its
realisations, :mod:`flowsim.sampling`) and a run-wide stream (the Latin hypercube's
shuffles, :mod:`flowsim.draws`) are both named by the element's kind and id.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["element_rng", "run_rng"]

_RUN_KEY = 2**32
"""First spawn key of the run-wide streams (above any substream number)."""


def _generator(seed: int, key: tuple[int, ...]) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def element_rng(seed: int, substream: int, element: str) -> np.random.Generator:
    """The stream of one random element in substream ``substream``: the child of
    ``SeedSequence(seed)`` keyed by ``(substream, crc32(element))``, where ``element``
    names its kind and id (``"delay:altai"``, ``"outages:espo"``, ``"shock:covid"``,
    ``"arc_outages:cagp"``, ``"demand:gas"``, ``"figure:routes.altai.capacity_factor"``)."""
    return _generator(seed, (substream, zlib.crc32(element.encode())))


def run_rng(seed: int, element: str) -> np.random.Generator:
    """A stream of the whole run for ``element``, the same in every block and worker."""
    return _generator(seed, (_RUN_KEY, zlib.crc32(element.encode())))
