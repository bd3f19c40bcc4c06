"""Uniform (round-to-nearest) quantisation of each targeted weight matrix, in groups along the input dim.

Knobs:
  ``bits``        int, 2..16 when symmetric, 1..16 when asymmetric (default 4).
  ``group_size``  int dividing the input dimension; 0 or absent: one group per output row.
  ``symmetric``   bool (default true). Symmetric: step = max|x| / (2^(b-1) - 1), levels
                  -(2^(b-1)-1) .. 2^(b-1)-1 (the restricted, zero-exact grid). Asymmetric:
                  step = (max - min) / (2^b - 1), levels min + k step, k = 0 .. 2^b - 1.

Every value lands within step/2 of its original (tests check it). Storage: ``bits`` per weight
plus a 16-bit scale per group (and a 16-bit offset per group when asymmetric).
"""

from __future__ import annotations

import torch

from .base import Context, KnobError, MethodResult, as_bool, as_int


def settings(params) -> tuple[int, int, bool]:
    symmetric = as_bool(params, "symmetric", True)
    bits = as_int(params, "bits", 4, minimum=2 if symmetric else 1, maximum=16)
    group = as_int(params, "group_size", 0, minimum=0)
    return bits, group, symmetric


def quantize(w: torch.Tensor, bits: int, group_size: int = 0, symmetric: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Fake-quantise ``w`` (out, in); return (dequantised weights, step per group broadcast to ``w``'s shape)."""
    rows, cols = w.shape
    g = cols if group_size in (0, None) else group_size
    if cols % g:
        raise KnobError(f"group_size {g} does not divide the input dimension {cols}")
    x = w.reshape(rows, cols // g, g).double()
    if symmetric:
        qmax = 2 ** (bits - 1) - 1
        scale = x.abs().amax(-1, keepdim=True) / qmax
        safe = torch.where(scale > 0, scale, torch.ones_like(scale))
        q = torch.clamp(torch.round(x / safe), -qmax, qmax)
        deq = q * safe
        deq = torch.where(scale > 0, deq, torch.zeros_like(deq))
    else:
        levels = 2 ** bits - 1
        low = x.amin(-1, keepdim=True)
        scale = (x.amax(-1, keepdim=True) - low) / levels
        safe = torch.where(scale > 0, scale, torch.ones_like(scale))
        q = torch.clamp(torch.round((x - low) / safe), 0, levels)
        deq = torch.where(scale > 0, low + q * safe, x)
    step = scale.expand_as(x).reshape(rows, cols)
    return deq.reshape(rows, cols).to(w.dtype), step.to(w.dtype)


def storage_bits(rows: int, cols: int, bits: int, group_size: int, symmetric: bool) -> float:
    g = cols if group_size in (0, None) else group_size
    groups = rows * (cols // g)
    return rows * cols * bits + groups * (16 if symmetric else 32)


def compress(ctx: Context) -> MethodResult:
    bits, group, symmetric = settings(ctx.params)
    total = 0.0
    numel = 0
    for m in ctx.matrices:
        w = m.get()
        deq, _ = quantize(w, bits, group, symmetric)
        m.set(deq)
        total += storage_bits(*w.shape, bits, group, symmetric)
        numel += w.numel()
    return MethodResult(bits=total, original_numel=numel,
                        details={"bits": bits, "group_size": group, "symmetric": symmetric})
