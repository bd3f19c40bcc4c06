"""Class S, spectral floor: ``Obstacles.spectral_floor``.

Kills a rank-r truncation of a weight whose stable rank srank = sum(s_i)/s_1 (squared singular
values) is so large that even the best rank-r approximation leaves relative squared error
at least 1 - r/srank above the tolerance tau. Lean decision function:
``Obstacles.spectralKills r sn sd tn td`` (srank = sn/sd, tau = tn/td).

Params read:
  ``rank``                integer r >= 1
  ``stable_rank``         srank >= 1 (from a model profile or a measurement)
  ``max_rel_sq_error``    tau > 0, allowed relative squared Frobenius error of the truncation
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Mapping

from ..exact import approx, show
from ..gate import Gate, Param, ratio


class SpectralFloorGate(Gate):
    name = "spectral-floor"
    obstacle_class = "S"
    theorem = "Obstacles.spectral_floor"
    decision = "Obstacles.spectralKills"
    params = (
        Param("rank", "kept rank r of the truncation", integer=True, minimum=Fraction(1)),
        Param("stable_rank", "stable rank sum(s_i)/s_1 of the weight (s_i squared singular values)",
              minimum=Fraction(1)),
        Param("max_rel_sq_error", "allowed relative squared Frobenius error tau",
              minimum=Fraction(0), minimum_inclusive=False),
    )

    monotone = {"rank": -1, "stable_rank": +1, "max_rel_sq_error": -1}

    def lean_args(self, values: Mapping[str, Any]) -> tuple[int, ...]:
        return (int(values["rank"]), *ratio(values["stable_rank"]), *ratio(values["max_rel_sq_error"]))

    def decide(self, r: int, sn: int, sd: int, tn: int, td: int) -> bool:
        # Mirror of Lean: sn * td > r * sd * td + tn * sn, false on a zero denominator or sn = 0.
        if sd == 0 or td == 0 or sn == 0:
            return False
        return sn * td > r * sd * td + tn * sn

    def explain(self, values: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        r = int(values["rank"])
        srank, tau = Fraction(values["stable_rank"]), Fraction(values["max_rel_sq_error"])
        floor = 1 - r / srank
        needed = srank * (1 - tau)  # the rank must be at least this for the floor to allow tau
        reason = (f"rank-{r} truncation of a weight with stable rank {show(srank)} has relative squared error "
                  f"≥ 1 − r/srank = {approx(floor)} > τ = {show(tau)}; rank must be ≥ {approx(needed)}")
        return reason, {"rank": str(r), "stable_rank": str(srank), "max_rel_sq_error": str(tau),
                        "error_floor": str(floor), "min_rank": str(needed)}
