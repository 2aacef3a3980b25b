"""The slope index of inequality (SII) and relative index of inequality (RII), by the
method of PHEindicatormethods' ``phe_sii`` (Low and Low 2004).

Groups are ordered from the **most deprived** (rank 0) to the **least deprived** (rank 1).
Each group's rank is the midpoint of its share of the cumulative population; the values
are regressed on the ranks, weighted by population share (the regression of
``value * sqrt(a)`` on ``sqrt(a)`` and ``rank * sqrt(a)`` without intercept, ``a`` the
group's share), which is weighted least squares.

Sign convention, the method's own: **SII = fitted value at the least deprived end minus
the fitted value at the most deprived end**. A negative SII means the value is higher
where people are more deprived (as for self-harm admissions); RII is the ratio of the
same two fitted values (least deprived over most deprived), so 1 means no gradient.

The 95% interval comes by simulation, as ``phe_sii`` does it: each group's value is drawn
from a normal distribution with the standard error its own 95% interval implies (on the
log scale for rates and ratios, the logit scale for proportions), the regression is fitted
to every draw, and the 2.5th and 97.5th percentiles of the draws are the limits. The draws
come from a generator seeded by what the gradient is about, so the same input gives the
same bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

REPETITIONS = 10_000  # phe_sii's own tests use 10,000 draws (its default is 100,000)
Z_95 = 1.959963984540054  # the standard normal's 97.5th percentile
CONFIDENCE = 0.95
MIN_GROUPS = 5  # phe_sii's lower bound on the number of groups
NORMAL, RATE, PROPORTION = "normal", "rate", "proportion"


@dataclass(frozen=True)
class Gradient:
    """One SII/RII with its 95% interval (empty limits where the groups have no interval)."""

    sii: float
    rii: float
    most_deprived_fitted: float  # the regression's value at rank 0 (the intercept)
    sii_lower: float | None = None
    sii_upper: float | None = None
    rii_lower: float | None = None
    rii_upper: float | None = None


def ranks(population: np.ndarray) -> np.ndarray:
    """The midpoint of each group's share of the cumulative population, in group order."""
    share = population / population.sum()
    return np.cumsum(share) - share / 2


def _design(population: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sqrt of each share, the least-squares operator ``(X'X)^-1 X'``) of the weighted fit."""
    sqrt_a = np.sqrt(population / population.sum())
    x = np.vstack([sqrt_a, ranks(population) * sqrt_a])  # 2 x groups: X transposed
    return sqrt_a, np.linalg.solve(x @ x.T, x)


def _to_scale(values: np.ndarray, value_type: str) -> np.ndarray:
    if value_type == RATE:
        return np.log(values)
    if value_type == PROPORTION:
        return np.log(values / (1 - values))
    return values


def _from_scale(values: np.ndarray, value_type: str) -> np.ndarray:
    if value_type == RATE:
        return np.exp(values)
    if value_type == PROPORTION:
        return 1 / (1 + np.exp(-values))
    return values


def seed_for(*about: object) -> int:
    """A generator seed from what a gradient is about (indicator, area, period ...)."""
    digest = hashlib.sha256("|".join(str(a) for a in about).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def slope_index(
    values: np.ndarray,
    population: np.ndarray,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
    *,
    value_type: str = NORMAL,
    per: float = 1.0,
    seed: int = 0,
    repetitions: int = REPETITIONS,
) -> Gradient:
    """The SII and RII of groups ordered most deprived first. ``value_type`` is how the
    groups' intervals are treated in the simulation (``rate``: log scale, ``proportion``:
    logit scale, of values as fractions of ``per``: 100 for percentages); without
    ``lower``/``upper`` no interval."""
    values, population = np.asarray(values, float), np.asarray(population, float)
    if len(values) < MIN_GROUPS or len(values) != len(population):
        raise ValueError(f"an SII needs at least {MIN_GROUPS} groups with a value and a population each")
    if not (np.isfinite(values).all() and np.isfinite(population).all() and (population > 0).all()):
        raise ValueError("an SII needs a finite value and a positive population for every group")
    sqrt_a, operator = _design(population)
    intercept, slope = operator @ (values * sqrt_a)
    point = Gradient(float(slope), float((intercept + slope) / intercept), float(intercept))
    if lower is None or upper is None:
        return point
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    scaled = _to_scale(values / per, value_type)
    se = (_to_scale(upper / per, value_type) - _to_scale(lower / per, value_type)) / Z_95 / 2
    if not (np.isfinite(se).all() and np.isfinite(scaled).all()):
        return point
    draws = np.random.default_rng(seed).standard_normal((repetitions, len(values))) * se + scaled
    fitted = operator @ (_from_scale(draws, value_type) * per * sqrt_a).T  # 2 x repetitions
    low, high = _positions(repetitions)
    # Only two order statistics are wanted: a partial sort puts them in place.
    sii_draws = np.partition(fitted[1], (low, high))
    rii_draws = np.partition((fitted[0] + fitted[1]) / fitted[0], (low, high))
    return Gradient(
        point.sii,
        point.rii,
        point.most_deprived_fitted,
        float(sii_draws[low]),
        float(sii_draws[high]),
        float(rii_draws[low]),
        float(rii_draws[high]),
    )


def _positions(repetitions: int) -> tuple[int, int]:
    """The draws at the 2.5th and 97.5th percentiles, counted as ``phe_sii`` counts them
    (the ``round(n * p)``-th smallest, from one)."""
    tail = (1 - CONFIDENCE) / 2
    return round(repetitions * tail) - 1, round(repetitions * (1 - tail)) - 1
