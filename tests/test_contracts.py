"""Take-or-pay accounts (flowsim.contracts, and the contract-year sums every engine keeps):
hand-computed contract years with make-up, a contract year from July, the seller's
shortfall, and the account's own rules (oldest first, yearly limit, expiry)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import flowsim
from flowsim.contracts import contract_accounts
from flowsim.engines import Engine
from flowsim.plan import Plan

from .conftest import tiny_doc
from .engine_cases import CITE, scenario

ACCOUNT = ("contract_take", "paid_not_taken", "make_up_recovered", "make_up_balance")


def _doc(demand: list[tuple[str, float]], **terms: Any) -> dict[str, Any]:
    """2023-2025: a 38 bcm/yr pipe under an ACQ of 30 with an 80% take-or-pay floor and a
    make-up right of 10% of ACQ a year, serving ``demand`` ((from, bcm/yr) steps)."""
    doc = tiny_doc()
    doc["routes"]["pipe"]["contract"] = {
        "acq": [{"from": 2000, "value": 30, "cite": CITE}],
        "min_take_fraction": 0.8,
        "make_up_fraction": 0.1,
        "cite": CITE,
        **terms,
    }
    steps = [{"from": day, "value": value, "cite": CITE} for day, value in demand]
    doc["demand"] = {"gas": {"annual": steps}}
    return doc


def _accounts(engine: Engine, doc: dict[str, Any]) -> dict[str, list[float]]:
    result = flowsim.run(scenario(doc), engine=engine.name)  # type: ignore[arg-type]
    pipe = result.annual.sel(member=0, route="pipe")
    return {name: pipe[name].values.tolist() for name in (*ACCOUNT, "contract_unavailable")}


def test_a_buyer_cutting_its_offtake_pays_for_what_it_does_not_take(engine: Engine) -> None:
    """An offtake factor of 0.5 in every year (a choice of one value): the buyer nominates
    half the contract, 15 of the ACQ of 30, though demand (40) would take it all; the
    seller had all of it available, so the buyer pays for 24 - 15 = 9 a year, of which
    the make-up right (10% of ACQ) has nothing to recover while the cut lasts."""
    doc = _doc([("2000-01-01", 40.0)])
    doc["routes"]["pipe"]["offtake_factor"] = {"dist": "choice", "values": [0.5], "cite": CITE}
    got = _accounts(engine, doc)
    expected = {
        "contract_take": [15, 15, 15],
        "contract_unavailable": [0, 0, 0],
        "paid_not_taken": [9, 9, 9],
        "make_up_recovered": [0, 0, 0],
        "make_up_balance": [9, 18, 27],
    }
    for name, values in expected.items():
        np.testing.assert_allclose(got[name], values, rtol=1e-9, atol=1e-12, err_msg=name)


def test_paid_not_taken_is_made_up_in_the_next_two_years(engine: Engine) -> None:
    """2023: demand 20 < the floor of 24, so 4 is paid not taken. 2024 and 2025: the buyer
    takes the whole ACQ, 6 above the floor, of which at most 3 (10% of ACQ) recovers
    make-up volume: 3, then the last 1."""
    got = _accounts(engine, _doc([("2000-01-01", 20.0), ("2024-01-01", 40.0)]))
    expected = {
        "contract_take": [20, 30, 30],
        "contract_unavailable": [0, 0, 0],
        "paid_not_taken": [4, 0, 0],
        "make_up_recovered": [0, 3, 1],
        "make_up_balance": [4, 1, 0],
    }
    for name, values in expected.items():
        np.testing.assert_allclose(got[name], values, rtol=1e-9, atol=1e-12, err_msg=name)


def test_a_contract_year_from_july_with_one_year_to_make_up(engine: Engine) -> None:
    """Contract years July-June: January-June 2023 belong to none, and the one starting
    July 2025 is cut short by the horizon (NaN). Demand is 20 until 30 June 2024 and 40
    after, so the 2023 contract year takes 2/3 of its ACQ, 80% - 2/3 of it is paid not
    taken; the 2024 one takes its ACQ and recovers 10% of it; the rest of the 2023 volume
    expires at the end of 2024's, its last year to be made up."""
    doc = _doc([("2000-01-01", 20.0), ("2024-07-01", 40.0)], year_start_month=7, make_up_years=1)
    got = _accounts(engine, doc)
    acq_2023 = 30 * 184 / 365 + 30 * 182 / 366  # July-December 2023, January-June 2024
    acq_2024 = 30 * 184 / 366 + 30 * 181 / 365
    paid = (0.8 - 2 / 3) * acq_2023
    np.testing.assert_allclose(got["contract_take"][:2], [acq_2023 * 2 / 3, acq_2024], rtol=1e-9)
    np.testing.assert_allclose(got["paid_not_taken"][:2], [paid, 0.0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got["make_up_recovered"][:2], [0.0, 0.1 * acq_2024], rtol=1e-9)
    np.testing.assert_allclose(got["make_up_balance"][:2], [paid, 0.0], rtol=1e-9, atol=1e-12)
    for name in ACCOUNT[1:]:
        assert np.isnan(got[name][2]), name


def test_the_sellers_stop_lowers_the_buyers_obligation(engine: Engine) -> None:
    """A 30-day stop in 2023 with the ACQ spread over calendar days: the seller could not
    make available 30/365 of the ACQ, which comes off the 24 floor; the buyer, at a demand
    of 20 on the other 335 days, pays for the rest."""
    doc = _doc([("2000-01-01", 20.0)])
    doc["routes"]["pipe"]["maintenance"] = [
        {"start": "2023-05-01", "duration_days": 30, "cite": CITE}
    ]
    got = _accounts(engine, doc)
    unavailable = 30 * 30 / 365
    take = 20 * 335 / 365
    np.testing.assert_allclose(got["contract_unavailable"][0], unavailable, rtol=1e-9)
    np.testing.assert_allclose(got["contract_take"][0], take, rtol=1e-9)
    np.testing.assert_allclose(got["paid_not_taken"][0], 24 - unavailable - take, rtol=1e-9)


def test_a_route_without_contract_has_no_account() -> None:
    result = flowsim.run(scenario(tiny_doc()))
    pipe = result.annual.sel(member=0, route="pipe")
    assert pipe.contract_take.values.tolist() == [0, 0, 0]
    assert np.isnan(pipe.paid_not_taken.values).all()


def _plan(acq: list[float], make_up: float, years: int) -> Any:
    """A stand-in plan of one route's contract terms (floor 80%)."""
    contracts = SimpleNamespace(
        acq=np.array(acq)[:, None],
        min_take=np.array([0.8]),
        make_up=np.array([make_up]),
        make_up_years=np.array([years]),
    )
    return SimpleNamespace(contracts=contracts)


def _run(plan: Any, take: list[float]) -> dict[str, list[float]]:
    arrays = {
        "contract_take": np.array(take)[None, :, None],
        "contract_unavailable": np.zeros((1, len(take), 1)),
    }
    out = contract_accounts(plan, arrays)  # type: ignore[arg-type]
    return {name: values[0, :, 0].tolist() for name, values in out.items()}


def test_make_up_is_recovered_oldest_first_and_expires() -> None:
    """ACQ 10, floor 8: 2 paid in year 0 and 3 in year 1; year 2 takes 10 (2 above the
    floor, limit 5): the 2 of year 0 first. Two years to make up: year 0's balance is gone
    and year 1's 3 expire at the end of year 3, which takes only the floor."""
    got = _run(_plan([10.0] * 5, 0.5, 2), [6.0, 5.0, 10.0, 8.0, 8.0])
    assert got["paid_not_taken"] == pytest.approx([2, 3, 0, 0, 0])
    assert got["make_up_recovered"] == pytest.approx([0, 0, 2, 0, 0])
    assert got["make_up_expired"] == pytest.approx([0, 0, 0, 3, 0])
    assert got["make_up_balance"] == pytest.approx([2, 5, 3, 0, 0])


def test_without_a_make_up_right_nothing_is_banked() -> None:
    got = _run(_plan([10.0] * 2, 0.0, 5), [6.0, 10.0])
    assert got["paid_not_taken"] == pytest.approx([2, 0])
    assert got["make_up_recovered"] == pytest.approx([0, 0])
    assert got["make_up_balance"] == pytest.approx([0, 0])


def test_contract_years_follow_the_start_month() -> None:
    doc = _doc([("2000-01-01", 20.0)], year_start_month=4)
    plan = Plan.of(scenario(doc))
    starts = plan.contracts.year_start[0] - plan.calendar.year_starts
    assert starts.tolist() == [31 + 28 + 31, 31 + 29 + 31, 31 + 28 + 31]
    assert np.isnan(plan.contracts.acq[-1, 0])  # April 2025 to March 2026: cut short
    # each day's quantity is the ACQ over the days of its calendar year, so the year that
    # holds 29 February sums to a little more than the ACQ
    assert plan.contracts.acq[0, 0] == pytest.approx(30 * 275 / 365 + 30 * 91 / 366)


def test_the_run_table_shows_the_accounts_of_routes_that_paid() -> None:
    """`flowsim run` prints a take-or-pay table only where a buyer paid for volume it did
    not take: here the pipe's 4 in 2023, made up by 2025."""
    from rich.console import Console

    from flowsim.cli.render import contracts_table

    doc = _doc([("2000-01-01", 20.0), ("2024-01-01", 40.0)])
    table = contracts_table(flowsim.run(scenario(doc)))
    assert table is not None
    console = Console(width=120, record=True)
    console.print(table)
    text = console.export_text()
    assert "pipe paid not taken" in text
    assert "4.00" in text
    assert "pipe make-up balance" in text
    assert contracts_table(flowsim.run(scenario(_doc([("2000-01-01", 40.0)])))) is None
