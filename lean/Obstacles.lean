module

public import Obstacles.Basic
public import Obstacles.Depth
public import Obstacles.Readout
public import Obstacles.Spectral
public import Obstacles.Quant
public import Obstacles.Budget

/-!
# pytest-obstacles theorem library

Root module: imports every obstacle class.

* `Obstacles.Depth`    — class L, depth composition (`kills_iff_pow_exceeds`)
* `Obstacles.Readout`  — class K, covector readout collapse (`readout_collapse`)
* `Obstacles.Spectral` — class S, spectral floor (`spectral_floor`)
* `Obstacles.Quant`    — class Q, quantisation resolution (`quant_resolution`)
* `Obstacles.Budget`   — class B, budget infeasibility (`budget_infeasible`)

Each class has a `Nat`-valued decision function (`depthKills`, `readoutKills`,
`spectralKills`, `quantKills`, `budgetKills`) with a `…_iff` theorem relating
it to the statement over `Rat` and a `…_sound` theorem relating it to the
obstacle.  Modelling assumptions are listed in `assumptions.toml`.
-/
