"""Storage pools (flowsim.engines.storage_rule and its use in every engine): hand-computed
years of fill and draw, the emergency reserve, the target rule and where withdrawals sit."""

from __future__ import annotations

from typing import Any

import numpy as np

import flowsim
from flowsim.engines import Engine

from .conftest import tiny_doc
from .engine_cases import CITE, scenario


def _doc(pool: dict[str, Any], *, balancing_cap: float | None = 0.0) -> dict[str, Any]:
    """One year (2021, 365 days): a 43.8 bcm/yr pipe (0.12 bcm/d) stopped for 30 days
    from 1 October, flat demand of 36.5 bcm/yr (0.1 bcm/d), and ``pool``."""
    doc = tiny_doc()
    doc["horizon"] = {"start_year": 2021, "end_year": 2021}
    pipe = doc["routes"]["pipe"]
    pipe["capacity"] = [{"from": 2000, "value": 43.8, "cite": CITE}]
    pipe["maintenance"] = [{"start": "2021-10-01", "duration_days": 30, "cite": CITE}]
    doc["demand"] = {"gas": {"annual": [{"from": 2000, "value": 36.5, "cite": CITE}]}}
    if balancing_cap is not None:
        cap = [{"from": 2000, "value": balancing_cap, "cite": CITE}]
        doc["balancing"] = {"gas": {"label": "LNG", "cap": cap}}
    doc["storage"] = {
        "gas": {
            "label": "pool",
            "working_volume": [{"from": 2000, "value": 2.0, "cite": CITE}],
            "injection": [{"from": 2000, "value": 7.3, "cite": CITE}],  # 0.02 bcm/d
            "withdrawal": [{"from": 2000, "value": 36.5, "cite": CITE}],  # 0.1 bcm/d
            "initial_fill": 0.0,
            "cite": CITE,
            **pool,
        }
    }
    return doc


def _year(engine: Engine, doc: dict[str, Any]) -> Any:
    result = flowsim.run(scenario(doc), engine=engine.name)  # type: ignore[arg-type]
    return result.annual.isel(member=0, year=0).sel(commodity="gas")


def test_a_year_of_fill_and_draw(engine: Engine) -> None:
    """The pipe's 0.02 bcm/d of surplus fills the empty 2 bcm pool in 100 days (1.8 bcm on
    31 March). In the October stop the pool covers the 0.1 bcm/d shortfall down to its
    0.5 bcm reserve (15 days), then below it as an emergency (5 days, no balancing
    supply), and the last 10 days are unmet (1 bcm). From 31 October the surplus refills
    it: 62 days x 0.02 = 1.24 bcm at the year's end."""
    year = _year(engine, _doc({"reserve_fill": 0.25}))
    expected = {
        "storage_level_winter_end": 1.8,
        "storage_injection": 2.0 + 1.24,
        "storage_withdrawal": 2.0,
        "storage_emergency": 0.5,
        "unmet": 1.0,
        "unmet_days": 10,
        "storage_level": 1.24,
        "balancing": 0.0,
    }
    for name, value in expected.items():
        np.testing.assert_allclose(float(year[name]), value, rtol=1e-9, atol=1e-12, err_msg=name)
    delivered = float(year.sel(route="pipe").delivered)  # 162 days at 0.12, 173 at 0.1
    np.testing.assert_allclose(delivered, 162 * 0.12 + 173 * 0.1, rtol=1e-9)


