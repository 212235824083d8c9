"""Scenario files: the schema, composition (``extends``, overrides) and validation."""

from flowsim.scenario.fields import CITE_KINDS
from flowsim.scenario.loading import (
    load_scenario,
    scenario_from_dict,
    scenario_from_text,
    scenario_names,
    split_selector,
    validate_file,
)
from flowsim.scenario.tree import Scenario

__all__ = [
    "CITE_KINDS",
    "Scenario",
    "load_scenario",
    "scenario_from_dict",
    "scenario_from_text",
    "scenario_names",
    "split_selector",
    "validate_file",
]
