"""Uncertain figures: a factor whose value each member draws from a distribution.

An uncertain figure is written as a table whose ``dist`` names the distribution::

    capacity_factor = { dist = "triangular", low = 0.95, mode = 1.0, high = 1.06, cite = "..." }

It is drawn once per member (``per = "member"``) or afresh each year (``per =
"year"``). A figure may follow a named *driver* (``[drivers.ID]``), a shared cause
such as a cold winter: the figure's normal score is ``correlation x driver +
sqrt(1 - correlation²) x its own``, a Gaussian copula, so figures on one driver move
together (a positive correlation) or against each other (a negative one).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
import numpy.typing as npt
from pydantic import Discriminator, Field, Tag, model_validator
from scipy import stats

from flowsim.errors import did_you_mean
from flowsim.scenario.fields import Cite, Id, LocatedProblems, Model, tag_of

if TYPE_CHECKING:
    from flowsim.scenario.tree import Scenario

__all__ = [
    "DISTRIBUTIONS",
    "Driver",
    "Figure",
    "Located",
    "Uncertain",
    "figure_problems",
    "figures_of",
    "lowest",
    "quantile",
]

Per = Literal["member", "year"]

DISTRIBUTIONS = ("uniform", "triangular", "normal", "lognormal", "beta", "choice")
"""The values of ``dist``."""

Positive = Annotated[float, Field(gt=0.0, le=1e6)]
Bound = Annotated[float, Field(ge=-1e6, le=1e6)]


class Driver(Model):
    """A shared cause that moves several uncertain figures at once (a standard normal
    score per member, or per year)."""

    label: str | None = None
    """Name for tables and figures (default: the driver id)."""
    per: Per = "member"
    """Drawn once per member, or afresh each year (figures on it must say the same)."""
    cite: Cite
    """What the shared cause is and why it moves the figures it drives."""


class _Figure(Model):
    """What every distribution has: where it comes from, how often it is drawn, and its
    driver."""

    per: Per = "member"
    """Drawn once per member (a level), or afresh each year (year-to-year variation)."""
    driver: Id | None = None
    """Id of a ``[drivers.ID]`` table this figure moves with."""
    correlation: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.0
    """Correlation of the figure's normal score with its driver's (sign and size of the
    shared cause's effect); needs ``driver``."""
    cite: Cite
    """Where the distribution comes from."""

    @model_validator(mode="after")
    def _driven(self) -> _Figure:
        if self.correlation != 0.0 and self.driver is None:
            raise LocatedProblems([(("correlation",), "needs a 'driver' to correlate with")])
        if self.driver is not None and self.correlation == 0.0:
            raise LocatedProblems(
                [(("correlation",), "required with 'driver': the sign and size of its effect")]
            )
        return self


def _ordered(pairs: list[tuple[str, float | None, str, float | None]]) -> None:
    """Raise a located problem for the first ``(low name, low, high name, high)`` pair out
    of order."""
    for lo_name, lo, hi_name, hi in pairs:
        if lo is not None and hi is not None and not lo < hi:
            raise LocatedProblems([((hi_name,), f"must be > {lo_name} {lo:g} (got {hi:g})")])


class Uniform(_Figure):
    """Every value between ``low`` and ``high`` equally likely."""

    dist: Literal["uniform"]
    """``"uniform"``."""
    low: Bound
    """Least value."""
    high: Bound
    """Greatest value."""

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        _ordered([("low", self.low, "high", self.high)])
        return self


class Triangular(_Figure):
    """Most likely ``mode``, falling linearly to 0 at ``low`` and ``high``."""

    dist: Literal["triangular"]
    """``"triangular"``."""
    low: Bound
    """Least value."""
    mode: Bound
    """Most likely value."""
    high: Bound
    """Greatest value."""

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        _ordered([("low", self.low, "high", self.high)])
        if not self.low <= self.mode <= self.high:
            raise LocatedProblems(
                [(("mode",), f"must lie in low..high, {self.low:g}..{self.high:g} "
                  f"(got {self.mode:g})")]
            )  # fmt: skip
        return self


class Normal(_Figure):
    """Normal with ``mean`` and ``sd``, truncated to ``low``..``high`` where given."""

    dist: Literal["normal"]
    """``"normal"``."""
    mean: Bound
    """Mean before truncation."""
    sd: Positive
    """Standard deviation before truncation."""
    low: Bound | None = None
    """Truncated below here (omitted: not; a factor needs it >= 0)."""
    high: Bound | None = None
    """Truncated above here (omitted: not)."""

    @model_validator(mode="after")
    def _order(self) -> Normal:
        _ordered([("low", self.low, "high", self.high)])
        return self


class LogNormal(_Figure):
    """Log-normal with ``median`` and log standard deviation ``sigma``, truncated to
    ``low``..``high`` where given."""

    dist: Literal["lognormal"]
    """``"lognormal"``."""
    median: Positive
    """Median before truncation."""
    sigma: Positive
    """Standard deviation of the logarithm."""
    low: Bound | None = None
    """Truncated below here (omitted: not)."""
    high: Bound | None = None
    """Truncated above here (omitted: not)."""

    @model_validator(mode="after")
    def _order(self) -> LogNormal:
        _ordered([("low", self.low, "high", self.high)])
        return self


class Beta(_Figure):
    """Beta with shapes ``a`` and ``b``, stretched over ``low``..``high`` (default 0..1)."""

    dist: Literal["beta"]
    """``"beta"``."""
    a: Positive
    """First shape parameter (alpha)."""
    b: Positive
    """Second shape parameter (beta)."""
    low: Bound = 0.0
    """Value at the distribution's 0."""
    high: Bound = 1.0
    """Value at the distribution's 1."""

    @model_validator(mode="after")
    def _order(self) -> Beta:
        _ordered([("low", self.low, "high", self.high)])
        return self


class Choice(_Figure):
    """One of ``values``, with probabilities proportional to ``weights`` (default equal)."""

    dist: Literal["choice"]
    """``"choice"``."""
    values: Annotated[list[Bound], Field(min_length=1, max_length=100)]
    """The values it can take."""
    weights: Annotated[list[Positive], Field(max_length=100)] = []
    """Relative probability of each value (omitted: equal)."""

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights and len(self.weights) != len(self.values):
            raise LocatedProblems(
                [(("weights",), f"needs one weight per value, {len(self.values)} "
                  f"(got {len(self.weights)})")]
            )  # fmt: skip
        return self


Uncertain = Annotated[
    Annotated[Uniform, Tag("uniform")]
    | Annotated[Triangular, Tag("triangular")]
    | Annotated[Normal, Tag("normal")]
    | Annotated[LogNormal, Tag("lognormal")]
    | Annotated[Beta, Tag("beta")]
    | Annotated[Choice, Tag("choice")],
    Discriminator(tag_of("dist")),
]
"""An uncertain figure: one of the distributions above, chosen by its ``dist`` key."""

Figure = Uniform | Triangular | Normal | LogNormal | Beta | Choice


def quantile(figure: Figure, u: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The figure's values at quantiles ``u`` (any shape, in (0, 1)): its inverse
    distribution function, within ``low``..``high`` where a normal or log-normal is
    truncated."""
    if isinstance(figure, Choice):
        weights = np.asarray(figure.weights or [1.0] * len(figure.values))
        edges = np.cumsum(weights) / weights.sum()
        index = np.minimum(np.searchsorted(edges, u, side="right"), len(edges) - 1)
        return np.asarray(figure.values, dtype=np.float64)[index]
    if isinstance(figure, Uniform):
        return figure.low + u * (figure.high - figure.low)
    if isinstance(figure, Triangular):
        width = figure.high - figure.low
        result: npt.NDArray[np.float64] = stats.triang.ppf(
            u, (figure.mode - figure.low) / width, figure.low, width
        )
        return result
    if isinstance(figure, Beta):
        result = stats.beta.ppf(u, figure.a, figure.b, figure.low, figure.high - figure.low)
        return result
    base = (
        stats.norm(figure.mean, figure.sd)
        if isinstance(figure, Normal)
        else stats.lognorm(figure.sigma, scale=figure.median)
    )
    lo = 0.0 if figure.low is None else float(base.cdf(figure.low))
    hi = 1.0 if figure.high is None else float(base.cdf(figure.high))
    result = base.ppf(lo + u * (hi - lo))
    return result


def lowest(figure: Figure) -> float:
    """The least value the figure can take."""
    if isinstance(figure, Choice):
        return min(figure.values)
    if isinstance(figure, Uniform | Triangular | Beta):
        return figure.low
    if figure.low is not None:
        return figure.low
    return 0.0 if isinstance(figure, LogNormal) else -math.inf


Located = tuple[tuple[str, str, str], Figure]
"""An uncertain figure and where it is: (table, id, key), e.g. ``("routes", "altai",
"capacity_factor")``."""


def figures_of(scenario: Scenario) -> list[Located]:
    """Every uncertain figure of ``scenario``, in a fixed order: routes (capacity, then
    offtake), sources, demand (each by id)."""
    found: list[Located] = []
    for rid in sorted(scenario.routes):
        route = scenario.routes[rid]
        for key in ("capacity_factor", "offtake_factor"):
            figure = getattr(route, key)
            if figure is not None:
                found.append((("routes", rid, key), figure))
    for sid in sorted(scenario.sources):
        figure = scenario.sources[sid].production_factor
        if figure is not None:
            found.append((("sources", sid, "production_factor"), figure))
    for commodity in sorted(scenario.demand):
        figure = scenario.demand[commodity].level_factor
        if figure is not None:
            found.append((("demand", commodity, "level_factor"), figure))
    return found


def figure_problems(scenario: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """What is wrong with the uncertain figures of ``scenario``: a negative factor, an
    unknown driver, a driver drawn at another pace, a production factor without a
    production schedule, an offtake factor without a contract."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for where, figure in figures_of(scenario):
        if lowest(figure) < 0.0:
            problems.append(
                (where, f"a factor cannot be negative: give low >= 0 (lowest now "
                 f"{lowest(figure):g})")
            )  # fmt: skip
        if figure.driver is not None:
            driver = scenario.drivers.get(figure.driver)
            if driver is None:
                problems.append(
                    ((*where, "driver"), f"unknown driver '{figure.driver}'"
                     + did_you_mean(figure.driver, list(scenario.drivers)))
                )  # fmt: skip
            elif driver.per != figure.per:
                problems.append(
                    ((*where, "per"), f"must be '{driver.per}' like its driver "
                     f"'{figure.driver}' (got '{figure.per}')")
                )  # fmt: skip
        table, key, name = where
        if table == "sources" and scenario.sources[key].production is None:
            problems.append((where, "needs a production schedule to scale"))
        if name == "offtake_factor" and scenario.routes[key].contract is None:
            problems.append((where, "needs a contract: it scales the contract's nominations"))
    return problems
