"""``flowsim bench``: how fast the core runs, against the DES and the machine's memory.

Every measurement runs in a fresh Python process (``python -m flowsim.bench
SPEC``), so that its peak memory (maximum resident set size) is its own and a
warm-up run outside the timing loads or compiles the numba engine. Three things are
measured in one run, on the same scenario (the shipped Monte Carlo reference
ensemble unless told otherwise):

* the core (numpy, and numba when installed) on many members and the DES on
  a few; their ratio per member-year is the core's speed-up over the DES;
* the machine's memory-copy bandwidth, and from it the *memory floor*: the
  time a core would need just to touch :data:`FLOOR_BYTES` per
  member-route-day;
* the *compute floor* (:func:`compute_floor`): CPU time per member-route-day
  of the dispatch loop alone (the least of the bounds, what it leaves, the
  yearly sums and day counts), compiled like the numba engine, members as
  lanes; the core's CPU time over it says how much the rest costs;
* optionally, scaling with members, horizon, route count and workers.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from flowsim.errors import FlowsimError

__all__ = [
    "BASELINE",
    "FLOOR_BYTES",
    "Bench",
    "Measurement",
    "Spec",
    "check",
    "compute_floor",
    "machine",
    "memory_bandwidth",
    "run_bench",
    "scaling",
]

FLOOR_BYTES = 16
"""Bytes any core must move per member-route-day: read the day's available
capacity (float64) and write the day's flow (float64)."""

BASELINE = {"numpy": 95.0, "numba": 800.0}
"""Core-over-DES speed-up per member-year that ``flowsim bench --quick``
measured on the CI machine (2 logical CPUs) for the Monte Carlo scenario on the
supply network (13 routes, 4 shared arcs; 2026-11-29: numpy 74-115x, numba
626-975x); ``--check`` fails when a core engine falls below ``(1 - CHECK_LOSS)``
of it."""

CHECK_LOSS = 0.5
"""Fraction of the baseline speed-up a core engine may lose before ``--check`` fails."""


@dataclass(frozen=True)
class Spec:
    """One measurement: which engine on which variant of which scenario."""

    engine: str
    """``numpy`` or ``numba`` (the core), or ``des``."""
    members: int
    scenario: str = "monte_carlo"
    """A shipped scenario's name, or a path to a scenario file."""
    years: int | None = None
    """Shorten the horizon to this many years (from its start)."""
    routes: int | None = None
    """Cut or replicate the routes to this many."""
    workers: int | None = None
    block_size: int | None = None
    stream: bool = False
    """Stream the annual values to a temporary file (memory holds one block)."""
    repeats: int = 1
    """Timed runs; the fastest counts (robust to other load on the machine)."""


@dataclass(frozen=True)
class Measurement:
    """What one measurement found."""

    spec: Spec
    years: int
    routes: int
    seconds: float
    peak_mib: float
    cpu_seconds: float = float("nan")
    """CPU time of this process's threads in the timed run (worker processes not included)."""

    @property
    def member_years_per_s(self) -> float:
        return self.spec.members * self.years / self.seconds

    @property
    def route_days_per_s(self) -> float:
        return self.member_years_per_s * 365.25 * self.routes


def _scenario(spec: Spec) -> Any:
    """The scenario a spec names, shortened or with routes cut or replicated."""
    from flowsim import shipped
    from flowsim.scenario import load_scenario, scenario_from_dict

    path = Path(spec.scenario)
    base = load_scenario(path if path.suffix == ".toml" else shipped.scenario_file(spec.scenario))
    if spec.years is None and spec.routes is None:
        return base
    doc = base.model_dump(by_alias=True, exclude_none=True)
    if spec.years is not None:
        end = doc["horizon"]["start_year"] + spec.years - 1
        doc["horizon"]["end_year"] = end
        for stretch in [*doc["routes"].values(), *doc.get("arcs", {}).values()]:
            stretch["maintenance"] = [
                w for w in stretch.get("maintenance", []) if int(str(w["start"])[:4]) <= end
            ]
    if spec.routes is not None:
        doc["routes"] = _resized(doc["routes"], spec.routes)
        used = {a for r in doc["routes"].values() for a in r.get("arcs", [])}
        doc["arcs"] = {a: arc for a, arc in doc.get("arcs", {}).items() if a in used}
        shocks = doc.get("shocks", {})
        countries = {c for r in doc["routes"].values() for c in r.get("transit_countries", [])}
        for shock in shocks.values():
            shock["routes"] = [r for r in doc["routes"] if _original(r) in shock["routes"]]
            shock["arcs"] = [a for a in shock.get("arcs", []) if a in used]
            shock["transit_countries"] = [
                c for c in shock.get("transit_countries", []) if c in countries
            ]
        doc["shocks"] = {
            k: s
            for k, s in shocks.items()
            if s["routes"] or s["arcs"] or s.get("transit_countries") or s.get("sources")
        }
    return scenario_from_dict(doc, file=f"{spec.scenario} (resized)")


