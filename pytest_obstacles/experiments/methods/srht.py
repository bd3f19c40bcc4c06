"""SRHT-rotated quantisation: random signs, a fast Walsh-Hadamard transform, then uniform quantisation.

Each row of a weight matrix is cut into blocks of n = ``block_size`` inputs (a power of two;
default: the largest power of two dividing the input dimension). Each block x becomes
y = H (d * x) / sqrt(n), with d a seeded vector of random signs and H the n x n Sylvester
Hadamard matrix applied by the fast transform in O(n log n) (never a dense matmul). The
rotated weights are quantised as in :mod:`.quant`, then rotated back (H D / sqrt(n) is
orthogonal), so the error is the rotated quantisation error.

Knobs: ``bits``, ``group_size``, ``symmetric`` (as ``quant``), ``block_size``, ``seed``.

Reports the spread ratio mean ||y||_1 / (sqrt(n) ||y||_2) over all rotated blocks
(``spread_ratio``; for a Gaussian vector it tends to sqrt(2/pi) ~ 0.798) and the same for the
unrotated blocks (``spread_ratio_raw``).
"""

from __future__ import annotations

import math

import torch

from . import quant
from .base import Context, KnobError, MethodResult, as_int

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def fwht(x: torch.Tensor) -> torch.Tensor:
    """Unnormalised fast Walsh-Hadamard transform along the last dim (a power of two): x @ H_n, O(n log n)."""
    n = x.shape[-1]
    if n & (n - 1) or n == 0:
        raise ValueError(f"fwht needs a power-of-two length, got {n}")
    lead = x.shape[:-1]
    y = x.reshape(-1, n)
    h = 1
    while h < n:
        y = y.reshape(-1, n // (2 * h), 2, h)
        a, b = y[:, :, 0, :], y[:, :, 1, :]
        y = torch.stack((a + b, a - b), dim=2)
        h *= 2
    return y.reshape(*lead, n)


def hadamard(n: int, dtype=torch.float64, device=None) -> torch.Tensor:
    """The dense n x n Sylvester Hadamard matrix (for reference and benchmarks only)."""
    if n & (n - 1) or n == 0:
        raise ValueError(f"Sylvester Hadamard needs a power-of-two size, got {n}")
    h = torch.ones(1, 1, dtype=dtype, device=device)
    while h.shape[0] < n:
        h = torch.cat((torch.cat((h, h), 1), torch.cat((h, -h), 1)), 0)
    return h


def largest_pow2_divisor(n: int) -> int:
    return n & -n


def random_signs(n: int, seed: int, device=None, dtype=torch.float32) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return (torch.randint(0, 2, (n,), generator=gen) * 2 - 1).to(device=device, dtype=dtype)


def rotate(w: torch.Tensor, signs: torch.Tensor, block: int) -> torch.Tensor:
    """Rows of ``w`` (out, in) blockwise: y = H (d * x) / sqrt(block)."""
    rows, cols = w.shape
    x = (w * signs).reshape(rows, cols // block, block)
    return (fwht(x) / math.sqrt(block)).reshape(rows, cols)


def unrotate(y: torch.Tensor, signs: torch.Tensor, block: int) -> torch.Tensor:
    rows, cols = y.shape
    x = fwht(y.reshape(rows, cols // block, block)) / math.sqrt(block)
    return x.reshape(rows, cols) * signs


def spread_ratios(w: torch.Tensor, block: int) -> torch.Tensor:
    """||x||_1 / (sqrt(n) ||x||_2) for every nonzero block x of every row of ``w``."""
    rows, cols = w.shape
    x = w.reshape(rows * (cols // block), block).double()
    l2 = x.norm(dim=-1)
    keep = l2 > 0
    return x.abs().sum(-1)[keep] / (math.sqrt(block) * l2[keep])


def block_for(cols: int, requested: int | None) -> int:
    block = largest_pow2_divisor(cols)
    if requested is not None:
        if requested & (requested - 1):
            raise KnobError(f"block_size must be a power of two, got {requested}")
        if cols % requested:
            raise KnobError(f"block_size {requested} does not divide the input dimension {cols}")
        block = requested
    return block


def compress(ctx: Context) -> MethodResult:
    bits, group, symmetric = quant.settings(ctx.params)
    requested = as_int(ctx.params, "block_size", None, minimum=1)
    total = 0.0
    numel = 0
    rotated_sum = raw_sum = 0.0
    count = 0
    blocks: dict[str, int] = {}
    for i, m in enumerate(ctx.matrices):
        w = m.get().double()
        rows, cols = w.shape
        block = block_for(cols, requested)
        blocks[m.name] = block
        signs = random_signs(cols, ctx.seed * 1_000_003 + i, device=w.device, dtype=w.dtype)
        y = rotate(w, signs, block)
        r_rot = spread_ratios(y, block)
        r_raw = spread_ratios(w, block)
        rotated_sum += float(r_rot.sum())
        raw_sum += float(r_raw.sum())
        count += r_rot.numel()
        yq, _ = quant.quantize(y, bits, group, symmetric)
        m.set(unrotate(yq, signs, block))
        total += quant.storage_bits(rows, cols, bits, group, symmetric)
        numel += rows * cols
    metrics = {
        "spread_ratio": rotated_sum / count if count else float("nan"),
        "spread_ratio_raw": raw_sum / count if count else float("nan"),
    }
    return MethodResult(bits=total, original_numel=numel, metrics=metrics,
                        details={"bits": bits, "group_size": group, "symmetric": symmetric, "block_size": blocks,
                                 "spread_ratio_theory": SQRT_2_OVER_PI})
