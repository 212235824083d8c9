"""Scenario files: the schema, composition (``extends``, overrides) and validation."""

from flowsim.scenario.loading import (
    load_scenario,
    scenario_from_dict,
    scenario_from_text,
    scenario_names,
    split_selector,
    validate_file,
)
from flowsim.scenario.schema import CITE_KINDS, Scenario

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
