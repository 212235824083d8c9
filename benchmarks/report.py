"""Measure the core on the Monte Carlo reference ensemble and print docs/benchmarks.md's table.

Usage: ``python benchmarks/report.py [--members 10000]``. Each measurement runs
in a fresh process (so peak memory is its own), after a warm-up run that also
compiles the numba kernel.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "monte_carlo.toml"

DES = """
import json, sys, time
import flowsim
from flowsim.engines import des
from flowsim.plan import Plan
from flowsim.sampling import sample
scenario = flowsim.load_scenario(sys.argv[1])
members = int(sys.argv[2])
plan, real = Plan.of(scenario), sample(scenario, members, 1)
start = time.perf_counter()
events = sum(des.simulate_member(plan, real, i)["events"] for i in range(members))
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "events": events, "years": plan.calendar.n_years}))
"""

MEASURE = """
import json, resource, sys, time
import flowsim
scenario = flowsim.load_scenario(sys.argv[1])
fused, members = sys.argv[2] == "numba", int(sys.argv[3])
flowsim.run(scenario, members=8, seed=1, fused=fused)
start = time.perf_counter()
result = flowsim.run(scenario, members=members, seed=1, fused=fused)
seconds = time.perf_counter() - start
print(json.dumps({
    "seconds": seconds,
    "years": result.annual.sizes["year"],
    "routes": result.annual.sizes["route"],
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def measure(kernel: str, members: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(SCENARIO), kernel, str(members)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def measure_des(members: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", DES, str(SCENARIO), str(members)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--kernels", nargs="+", default=["numpy", "numba"])
    parser.add_argument("--des-members", type=int, default=5)
    args = parser.parse_args()
    kernels = list(args.kernels)
    try:
        import numba  # noqa: F401
    except ImportError:
        kernels = [k for k in kernels if k != "numba"]
    print(f"Machine: {machine()}\n")
    print(
        "| kernel | members | years | routes | wall s | member-years/s | route-days/s | peak MiB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kernel in kernels:
        for members in args.members:
            r = measure(kernel, members)
            member_years = members * r["years"] / r["seconds"]
            route_days = member_years * 365.25 * r["routes"]
            print(
                f"| {kernel} | {members:,} | {r['years']:.0f} | {r['routes']:.0f} | "
                f"{r['seconds']:.2f} | {member_years:,.0f} | {route_days / 1e6:,.0f} M | "
                f"{r['peak_mib']:,.0f} |"
            )

    if args.des_members:
        r = measure_des(args.des_members)
        per_member = r["seconds"] / args.des_members
        print(
            f"\nDES (SimPy), {args.des_members} members: {per_member:.2f} s per member, "
            f"{r['events'] / r['seconds']:,.0f} events/s, "
            f"{args.des_members * r['years'] / r['seconds']:,.0f} member-years/s"
        )


if __name__ == "__main__":
    main()
