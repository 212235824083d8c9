"""Results before and after a change: every shipped scenario and named variant, both core engines.

    python benchmarks/results_snapshot.py write DIR   # before the change
    python benchmarks/results_snapshot.py check DIR   # after: exit 1 on any changed value

Annual values (up to 128 members each) and coordinates are compared bit for
bit; attributes are not (a change may add provenance on purpose).
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import xarray as xr

import flowsim
from flowsim.scenario import scenario_names

mode, folder = sys.argv[1], Path(sys.argv[2])
folder.mkdir(parents=True, exist_ok=True)
root = Path(__file__).resolve().parent.parent / "scenarios"
bad = 0
for path in sorted(root.glob("*.toml")):
    for name in [None, *scenario_names(path)]:
        sel = f"{path}#{name}" if name else str(path)
        scen = flowsim.load_scenario(sel)
        members = min(scen.run.members, 128)
        for kernel in ("numpy", "numba"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    res = flowsim.run(scen, members=members, engine=kernel)
                except Exception:
                    res = flowsim.run(scen, members=members, fused=(kernel == "numba"))
            ds = res.annual
            keep = [v for v in ds.data_vars]
            out = folder / f"{path.stem}-{name or 'base'}-{kernel}.nc"
            if mode == "write":
                ds[keep].drop_attrs().to_netcdf(out, engine="h5netcdf")
            else:
                with xr.open_dataset(out, engine="h5netcdf") as old:
                    old = old.load()
                for v in old.data_vars:
                    a, b = old[v].values, ds[v].values
                    if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
                        bad += 1
                        print("DIFFERENT", out.name, v)
                for c in old.coords:
                    if c in ds.coords and not np.array_equal(old[c].values, ds[c].values):
                        bad += 1
                        print("DIFFERENT coord", out.name, c)
            print(mode, out.name, flush=True)
print("differences:", bad)
sys.exit(1 if bad else 0)
