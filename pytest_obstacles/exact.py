"""Exact numbers: decimals written in a config are rationals, and bounds print honestly.

A config that says ``0.05`` means exactly 1/20. Everything a verdict depends on is a
:class:`fractions.Fraction`; floats appear only in measurements.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from numbers import Rational


class NotExact(ValueError):
    """A value that cannot be an exact finite rational (NaN, inf, text, a float object)."""


def exact(value: object) -> Fraction:
    """Return ``value`` as an exact Fraction, or raise :class:`NotExact` saying why."""
    kind = type(value)
    if kind is Fraction:  # the common case: our loaders made it (Fractions are immutable)
        return value  # type: ignore[return-value]
    if kind is int:
        return Fraction(value)  # type: ignore[arg-type]
    if isinstance(value, bool):
        raise NotExact(f"expected a number, got the boolean {value!r}")
    if isinstance(value, Rational):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotExact(f"expected a finite number, got {value!r}")
        # A float object here did not come from our loaders (they keep decimals exact);
        # take its shortest decimal repr, which is what the user wrote.
        return Fraction(repr(value))
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        if text.lower().lstrip("+-.") in {"nan", "inf", "infinity"}:
            raise NotExact(f"expected a finite number, got {value!r}")
        try:
            return Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise NotExact(f"expected a number, got {value!r}") from None
    raise NotExact(f"expected a number, got {type(value).__name__} {value!r}")


def decimal_string(q: Fraction) -> str | None:
    """The exact decimal expansion of ``q`` if it terminates (``1/20`` -> ``'0.05'``), else None."""
    den = q.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return None
    digits = max(twos, fives)
    scaled = abs(q.numerator) * 10**digits // q.denominator
    sign = "-" if q < 0 else ""
    if digits == 0:
        return f"{sign}{scaled}"
    whole, frac = divmod(scaled, 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}".rstrip("0").rstrip(".")


def show(q: Fraction) -> str:
    """A short exact-or-marked rendering: ``0.05``, ``1/3``; integers stay integers."""
    text = decimal_string(q)
    if text is not None and len(text) <= 12:
        return text
    return f"{q.numerator}/{q.denominator}" if len(str(q)) <= 24 else approx(q, 6)


def approx(q: Fraction, digits: int = 4) -> str:
    """Round to ``digits`` significant digits for display only (never for a decision)."""
    if q == 0:
        return "0"
    return f"{float(q):.{digits}g}"


def distinct(a: Fraction, b: Fraction, digits: int = 4) -> tuple[str, str]:
    """Display a and b with the fewest significant digits (at least ``digits``) that tell them apart."""
    if a == b:
        return show(a), show(b)
    for d in range(digits, 40):
        left, right = f"{float(a):.{d}g}", f"{float(b):.{d}g}"
        if left != right and float(left) != float(right):
            return left, right
    return str(a), str(b)


def floor_decimal(q: Fraction, places: int) -> Fraction:
    """Largest decimal with ``places`` digits after the point that is <= q."""
    scale = 10**places
    return Fraction(math.floor(q * scale), scale)


def ceil_decimal(q: Fraction, places: int) -> Fraction:
    """Smallest decimal with ``places`` digits after the point that is >= q."""
    scale = 10**places
    return Fraction(math.ceil(q * scale), scale)


def fixed(q: Fraction, places: int) -> str:
    """Render a Fraction that is already a multiple of 10**-places with exactly that many places."""
    scale = 10**places
    n = q * scale
    if n.denominator != 1:
        raise ValueError(f"{q} is not a multiple of 10^-{places}")
    n = n.numerator
    sign = "-" if n < 0 else ""
    whole, frac = divmod(abs(n), scale)
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"


@functools.lru_cache(maxsize=4096)  # a sweep asks for the same (1 + tau, L) bound many times
def nth_root_floor(q: Fraction, n: int, places: int) -> Fraction:
    """Largest multiple x of 10**-places with x**n <= q (q >= 0), found exactly by bisection."""
    if q < 0 or n < 1:
        raise ValueError("nth_root_floor needs q >= 0 and n >= 1")
    scale = 10**places
    lo, hi = 0, max(1, math.ceil(q)) * scale  # root(q) <= max(1, q)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if Fraction(mid, scale) ** n <= q:
            lo = mid
        else:
            hi = mid - 1
    return Fraction(lo, scale)
