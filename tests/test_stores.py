"""Where blocks land: memory, or a netCDF file written block by block and renamed when complete."""

from __future__ import annotations

import errno
import itertools
import math
from pathlib import Path

import pytest
import xarray as xr

import flowsim
from flowsim.errors import FlowsimError
from flowsim.stats import by_slices, is_lazy, slice_grid

from .conftest import BLOCK, MEMBERS, assert_identical
from .engine_cases import NETWORK_SCENARIO


def test_a_run_streamed_to_a_file_equals_the_run_in_memory(
    monte_carlo: flowsim.Scenario, serial_reference: flowsim.Result, tmp_path: Path
) -> None:
    """Blocks from two processes, written into a file as they come, equal the run in memory."""
    path = tmp_path / "streamed.nc"
    result = flowsim.run(monte_carlo, members=MEMBERS, block_size=BLOCK, workers=2, file=path)
    assert_identical(serial_reference, result)
    assert_identical(serial_reference, flowsim.open_result(path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["streamed.nc"]


def test_an_interrupted_streamed_run_leaves_no_file(
    monte_carlo: flowsim.Scenario, tmp_path: Path
) -> None:
    """Ctrl-C after some blocks were written removes the unfinished file."""

    def interrupt_late(done: int, total: int) -> None:
        if done >= 2 * BLOCK:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        flowsim.run(
            monte_carlo,
            members=MEMBERS,
            block_size=BLOCK,
            file=tmp_path / "x.nc",
            progress=interrupt_late,
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("option", ["daily", "trace"])
def test_a_streamed_result_keeps_annual_values_only(
    monte_carlo: flowsim.Scenario, tmp_path: Path, option: str
) -> None:
    """Daily values or an event trace cannot be streamed to a file: one error, no file."""
    engine = "des" if option == "trace" else "core"
    with pytest.raises(FlowsimError, match="a result streamed to a file keeps annual values only"):
        flowsim.run(monte_carlo, members=2, engine=engine, file=tmp_path / "x.nc", **{option: True})
    assert list(tmp_path.iterdir()) == []


def test_a_failure_while_the_file_is_set_up_leaves_no_file(
    monte_carlo: flowsim.Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error while the result file is being set up removes the temporary file at once."""
    import h5netcdf

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(h5netcdf.File, "resize_dimension", full)
    with pytest.raises(OSError, match="No space left on device") as caught:
        flowsim.run(monte_carlo, members=2, file=tmp_path / "x.nc")
    # checked while the error (and the frames it holds) is alive: no clean-up by the collector
    assert list(tmp_path.iterdir()) == [], caught


# --- summaries of a streamed result: a slice of members' values at a time -----------


@pytest.mark.parametrize(
    ("members", "shape", "budget"),
    [
        (100, (36, 9), 10**9),  # all at once
        (100, (36, 9), 100 * 8 * 9 * 5),  # five years at a time
        (100, (36, 9), 100 * 8 * 4),  # one year, four routes at a time
        (100, (36, 9), 100 * 8 * 2),  # two cells
        (100, (36, 9), 1),  # two cells, however small the budget
        (100, (36, 1), 1),  # two years of the only route
        (7, (5,), 7 * 8 * 2),
        (3, (1, 1), 1),  # a single cell
    ],
)
def test_slices_cover_every_cell_once_within_the_budget(
    members: int, shape: tuple[int, ...], budget: int
) -> None:
    """Every cell is in one slice; a slice's members fit the budget, or it has two (three)
    cells; no slice has a single cell where there are more (means stay bit-identical)."""
    grid = slice_grid(members, shape, budget=budget)
    seen = []
    for block in itertools.product(*grid):
        cells = math.prod(s.stop - s.start for s in block)
        assert cells >= 1
        assert members * cells * 8 <= budget or cells <= 3
        assert cells >= 2 or math.prod(shape) == 1
        seen += itertools.product(*(range(s.start, s.stop) for s in block))
    assert sorted(seen) == list(itertools.product(*(range(n) for n in shape)))


def test_a_streamed_summary_loads_a_slice_at_a_time(tmp_path: Path) -> None:
    """The summary of a streamed result reduces values of at most a slice (the budget)
    at a time, never every member's values of a variable (routes, commodities and shared
    arcs alike), and equals the one in memory."""
    import flowsim.results as results

    path = tmp_path / "streamed.nc"
    result = flowsim.run(NETWORK_SCENARIO, members=MEMBERS, block_size=BLOCK, file=path)
    assert is_lazy(result.annual)
    budget = MEMBERS * 8 * 2  # two cells of every member
    blocks: list[dict[str, int]] = []
    statistics = results.member_statistics

    def record(values: xr.Dataset) -> xr.Dataset:
        assert not is_lazy(values)
        blocks.append(dict(values.sizes))
        return statistics(values)

    results.member_statistics = record  # type: ignore[assignment]
    try:
        summary = result._summary_by_slices(budget)
    finally:
        results.member_statistics = statistics  # type: ignore[assignment]
    sliced = [b for b in blocks if b["member"] == MEMBERS]  # besides the one-member layout
    assert len(sliced) == len(blocks) - 1
    assert max(b["year"] for b in sliced) < result.annual.sizes["year"]
    assert any("arc" in b for b in sliced)
    for b in sliced:
        assert b["member"] * math.prod(n for d, n in b.items() if d != "member") * 8 <= budget
    summary.attrs = dict(result.annual.attrs)
    in_memory = flowsim.run(NETWORK_SCENARIO, members=MEMBERS, block_size=BLOCK)
    xr.testing.assert_identical(summary, in_memory.summary())


def test_by_slices_reduces_values_in_memory_at_once() -> None:
    """Values in memory are reduced in one call, as before."""
    values = xr.DataArray([[1.0, 2.0], [3.0, 4.0]], dims=("member", "year"))
    calls = []

    def reduce(v: xr.DataArray) -> xr.DataArray:
        calls.append(v.sizes)
        return v.mean("member")

    assert by_slices(values, reduce, ("year",), budget=1).values.tolist() == [2.0, 3.0]
    assert len(calls) == 1
