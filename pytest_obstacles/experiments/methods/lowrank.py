"""Low-rank SVD truncation of each targeted weight matrix.

Knobs (exactly one of ``rank`` / ``energy``):
  ``rank``    int >= 1: keep the top ``rank`` singular triplets of every matrix (capped at min(m, n)).
  ``energy``  fraction in (0, 1]: per matrix, the smallest rank r with
              sum_{i<=r} s_i^2 >= energy * sum_i s_i^2.

Storage: a rank-r factorisation U_r S_r V_r^T of an m x n matrix costs r (m + n) values at 16 bits
(or m n when that is smaller: nobody stores a factorisation larger than the matrix).
Reference: ||W - W_r||_F^2 = sum_{i>r} s_i^2 (Eckart-Young); tests check it.
"""

from __future__ import annotations

from fractions import Fraction

import torch

from .base import BASE_BITS, Context, KnobError, MethodResult, as_fraction, as_int


def truncate(w: torch.Tensor, rank: int) -> torch.Tensor:
    """Best rank-``rank`` approximation of ``w`` in Frobenius norm."""
    u, s, vh = torch.linalg.svd(w.double(), full_matrices=False)
    r = min(rank, s.numel())
    return ((u[:, :r] * s[:r]) @ vh[:r]).to(w.dtype)


def rank_for_energy(s: torch.Tensor, energy: Fraction) -> int:
    """Smallest r with sum_{i<=r} s_i^2 >= energy * sum s_i^2 (s sorted descending)."""
    e = (s.double() ** 2)
    total = float(e.sum())
    if total == 0.0:
        return 1
    cum = torch.cumsum(e, 0) / total
    need = float(energy)
    hit = torch.nonzero(cum >= need - 1e-12)
    return int(hit[0]) + 1 if hit.numel() else s.numel()


def compress(ctx: Context) -> MethodResult:
    rank = as_int(ctx.params, "rank", minimum=1)
    energy = as_fraction(ctx.params, "energy")
    if (rank is None) == (energy is None):
        raise KnobError("lowrank needs exactly one of 'rank' (an integer) or 'energy' (a fraction in (0, 1])")
    bits = 0.0
    numel = 0
    ranks: dict[str, int] = {}
    for m in ctx.matrices:
        w = m.get()
        rows, cols = w.shape
        u, s, vh = torch.linalg.svd(w.double(), full_matrices=False)
        r = min(rank, s.numel()) if rank is not None else rank_for_energy(s, energy)
        m.set((u[:, :r] * s[:r]) @ vh[:r])
        ranks[m.name] = r
        bits += BASE_BITS * min(r * (rows + cols), rows * cols)
        numel += rows * cols
    values = list(ranks.values())
    return MethodResult(bits=bits, original_numel=numel,
                        metrics={"mean_rank": sum(values) / len(values), "max_rank": float(max(values))},
                        details={"ranks": ranks})
