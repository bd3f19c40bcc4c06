"""What a method gets (:class:`Context`) and gives back (:class:`MethodResult`), and knob parsing."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Mapping

BASE_BITS = 16  # sizes are relative to 16-bit dense storage of the same weights


class KnobError(ValueError):
    """A method knob is missing, of the wrong type or out of range."""


@dataclass
class Context:
    """Everything a method may use. ``matrices`` are the targeted block matrices of ``model`` (a copy)."""

    model: Any  # torch.nn.Module, on ``device``, a private copy: edit it in place
    matrices: list  # list[weights.Matrix]
    params: Mapping[str, Any]
    seed: int
    device: Any  # torch.device
    calibrate: Callable[[], None]  # runs the calibration batch through ``model`` (hooks see activations)
    evaluate: Callable[[], None] = lambda: None  # runs the evaluation batch through ``model``
    moe: bool = False

    def knob(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


@dataclass
class MethodResult:
    """A method's report. ``bits`` is the storage of the compressed targets (all matrices together)."""

    bits: float
    original_numel: int  # parameters the ``bits`` replace (16-bit baseline = 16 * original_numel)
    metrics: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    tensor_errors: dict[str, float] | None = None  # per-tensor relative Frobenius error, when the engine cannot diff
    matrices_after: list | None = None  # the compressed matrices (when the method changed shapes)


# -- knob parsing ---------------------------------------------------------------------------
def as_int(params: Mapping[str, Any], name: str, default: Any = None, *, minimum: int | None = None,
           maximum: int | None = None, required: bool = False) -> int | None:
    value = params.get(name, default)
    if value is None:
        if required:
            raise KnobError(f"knob {name!r} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, Fraction)) or Fraction(value).denominator != 1:
        raise KnobError(f"knob {name!r} must be an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise KnobError(f"knob {name!r} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise KnobError(f"knob {name!r} must be <= {maximum}, got {value}")
    return value


def as_fraction(params: Mapping[str, Any], name: str, default: Any = None, *, low: Fraction | int = 0,
                high: Fraction | int = 1, low_open: bool = True) -> Fraction | None:
    value = params.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
        raise KnobError(f"knob {name!r} must be a number, got {value!r}")
    q = Fraction(value)
    if q < low or (low_open and q == low) or q > high:
        raise KnobError(f"knob {name!r} must be in {'(' if low_open else '['}{low}, {high}], got {q}")
    return q


def as_bool(params: Mapping[str, Any], name: str, default: bool) -> bool:
    value = params.get(name, default)
    if not isinstance(value, bool):
        raise KnobError(f"knob {name!r} must be true or false, got {value!r}")
    return value


def ceil_fraction(q: Fraction, n: int) -> int:
    """ceil(q * n), exactly."""
    return math.ceil(Fraction(q) * n)
