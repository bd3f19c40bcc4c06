from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from pytest_obstacles.exact import NotExact, decimal_string, exact, nth_root_floor, show


@pytest.mark.parametrize("text,value", [("0.05", Fraction(1, 20)), ("1e-3", Fraction(1, 1000)), ("0.331", Fraction(331, 1000)),
                                        ("3", Fraction(3)), ("1_000.5", Fraction(2001, 2))])
def test_decimal_text_is_exact(text, value):
    assert exact(text) == value


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "Infinity", float("nan"), float("inf"), True, "abc", None, [1]])
def test_non_finite_and_non_numbers_are_rejected(bad):
    with pytest.raises(NotExact):
        exact(bad)


def test_float_object_takes_its_shortest_repr():
    assert exact(0.1) == Fraction(1, 10)  # not 3602879701896397/36028797018963968


@given(st.fractions(min_value=-10**6, max_value=10**6, max_denominator=10**6))
def test_decimal_string_round_trips_when_terminating(q):
    text = decimal_string(q)
    den = q.denominator
    while den % 2 == 0:
        den //= 2
    while den % 5 == 0:
        den //= 5
    assert (text is not None) == (den == 1)
    if text is not None:
        assert Fraction(text) == q


@settings(max_examples=200)
@given(st.fractions(min_value=0, max_value=100, max_denominator=1000), st.integers(1, 64), st.integers(0, 8))
def test_nth_root_floor_is_the_largest_grid_point_below_the_root(q, n, places):
    x = nth_root_floor(q, n, places)
    step = Fraction(1, 10**places)
    assert x**n <= q < (x + step) ** n


def test_show_prefers_exact_decimals():
    assert show(Fraction(1, 20)) == "0.05"
    assert show(Fraction(1, 3)) == "1/3"
