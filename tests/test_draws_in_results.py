"""What each member drew, in its result (flowsim.conditions): the uncertain figures'
values and which shocks happened, with their provenance, whatever the blocks; and an
ensemble conditioned on them (Result.given, parse_given)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import flowsim
from flowsim import FlowsimError
from flowsim.conditions import parse_given
from flowsim.sampling import Realisations, sample
from flowsim.scenario import scenario_from_dict, scenario_from_text

from .conftest import assert_identical, tiny_doc
from .engine_cases import UNCERTAIN

CHOICE = "sources.field.production_factor"
TEXT = UNCERTAIN.replace(
    'production_factor = {dist = "normal", mean = 0.95, sd = 0.05, low = 0, ',
    'production_factor = {dist = "choice", values = [0.5, 1.0], ',
) + (
    "[shocks.pipe_late]\n"
    'routes = ["pipe"]\n'
    "start = 2021-01-01\n"
    "probability = 0.5\n"
    "duration_days = 200\n"
    'cite = "assumption: late"\n'
)
"""UNCERTAIN with a choice of production factor (per member) and a fixed-date shock of
probability 0.5, besides the random cold_winter shock."""
SCENARIO = scenario_from_text(TEXT)
MEMBERS, SEED = 70, 3  # two random-number substreams, the second one cut short


@pytest.fixture(scope="module")
def result() -> flowsim.Result:
    return flowsim.run(SCENARIO, members=MEMBERS, seed=SEED, block_size=32)


@pytest.fixture(scope="module")
def drawn() -> Realisations:
    return sample(SCENARIO, MEMBERS, SEED)


def happened(real: Realisations, shock: str) -> np.ndarray:
    """Whether each member of ``real`` has an occurrence of ``shock``, by hand."""
    events = real.shock_events
    members = set(events.member[events.target == real.shocks.index(shock)].tolist())
    return np.array([m in members for m in range(len(real.members))])


def test_a_result_holds_each_members_draws(result: flowsim.Result, drawn: Realisations) -> None:
    """figure_value is sample()'s draws member by member, shock_happened whether the
    member's realisation has the shock (the random one: at least once)."""
    a = result.annual
    assert a.figure_value.dims == ("member", "year", "figure")
    assert a.figure.values.tolist() == list(drawn.figures)
    assert drawn.draws is not None
    np.testing.assert_array_equal(a.figure_value.values, drawn.draws)
    assert a.shock_happened.dims == ("member", "shock")
    assert a.shock.values.tolist() == ["cold_winter", "pipe_late"]
    for shock in ("cold_winter", "pipe_late"):
        expected = happened(drawn, shock)
        np.testing.assert_array_equal(a.shock_happened.sel(shock=shock).values, expected)
        assert 0 < expected.sum() < MEMBERS  # both kinds of member are there
    choice = a.figure_value.sel(figure=CHOICE).values
    assert set(np.unique(choice)) == {0.5, 1.0}
    assert (choice == choice[:, :1]).all()  # drawn once per member


def test_the_draws_say_where_they_come_from(result: flowsim.Result) -> None:
    """Each figure carries its distribution in words and its cite; each shock when it
    occurs and its cite."""
    a = result.annual
    assert a.figure_distribution.values.tolist() == [
        "triangular(low=0.8, mode=1, high=1.1), per year, driver cold (correlation -0.7)",
        "choice(values=[0.5, 1]), per member",
        "lognormal(median=1, sigma=0.1), per year, driver cold (correlation 0.8)",
    ]
    assert a.figure_dist.values.tolist() == ["triangular", "choice", "lognormal"]
    assert set(a.figure_cite.values.tolist()) == {"assumption: t"}
    assert a.shock_occurrence.values.tolist() == [
        "at random, 0.5 a year in months 12, 1, 2",
        "on 2021-01-01 with probability 0.5",
    ]
    assert a.shock_cite.values.tolist() == ["assumption: t", "assumption: late"]
    assert a.figure_value.attrs["units"] == "1"


def test_draws_do_not_depend_on_blocks_or_executor(result: flowsim.Result, tmp_path: Path) -> None:
    """Blocks of 7 members, or of 16 from two processes streamed into a file as they
    come, give every member the same draws and values."""
    assert_identical(result, flowsim.run(SCENARIO, members=MEMBERS, seed=SEED, block_size=7))
    path = tmp_path / "streamed.nc"
    streamed = flowsim.run(
        SCENARIO, members=MEMBERS, seed=SEED, block_size=16, workers=2, file=path
    )
    assert_identical(result, streamed)
    xr.testing.assert_identical(streamed.annual.load(), result.annual)


def test_results_nc_keeps_the_draws(result: flowsim.Result, tmp_path: Path) -> None:
    """A written result read back (at once or lazily) has the same draws and provenance,
    and the same summary, which leaves out shock_happened (it has no year)."""
    path = result.to_netcdf(tmp_path / "results.nc")
    xr.testing.assert_identical(flowsim.open_result(path).annual, result.annual)
    lazy = flowsim.open_result(path, lazy=True)
    assert lazy.annual.shock_happened.dtype == bool
    summary = result.summary()
    assert "shock_happened" not in summary
    assert summary.figure_value.dims == ("statistic", "year", "figure")
    xr.testing.assert_identical(lazy.summary(), summary)


def test_a_result_without_draws_has_empty_axes(tmp_path: Path) -> None:
    """No uncertain figure and no shock: zero-length figure and shock axes, which write,
    read back and summarise like any other."""
    result = flowsim.run(scenario_from_dict(tiny_doc()), members=2)
    assert result.annual.figure_value.shape == (2, 3, 0)
    assert result.annual.shock_happened.shape == (2, 0)
    again = flowsim.open_result(result.to_netcdf(tmp_path / "results.nc"))
    xr.testing.assert_identical(again.annual, result.annual)
    assert again.summary().figure_value.shape == (4, 3, 0)


