"""flowsim.shipped: the packaged scenarios found by name, their extends chains, copies; the
one demand series they share and the arithmetic their cites state."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from flowsim import load_scenario, shipped
from flowsim.errors import FlowsimError
from flowsim.scenario import scenario_names
from flowsim.scenario.schedules import Ramp, Step, annual_rates

from .conftest import SCENARIOS, SHIPPED

SELECTORS = [str(f) for f in SHIPPED] + [f"{f}#{n}" for f in SHIPPED for n in scenario_names(f)]
ALL_FILES = sorted(SCENARIOS.rglob("*.toml"))

NUMBER = r"\d+(?:\.\d+)?(?:\^\d+(?:\.\d+)?)?"
UNIT = r" (?!x )[A-Za-z][\w/]*"  # one unit word after a number (mb/d, bbl/t), never 'x'
OPERATOR = r" (?:x|\*|/|\+|-) (?:[a-z]+ )?"  # a label word may follow: '- production 59.0'
STATED = re.compile(
    rf"(?<![\w.^])(?<!(?:x|\*|/|\+|-) )({NUMBER}(?:{UNIT})?(?:{OPERATOR}{NUMBER}(?:{UNIT})?)+)"
    r" = (\d+(?:\.\d+)?)"
)
"""'A x B / C = D': numbers (with a unit word each) joined by x * / + -, not continuing an
expression before them, then '= D', checked to D's precision."""


def stated_arithmetic_errors(cite: str) -> list[str]:
    """The stated results in ``cite`` that its arithmetic does not give to their precision."""
    errors = []
    for match in STATED.finditer(cite):
        left, stated = match.group(1), match.group(2)
        expression = re.sub(rf"(?<=\d){UNIT}", "", left)  # drop the units
        expression = re.sub(r"(?<=[x*/+-]) [a-z]+ (?=\d)", " ", expression)  # and the labels
        expression = expression.replace(" x ", " * ").replace("^", "**")
        value = eval(expression, {"__builtins__": {}})  # digits and operators only (STATED)
        decimals = len(stated.partition(".")[2])
        if abs(value - float(stated)) > 0.5 * 10**-decimals + 1e-9:
            errors.append(f"{match.group(0)} (computes to {value:.{decimals}f})")
    return errors


def test_scenario_names_are_the_shipped_files() -> None:
    """Every shipped file is listed by its stem, sorted."""
    assert shipped.scenario_names() == [p.stem for p in SHIPPED]


def test_scenario_file_accepts_the_name_with_or_without_suffix() -> None:
    """`reference` and `reference.toml` are the same shipped file."""
    assert shipped.scenario_file("reference") == shipped.scenario_file("reference.toml")
    assert (
        shipped.scenario_file("reference").read_bytes()
        == (SCENARIOS / "reference.toml").read_bytes()
    )


def test_unknown_name_suggests_a_close_one_and_lists_all() -> None:
    """A misspelt name gets a did-you-mean and the list of shipped names."""
    with pytest.raises(FlowsimError) as info:
        shipped.scenario_file("pos2")
    assert str(info.value) == (
        "no shipped scenario 'pos2' (did you mean 'pos2_50bcm'? "
        f"shipped: {', '.join(shipped.scenario_names())})"
    )


DEMAND = SCENARIOS / "common" / "china_demand.toml"
PRICES = SCENARIOS / "common" / "prices.toml"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_scenario_files_follow_the_extends_chain(path: Path) -> None:
    """A shipped scenario's files are itself, then each file it extends, all shipped.

    The reference and the historical scenario take their demand from the shared
    common/china_demand.toml, which takes the prices from common/prices.toml; the
    variants extend the reference.
    """
    files = shipped.scenario_files(path.stem)
    assert files[0].name == path.name
    chain = [f.resolve() for f in files[1:]]
    if path.stem in ("reference", "historical"):
        assert chain == [DEMAND.resolve(), PRICES.resolve()]
    else:
        reference = (SCENARIOS / "reference.toml").resolve()
        assert chain == [reference, DEMAND.resolve(), PRICES.resolve()]


