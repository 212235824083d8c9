"""Unit conversions for gas and crude-oil flows.

Gas volumes are in bcm (10^9 m³) or mcm (10^6 m³), crude in Mt (10^6 t) or barrels. Every
conversion accepts a float or anything :func:`numpy.asarray` takes, and returns a ``float``
for scalar input and a float64 :class:`numpy.ndarray` of the same shape otherwise.

Each constant says where its value comes from: *sourced* values are published factors,
*derived* values are computed from sourced ones, *estimates* are recalled or inferred figures
that have not been checked against a primary source.

A bcm is only meaningful together with its reference conditions: Gazprom and (as far as we
know) Chinese statistics count gas at 20 °C, the Energy Institute / BP Statistical Review at
15 °C, European engineering practice at 0 °C. :func:`convert_gas_volume` moves between them.
"""

from __future__ import annotations

import calendar
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "BARRELS_PER_TONNE_CRUDE",
    "BARRELS_PER_TONNE_ESPO",
    "BARRELS_PER_TONNE_REUTERS",
    "BCF_PER_BCM",
    "BCM_PER_MT_CUSTOMS",
    "BCM_PER_MT_LNG",
    "CELSIUS_ZERO_KELVIN",
    "DAYS_PER_YEAR",
    "ENERGY_UNITS",
    "ISO_REFERENCE_CELSIUS",
    "MBOE_PER_BCM",
    "MTOE_PER_BCM",
    "MTOE_PER_MT_CRUDE",
    "MT_LNG_PER_BCM",
    "NORMAL_REFERENCE_CELSIUS",
    "PJ_PER_BCM",
    "PJ_PER_MTOE",
    "REFERENCE_PRESSURE_KPA",
    "RUSSIAN_REFERENCE_CELSIUS",
    "TBTU_PER_BCM",
    "VOLUME_0C_PER_VOLUME_20C",
    "VOLUME_15C_PER_VOLUME_20C",
    "FloatOrArray",
    "bcm_per_year_to_mcm_per_day",
    "bcm_to_mt_lng",
    "bcm_to_mtoe",
    "bcm_to_pj",
    "convert_gas_volume",
    "days_in_year",
    "energy_factor",
    "kb_per_day_to_mt_per_year",
    "mcm_per_day_to_bcm_per_year",
    "mt_crude_to_barrels",
    "mt_lng_to_bcm",
    "mt_per_year_to_kb_per_day",
]

FloatOrArray = float | NDArray[np.float64]
"""What every conversion returns: ``float`` for scalar input, an array otherwise."""

# --- Gas energy content and LNG equivalents (per bcm of natural gas) -------------------------

PJ_PER_BCM: Final[float] = 36.0
"""Energy in 1 bcm of gas, PJ. Sourced: BP Statistical Review 2021 approximate conversion
factors; the Energy Institute data file uses exactly 0.036 EJ/bcm."""

MTOE_PER_BCM: Final[float] = 0.86
"""Oil equivalent of 1 bcm of gas, Mtoe. Sourced: BP Statistical Review 2021."""

MT_LNG_PER_BCM: Final[float] = 0.735
"""LNG mass equivalent to 1 bcm of gas, Mt. Sourced: BP Statistical Review 2021. Agrees with
the reciprocal of :data:`BCM_PER_MT_LNG` to 0.04 %, the rounding of BP's table."""

BCM_PER_MT_LNG: Final[float] = 1.36
"""Regasified volume of 1 Mt of LNG, bcm. Sourced: BP Statistical Review 2021. The default of
:func:`mt_lng_to_bcm` and :func:`bcm_to_mt_lng`."""

BCM_PER_MT_CUSTOMS: Final[float] = 1.38
"""Analysts' factor for China customs (GACC) gas tonnes, pipeline or LNG, bcm per Mt. Sourced
as common market practice; derived check: PoS-1 2021 delivered 10.39 bcm against 7.54 Mt in
customs data, i.e. 1.378."""

BCF_PER_BCM: Final[float] = 1.0 / 0.3048**3
"""Billion cubic feet per bcm (35.3147), geometric only: the foot is exactly 0.3048 m.
Matches BP's 35.315. Reference conditions are not converted."""