def test_given_a_shock_keeps_the_members_it_happened_in(
    result: flowsim.Result, drawn: Realisations
) -> None:
    """given(pipe_late=True) keeps exactly the members whose realisations have the shock,
    False the others; member numbers stay, and the result says what it was given."""
    late = happened(drawn, "pipe_late")
    hit = result.given(pipe_late=True)
    spared = result.given(pipe_late=False)
    assert hit.annual.member.values.tolist() == np.flatnonzero(late).tolist()
    assert spared.annual.member.values.tolist() == np.flatnonzero(~late).tolist()
    assert hit.annual.attrs["given"] == "pipe_late=true"
    assert "given" not in result.annual.attrs
    assert repr(hit).startswith(
        f"<Result '<scenario>': {late.sum()} members given pipe_late=true, "
    )
    xr.testing.assert_identical(
        hit.annual.delivered, result.annual.delivered.sel(member=np.flatnonzero(late))
    )
    p10 = hit.summary().delivered.sel(statistic="p10", route="pipe", year=2021)
    assert p10 < spared.summary().delivered.sel(statistic="p10", route="pipe", year=2021)


def test_given_a_choice_figure_and_a_shock(result: flowsim.Result, drawn: Realisations) -> None:
    """A choice figure given by key path keeps the members that drew that value; two
    conditions keep the members meeting both, also given one after the other."""
    assert drawn.draws is not None
    half = drawn.draws[:, 0, drawn.figures.index(CHOICE)] == 0.5
    late = happened(drawn, "pipe_late")
    only = result.given({CHOICE: 0.5})
    assert only.annual.member.values.tolist() == np.flatnonzero(half).tolist()
    both = result.given({CHOICE: 0.5}, pipe_late=True)
    assert both.annual.member.values.tolist() == np.flatnonzero(half & late).tolist()
    again = only.given(pipe_late=True)
    assert again.annual.attrs["given"] == f"{CHOICE}=0.5, pipe_late=true"
    xr.testing.assert_identical(again.annual, both.annual.assign_attrs(again.annual.attrs))


def test_given_keeps_daily_values_and_the_trace_of_its_members() -> None:
    """Daily values and the DES's event trace keep the given members only."""
    members = 6
    real = sample(SCENARIO, members, SEED)
    late = np.flatnonzero(happened(real, "pipe_late"))
    daily = flowsim.run(SCENARIO, members=members, seed=SEED, engine="numpy", daily=True)
    assert daily.daily is not None
    kept = daily.given(pipe_late=True).daily
    assert kept is not None
    xr.testing.assert_identical(kept, daily.daily.isel(member=late))
    traced = flowsim.run(SCENARIO, members=members, seed=SEED, engine="des", trace=True)
    assert traced.trace is not None
    trace = traced.given(pipe_late=True).trace
    assert trace is not None
    assert set(trace["member"]) == set(late) & set(traced.trace["member"])
    assert len(trace) == traced.trace["member"].isin(late).sum()


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ({"pipe_lat": True}, "given pipe_lat: no shock or uncertain figure of that name "
         r"\(did you mean 'pipe_late'\?\)"),
        ({"nothing": True}, r"\(known: cold_winter, demand.gas.level_factor, pipe_late, "),
        ({"pipe_late": 1.0}, "given pipe_late: a shock happens or not, give true or false"),
        ({CHOICE: True}, f"given {CHOICE}: an uncertain figure, give one of its values"),
        ({"routes.pipe.capacity_factor": 1.0}, "drawn from a triangular distribution, not a "
         "choice of values; only shocks and choice figures can be given"),
        ({CHOICE: 0.7}, rf"^given {CHOICE}=0.7: no member of 70 meets it \(members meeting "
         rf"each: {CHOICE}=0.7: 0\)$"),
    ],
)  # fmt: skip
def test_given_says_what_is_wrong(
    result: flowsim.Result, conditions: dict[str, bool | float], message: str
) -> None:
    with pytest.raises(FlowsimError, match=message):
        result.given(conditions)


def test_given_nothing_a_result_without_draws_names_none() -> None:
    result = flowsim.run(scenario_from_dict(tiny_doc()))
    with pytest.raises(FlowsimError, match=r"no shock or uncertain figure .* \(none defined\)"):
        result.given(altai_not_built=True)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("altai_not_built=true", ("altai_not_built", True)),
        (" altai_not_built = False ", ("altai_not_built", False)),
        ("routes.x.capacity_factor=0", ("routes.x.capacity_factor", 0.0)),
        ("routes.x.capacity_factor=1.5e-1", ("routes.x.capacity_factor", 0.15)),
    ],
)
def test_parse_given_reads_name_and_value(text: str, parsed: tuple[str, bool | float]) -> None:
    name, value = parse_given(text)
    assert (name, value) == parsed
    assert type(value) is type(parsed[1])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("altai_not_built", "write NAME=VALUE"),
        ("=true", "write NAME=VALUE"),
        ("altai_not_built=", "write NAME=VALUE"),
        ("altai_not_built=yes", "'yes' is not true, false or a finite number"),
        ("routes.x.capacity_factor=nan", "'nan' is not true, false or a finite number"),
    ],
)
def test_parse_given_refuses_other_text(text: str, message: str) -> None:
    with pytest.raises(FlowsimError, match=message):
        parse_given(text)
