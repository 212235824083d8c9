"""Where a run's blocks land: arrays in memory, or a netCDF file written block by block.

Both stores take blocks in any order (:meth:`put`) and make the run's
:class:`~flowsim.results.Result` at the end (:meth:`result`). The file store
holds one block at a time: for ensembles whose results do not fit in memory.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from flowsim.arrays import Array
from flowsim.conditions import draw_widths
from flowsim.ensemble import DEFAULT_BLOCK, BlockResult, Task
from flowsim.errors import FlowsimError
from flowsim.io import atomic_path
from flowsim.plan import Plan
from flowsim.results import Result, build_annual, open_result
from flowsim.variables import ANNUAL, DAILY, DRAWS, unit_coordinate

__all__ = ["FileStore", "MemoryStore"]


def _annual_arrays(task: Task, members: int) -> dict[str, Array]:
    """Zeroed annual arrays of a run, (members, years, routes | commodities | arcs |
    figures), and (members, shocks) for the shocks that happened."""
    widths = task.plan.widths() | draw_widths(task.run.scenario)
    years = task.plan.calendar.n_years
    return {
        v.name: np.zeros((members, *([years] if v.yearly else []), widths[v.axis]), v.dtype)
        for v in (*ANNUAL, *DRAWS)
    }


def _annual_dataset(arrays: dict[str, Array], task: Task, attrs: dict[str, Any]) -> xr.Dataset:
    return build_annual(
        arrays,
        scenario=task.run.scenario,
        members=np.arange(next(iter(arrays.values())).shape[0]),
        years=task.plan.calendar.years,
        routes=task.plan.routes,
        commodities=task.plan.commodities,
        attrs=attrs,
    )


class MemoryStore:
    """One run's result arrays in memory, filled block by block."""

    def __init__(self, task: Task, attrs: dict[str, Any]) -> None:
        self.task, self.attrs = task, attrs
        self.members = task.run.members
        self.annual = _annual_arrays(task, self.members)
        self.daily: dict[str, Array] = {}
        self.events: list[Any] = []

    def put(self, block: BlockResult) -> None:
        rows = slice(block.first, block.stop)
        for name, values in (block.annual | block.draws).items():
            self.annual[name][rows] = values
        for name, values in block.daily.items():
            daily = self.daily.setdefault(name, np.zeros((self.members, *values.shape[1:])))
            daily[rows] = values
        self.events += block.events

    def result(self) -> Result:
        task = self.task
        return Result(
            _annual_dataset(self.annual, task, self.attrs),
            _daily_dataset(self.daily, task, self.attrs) if task.daily else None,
            _trace_table(self.events, task.plan) if task.trace else None,
        )

    def close(self) -> None:
        pass


class FileStore:
    """One run's annual values written into a netCDF file ``path`` as blocks arrive.

    The file appears under its name only when every block is in (until then it
    is a hidden temporary file beside it); :meth:`result` opens it lazily.
    Daily values and event traces are not stored this way.
    """

    def __init__(self, task: Task, attrs: dict[str, Any], path: Path) -> None:
        if task.daily or task.trace:
            raise FlowsimError("a result streamed to a file keeps annual values only")
        import h5netcdf

        self.path = Path(path)
        self._finish = contextlib.ExitStack()
        tmp = self._finish.enter_context(atomic_path(self.path))
        try:
            members = task.run.members
            empty = _annual_dataset(_annual_arrays(task, 0), task, attrs | {"has_daily": 0})
            chunks = {  # an empty axis (no arcs) cannot be chunked: stored whole
                name: {"chunksizes": (min(members, DEFAULT_BLOCK), *empty[name].shape[1:])}
                for name in empty.data_vars
                if all(empty[name].shape[1:])
            }
            empty.to_netcdf(
                tmp, engine="h5netcdf", mode="w", unlimited_dims=["member"], encoding=chunks
            )
            self._file = h5netcdf.File(tmp, "a")
            self._file.resize_dimension("member", members)
            self._file.variables["member"][:] = np.arange(members)
        except BaseException as exc:  # Ctrl-C too: remove the unfinished file now
            self._finish.__exit__(type(exc), exc, exc.__traceback__)
            raise

    def put(self, block: BlockResult) -> None:
        for name, values in (block.annual | block.draws).items():
            variable = self._file.variables[name]  # a flag is stored as int8
            variable[block.first : block.stop] = values.astype(variable.dtype, copy=False)

    def result(self) -> Result:
        self._file.close()
        self._finish.close()  # renames the complete file into place
        return open_result(self.path, lazy=True)

    def close(self) -> None:
        """Give up: remove the unfinished file (no-op after :meth:`result`)."""
        with contextlib.suppress(Exception):
            self._file.close()
        self._finish.__exit__(FlowsimError, FlowsimError("run abandoned"), None)


def _trace_table(events: list[Any], plan: Plan) -> pd.DataFrame:
    """The event trace as a table: member, day, date, route, kind, size, detail."""
    table = pd.DataFrame(
        [vars(e) for e in events], columns=["member", "day", "route", "kind", "size", "detail"]
    )
    start = np.datetime64(f"{plan.calendar.start_year:04d}-01-01")
    table.insert(2, "date", start + table["day"].to_numpy().astype("timedelta64[D]"))
    return table.sort_values(["member", "day"], kind="stable", ignore_index=True)


def _daily_dataset(arrays: dict[str, Any], task: Task, attrs: dict[str, Any]) -> xr.Dataset:
    plan, sources = task.plan, task.run.scenario.sources
    members = next(iter(arrays.values())).shape[0]
    commodity_of: dict[Literal["route", "commodity", "source"], list[str]] = {
        "route": [plan.commodities[i] for i in plan.route_commodity],
        "commodity": list(plan.commodities),
        "source": [sources[s].commodity for s in plan.sources],
    }
    return xr.Dataset(
        {v.name: (("member", "day", v.axis), arrays[f"daily_{v.name}"], v.attrs()) for v in DAILY},
        coords={
            "member": np.arange(members),
            "day": np.datetime64(f"{plan.calendar.start_year:04d}-01-01")
            + np.arange(plan.n_days).astype("timedelta64[D]"),
            "route": list(plan.routes),
            "commodity": list(plan.commodities),
            "source": list(plan.sources),
            "route_commodity": ("route", commodity_of["route"]),
            "route_source": ("route", [plan.sources[i] for i in plan.route_source]),
            **{
                f"{axis}_unit": unit_coordinate(axis, commodities, daily=True)
                for axis, commodities in commodity_of.items()
            },
            "commodity_stock_unit": unit_coordinate(
                "commodity", commodity_of["commodity"], stock=True
            ),
        },
        attrs=attrs,
    )
