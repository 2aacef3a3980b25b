"""The SII and RII against PHEindicatormethods' worked examples, and as properties.

``tests/worked_examples/phe_sii.csv`` holds the inputs and expected results of the
default-parameter cases of PHEindicatormethods' own SII test data (``testdata_SII.xlsx``):
life expectancy-like values (normal), the same as quintiles, a rate (infant mortality-like,
log scale) and a proportion (child obesity-like, logit scale), two areas each. The SII and
RII are a regression, so they must match to the last digits; the limits come by simulation,
so they are held to the tolerance PHEindicatormethods holds its own to (5%).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from jsna.inequalities.slope_index import NORMAL, PROPORTION, RATE, ranks, seed_for, slope_index

EXAMPLES = Path(__file__).parent / "worked_examples" / "phe_sii.csv"
VALUE_TYPES = {"0": NORMAL, "1": RATE, "2": PROPORTION}


def _cases() -> list[tuple[str, list[dict[str, str]]]]:
    groups: dict[tuple[str, str], list[dict[str, str]]] = {}
    with EXAMPLES.open(newline="") as f:
        for row in csv.DictReader(f):
            groups.setdefault((row["case"], row["Area"]), []).append(row)
    return [(f"{case} {area}", rows) for (case, area), rows in groups.items()]


def _column(rows: list[dict[str, str]], name: str) -> np.ndarray:
    return np.array([float(r[name]) for r in rows])


@pytest.mark.parametrize("name, rows", _cases(), ids=[name for name, _ in _cases()])
def test_matches_phe_worked_example(name: str, rows: list[dict[str, str]]) -> None:
    expected = rows[0]
    got = slope_index(
        _column(rows, "Value"),
        _column(rows, "Population"),
        _column(rows, "LowerCL"),
        _column(rows, "UpperCL"),
        value_type=VALUE_TYPES[expected["ValueType"]],
        seed=seed_for(name),
    )
    assert got.sii == pytest.approx(float(expected["sii"]), rel=1e-9)
    assert got.rii == pytest.approx(float(expected["rii"]), rel=1e-9)
    if expected["sii_lowercl_1"]:  # the quintile case gives the SII alone
        for ours, theirs in [
            (got.sii_lower, "sii_lowercl_1"),
            (got.sii_upper, "sii_uppercl_1"),
            (got.rii_lower, "rii_lowercl_1"),
            (got.rii_upper, "rii_uppercl_1"),
        ]:
            assert ours == pytest.approx(float(expected[theirs]), rel=0.05), theirs
    assert got.sii_lower < got.sii < got.sii_upper
    assert got.rii_lower < got.rii < got.rii_upper


POPULATION = np.array([900.0, 1200, 1000, 800, 1100, 950, 1300])


def test_flat_gradient_is_zero() -> None:
    flat = slope_index(np.full(7, 42.5), POPULATION)
    assert flat.sii == pytest.approx(0, abs=1e-9)
    assert flat.rii == pytest.approx(1, abs=1e-12)


def test_reversing_the_order_flips_the_sign() -> None:
    values = np.array([31.0, 28.4, 25.0, 26.1, 20.2, 19.8, 15.5])
    forward = slope_index(values, POPULATION)
    backward = slope_index(values[::-1], POPULATION[::-1])
    assert forward.sii < 0
    assert backward.sii == pytest.approx(-forward.sii, rel=1e-9)


def test_a_straight_line_is_recovered_and_rii_is_the_ratio_of_its_ends() -> None:
    rank = ranks(POPULATION)
    values = 50.0 - 20.0 * rank  # 50 at the most deprived end, 30 at the least
    got = slope_index(values, POPULATION)
    assert got.sii == pytest.approx(-20.0, rel=1e-9)
    assert got.most_deprived_fitted == pytest.approx(50.0, rel=1e-9)
    assert got.rii == pytest.approx(30.0 / 50.0, rel=1e-9)
    assert got.rii == pytest.approx((got.most_deprived_fitted + got.sii) / got.most_deprived_fitted)


def test_ranks_are_midpoints_of_cumulative_shares() -> None:
    # phe_sii's own illustration: a first group of 12% has rank 0.06, a second of 10% 0.17
    assert ranks(np.array([12.0, 10.0, 78.0])) == pytest.approx([0.06, 0.17, 0.61])


def test_same_seed_same_limits_and_another_seed_other_draws() -> None:
    values = np.array([31.0, 28.4, 25.0, 26.1, 20.2, 19.8, 15.5])
    lower, upper = values - 3, values + 3
    one = slope_index(values, POPULATION, lower, upper, seed=seed_for("a", 1))
    again = slope_index(values, POPULATION, lower, upper, seed=seed_for("a", 1))
    other = slope_index(values, POPULATION, lower, upper, seed=seed_for("a", 2))
    assert one == again
    assert (one.sii_lower, one.sii_upper) != (other.sii_lower, other.sii_upper)
    assert one.sii == other.sii


@pytest.mark.parametrize(
    "values, population, why",
    [
        (np.array([1.0, 2, 3, 4]), np.array([1.0, 1, 1, 1]), "at least 5 groups"),
        (np.array([1.0, 2, np.nan, 4, 5]), np.ones(5), "finite value"),
        (np.array([1.0, 2, 3, 4, 5]), np.array([1.0, 1, 0, 1, 1]), "positive population"),
    ],
)
def test_refuses_what_it_cannot_fit(values: np.ndarray, population: np.ndarray, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        slope_index(values, population)


def test_no_interval_without_the_groups_intervals() -> None:
    values = np.array([31.0, 28.4, 25.0, 26.1, 20.2])
    lower = np.array([29.0, 26.0, np.nan, 24.0, 18.0])
    got = slope_index(values, POPULATION[:5], lower, values + 2)
    assert got.sii_lower is None and got.sii_upper is None


def test_percentages_give_the_example_scaled() -> None:
    """A proportion served in % (0-100) gives the worked example's SII times 100."""
    name, rows = next((n, r) for n, r in _cases() if n.startswith("proportion"))
    args = [_column(rows, c) for c in ("Value", "Population", "LowerCL", "UpperCL")]
    fraction = slope_index(*args, value_type=PROPORTION, seed=7)
    percent = slope_index(args[0] * 100, args[1], args[2] * 100, args[3] * 100, value_type=PROPORTION, per=100, seed=7)
    assert percent.sii == pytest.approx(fraction.sii * 100, rel=1e-9)
    assert percent.sii_lower == pytest.approx(fraction.sii_lower * 100, rel=1e-9)
    assert percent.rii == pytest.approx(fraction.rii, rel=1e-9)
