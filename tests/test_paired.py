"""Paired comparison: differences member by member of ensembles with common random numbers.

Results here are built by hand (one gas route, two years), so every difference,
quantile and share is known exactly; one command-line test runs a shipped scenario
against itself, whose paired differences are zero whatever the random numbers.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from click.testing import CliRunner

import flowsim
from flowsim.cli import cli
from flowsim.errors import FlowsimError
from flowsim.paired import STATISTICS, TIE_TOLERANCE, member_differences

from .conftest import MONTE_CARLO
from .test_plots_value import EXPORTER, priced_text, run

YEARS = [2030, 2031]


def hand_made(
    name: str, pipe: Sequence[float], *, later: float = 0.0, seed: int | None = 7
) -> flowsim.Result:
    """A result of ``len(pipe)`` members: route ``pipe`` delivers ``pipe[k]`` bcm in 2030 and
    ``pipe[k] + later`` in 2031; gas demand 100 bcm, balancing what the pipe leaves, no unmet."""
    delivered = np.array([[v, v + later] for v in pipe], dtype=float)[:, :, None]
    balancing = 100.0 - delivered[:, :, 0:1]
    attrs = {"scenario_name": name, "scenario_toml": ""}
    if seed is not None:
        attrs["seed"] = seed
    return flowsim.Result(
        xr.Dataset(
            {
                "delivered": (("member", "year", "route"), delivered),
                "demand": (("member", "year", "commodity"), np.full_like(balancing, 100.0)),
                "balancing": (("member", "year", "commodity"), balancing),
                "unmet": (("member", "year", "commodity"), np.zeros_like(balancing)),
            },
            coords={
                "member": np.arange(len(pipe)),
                "year": YEARS,
                "route": ["pipe"],
                "commodity": ["gas"],
                "route_commodity": ("route", ["gas"]),
            },
            attrs=attrs,
        )
    )


def one_cell(values: Sequence[float]) -> xr.DataArray:
    return xr.DataArray(np.asarray(values, dtype=float)[:, None], dims=("member", "year"))


# --- the statistics -------------------------------------------------------------


def test_member_differences_count_lower_tied_and_higher_members() -> None:
    """B - A = (-1, 0, 0, 1e-12, 2): P10, P50, P90 by linear interpolation; the two zeros and
    1e-12 (within the tolerance) tie."""
    a = one_cell([1, 2, 3, 4, 5])
    b = one_cell([0, 2, 3, 4 + 1e-12, 7])
    stats = member_differences(a, b).isel(year=0)
    assert list(stats.statistic.values) == list(STATISTICS)
    expected = {
        "p10": -0.6,
        "p50": 0.0,
        "p90": 1.2,
        "p_lower": 0.2,
        "p_equal": 0.6,
        "p_higher": 0.2,
    }
    for statistic, value in expected.items():
        assert float(stats.sel(statistic=statistic)) == pytest.approx(value, abs=1e-9), statistic


def test_ties_are_relative_to_the_larger_value_and_absolute_below_one_unit() -> None:
    """1e6 against 1e6 + 1e-4 ties (1e-10 relative); 0 against 1e-10 ties (below one unit);
    0 against 1e-8 does not."""
    a = one_cell([1e6, 1e6, 0.0, 0.0])
    b = one_cell([1e6 + 1e-4, 1e6 + 1e-2, 1e-10, 1e-8])
    assert 1e-4 / 1e6 < TIE_TOLERANCE < 1e-2 / 1e6
    stats = member_differences(a, b).isel(year=0)
    assert float(stats.sel(statistic="p_equal")) == 0.5
    assert float(stats.sel(statistic="p_higher")) == 0.5


def test_members_without_a_value_are_left_out_and_none_gives_nan_quietly() -> None:
    """Shares count the members where both have a value; a cell where none has is NaN, with
    no warning."""
    a = xr.DataArray(
        np.array([[1.0, np.nan], [2.0, np.nan], [np.nan, np.nan]]), dims=("member", "year")
    )
    b = a + xr.DataArray([-1.0, 1.0, 0.0], dims="member")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats = member_differences(a, b)
    assert float(stats.sel(statistic="p_lower").isel(year=0)) == 0.5
    assert float(stats.sel(statistic="p_higher").isel(year=0)) == 0.5
    assert bool(stats.isel(year=1).isnull().all())


# --- compare ----------------------------------------------------------------------


def test_equal_medians_can_hide_that_b_is_higher_in_most_members() -> None:
    """A = 1..5 and B = (2, 3, 4, 5, 0): the medians are equal (difference 0), yet B is above
    A in 4 members of 5: only the paired table says so."""
    comparison = flowsim.compare(
        hand_made("a", [1, 2, 3, 4, 5]), hand_made("b", [2, 3, 4, 5, 0], later=1)
    )
    assert comparison.table.loc[("delivered", "pipe", "bcm/yr", 2030), "b - a"] == 0
    paired = comparison.paired
    assert paired is not None
    assert paired.index.names == ["result", "variable", "name", "unit", "year"]
    assert list(paired.columns) == list(STATISTICS)
    pipe = paired.loc[("b", "delivered", "pipe", "bcm/yr")]
    assert pipe.loc[2030, "p_higher"] == pytest.approx(0.8)
    assert pipe.loc[2030, "p_lower"] == pytest.approx(0.2)
    assert pipe.loc[2030, "p50"] == 1
    assert pipe.loc[2031, "p50"] == 2  # B also grows by 1 a year
    balancing = paired.loc[("b", "balancing", "gas", "bcm/yr", 2030)]
    assert balancing["p_lower"] == pytest.approx(0.8)  # what the pipe gives, balancing lacks
    demand = paired.loc[("b", "demand", "gas", "bcm/yr")]
    assert (demand["p_equal"] == 1).all()
    assert not comparison.notes


def test_results_that_cannot_be_paired_say_why() -> None:
    """Other member counts, a deterministic result or another seed: no paired rows for that
    result, a note naming the reason; two deterministic results need no note."""
    base = hand_made("a", [1, 2, 3, 4])
    cases = {
        "other members": (hand_made("b", [1, 2, 3]), "b has 3 members and a 4"),
        "deterministic": (hand_made("b", [1]), "b is one deterministic member"),
        "other seed": (hand_made("b", [1, 2, 3, 4], seed=8), "seed 8 and a with seed 7"),
    }
    for case, (other, reason) in cases.items():
        comparison = flowsim.compare(base, other)
        assert comparison.paired is None, case
        (note,) = comparison.notes
        assert note.startswith("no paired differences of b against a:"), case
        assert reason in note, case
    both = flowsim.compare(hand_made("a", [1]), hand_made("b", [2]))
    assert both.paired is None
    assert both.notes == ()


def test_each_result_that_pairs_is_paired_against_the_first() -> None:
    """A, B (other members) and C (paired): rows for C only, and a note for B."""
    comparison = flowsim.compare(
        hand_made("a", [1, 2, 3]), hand_made("b", [1, 2]), hand_made("c", [3, 2, 1])
    )
    assert comparison.paired is not None
    assert set(comparison.paired.index.get_level_values("result")) == {"c"}
    assert comparison.paired.loc[("c", "delivered", "pipe", "bcm/yr", 2030), "p50"] == 0
    (note,) = comparison.notes
    assert "of b against a" in note


def test_paired_fan_draws_the_band_the_median_and_the_share_below() -> None:
    """One panel per paired result: P50 line from the table, a zero line, P(B < A) in %."""
    comparison = flowsim.compare(
        hand_made("a", [1, 2, 3, 4, 5]), hand_made("b", [2, 3, 4, 5, 0], later=1)
    )
    fig = comparison.paired_fan("delivered", "pipe")
    ax, share = fig.axes
    (p50,) = [line for line in ax.get_lines() if line.get_label() == "P50 of B - A"]
    assert list(p50.get_ydata()) == [1, 2]
    assert any(list(line.get_ydata()) == [0, 0] for line in ax.get_lines())  # axhline
    (below,) = share.get_lines()
    assert list(below.get_ydata()) == pytest.approx([20, 20])
    with pytest.raises(FlowsimError, match="no paired differences of gas demand total"):
        comparison.paired_fan("demand_total", "gas")
    unpaired = flowsim.compare(hand_made("a", [1, 2]), hand_made("b", [1, 2, 3]))
    with pytest.raises(FlowsimError, match="b has 3 members"):
        unpaired.paired_fan("delivered", "pipe")


# --- the command line -----------------------------------------------------------


def test_compare_of_a_scenario_with_itself_prints_and_writes_zero_differences(
    tmp_path: Path,
) -> None:
    """`flowsim compare S S --members 8 --seed 3`: every member ties, whatever it drew."""
    runs = ["--members", "8", "--seed", "3", "--out", str(tmp_path)]
    args = ["compare", str(MONTE_CARLO), str(MONTE_CARLO), *runs]
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Member by member (8 members drawn alike" in out
    assert "│ gas balancing │ │ │" in out
    assert "│ B - A P10 │ +0.0 │" in out
    assert "│ P(B < A) │ 0% │" in out
    assert "│ P(B = A) │ 100% │" in out
    assert "paired.csv and paired figures" in out
    paired = pd.read_csv(tmp_path / "paired.csv")
    assert list(paired.columns) == ["result", "variable", "name", "unit", "year", *STATISTICS]
    assert (paired["p_equal"].dropna() == 1).all()
    assert (paired[["p10", "p50", "p90"]].dropna() == 0).all().all()
    names = {p.name for p in tmp_path.iterdir()}
    assert {"paired_delivered_total_gas.png", "paired_balancing_gas.svg"} <= names


def test_compare_command_notes_results_it_cannot_pair_and_removes_stale_paired_files(
    tmp_path: Path,
) -> None:
    """Paired results (from results.nc) give paired.csv with the hand-computed shares; a
    later comparison into the same folder that cannot pair says why on stderr and leaves no
    paired file of the earlier one."""
    paths = {}
    for name, pipe in (("a", [1, 2, 3, 4]), ("b", [0, 2, 5, 6]), ("c", [1, 2, 3])):
        paths[name] = str(hand_made(name, pipe).to_netcdf(tmp_path / f"{name}.nc"))
    out = tmp_path / "out"
    first = CliRunner().invoke(cli, ["compare", paths["a"], paths["b"], "--out", str(out)])
    assert first.exit_code == 0, first.output
    paired = pd.read_csv(out / "paired.csv").set_index(["variable", "name", "year"])
    pipe = paired.loc[("delivered", "pipe", 2030)]
    assert (pipe["p_lower"], pipe["p_equal"], pipe["p_higher"]) == (0.25, 0.25, 0.5)
    assert "paired_delivered_total_gas.png" in {p.name for p in out.iterdir()}
    second = CliRunner().invoke(cli, ["compare", paths["a"], paths["c"], "--out", str(out)])
    assert second.exit_code == 0, second.output
    assert "flowsim: note: no paired differences of c against a: c has 3 members" in second.stderr
    assert "Member by member" not in second.stdout
    assert not [p.name for p in out.iterdir() if p.name.startswith("paired")]


def test_priced_ensembles_pair_their_trade_value_member_by_member() -> None:
    """The pipe's price is 50 + slope x (Brent average); B's slope 3.3 against A's 3.0 adds
    0.1 x (price - 50) to each month's price, so member k's gas trade value rises by
    0.1 x (its trade value - 50 x its deliveries): more where member k drew dear Brent. The
    paired quantiles are those of that difference, member by member."""
    a = run(priced_text("a", drawn=True), members=20)
    b = run(priced_text("b", {"slope = 3.0": "slope = 3.3"}, drawn=True), members=20)
    paired = flowsim.compare(a, b).paired
    assert paired is not None
    pipe = a.annual.sel(route="pipe")
    rise = (0.1 * (pipe.trade_value - 50 * pipe.delivered)).values  # (member, year)
    rows = paired.loc[("b", "trade_value", f"{EXPORTER} gas", "million USD")]
    for i, year in enumerate(a.annual.year.values):
        expected = np.quantile(rise[:, i], [0.1, 0.5, 0.9])
        actual = rows.loc[year, ["p10", "p50", "p90"]].to_numpy(dtype=float)
        np.testing.assert_allclose(actual, expected, rtol=1e-9)
        assert rows.loc[year, "p_higher"] == 1
    assert rows.loc[2023, "p90"] - rows.loc[2023, "p10"] > 100  # members differ: pairing counts
    crude = paired.loc[("b", "trade_value", "unattributed oil", "million USD")]
    assert (crude["p_equal"] == 1).all()
