"""Tests of flowsim.units: published cross-checks, round trips, array handling, bad input."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowsim import units
from flowsim.units import (
    BARRELS_PER_TONNE_CRUDE,
    BARRELS_PER_TONNE_ESPO,
    BARRELS_PER_TONNE_REUTERS,
    BCF_PER_BCM,
    BCM_PER_MT_CUSTOMS,
    BCM_PER_MT_LNG,
    ISO_REFERENCE_CELSIUS,
    MT_LNG_PER_BCM,
    NORMAL_REFERENCE_CELSIUS,
    RUSSIAN_REFERENCE_CELSIUS,
    VOLUME_0C_PER_VOLUME_20C,
    VOLUME_15C_PER_VOLUME_20C,
    bcm_per_year_to_mcm_per_day,
    bcm_to_mt_lng,
    bcm_to_mtoe,
    bcm_to_pj,
    convert_gas_volume,
    days_in_year,
    kb_per_day_to_mt_per_year,
    mcm_per_day_to_bcm_per_year,
    mt_crude_to_barrels,
    mt_lng_to_bcm,
    mt_per_year_to_kb_per_day,
)

BARREL_M3 = 0.158987294928  # 42 US gallons of 3.785411784 L, exact by definition

# Nonzero magnitudes stay clear of subnormals, where relative precision is lost.
flows = st.one_of(
    st.just(0.0),
    st.floats(min_value=1e-6, max_value=1e12),
    st.floats(min_value=-1e12, max_value=-1e-6),
)
day_counts = st.floats(min_value=1.0, max_value=366.0)
barrel_factors = st.floats(min_value=6.0, max_value=8.5)
celsius = st.floats(min_value=-60.0, max_value=60.0)


# --- Cross-checks against published figures ------------------------------------------------


def test_bp_gas_factors() -> None:
    """1 bcm is 36 PJ, 0.86 Mtoe and 35.315 bcf, as in BP's conversion table."""
    assert bcm_to_pj(1.0) == 36.0
    assert bcm_to_mtoe(1.0) == 0.86
    assert round(BCF_PER_BCM, 3) == 35.315


def test_one_bcm_is_0735_mt_lng() -> None:
    """BP's 1 bcm = 0.735 Mt LNG and 1 Mt LNG = 1.36 bcm agree to their rounding."""
    assert round(bcm_to_mt_lng(1.0), 3) == MT_LNG_PER_BCM == 0.735
    assert mt_lng_to_bcm(1.0) == BCM_PER_MT_LNG == 1.36
    assert abs(MT_LNG_PER_BCM * BCM_PER_MT_LNG - 1.0) < 1e-3


@pytest.mark.parametrize(
    ("mt", "bcm"),
    [(7.54, 10.39), (2.97, 4.1), (19.81, 27.3)],
    ids=["pos1-2021", "pos1-2020", "cagp-2013"],
)
def test_customs_tonnes_match_reported_bcm(mt: float, bcm: float) -> None:
    """GACC tonnes x 1.38 reproduce the bcm reported for the same flow to 0.1 bcm."""
    assert abs(mt_lng_to_bcm(mt, bcm_per_mt=BCM_PER_MT_CUSTOMS) - bcm) < 0.1


@pytest.mark.parametrize(
    ("bcm_per_year", "mcm_per_day"),
    [(10, 27.4), (12, 32.9), (30, 82.2), (38, 104.1), (44, 120.5), (50, 137.0), (55, 150.7)],
)
def test_bcm_per_year_to_mcm_per_day_table(bcm_per_year: float, mcm_per_day: float) -> None:
    """Annual gas flows give the tabulated 365-day average daily rates to 0.1 mcm/d."""
    assert round(bcm_per_year_to_mcm_per_day(bcm_per_year), 1) == mcm_per_day


def test_pos1_capacity_over_operating_days() -> None:
    """PoS-1's 38 bcm/yr spread over 350 operating days is about 108.6 mcm/d."""
    assert round(bcm_per_year_to_mcm_per_day(38.0, days=350), 1) == 108.6


@pytest.mark.parametrize(
    ("mt_per_year", "kb_per_day"),
    [(1, 20.1), (10, 201), (15, 301), (20, 402), (30, 602), (50, 1004), (80, 1607)],
)
def test_mt_per_year_to_kb_per_day_table(mt_per_year: float, kb_per_day: float) -> None:
    """Annual crude flows give the tabulated kb/d at BP's 7.33 bbl/t, to the table's rounding."""
    digits = 1 if kb_per_day < 100 else 0
    assert round(mt_per_year_to_kb_per_day(mt_per_year), digits) == kb_per_day


def test_russia_to_china_crude_2023() -> None:
    """107.02 Mt in 2023 is 2.15 mb/d at 7.33 bbl/t and Reuters' 2.14 mb/d at 7.3 bbl/t."""
    assert round(mt_per_year_to_kb_per_day(107.02) / 1e3, 2) == 2.15
    reuters = mt_per_year_to_kb_per_day(107.02, barrels_per_tonne=BARRELS_PER_TONNE_REUTERS)
    assert round(reuters / 1e3, 2) == 2.14


