"""Class K, covector readout collapse: ``Obstacles.readout_collapse``.

Kills a compression that prunes input coordinates carrying a fraction rho of a linear
readout's energy when rho exceeds the allowed readout error tau: on the input aligned
with the readout the relative readout error is at least rho.
Lean decision function: ``Obstacles.readoutKills rn rd tn td``.

Params read:
  ``pruned_readout_energy``  rho in [0, 1], readout energy on the pruned coordinates
  ``readout_tolerance``      tau > 0, the allowed relative readout error
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Mapping

from ..exact import show
from ..gate import Gate, Param, ratio


class ReadoutCollapseGate(Gate):
    name = "readout-collapse"
    obstacle_class = "K"
    theorem = "Obstacles.readout_collapse"
    decision = "Obstacles.readoutKills"
    params = (
        Param("pruned_readout_energy", "fraction rho of the readout covector's energy on pruned coordinates",
              minimum=Fraction(0), maximum=Fraction(1)),
        Param("readout_tolerance", "allowed relative readout error tau", minimum=Fraction(0), minimum_inclusive=False),
    )

    monotone = {"pruned_readout_energy": +1, "readout_tolerance": -1}

    def lean_args(self, values: Mapping[str, Any]) -> tuple[int, ...]:
        return (*ratio(values["pruned_readout_energy"]), *ratio(values["readout_tolerance"]))

    def decide(self, rn: int, rd: int, tn: int, td: int) -> bool:
        # Mirror of Lean: rn * td > tn * rd, false on a zero denominator.
        if rd == 0 or td == 0:
            return False
        return rn * td > tn * rd

    def explain(self, values: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        rho, tau = Fraction(values["pruned_readout_energy"]), Fraction(values["readout_tolerance"])
        reason = (f"pruned readout energy ρ = {show(rho)} > readout tolerance τ = {show(tau)}: on the aligned input the "
                  f"relative readout error is ≥ ρ; prune coordinates carrying at most {show(tau)} of the readout energy")
        return reason, {"pruned_readout_energy": str(rho), "readout_tolerance": str(tau)}
