"""The methods a footprint's values will be computed with (``jsna.footprints.methods``),
against published worked examples and as properties any interval must have."""

from __future__ import annotations

import pytest

from jsna.footprints.methods import BYAR_FROM, LEVELS, crude_rate, poisson_limits, proportion

# Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven
# methods. Statistics in Medicine 1998;17:857-872, Table II, method 3 (Wilson score, no
# continuity correction), 95% limits of the proportion.
NEWCOMBE_1998 = [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)]


@pytest.mark.parametrize(("count", "n", "lower", "upper"), NEWCOMBE_1998)
def test_wilson_reproduces_newcombe_table_ii(count, n, lower, upper):
    found = proportion(count, n, 0.95, multiplier=1)
    assert found.value == count / n
    assert round(found.lower, 4) == lower and round(found.upper, 4) == upper


def test_exact_poisson_upper_limit_of_no_events():
    # epitools::pois.exact documentation: for x = 0 the exact upper 95% limit is 3.689.
    assert poisson_limits(0) == (0.0, pytest.approx(3.689, abs=5e-4))


def test_byar_is_within_two_per_mille_of_exact_from_ten_events():
    # PHE Public Health Data Science, Technical Guide: Confidence Intervals (2018), Appendix 1:
    # at 95%, Byar's method is within 0.2% of the exact value for numerators of 10 or more.
    from scipy.stats import chi2

    for count in range(BYAR_FROM, 1000):
        lower, upper = poisson_limits(count, 0.95)
        exact_lower, exact_upper = chi2.ppf(0.025, 2 * count) / 2, chi2.ppf(0.975, 2 * count + 2) / 2
        assert abs(lower - exact_lower) / exact_lower <= 0.002, count
        assert abs(upper - exact_upper) / exact_upper <= 0.002, count


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(("count", "denominator"), [(0, 50), (3, 1200), (9, 40_000), (10, 40_000), (412, 280_000)])
def test_intervals_contain_the_value_and_narrow_as_counts_grow(level, count, denominator):
    for method in (proportion, crude_rate):
        small = method(count, denominator, level)
        assert small.lower <= small.value <= small.upper
        big = method(count * 100, denominator * 100, level)
        assert big.value == pytest.approx(small.value)
        assert big.upper - big.lower < small.upper - small.lower
    assert crude_rate(count, denominator, 0.998).upper > crude_rate(count, denominator, 0.95).upper


def test_a_crude_rate_is_per_multiplier_and_a_proportion_a_percentage():
    assert crude_rate(25, 50_000).value == 50.0  # per 100,000
    assert proportion(25, 200).value == 12.5  # per cent


@pytest.mark.parametrize(
    ("count", "denominator", "level"), [(-1, 10, 0.95), (5, 0, 0.95), (float("nan"), 10, 0.95), (5, 10, 0.9)]
)
def test_values_that_cannot_be_computed_are_refused(count, denominator, level):
    with pytest.raises(ValueError):
        crude_rate(count, denominator, level)
    with pytest.raises(ValueError):
        proportion(11, 10)
