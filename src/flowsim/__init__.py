"""flowsim: daily supply-flow simulation of Russian and Central Asian gas and crude into China.

Start with :func:`load_scenario`; the model is described in ``docs/model.md``.
"""

from importlib.metadata import PackageNotFoundError, version

from flowsim.errors import FlowsimError, Problem, ScenarioError
from flowsim.scenario import Scenario, load_scenario

try:
    __version__ = version("flowsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

from flowsim.compare import compare, diff
from flowsim.results import Result, open_result
from flowsim.simulate import run, run_many

__all__ = [
    "FlowsimError",
    "Problem",
    "Result",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare",
    "diff",
    "load_scenario",
    "open_result",
    "run",
    "run_many",
]
