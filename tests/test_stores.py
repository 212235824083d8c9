"""Where blocks land: memory, or a netCDF file written block by block and renamed when complete."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

import flowsim
from flowsim.errors import FlowsimError

from .conftest import BLOCK, MEMBERS, assert_identical


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