def _original(route: str) -> str:
    """The route a copy was made from (``espo_copy2`` -> ``espo``)."""
    return route.rpartition("_copy")[0] or route


def _resized(routes: dict[str, Any], n: int) -> dict[str, Any]:
    """``n`` routes: gas and oil routes taken in turn, copies named ``ID_copy2``, ..."""
    gas = [r for r in routes if routes[r]["commodity"] == "gas"]
    oil = [r for r in routes if routes[r]["commodity"] == "oil"]
    order = [r for pair in zip(gas, oil, strict=False) for r in pair]
    order += [r for r in [*gas, *oil] if r not in order]
    out: dict[str, Any] = {}
    for i in range(n):
        rid, copy = order[i % len(order)], i // len(order) + 1
        out[rid if copy == 1 else f"{rid}_copy{copy}"] = routes[rid]
    return out


def _measure_here(spec: Spec) -> dict[str, Any]:
    """Run ``spec`` in this process: warm up, time, and read the peak memory."""
    from flowsim.simulate import execute
    from flowsim.spec import Placement, RunSpec

    scenario = _scenario(spec)
    execute(RunSpec.of([scenario], members=min(spec.members, 2), seed=1, engine=spec.engine))
    run = RunSpec.of([scenario], members=spec.members, seed=1, engine=spec.engine)
    seconds = cpu = float("inf")
    for _ in range(spec.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            where = Placement(
                workers=spec.workers,
                block_size=spec.block_size,
                files=(Path(tmp) / "result.nc",) if spec.stream else (),
            )
            start, start_cpu = time.perf_counter(), time.process_time()
            (result,) = execute(run, where)
            took, took_cpu = time.perf_counter() - start, time.process_time() - start_cpu
            if took < seconds:
                seconds, cpu = took, took_cpu
            shape = dict(result.annual.sizes)
            del result
    return {
        "years": shape["year"],
        "routes": shape["route"],
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_mib": _peak_mib(),
    }


def _peak_mib() -> float:
    """This process's peak resident memory, MiB (worker processes not included).

    Linux's VmHWM, which starts afresh at exec; ``ru_maxrss`` would carry over
    the high-water mark of the process that started this one.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # pragma: no cover


def measure(spec: Spec) -> Measurement:
    """Run ``spec`` in a fresh Python process."""
    done = subprocess.run(
        [sys.executable, "-m", "flowsim.bench", json.dumps(asdict(spec))],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise FlowsimError(f"benchmark {spec} failed: {last}")
    return Measurement(spec, **json.loads(done.stdout.strip().splitlines()[-1]))


def memory_bandwidth(mib: int = 256, repeats: int = 5) -> float:
    """Memory-copy bandwidth, bytes per second (read plus write), best of ``repeats``."""
    source = np.ones(mib << 17)  # float64: mib MiB
    target = np.empty_like(source)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        np.copyto(target, source)
        best = min(best, time.perf_counter() - start)
    return 2 * source.nbytes / best


def machine() -> str:
    """CPU model, logical CPUs, memory and Python version of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {len(os.sched_getaffinity(0))} logical CPUs, {memory:.0f} GiB, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )


