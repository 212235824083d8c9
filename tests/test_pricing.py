"""Contract price formulas (flowsim.pricing): hand-computed oil-indexed prices with an
averaging window, a lag and a reset; differentials; escalation; bad terms refused."""

from __future__ import annotations

import numpy as np
import pytest

from flowsim import FlowsimError
from flowsim.pricing import Differential, Escalating, MonthlyPath, OilIndexed

BRENT = MonthlyPath.from_annual(2021, np.array([70.86, 100.93, 82.49]))
"""Brent 2021-2023, each year's average in each of its months (USD/bbl; EIA spot, the
annual means of the wave-2 data pack), so the windows' averages are hand-computable."""


def test_a_6_3_3_formula_averages_six_months_three_months_back_each_quarter() -> None:
    """0.1 x Brent + 0.5 in 6-3-3. Q1 2022 averages Apr-Sep 2021 (70.86); Q2 Jul-Dec 2021
    (70.86); Q3 Oct 2021-Mar 2022 (3 x 70.86 + 3 x 100.93) / 6 = 85.895; Q4 Jan-Jun 2022
    (100.93). Q4 2021 averages Jan-Jun 2021; the quarters before reach back before the
    path: no price."""
    formula = OilIndexed(slope=0.1, constant=0.5, average_months=6, lag_months=3, reset_months=3)
    assert formula.notation == "6-3-3"
    price = formula.price(BRENT).values
    assert np.isnan(price[:9]).all()
    assert price[9:12] == pytest.approx(np.full(3, 0.1 * 70.86 + 0.5))
    quarters = [0.1 * 70.86 + 0.5, 0.1 * 70.86 + 0.5, 0.1 * 85.895 + 0.5, 0.1 * 100.93 + 0.5]
    assert price[12:24] == pytest.approx(np.repeat(quarters, 3))
    # 2023: Q1 Apr-Sep 2022, Q2 Jul-Dec 2022, Q3 Oct 2022-Mar 2023, Q4 Jan-Jun 2023
    later = [100.93, 100.93, (3 * 100.93 + 3 * 82.49) / 6, 82.49]
    assert price[24:] == pytest.approx(np.repeat(0.1 * np.array(later) + 0.5, 3))


def test_a_9_0_1_formula_resets_every_month_on_the_nine_before_it() -> None:
    """A path rising one dollar a month from 60: month m averages months m-9 .. m-1."""
    path = MonthlyPath(2020, 60.0 + np.arange(24.0))
    price = OilIndexed(0.1, 0.5, average_months=9, lag_months=0, reset_months=1).price(path)
    assert np.isnan(price.values[:9]).all()
    assert price.values[9] == pytest.approx(0.1 * 64.0 + 0.5)  # months 0..8: 60..68
    assert price.values[23] == pytest.approx(0.1 * 78.0 + 0.5)  # months 14..22: 74..82


def test_prices_are_computed_member_by_member() -> None:
    """Leading axes are members: each row is priced on its own path."""
    paths = MonthlyPath(2020, np.stack([60.0 + np.arange(24.0), np.full(24, 80.0)]))
    price = OilIndexed(1.0, 0.0, 6, 3, 3).price(paths).values
    assert price.shape == (2, 24)
    assert price[1, 12:] == pytest.approx(np.full(12, 80.0))
    assert price[0, 12] == pytest.approx(np.mean(60.0 + np.arange(3, 9)))  # Apr-Sep 2020


def test_differentials_escalation_and_annual_means() -> None:
    urals = Differential(-20.0).price(BRENT)
    assert urals.annual_mean() == pytest.approx([50.86, 80.93, 62.49])
    fixed = Escalating(base=250.0, base_year=2020, rate=0.02).price(2021, 3)
    assert fixed.annual_mean() == pytest.approx([255.0, 260.1, 265.302])


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ((0.1, 0.5, 0, 3, 3), "average_months must be >= 1"),
        ((0.1, 0.5, 6, -1, 3), "lag_months must be >= 0"),
        ((0.1, 0.5, 6, 3, 5), "reset_months must divide the year"),
    ],
)
def test_bad_terms_are_refused(terms: tuple[float, float, int, int, int], message: str) -> None:
    with pytest.raises(FlowsimError, match=message):
        OilIndexed(*terms)


def test_a_window_holding_an_unknown_month_has_no_price() -> None:
    """A benchmark not known in a month (NaN) leaves every period whose window holds that
    month unpriced, and only those: 3-0-1 over [NaN, 10, 20, 30, 40, 50]."""
    path = MonthlyPath(2020, np.array([np.nan, 10.0, 20.0, 30.0, 40.0, 50.0]))
    price = OilIndexed(1.0, 0.0, 3, 0, 1).price(path).values
    np.testing.assert_array_equal(price[:4], np.full(4, np.nan))
    assert price[4:].tolist() == [20.0, 30.0]