def test_balancing_before_the_reserve_and_after_a_last_resort_pool(engine: Engine) -> None:
    """0.05 bcm/d of balancing supply in the stop. The pool goes first: it covers the whole
    0.1 bcm/d down to its reserve (15 days, 1.5 bcm); then balancing gives 0.05/d (15
    days, 0.75 bcm) and the reserve the other 0.05/d until it is empty (10 days, 0.5
    bcm), leaving 0.05/d unmet for 5 days (0.25 bcm). A pool kept as the last resort
    lets balancing go first: 0.05/d over the 30 days (1.5 bcm) and the pool the other 1.5
    bcm, all of it above the reserve: nothing unmet."""
    first = _year(engine, _doc({"reserve_fill": 0.25}, balancing_cap=18.25))
    np.testing.assert_allclose(float(first.balancing), 0.75, rtol=1e-9)
    np.testing.assert_allclose(float(first.storage_withdrawal), 2.0, rtol=1e-9)
    np.testing.assert_allclose(float(first.storage_emergency), 0.5, rtol=1e-9)
    np.testing.assert_allclose(float(first.unmet), 0.25, rtol=1e-9)
    last = _year(
        engine, _doc({"reserve_fill": 0.25, "order": "after_balancing"}, balancing_cap=18.25)
    )
    np.testing.assert_allclose(float(last.balancing), 1.5, rtol=1e-9)
    np.testing.assert_allclose(float(last.storage_withdrawal), 1.5, rtol=1e-9)
    assert float(last.storage_emergency) < 1e-12  # rounding at the reserve
    assert float(last.unmet) == 0.0


def test_a_target_rule_keeps_its_target_as_the_floor(engine: Engine) -> None:
    """A pool whose target is full all year (it starts half full, 1 bcm): the pipe's 0.02
    bcm/d surplus fills it in 50 days (full on 31 March), so nothing needs buying. In the
    stop the target is its floor: balancing supply (0.05 bcm/d) goes first and the pool
    gives the other 0.05 bcm/d only as an emergency draw (30 days, 1.5 bcm)."""
    pool = {"target_fill": [1.0] * 12, "initial_fill": 0.5}
    year = _year(engine, _doc(pool, balancing_cap=18.25))  # 0.05 bcm/d
    np.testing.assert_allclose(float(year.storage_level_winter_end), 2.0, rtol=1e-9)
    np.testing.assert_allclose(float(year.storage_emergency), 1.5, rtol=1e-9)
    np.testing.assert_allclose(float(year.storage_withdrawal), 1.5, rtol=1e-9)
    np.testing.assert_allclose(float(year.balancing), 1.5, rtol=1e-9)
    assert float(year.unmet) == 0.0


def test_a_target_rule_without_surplus_buys_the_climb() -> None:
    """No surplus at all (a pipe of exactly the demand): a pool below its target buys its
    whole injection rate (0.02 bcm/d) from balancing until it reaches the target."""
    doc = _doc({"target_fill": [0.5] * 12}, balancing_cap=None)
    doc["routes"]["pipe"]["capacity"] = [{"from": 2000, "value": 36.5, "cite": CITE}]
    doc["routes"]["pipe"]["maintenance"] = []
    doc["balancing"] = {"gas": {"label": "LNG"}}
    year = flowsim.run(scenario(doc), engine="numpy").annual.isel(member=0, year=0)
    year = year.sel(commodity="gas")
    np.testing.assert_allclose(float(year.storage_level), 1.0, rtol=1e-9)  # half of 2 bcm
    np.testing.assert_allclose(float(year.balancing), 1.0, rtol=1e-9)  # all of it bought
    np.testing.assert_allclose(float(year.storage_level_winter_end), 1.0, rtol=1e-9)


def test_fill_curves_slow_a_pool_near_empty() -> None:
    """Withdrawal deliverability falling linearly from the full rate at a full pool to 0.1
    of it when empty: the pool comes out ever more slowly (0.01 + 0.045 x level bcm/d,
    about 51 days to empty 2 bcm), so the 30-day stop leaves more unmet than with a flat
    curve, which empties the pool in 20 days."""
    flat = _doc({"initial_fill": 1.0})
    curved = _doc({"initial_fill": 1.0, "withdrawal_by_fill": [[0.0, 0.1], [1.0, 1.0]]})
    unmet = [
        float(flowsim.run(scenario(d), engine="numpy").annual.unmet.sel(commodity="gas")[0, 0])
        for d in (flat, curved)
    ]
    assert unmet[1] > unmet[0] + 0.1
