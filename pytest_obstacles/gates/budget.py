"""Class B, budget infeasibility: ``Obstacles.budget_infeasible``.

Kills a (rank, budget) pair when a rank-r factorisation of an m x n layer, which stores
r (m + n) numbers, cannot fit in the budget beta * m * n.
Lean decision function: ``Obstacles.budgetKills r m n bn bd``.

Params read:
  ``rank``     integer r >= 1
  ``rows``     integer m >= 1
  ``cols``     integer n >= 1
  ``budget``   beta > 0, the parameter budget as a fraction of the dense m * n
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Mapping

from ..exact import show
from ..gate import Gate, Param, ratio


class BudgetInfeasibleGate(Gate):
    name = "budget-infeasible"
    obstacle_class = "B"
    theorem = "Obstacles.budget_infeasible"
    decision = "Obstacles.budgetKills"
    params = (
        Param("rank", "kept rank r of the truncation", integer=True, minimum=Fraction(1)),
        Param("rows", "rows m of the factorised layer", integer=True, minimum=Fraction(1)),
        Param("cols", "columns n of the factorised layer", integer=True, minimum=Fraction(1)),
        Param("budget", "parameter budget as a fraction beta of the dense m*n", minimum=Fraction(0),
              minimum_inclusive=False),
    )

    monotone = {"rank": +1, "rows": -1, "cols": -1, "budget": -1}

    def lean_args(self, values: Mapping[str, Any]) -> tuple[int, ...]:
        return (int(values["rank"]), int(values["rows"]), int(values["cols"]), *ratio(values["budget"]))

    def decide(self, r: int, m: int, n: int, bn: int, bd: int) -> bool:
        # Mirror of Lean: r * (m + n) * bd > bn * m * n, false on a zero denominator.
        if bd == 0:
            return False
        return r * (m + n) * bd > bn * m * n

    def explain(self, values: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        r, m, n = int(values["rank"]), int(values["rows"]), int(values["cols"])
        beta = Fraction(values["budget"])
        allowed = beta * m * n
        max_rank = int(allowed // (m + n))
        reason = (f"rank-{r} factors of a {m}×{n} layer store r(m+n) = {r * (m + n)} numbers > budget "
                  f"{show(beta)}·m·n = {show(allowed)}; rank must be ≤ {max_rank}")
        return reason, {"rank": str(r), "rows": str(m), "cols": str(n), "budget": str(beta),
                        "stored": str(r * (m + n)), "allowed": str(allowed), "max_rank": str(max_rank)}