@dataclass(frozen=True)
class Bench:
    """The results of ``flowsim bench``: core and DES rows, speed-ups, bandwidth."""

    rows: list[Measurement]
    bandwidth: float
    """Memory-copy bandwidth, bytes per second."""
    compute: float = float("nan")
    """The compute floor: CPU seconds per member-route-day (NaN without numba)."""

    def des(self) -> Measurement:
        return next(m for m in self.rows if m.spec.engine == "des")

    def speedup(self, row: Measurement) -> float:
        """How many times faster than the DES per member-year."""
        return row.member_years_per_s / self.des().member_years_per_s

    def floor_seconds(self, row: Measurement) -> float:
        """Seconds to move :data:`FLOOR_BYTES` per member-route-day at the measured bandwidth."""
        route_days = row.spec.members * row.years * 365.25 * row.routes
        return route_days * FLOOR_BYTES / self.bandwidth

    def over_compute_floor(self, row: Measurement) -> float:
        """The row's CPU time over the compute floor's for as many member-route-days."""
        route_days = row.spec.members * row.years * 365.25 * row.routes
        return row.cpu_seconds / (route_days * self.compute)


def compute_floor(days: int = 13_149, routes: int = 9, lanes: int = 256) -> float:
    """CPU seconds per member-route-day of the dispatch loop alone, on one thread, best of
    five (NaN without numba): the least of four bounds, what it leaves of the source and
    the demand, four yearly sums and the packed day counts, members as lanes. The numba
    engine's CPU time over it is what events, availability, sampling and writing cost."""
    from flowsim.engines import numba_installed

    if not numba_installed():
        return float("nan")
    import numba

    @numba.njit(error_model="numpy")
    def dispatch(days: int, routes: int, lanes: int) -> float:  # pragma: no cover - compiled
        cap, factor = np.full(lanes, 38.0), np.linspace(0.5, 1.0, lanes)
        left, need = np.full((routes, lanes), np.inf), np.full(lanes, np.inf)
        budget = np.full((routes, lanes), np.inf)
        delivered, flows = np.zeros((routes, lanes)), np.zeros((routes, lanes))
        capacity, available_sum = np.zeros((routes, lanes)), np.zeros((routes, lanes))
        counts = np.zeros((routes, lanes), dtype=np.int64)
        for _ in range(days):
            for r in range(routes):
                for b in range(lanes):
                    available = cap[b] * factor[b]
                    flow = available if available <= 30.0 else 30.0
                    flow = flow if flow <= left[r, b] else left[r, b]
                    flow = flow if flow <= need[b] else need[b]
                    flow = flow if flow <= budget[r, b] else budget[r, b]
                    counts[r, b] += np.int64(flow == available) + (np.int64(flow == 30.0) << 12)
                    left[r, b] = left[r, b] - flow
                    still = need[b] - flow
                    need[b] = still if still >= 0.0 else 0.0
                    budget[r, b] = budget[r, b] - flow
                    delivered[r, b] += flow
                    flows[r, b] += flow
                    capacity[r, b] += cap[b]
                    available_sum[r, b] += available
        return float(delivered.sum() + counts.sum())

    dispatch(2, routes, lanes)  # compile
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        dispatch(days, routes, lanes)
        best = min(best, time.process_time() - start)
    return best / (days * routes * lanes)


def core_engines() -> list[str]:
    """Core engines available here: numpy, and numba when installed."""
    from flowsim.engines import numba_installed

    return ["numpy", "numba"] if numba_installed() else ["numpy"]


def run_bench(
    quick: bool = False,
    scenario: str = "monte_carlo",
    progress: Callable[[str], None] | None = None,
) -> Bench:
    """Measure the core engines and the DES on ``scenario``, and the memory bandwidth.

    ``quick``: 1,000 core members and 2 DES members, each the best of three
    runs (under a minute); else 10,000 and 5, once.
    """
    members, des_members, repeats = (1000, 2, 3) if quick else (10_000, 5, 1)
    specs = [Spec(k, members, scenario, repeats=repeats) for k in core_engines()]
    specs.append(Spec("des", des_members, scenario, repeats=repeats))
    rows = []
    for spec in specs:
        if progress is not None:
            progress(f"{spec.engine}, {spec.members:,} members")
        rows.append(measure(spec))
    return Bench(rows, memory_bandwidth(), compute_floor())


def check(
    bench: Bench, baseline: dict[str, float] = BASELINE, loss: float = CHECK_LOSS
) -> list[str]:
    """One line per core engine whose speed-up over the DES fell below ``(1 - loss)``
    of ``baseline``."""
    failures = []
    for row in bench.rows:
        expected = baseline.get(row.spec.engine)
        if expected is not None and bench.speedup(row) < (1 - loss) * expected:
            failures.append(
                f"core ({row.spec.engine}) is {bench.speedup(row):.0f}x the DES, below "
                f"{(1 - loss) * expected:.0f}x ({1 - loss:.0%} of the baseline {expected:.0f}x)"
            )
    return failures


