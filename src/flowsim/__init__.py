"""flowsim: daily supply-flow simulation of Russian and Central Asian gas and crude into China.

Start with :func:`load_scenario`; the model is described in ``docs/model.md``.
"""

from flowsim.compare import compare, diff
from flowsim.errors import FlowsimError, Problem, ScenarioError
from flowsim.results import Result, open_result
from flowsim.scenario import Scenario, load_scenario
from flowsim.simulate import run, run_many
from flowsim.spec import Placement, RunSpec
from flowsim.version import VERSION as __version__

__all__ = [
    "FlowsimError",
    "Placement",
    "Problem",
    "Result",
    "RunSpec",
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