TBTU_PER_BCM: Final[float] = 34.12
"""Energy in 1 bcm of gas, trillion Btu. Sourced: BP Statistical Review 2021."""

MBOE_PER_BCM: Final[float] = 5.883
"""Million barrels of oil equivalent per bcm of gas. Sourced: BP Statistical Review 2021;
it equals :data:`TBTU_PER_BCM` at 5.8 MMBtu per barrel of oil equivalent."""

# --- Crude oil ----------------------------------------------------------------------------

PJ_PER_MTOE: Final[float] = 41.868
"""Energy in 1 Mtoe, PJ. Sourced: the IEA/OECD definition of the tonne of oil equivalent
(10^7 kcal = 41.868 GJ), which BP's conversion table uses too."""

MTOE_PER_MT_CRUDE: Final[float] = 1.0
"""Oil equivalent of 1 Mt of crude, Mtoe. Assumption: the toe is defined on a reference crude
of 10 Gcal/t, and flowsim counts a tonne of crude as a tonne of oil equivalent; actual crudes
differ by a few percent (net calorific values of about 41-43 GJ/t)."""

BARRELS_PER_TONNE_CRUDE: Final[float] = 7.33
"""Barrels per tonne of crude at world-average gravity. Sourced: BP Statistical Review."""

BARRELS_PER_TONNE_REUTERS: Final[float] = 7.3
"""Barrels per tonne as used in Reuters news conversions. Sourced: Reuters practice; use it to
reproduce their b/d figures (107.02 Mt in 2023 -> 2.14 mb/d)."""

BARRELS_PER_TONNE_ESPO: Final[float] = 7.4
"""Barrels per tonne of ESPO blend. Estimate: from a density of about 0.85 t/m³."""

# --- Calendar -----------------------------------------------------------------------------

DAYS_PER_YEAR: Final[int] = 365
"""Days in a common year; the default divisor of the per-day conversions."""

# --- Reference conditions for gas volumes ---------------------------------------------------

CELSIUS_ZERO_KELVIN: Final[float] = 273.15
"""0 °C in kelvin (exact, by definition of the Celsius scale)."""

REFERENCE_PRESSURE_KPA: Final[float] = 101.325
"""Pressure of every reference condition below, kPa (1 standard atmosphere). The Energy
Institute's "1013 mbar" rounds the same value."""

RUSSIAN_REFERENCE_CELSIUS: Final[float] = 20.0
"""Reference temperature of Russian and Gazprom gas volumes, °C (GOST 2939-63). Sourced:
Gazprom glossary. China's GB/T 19205-2008 is believed to use the same 20 °C (estimate)."""

ISO_REFERENCE_CELSIUS: Final[float] = 15.0
"""ISO 13443 standard temperature, used for the Energy Institute / BP bcm, °C. Sourced: BP
Statistical Review table notes."""

NORMAL_REFERENCE_CELSIUS: Final[float] = 0.0
"""Temperature of the "normal" cubic metre (Nm³) of engineering practice, °C."""

VOLUME_15C_PER_VOLUME_20C: Final[float] = 288.15 / 293.15
"""Volume at 15 °C of gas measured as 1 m³ at 20 °C, same pressure (0.9829). Derived: ideal
gas, 288.15 K / 293.15 K; :func:`convert_gas_volume` for other temperatures."""

VOLUME_0C_PER_VOLUME_20C: Final[float] = 273.15 / 293.15
"""Volume at 0 °C of gas measured as 1 m³ at 20 °C, same pressure (0.9318). Derived: ideal
gas, 273.15 K / 293.15 K."""


def _scale(value: ArrayLike, factor: float) -> FloatOrArray:
    """Return ``value * factor`` as a float for scalars, a float64 array otherwise."""
    result: NDArray[np.float64] = np.multiply(np.asarray(value, dtype=np.float64), factor)
    return float(result) if result.ndim == 0 else result


def _positive(name: str, value: float) -> float:
    """Return ``value``, raising ValueError unless it is a positive number."""
    if not value > 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return value


def _mcm_per_day_per_bcm_per_year(days: float) -> float:
    """Return the daily gas rate, mcm/d, of a flow of 1 bcm/yr spread over ``days``."""
    return 1e3 / _positive("days", days)