def test_russia_to_china_crude_2024_leap_year() -> None:
    """108.5 Mt over leap year 2024 is Reuters' 2.17 mb/d; a 365-day year would give 2.18."""
    assert round(mt_per_year_to_kb_per_day(108.5, days=days_in_year(2024)) / 1e3, 2) == 2.17
    assert round(mt_per_year_to_kb_per_day(108.5) / 1e3, 2) == 2.18


def test_barrel_factors_match_densities() -> None:
    """7.33 bbl/t is BP's 1.165 kL/t and 7.4 bbl/t is ESPO's ~0.85 t/m³, to 0.5 %."""
    assert round(1.165 / BARREL_M3, 2) == BARRELS_PER_TONNE_CRUDE
    assert mt_crude_to_barrels(1.0, BARRELS_PER_TONNE_ESPO) == pytest.approx(
        1 / 0.85 / BARREL_M3, rel=5e-3
    )
    assert mt_crude_to_barrels(30.0) == pytest.approx(219.9)


def test_temperature_factors() -> None:
    """A 20 °C volume is 0.9829 of itself at 15 °C and 0.9318 at 0 °C."""
    assert round(convert_gas_volume(1.0, from_celsius=20.0, to_celsius=15.0), 4) == 0.9829
    assert round(convert_gas_volume(1.0, from_celsius=20.0, to_celsius=0.0), 4) == 0.9318
    assert convert_gas_volume(1.0) == pytest.approx(VOLUME_15C_PER_VOLUME_20C, rel=1e-15)
    assert convert_gas_volume(
        1.0, RUSSIAN_REFERENCE_CELSIUS, NORMAL_REFERENCE_CELSIUS
    ) == pytest.approx(VOLUME_0C_PER_VOLUME_20C, rel=1e-15)


def test_russian_output_at_60_fahrenheit() -> None:
    """Russia's 690.5 bcm at 20 °C restates to the published 679.9 bcm at 60 °F (0.05 %)."""
    restated = convert_gas_volume(690.5, from_celsius=20.0, to_celsius=(60.0 - 32.0) * 5 / 9)
    assert restated == pytest.approx(679.9, rel=5e-4)


# --- Round trips ------------------------------------------------------------------------------


def assert_close(actual: object, expected: float) -> None:
    """Assert ``actual`` equals ``expected`` within 1e-12 relative (exactly, for zero)."""
    assert actual == pytest.approx(expected, rel=1e-12, abs=0.0)


@given(x=flows, bcm_per_mt=st.sampled_from([BCM_PER_MT_LNG, BCM_PER_MT_CUSTOMS]))
def test_lng_round_trip(x: float, bcm_per_mt: float) -> None:
    """bcm -> Mt LNG -> bcm returns the input, for BP and customs factors alike."""
    assert_close(mt_lng_to_bcm(bcm_to_mt_lng(x, bcm_per_mt), bcm_per_mt), x)
    assert_close(bcm_to_mt_lng(mt_lng_to_bcm(x, bcm_per_mt), bcm_per_mt), x)


@given(x=flows, days=day_counts)
def test_gas_rate_round_trip(x: float, days: float) -> None:
    """bcm/yr -> mcm/d -> bcm/yr returns the input for any day count."""
    assert_close(mcm_per_day_to_bcm_per_year(bcm_per_year_to_mcm_per_day(x, days), days), x)


@given(x=flows, barrels_per_tonne=barrel_factors, days=day_counts)
def test_crude_rate_round_trip(x: float, barrels_per_tonne: float, days: float) -> None:
    """Mt/yr -> kb/d -> Mt/yr returns the input for any barrel factor and day count."""
    there = mt_per_year_to_kb_per_day(x, barrels_per_tonne, days)
    assert_close(kb_per_day_to_mt_per_year(there, barrels_per_tonne, days), x)


@given(x=flows, t1=celsius, t2=celsius)
def test_gas_volume_round_trip(x: float, t1: float, t2: float) -> None:
    """Restating a volume to another temperature and back returns the input."""
    assert_close(convert_gas_volume(convert_gas_volume(x, t1, t2), t2, t1), x)


@given(x=flows, t=celsius)
def test_gas_volume_same_temperature_is_identity(x: float, t: float) -> None:
    """Restating a volume at its own reference temperature leaves it unchanged."""
    assert convert_gas_volume(x, t, t) == x


# --- Scalars and arrays -----------------------------------------------------------------------

CONVERSIONS = [
    bcm_to_pj,
    bcm_to_mtoe,
    bcm_to_mt_lng,
    mt_lng_to_bcm,
    bcm_per_year_to_mcm_per_day,
    mcm_per_day_to_bcm_per_year,
    mt_crude_to_barrels,
    mt_per_year_to_kb_per_day,
    kb_per_day_to_mt_per_year,
    convert_gas_volume,
]