SCALING = {
    "members": [10, 100, 1000, 10_000, 100_000],
    "years": [5, 10, 20, 36],
    "routes": [4, 10, 20, 40],
    "workers": [1, 2],
    "block_size": [64, 256, 1024, 4096],
}
"""The values each scaling axis takes. The others stay at 1,000 members, the
full horizon, the scenario's routes and one worker, except ``workers`` (10,000
members in local processes) and ``block_size`` (4,096 members, serial)."""


def scaling(
    engine: str,
    scenario: str = "monte_carlo",
    axes: Sequence[str] = tuple(SCALING),
    members: int = 1000,
    progress: Callable[[str], None] | None = None,
) -> list[Measurement]:
    """Wall time and peak memory along each axis of :data:`SCALING` (results streamed to a file)."""
    base = Spec(engine, members, scenario, stream=True)
    varied: dict[str, Callable[[int], Spec]] = {
        "members": lambda v: replace(base, members=v),
        "years": lambda v: replace(base, years=v),
        "routes": lambda v: replace(base, routes=v),
        "workers": lambda v: replace(base, members=10 * members, workers=v),
        "block_size": lambda v: replace(base, members=4096, block_size=v),
    }
    rows = []
    for axis in axes:
        for value in SCALING[axis]:
            spec = varied[axis](value)
            if progress is not None:
                progress(f"{axis} = {value}")
            rows.append(measure(spec))
    return rows


def axis_of(row: Measurement) -> tuple[str, int]:
    """The scaling axis a row varies, and its value there."""
    spec = row.spec
    if spec.block_size is not None:
        return "block_size", spec.block_size
    if spec.workers is not None:
        return "workers", spec.workers
    if spec.years is not None:
        return "years", spec.years
    if spec.routes is not None:
        return "routes", spec.routes
    return "members", spec.members


def block_overhead(rows: Sequence[Measurement]) -> tuple[float, float]:
    """Seconds of overhead per block and seconds per member, fitted on the block-size rows.

    Fits ``seconds = members * per_member + blocks * per_block`` by least squares.
    """
    runs = [r for r in rows if r.spec.block_size is not None]
    if len(runs) < 2:
        raise FlowsimError("the block-size overhead needs at least two block sizes")
    blocks = np.array([-(-r.spec.members // (r.spec.block_size or 1)) for r in runs], float)
    design = np.column_stack([[r.spec.members for r in runs], blocks])
    fit = np.linalg.lstsq(design, [r.seconds for r in runs], rcond=None)[0]
    return float(max(fit[1], 0.0)), float(fit[0])


def plot_scaling(rows: Sequence[Measurement], title: str) -> Any:
    """Wall time and peak memory along members, horizon and routes: a 1x3 figure."""
    import matplotlib.pyplot as plt
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    from flowsim.plots import footnote

    fig, axes = plt.subplots(1, 3, figsize=(12, 4.2))
    fig.set_layout_engine(ConstrainedLayoutEngine(rect=(0, 0.05, 1, 0.95)))  # footnote below
    labels = {"members": "members", "years": "horizon (years)", "routes": "routes"}
    for ax, axis in zip(axes, labels, strict=True):
        picked = sorted((axis_of(r)[1], r) for r in rows if axis_of(r)[0] == axis)
        if not picked:
            ax.set_visible(False)
            continue
        x = [v for v, _ in picked]
        ax.plot(x, [r.seconds for _, r in picked], "o-", color="tab:blue")
        ax.set_xlabel(labels[axis])
        ax.set_ylabel("wall time (s)", color="tab:blue")
        memory = ax.twinx()
        memory.plot(x, [r.peak_mib for _, r in picked], "s--", color="tab:orange")
        memory.set_ylabel("peak memory (MiB)", color="tab:orange")
        memory.set_ylim(0, 1.2 * max(r.peak_mib for _, r in picked))
        if axis == "members":
            ax.set_xscale("log")
            ax.set_yscale("log")
        else:
            ax.set_ylim(0, 1.1 * max(r.seconds for _, r in picked))
    fig.suptitle(title)
    footnote(fig, f"flowsim bench --scaling; {machine()}")
    return fig


if __name__ == "__main__":
    print(json.dumps(_measure_here(Spec(**json.loads(sys.argv[1])))))