def _kb_per_day_per_mt_per_year(barrels_per_tonne: float, days: float) -> float:
    """Return the daily crude rate, kb/d, of a flow of 1 Mt/yr spread over ``days``."""
    return _positive("barrels_per_tonne", barrels_per_tonne) * 1e3 / _positive("days", days)


def days_in_year(year: int) -> int:
    """Return the number of days in a Gregorian calendar year (365 or 366)."""
    return 366 if calendar.isleap(year) else 365


def bcm_to_pj(bcm: ArrayLike) -> FloatOrArray:
    """Convert gas volume to energy.

    Parameters
    ----------
    bcm : gas volume, bcm.

    Returns
    -------
    Energy, PJ, at :data:`PJ_PER_BCM`.
    """
    return _scale(bcm, PJ_PER_BCM)


def bcm_to_mtoe(bcm: ArrayLike) -> FloatOrArray:
    """Convert gas volume to oil equivalent.

    Parameters
    ----------
    bcm : gas volume, bcm.

    Returns
    -------
    Oil equivalent, Mtoe, at :data:`MTOE_PER_BCM`.
    """
    return _scale(bcm, MTOE_PER_BCM)


def bcm_to_mt_lng(bcm: ArrayLike, bcm_per_mt: float = BCM_PER_MT_LNG) -> FloatOrArray:
    """Convert gas volume to LNG (or customs-reported) mass; inverse of :func:`mt_lng_to_bcm`.

    Parameters
    ----------
    bcm : gas volume, bcm.
    bcm_per_mt : gas volume per Mt; :data:`BCM_PER_MT_CUSTOMS` for China customs tonnes.

    Returns
    -------
    Mass, Mt.
    """
    return _scale(bcm, 1.0 / _positive("bcm_per_mt", bcm_per_mt))


def mt_lng_to_bcm(mt: ArrayLike, bcm_per_mt: float = BCM_PER_MT_LNG) -> FloatOrArray:
    """Convert LNG (or customs-reported gas) mass to gas volume.

    Parameters
    ----------
    mt : mass, Mt.
    bcm_per_mt : gas volume per Mt; :data:`BCM_PER_MT_CUSTOMS` for China customs tonnes.

    Returns
    -------
    Gas volume, bcm.
    """
    return _scale(mt, _positive("bcm_per_mt", bcm_per_mt))


def bcm_per_year_to_mcm_per_day(
    bcm_per_year: ArrayLike, days: float = DAYS_PER_YEAR
) -> FloatOrArray:
    """Convert an annual gas flow to its average daily rate.

    Parameters
    ----------
    bcm_per_year : annual flow, bcm/yr.
    days : days the year's flow is spread over; ``days_in_year(year)`` for leap years, or the
        operating days of a pipeline.

    Returns
    -------
    Average daily flow, mcm/d.
    """
    return _scale(bcm_per_year, _mcm_per_day_per_bcm_per_year(days))


def mcm_per_day_to_bcm_per_year(
    mcm_per_day: ArrayLike, days: float = DAYS_PER_YEAR
) -> FloatOrArray:
    """Convert a daily gas flow to an annual one; inverse of :func:`bcm_per_year_to_mcm_per_day`.

    Parameters
    ----------
    mcm_per_day : daily flow, mcm/d.
    days : days in the year, as for :func:`bcm_per_year_to_mcm_per_day`.

    Returns
    -------
    Annual flow, bcm/yr.
    """
    return _scale(mcm_per_day, 1.0 / _mcm_per_day_per_bcm_per_year(days))


def mt_crude_to_barrels(
    mt: ArrayLike, barrels_per_tonne: float = BARRELS_PER_TONNE_CRUDE
) -> FloatOrArray:
    """Convert a crude mass to volume.

    Parameters
    ----------
    mt : crude mass, Mt.
    barrels_per_tonne : crude-specific factor, e.g. :data:`BARRELS_PER_TONNE_ESPO`.

    Returns
    -------
    Volume, million barrels (the same 10^6 prefix as the input).
    """
    return _scale(mt, _positive("barrels_per_tonne", barrels_per_tonne))


