"""The statistics a footprint's values are computed with: the methods of Fingertips'
indicators, as PHEindicatormethods (R) and PHStatsMethods (Python) implement them.

A footprint (several boroughs, a partnership, a group of neighbourhoods) never averages its
members' rates. Its value is computed again from the members' summed counts and
denominators, with the interval of that value:

- a **proportion** (``100 * sum(count) / sum(denominator)``, or per ``multiplier``): the
  Wilson score interval (Wilson 1927; Newcombe 1998), from statsmodels;
- a **crude rate** (per ``multiplier`` people): Byar's approximation to the Poisson interval
  (Breslow and Day 1987) for 10 events or more, and the exact Poisson interval (from the
  chi-squared distribution, scipy) for fewer, where Byar's is not close enough.

Both at 95% and 99.8%, the two levels Fingertips publishes. scipy and statsmodels are
imported by the first footprint value (about 1.5 s of start-up otherwise paid by every
refresh and every load of the definitions, footprints or not).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LEVELS = (0.95, 0.998)
BYAR_FROM = 10  # events; below this the exact Poisson interval is used


@dataclass(frozen=True)
class Estimate:
    """A value with its interval at one confidence level."""

    value: float
    lower: float
    upper: float
    level: float


def _alpha(level: float) -> float:
    if level not in LEVELS:
        raise ValueError(f"confidence level {level} is not one Fingertips publishes ({LEVELS})")
    return 1 - level


def _check(count: float, denominator: float) -> None:
    if not (math.isfinite(count) and math.isfinite(denominator)) or count < 0 or denominator <= 0:
        raise ValueError(f"a count of {count} over a denominator of {denominator} has no value")


def proportion(count: float, denominator: float, level: float = 0.95, multiplier: float = 100) -> Estimate:
    """``multiplier * count / denominator`` with its Wilson score interval."""
    from statsmodels.stats.proportion import proportion_confint

    _check(count, denominator)
    if count > denominator:
        raise ValueError(f"a proportion's count ({count}) exceeds its denominator ({denominator})")
    lower, upper = proportion_confint(count, denominator, alpha=_alpha(level), method="wilson")
    # At 0 and at the whole denominator the limits are exactly 0 and 1; statsmodels' floating
    # point gives 7e-16 for 0 of 50, a lower limit above the value.
    lower = 0.0 if count == 0 else lower
    upper = 1.0 if count == denominator else upper
    return Estimate(multiplier * count / denominator, multiplier * lower, multiplier * upper, level)


def poisson_limits(count: float, level: float = 0.95) -> tuple[float, float]:
    """Confidence limits of an observed number of events: Byar's from ``BYAR_FROM``
    events, the exact (chi-squared) limits below it."""
    from scipy.stats import chi2, norm

    alpha = _alpha(level)
    if count >= BYAR_FROM:
        z = norm.ppf(1 - alpha / 2)
        lower = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
        upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * math.sqrt(count + 1))) ** 3
        return lower, upper
    lower = chi2.ppf(alpha / 2, 2 * count) / 2 if count > 0 else 0.0
    return float(lower), float(chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2)


def crude_rate(count: float, denominator: float, level: float = 0.95, multiplier: float = 100_000) -> Estimate:
    """Events per ``multiplier`` people, with its Poisson interval (``poisson_limits``)."""
    _check(count, denominator)
    lower, upper = poisson_limits(count, level)
    scale = multiplier / denominator
    return Estimate(count * scale, lower * scale, upper * scale, level)