def test_the_shared_demand_file_is_no_scenario() -> None:
    """The common/ files are packaged with the scenarios but not listed as ones."""
    assert not {"china_demand", "prices"} & set(shipped.scenario_names())
    assert (Path(str(shipped.scenario_file("reference").parent)) / "common").is_dir()


def test_copy_scenario_writes_a_loadable_copy(tmp_path: Path) -> None:
    """The copy holds the same bytes and loads as the same scenario."""
    done = shipped.copy_scenario("kazakh_transit_halt", tmp_path)
    assert done == [
        (tmp_path / "kazakh_transit_halt.toml", True),
        (tmp_path / "reference.toml", True),
        (tmp_path / "common" / "china_demand.toml", True),
        (tmp_path / "common" / "prices.toml", True),
    ]
    copy = load_scenario(tmp_path / "kazakh_transit_halt.toml", "summer")
    assert copy == load_scenario("kazakh_transit_halt#summer")


def test_copy_scenario_refuses_a_different_file_and_writes_nothing(tmp_path: Path) -> None:
    """A destination holding another file stops the copy before anything is written."""
    (tmp_path / "reference.toml").write_text("# mine\n", encoding="utf-8")
    with pytest.raises(FlowsimError, match="already exists"):
        shipped.copy_scenario("monte_carlo", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reference.toml"]
    assert (tmp_path / "reference.toml").read_text(encoding="utf-8") == "# mine\n"


# --- (d) one demand series, and arithmetic that adds up ----------------------


REFERENCE_DEMAND = SCENARIOS / "reference.toml"  # demand: common/china_demand.toml alone


def _daily(annual: list[Step | Ramp], year: int) -> list[float]:
    """A demand schedule's rate on every day of ``year``."""
    first, last = dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal()
    return list(annual_rates(annual, np.arange(first, last + 1)))


@pytest.mark.parametrize("selector", SELECTORS, ids=lambda s: Path(s).name)
def test_demand_is_one_series_across_scenarios(selector: str) -> None:
    """Every scenario reads common/china_demand.toml's value for every year; demand_growth's
    variants change only the projection (after 2024 for gas, 2025 for crude)."""
    own = load_scenario(selector)
    shared = load_scenario(REFERENCE_DEMAND)
    for name in ("reference.toml", "historical.toml"):  # neither writes demand of its own
        assert "demand" not in tomllib.loads((SCENARIOS / name).read_text(encoding="utf-8"))
    varies = selector.endswith(("#low", "#high"))
    for commodity, last_reported in (("gas", 2024), ("oil", 2025)):
        for year in range(own.horizon.start_year, own.horizon.end_year + 1):
            if not varies or year <= last_reported:
                mine = _daily(own.demand[commodity].annual, year)
                assert mine == _daily(shared.demand[commodity].annual, year), (commodity, year)


def test_arithmetic_checker_catches_a_wrong_result() -> None:
    """The checker recomputes 'A x B / C = D' to D's precision: 503.9 is right, 505.7 wrong."""
    assert stated_arithmetic_errors("derived: MEES 10.12 mb/d x 365 / 7.33 = 505.7") == [
        "10.12 mb/d x 365 / 7.33 = 505.7 (computes to 503.9)"
    ]
    assert stated_arithmetic_errors("derived: MEES 10.12 mb/d x 365 / 7.33 bbl/t = 503.9 Mt") == []
    assert stated_arithmetic_errors("derived: 2.10 + 15 = 17.2 USD/t") != []
    assert stated_arithmetic_errors("derived: 181.7 x 1.04^6 = 229.9 in 2030") == []


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_every_derived_cite_states_correct_arithmetic(path: Path) -> None:
    """Each 'derived' cite of a shipped file whose arithmetic reads 'A op B ... = D' adds up."""
    cites = re.findall(r'cite = "(derived:[^"]*)"', path.read_text(encoding="utf-8"))
    errors = [e for c in cites for e in stated_arithmetic_errors(c)]
    assert errors == []
