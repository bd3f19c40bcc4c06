"""Class Q, quantisation resolution: ``Obstacles.quant_resolution``.

Kills a b-bit uniform quantiser of a range R when its resolution alone forces an error
above the allowed maximum: some input lies at distance R / (2 (2^b - 1)) from every level.
Lean decision function: ``Obstacles.quantKills b rn rd mn md``.

Params read:
  ``bits``            integer b >= 1 (at most 64)
  ``value_range``     R > 0, the width of the quantised range (max - min)
  ``max_abs_error``   m > 0, the largest rounding error the candidate can afford
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Mapping

from ..exact import approx, show
from ..gate import Gate, Param, ratio


class QuantResolutionGate(Gate):
    name = "quant-resolution"
    obstacle_class = "Q"
    theorem = "Obstacles.quant_resolution"
    decision = "Obstacles.quantKills"
    params = (
        Param("bits", "bit width b of the uniform quantiser", integer=True, minimum=Fraction(1), maximum=Fraction(64)),
        Param("value_range", "width R of the quantised range", minimum=Fraction(0), minimum_inclusive=False),
        Param("max_abs_error", "allowed maximum absolute rounding error m", minimum=Fraction(0),
              minimum_inclusive=False),
    )

    monotone = {"bits": -1, "value_range": +1, "max_abs_error": -1}

    def lean_args(self, values: Mapping[str, Any]) -> tuple[int, ...]:
        return (int(values["bits"]), *ratio(values["value_range"]), *ratio(values["max_abs_error"]))

    def decide(self, b: int, rn: int, rd: int, mn: int, md: int) -> bool:
        # Mirror of Lean: rn * md > 2 * (2^b - 1) * mn * rd, false when b = 0 or a denominator is 0.
        if b == 0 or rd == 0 or md == 0:
            return False
        return rn * md > 2 * (2**b - 1) * mn * rd

    def explain(self, values: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        b = int(values["bits"])
        R, m = Fraction(values["value_range"]), Fraction(values["max_abs_error"])
        worst = R / (2 * (2**b - 1))
        bits_needed = b
        while R / (2 * (2**bits_needed - 1)) > m:
            bits_needed += 1
        reason = (f"{b}-bit uniform grid on range {show(R)} leaves an input {approx(worst)} from every level "
                  f"> allowed error {show(m)}; needs ≥ {bits_needed} bits")
        return reason, {"bits": str(b), "value_range": str(R), "max_abs_error": str(m), "worst_error": str(worst),
                        "min_bits": str(bits_needed)}
