"""Class L, depth composition: ``Obstacles.kills_iff_pow_exceeds``.

Kills an L-layer composed gate whose per-layer relative error eps makes the composed
worst-case error (1+eps)^L - 1 exceed the tolerance tau; root-free, that is
eps > (1+tau)^(1/L) - 1. Lean decision function: ``Obstacles.depthKills L en ed tn td``.

Params read:
  ``layers``          L, integer >= 1 (at most 10000)
  ``tolerance``       tau > 0, the allowed composed relative error
  ``per_layer_error`` eps >= 0, each layer's relative error
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Mapping

from ..exact import approx, distinct, fixed, nth_root_floor, show
from ..gate import Gate, Param, ratio


class DepthCompositionGate(Gate):
    name = "depth-composition"
    obstacle_class = "L"
    theorem = "Obstacles.kills_iff_pow_exceeds"
    decision = "Obstacles.depthKills"
    params = (
        Param("layers", "number of composed layers L", integer=True,
              minimum=Fraction(1), maximum=Fraction(10_000)),
        Param("tolerance", "allowed composed relative error tau",
              minimum=Fraction(0), minimum_inclusive=False),
        Param("per_layer_error", "relative error eps of each layer", minimum=Fraction(0)),
    )

    monotone = {"per_layer_error": +1, "layers": +1, "tolerance": -1}

    def lean_args(self, values: Mapping[str, Any]) -> tuple[int, ...]:
        return (int(values["layers"]), *ratio(values["per_layer_error"]), *ratio(values["tolerance"]))

    def decide(self, L: int, en: int, ed: int, tn: int, td: int) -> bool:
        # Mirror of Lean: (ed + en)^L * td > (td + tn) * ed^L, false on a zero denominator.
        if ed == 0 or td == 0:
            return False
        return (ed + en) ** L * td > (td + tn) * ed**L

    def explain(self, values: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        L = int(values["layers"])
        eps = Fraction(values["per_layer_error"])
        tau = Fraction(values["tolerance"])
        composed = (1 + eps) ** L
        bound = nth_root_floor(1 + tau, L, 6) - 1  # a 6-place decimal that is <= the exact bound
        shown_composed, shown_limit = distinct(composed, 1 + tau)
        reason = (
            f"(1+ε)^L = {shown_composed} > 1+τ = {shown_limit}; "
            f"per-layer error must be ≤ {fixed(bound, 6)} for L={L}, τ={show(tau)} "
            f"(got ε = {show(eps)})"
        )
        numbers = {
            "layers": str(L),
            "per_layer_error": str(eps),
            "tolerance": str(tau),
            "composed_error": approx(composed - 1, 8),
            "max_per_layer_error_floor_6dp": fixed(bound, 6),
        }
        return reason, numbers