def mt_per_year_to_kb_per_day(
    mt_per_year: ArrayLike,
    barrels_per_tonne: float = BARRELS_PER_TONNE_CRUDE,
    days: float = DAYS_PER_YEAR,
) -> FloatOrArray:
    """Convert an annual crude flow to its average daily rate.

    Parameters
    ----------
    mt_per_year : annual flow, Mt/yr.
    barrels_per_tonne : crude-specific factor, e.g. :data:`BARRELS_PER_TONNE_ESPO`.
    days : days in the year; ``days_in_year(year)`` for leap years.

    Returns
    -------
    Average daily flow, thousand barrels per day (kb/d).
    """
    return _scale(mt_per_year, _kb_per_day_per_mt_per_year(barrels_per_tonne, days))


def kb_per_day_to_mt_per_year(
    kb_per_day: ArrayLike,
    barrels_per_tonne: float = BARRELS_PER_TONNE_CRUDE,
    days: float = DAYS_PER_YEAR,
) -> FloatOrArray:
    """Convert a daily crude flow to an annual one; inverse of :func:`mt_per_year_to_kb_per_day`.

    Parameters
    ----------
    kb_per_day : daily flow, thousand barrels per day.
    barrels_per_tonne : crude-specific factor, e.g. :data:`BARRELS_PER_TONNE_ESPO`.
    days : days in the year; ``days_in_year(year)`` for leap years.

    Returns
    -------
    Annual flow, Mt/yr.
    """
    return _scale(kb_per_day, 1.0 / _kb_per_day_per_mt_per_year(barrels_per_tonne, days))


def convert_gas_volume(
    volume: ArrayLike,
    from_celsius: float = RUSSIAN_REFERENCE_CELSIUS,
    to_celsius: float = ISO_REFERENCE_CELSIUS,
) -> FloatOrArray:
    """Restate a gas volume at another reference temperature, same pressure (ideal gas).

    ``V2 = V1 * T2 / T1`` with temperatures in kelvin; the default turns a Russian 20 °C bcm
    into an Energy Institute 15 °C one (x 0.9829).

    Parameters
    ----------
    volume : gas volume at ``from_celsius``, any volume unit.
    from_celsius, to_celsius : reference temperatures, °C.

    Returns
    -------
    Gas volume at ``to_celsius``, in the unit of ``volume``.
    """
    for name, celsius in (("from_celsius", from_celsius), ("to_celsius", to_celsius)):
        if not celsius > -CELSIUS_ZERO_KELVIN:
            raise ValueError(f"{name} must be above absolute zero (-273.15 °C), got {celsius!r}")
    return _scale(volume, (to_celsius + CELSIUS_ZERO_KELVIN) / (from_celsius + CELSIUS_ZERO_KELVIN))


ENERGY_UNITS: Final = ("PJ", "EJ", "Mtoe")
"""Energy units a result's volumes can be reported in (``flowsim run --units``)."""

_ENERGY_PER_NATIVE: Final[dict[tuple[str, str], float]] = {
    ("gas", "PJ"): PJ_PER_BCM,
    ("gas", "EJ"): PJ_PER_BCM * 1e-3,
    ("gas", "Mtoe"): MTOE_PER_BCM,
    ("oil", "PJ"): MTOE_PER_MT_CRUDE * PJ_PER_MTOE,
    ("oil", "EJ"): MTOE_PER_MT_CRUDE * PJ_PER_MTOE * 1e-3,
    ("oil", "Mtoe"): MTOE_PER_MT_CRUDE,
}


def energy_factor(commodity: str, unit: str) -> float:
    """Return the factor from the commodity's own unit (bcm gas, Mt oil) to energy ``unit``.

    ``unit`` is one of :data:`ENERGY_UNITS`: 1 bcm of gas is 36 PJ, 0.036 EJ or
    0.86 Mtoe (BP's factors); 1 Mt of crude is 41.868 PJ or 1 Mtoe. Annual rates
    convert alike (bcm/yr to PJ/yr).
    """
    factor = _ENERGY_PER_NATIVE.get((commodity, unit))
    if factor is None:
        raise ValueError(
            f"no energy factor for {commodity!r} in {unit!r} "
            f"(commodities gas, oil; units {', '.join(ENERGY_UNITS)})"
        )
    return factor