@pytest.mark.parametrize("convert", CONVERSIONS)
@pytest.mark.parametrize("scalar", [2, 2.5, np.float64(2.5), np.array(2.5)])
def test_scalar_in_float_out(convert: Callable[[object], object], scalar: object) -> None:
    """Python and numpy scalars, 0-d arrays included, come back as a plain float."""
    assert type(convert(scalar)) is float


@pytest.mark.parametrize("convert", CONVERSIONS)
def test_array_keeps_shape_and_values(convert: Callable[[object], object]) -> None:
    """A 2-D array comes back float64, same shape, each element converted as a scalar."""
    values = np.arange(6, dtype=np.int64).reshape(2, 3)
    result = convert(values)
    assert isinstance(result, np.ndarray)
    assert result.shape == (2, 3)
    assert result.dtype == np.float64
    expected = [[convert(int(v)) for v in row] for row in values]
    np.testing.assert_array_equal(result, expected)


def test_list_input_and_input_untouched() -> None:
    """A list gives an array, and an input array is not modified in place."""
    assert np.array_equal(bcm_to_pj([1.0, 2.0]), [36.0, 72.0])
    values = np.array([1.0, 2.0])
    bcm_to_pj(values)
    assert np.array_equal(values, [1.0, 2.0])


def test_empty_array() -> None:
    """An empty array converts to an empty float64 array."""
    result = mt_per_year_to_kb_per_day(np.array([]))
    assert isinstance(result, np.ndarray)
    assert result.shape == (0,)


# --- Calendar ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "days"), [(2023, 365), (2024, 366), (1900, 365), (2000, 366), (2100, 365)]
)
def test_days_in_year(year: int, days: int) -> None:
    """Leap years follow the Gregorian rule: every 4th year, not centuries unless by 400."""
    assert days_in_year(year) == days


def test_leap_year_daily_rate() -> None:
    """36.6 bcm over leap year 2024 is exactly 100 mcm/d; over 365 days it is more."""
    assert bcm_per_year_to_mcm_per_day(36.6, days=days_in_year(2024)) == pytest.approx(100.0)
    assert bcm_per_year_to_mcm_per_day(36.6) > 100.0


# --- Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0.0, -365.0, float("nan")])
def test_non_positive_days_rejected(days: float) -> None:
    """A zero, negative or NaN day count raises ValueError naming ``days``."""
    with pytest.raises(ValueError, match="days"):
        bcm_per_year_to_mcm_per_day(1.0, days=days)
    with pytest.raises(ValueError, match="days"):
        kb_per_day_to_mt_per_year(1.0, days=days)


def test_non_positive_factors_rejected() -> None:
    """A zero or negative conversion factor raises ValueError naming it."""
    with pytest.raises(ValueError, match="bcm_per_mt"):
        bcm_to_mt_lng(1.0, bcm_per_mt=0.0)
    with pytest.raises(ValueError, match="barrels_per_tonne"):
        mt_per_year_to_kb_per_day(1.0, barrels_per_tonne=-7.33)


@pytest.mark.parametrize(("t_from", "t_to"), [(-273.15, 15.0), (20.0, -300.0)])
def test_below_absolute_zero_rejected(t_from: float, t_to: float) -> None:
    """A reference temperature at or below absolute zero raises ValueError."""
    with pytest.raises(ValueError, match="absolute zero"):
        convert_gas_volume(1.0, t_from, t_to)


def test_all_exports_exist() -> None:
    """Every name in ``__all__`` is defined, and the defaults are the documented references."""
    missing = [name for name in units.__all__ if not hasattr(units, name)]
    assert missing == []
    assert (RUSSIAN_REFERENCE_CELSIUS, ISO_REFERENCE_CELSIUS) == (20.0, 15.0)


@pytest.mark.parametrize(
    ("commodity", "unit", "factor"),
    [
        ("gas", "PJ", 36.0),  # BP: 1 bcm = 36 PJ
        ("gas", "EJ", 0.036),
        ("gas", "Mtoe", 0.86),  # BP: 1 bcm = 0.86 Mtoe
        ("oil", "Mtoe", 1.0),  # a tonne of crude counted as a tonne of oil equivalent
        ("oil", "PJ", 41.868),  # 1 toe = 10^7 kcal = 41.868 GJ
        ("oil", "EJ", 0.041868),
    ],
)
def test_energy_factor_by_hand(commodity: str, unit: str, factor: float) -> None:
    """bcm of gas and Mt of crude convert to PJ, EJ and Mtoe by the sourced factors."""
    assert units.energy_factor(commodity, unit) == pytest.approx(factor, rel=1e-12)


def test_energy_factors_agree_with_the_gas_conversions() -> None:
    """energy_factor gives what bcm_to_pj and bcm_to_mtoe give, and refuses the unknown."""
    assert units.energy_factor("gas", "PJ") == units.bcm_to_pj(1.0)
    assert units.energy_factor("gas", "Mtoe") == units.bcm_to_mtoe(1.0)
    with pytest.raises(ValueError, match="no energy factor for 'coal' in 'PJ'"):
        units.energy_factor("coal", "PJ")
    with pytest.raises(ValueError, match="no energy factor for 'gas' in 'kWh'"):
        units.energy_factor("gas", "kWh")
