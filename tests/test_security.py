"""Security-of-supply metrics (flowsim.security): Annex II N-1 and survival time on small
cases computed by hand, in every engine."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import flowsim
from flowsim.engines import Engine
from flowsim.security import SURVIVAL_CAP

from .conftest import tiny_doc
from .engine_cases import CITE, scenario


def _rate(value: float) -> list[dict[str, Any]]:
    return [{"from": 2000, "value": value, "cite": CITE}]


def _doc(withdrawal: float) -> dict[str, Any]:
    """2021 only: routes of 38 and 30 bcm/yr, consumption 200 and domestic production 100
    (so imports of 100), 20 bcm/yr of LNG send-out, and a full 2 bcm pool that sends out
    ``withdrawal`` bcm/yr."""
    doc = tiny_doc()
    doc["horizon"] = {"start_year": 2021, "end_year": 2021}
    doc["routes"]["second"] = {**doc["routes"]["pipe"], "capacity": _rate(30.0)}
    doc["demand"] = {"gas": {"consumption": _rate(200.0), "production": _rate(100.0)}}
    doc["balancing"] = {"gas": {"label": "LNG", "cap": _rate(20.0)}}
    doc["storage"] = {
        "gas": {
            "label": "pool",
            "working_volume": _rate(2.0),
            "injection": _rate(10.0),
            "withdrawal": _rate(withdrawal),
            "initial_fill": 1.0,
            "cite": CITE,
        }
    }
    return doc


def _metrics(engine: Engine, withdrawal: float) -> Any:
    result = flowsim.run(scenario(_doc(withdrawal)), engine=engine.name)  # type: ignore[arg-type]
    return result.annual.isel(member=0, year=0).sel(commodity="gas")


def test_annex_ii_n_minus_1(engine: Engine) -> None:
    """(EP 68 + P 100 + S 73 + LNG 20 - I 38) / (imports 100 + production 100) = 1.115;
    the corridors alone cover (68 - 38) / 100 = 0.3 of the peak imports."""
    year = _metrics(engine, 73.0)
    assert float(year.n_minus_1) == pytest.approx(223 / 200, rel=1e-12)
    assert float(year.corridor_cover) == pytest.approx(0.3, rel=1e-12)
    assert float(year.consumption) == pytest.approx(200.0)
    assert float(year.domestic_production) == pytest.approx(100.0)
    assert float(year.demand) == pytest.approx(100.0)


def test_survival_time(engine: Engine) -> None:
    """Without the 38 bcm/yr route, supply is 30 + 100 + 20 = 150 against 200: 50 bcm/yr
    short. A pool that can send out 73 bcm/yr covers it while its 2 bcm last: 2 / 50 x 365
    = 14.6 days (demand is flat: the peak day is 1 January, the pool full). One that sends
    out only 36.5 bcm/yr cannot keep up: 0 days."""
    assert float(_metrics(engine, 73.0).survival_days) == pytest.approx(14.6, rel=1e-12)
    assert float(_metrics(engine, 36.5).survival_days) == 0.0


def test_survival_is_capped_when_nothing_is_short() -> None:
    """Two more routes of 50 bcm/yr: without the largest, 38 + 30 + 50 + 100 + 20 = 238
    covers the 200 of the peak, so survival is SURVIVAL_CAP (a year or more)."""
    doc = _doc(73.0)
    for rid in ("third", "fourth"):
        doc["routes"][rid] = {**doc["routes"]["pipe"], "capacity": _rate(50.0)}
    year = flowsim.run(scenario(doc), engine="numpy").annual.isel(member=0, year=0)
    assert float(year.survival_days.sel(commodity="gas")) == SURVIVAL_CAP


def test_no_demand_block_gives_no_metrics() -> None:
    """A commodity without demand has no peak day: its metrics are NaN."""
    doc = tiny_doc()
    year = flowsim.run(scenario(doc), engine="numpy").annual.isel(member=0, year=0)
    for name in ("corridor_cover", "n_minus_1", "survival_days", "peak_demand"):
        assert np.isnan(float(year[name].sel(commodity="gas"))), name
