"""The random draws (flowsim.sampling): per member, in their months, with the stated means."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import flowsim
from flowsim.sampling import SUBSTREAM, sample
from flowsim.scenario import scenario_from_text
from flowsim.timeline import Calendar

from .conftest import SHIPPED
from .engine_cases import RANDOM, RANDOM_SCENARIO, has_random_elements, members_identical


def test_realisations_are_per_member() -> None:
    """Sampling members [3, 4] gives the same draws as members 3 and 4 of a larger sample."""
    part = sample(RANDOM_SCENARIO, [3, 4], seed=9)
    whole = sample(RANDOM_SCENARIO, 6, seed=9)
    assert part.members.tolist() == [3, 4]
    assert part.delay_days.tolist() == whole.delay_days[3:5].tolist()
    assert part.demand_multiplier.tolist() == whole.demand_multiplier[3:5].tolist()
    for i, m in enumerate((3, 4)):
        mine, theirs = part.outages.of(member=i), whole.outages.of(member=m)
        assert len(mine) > 0  # mtbf 60 days over five years: some outages to compare
        assert mine.start.tolist() == theirs.start.tolist()
        assert mine.duration.tolist() == theirs.duration.tolist()


def test_members_across_substreams_keep_their_draws() -> None:
    """A member drawn alone equals the same member of a sample spanning several substreams."""
    late = SUBSTREAM + 5
    alone = sample(RANDOM_SCENARIO, [late], seed=9)
    whole = sample(RANDOM_SCENARIO, 2 * SUBSTREAM, seed=9)
    assert alone.delay_days.tolist() == whole.delay_days[late : late + 1].tolist()
    assert alone.demand_multiplier.tolist() == whole.demand_multiplier[late : late + 1].tolist()
    assert alone.outages.start.tolist() == whole.outages.of(member=late).start.tolist()


def test_hazard_shocks_start_only_in_their_months() -> None:
    """A winter hazard starts only in December, January or February, about 0.5 a year."""
    real = sample(RANDOM_SCENARIO, 400, seed=3)
    cal = Calendar.of(RANDOM_SCENARIO.horizon)
    months = {int(cal.month_index[s]) for s in real.shock_events.start}
    assert months <= {11, 0, 1}
    per_year = len(real.shock_events) / (400 * cal.n_years)
    assert 0.4 < per_year < 0.6


def test_forced_outage_durations_have_the_stated_means() -> None:
    """Down-times average mttr (rounded up), are whole days of at least one; delays in range."""
    real = sample(RANDOM_SCENARIO, 300, seed=4)
    assert (real.outages.duration >= 1).all()
    assert 4.0 < real.outages.duration.mean() < 5.5  # mean 4 days, rounded up to whole days
    assert ((real.delay_days >= 0) & (real.delay_days <= 400)).all()
    assert len(np.unique(real.delay_days)) > 50  # triangular 0..400: the delays do vary


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_members_differ_exactly_in_scenarios_with_random_elements(path: Path) -> None:
    """Members draw differently exactly where a scenario has random elements, else all alike."""
    s = flowsim.load_scenario(path)
    assert members_identical(sample(s, 20, seed=11)) == (not has_random_elements(s))


def test_events_of_one_member_and_target_come_in_time_order() -> None:
    """Outages and shock occurrences are in start order per (member, target), across
    substreams (the numba engine walks them in that order)."""
    for scenario in (flowsim.load_scenario("monte_carlo"), RANDOM_SCENARIO):
        real = sample(scenario, 2 * SUBSTREAM + 3, seed=4)
        for events in (real.outages, real.shock_events):
            assert len(events) > 0
            key = events.member * 1000 + events.target
            order = np.argsort(key, kind="stable")
            same = key[order][1:] == key[order][:-1]
            starts = events.start[order]
            assert (starts[1:][same] >= starts[:-1][same]).all()


def test_events_active_in_a_window_are_that_slice_of_the_horizon() -> None:
    """Whether an event is under way, asked for a window of days (as the numpy engine
    does, a year at a time), equals the same days of the whole horizon's mask."""
    real = sample(RANDOM_SCENARIO, 9, seed=2)
    days = Calendar.of(RANDOM_SCENARIO.horizon).n_days
    for events in (real.outages, real.shock_events):
        whole = events.active(9, days)
        assert whole.any()
        for first, n in ((0, 365), (365, 366), (days - 100, 100), (17, 1)):
            np.testing.assert_array_equal(events.active(9, n, first), whole[:, first : first + n])


def test_shared_elements_draw_common_random_numbers() -> None:
    """A scenario with one more random element (a second route with its own delay and
    outages, and one more shock) leaves the draws of the elements it shares unchanged,
    member by member: what a paired comparison of two scenarios relies on."""
    more = RANDOM.replace("[shocks.cold_winter]", RANDOM_MORE + "[shocks.cold_winter]")
    base = sample(RANDOM_SCENARIO, 2 * SUBSTREAM, seed=11)
    other = sample(scenario_from_text(more), 2 * SUBSTREAM, seed=11)
    assert other.routes == ("aaa_pipe", "pipe")
    assert other.shocks == ("a_strike", "cold_winter")
    assert other.delay_days[:, 1].tolist() == base.delay_days[:, 0].tolist()
    assert other.demand_multiplier.tolist() == base.demand_multiplier.tolist()
    mine, theirs = other.outages.of(target=1), base.outages
    assert mine.start.tolist() == theirs.start.tolist()
    assert mine.member.tolist() == theirs.member.tolist()
    winters = other.shock_events.of(target=1)
    assert winters.start.tolist() == base.shock_events.start.tolist()
    assert len(other.outages.of(target=0)) > 0  # the new route does draw its own outages


RANDOM_MORE = """\
[routes.aaa_pipe]
commodity = "gas"
source = "field"
capacity = [{from = 2020, value = 5, cite = "assumption: t"}]
cite = "assumption: t"
[routes.aaa_pipe.forced_outages]
mtbf_days = 30
mttr_days = 2
cite = "assumption: t"
[routes.aaa_pipe.commissioning_delay]
distribution = "uniform"
min_days = 0
max_days = 100
cite = "assumption: t"
[shocks.a_strike]
routes = ["aaa_pipe"]
hazard_per_year = 1.0
duration_days = 5
derate_fraction = 1.0
cite = "assumption: t"
"""
