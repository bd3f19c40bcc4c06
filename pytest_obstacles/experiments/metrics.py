"""What is measured about a compressed model, as plain functions on tensors."""

from __future__ import annotations

import math
from typing import Iterable, Mapping

import torch

from .methods.srht import SQRT_2_OVER_PI, block_for, random_signs, rotate, spread_ratios
from .weights import Matrix

__all__ = ["SQRT_2_OVER_PI", "relative_error", "stable_rank", "next_token_metrics", "hidden_metrics",
           "pooled_cosine", "model_spread_ratio"]


def relative_error(original: torch.Tensor, compressed: torch.Tensor) -> float:
    """||W - W'||_F / ||W||_F (0 for a zero W that stayed zero)."""
    a = original.detach().double()
    b = compressed.detach().double()
    den = float(a.norm())
    num = float((a - b).norm())
    return num / den if den > 0 else (0.0 if num == 0 else math.inf)


def stable_rank(w: torch.Tensor) -> float:
    """||W||_F^2 / ||W||_2^2 (0 for a zero matrix); ||W||_2^2 is the top eigenvalue of the smaller Gram matrix."""
    w = w.detach().double()
    gram = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T
    top = float(torch.linalg.eigvalsh(gram)[-1])
    fro = float(torch.trace(gram))
    return fro / top if top > 0 else 0.0


def _valid(mask: torch.Tensor | None, shape: tuple[int, ...], device) -> torch.Tensor:
    if mask is None:
        return torch.ones(shape, dtype=torch.bool, device=device)
    return mask.to(device=device).bool()


def next_token_metrics(ref_logits: torch.Tensor, logits: torch.Tensor, mask: torch.Tensor | None) -> dict[str, float]:
    """KL(p_ref || p) per position (mean, p99, max) and top-1 agreement over the valid positions."""
    valid = _valid(mask, ref_logits.shape[:-1], ref_logits.device)
    lp = torch.log_softmax(ref_logits[valid].double(), -1)
    lq = torch.log_softmax(logits[valid].double(), -1)
    kl = (lp.exp() * (lp - lq)).sum(-1).clamp_min(0.0)
    top1 = (lp.argmax(-1) == lq.argmax(-1)).double()
    return {
        "kl_mean": float(kl.mean()),
        "kl_p99": float(torch.quantile(kl, 0.99)),
        "kl_max": float(kl.max()),
        "top1_agreement": float(top1.mean()),
    }


def hidden_metrics(ref_hidden: torch.Tensor, hidden: torch.Tensor, mask: torch.Tensor | None) -> dict[str, float]:
    """Relative Frobenius error of the final hidden states over the valid positions."""
    valid = _valid(mask, ref_hidden.shape[:-1], ref_hidden.device)
    return {"hidden_rel_error": relative_error(ref_hidden[valid], hidden[valid])}


def pooled_cosine(ref_hidden: torch.Tensor, hidden: torch.Tensor, mask: torch.Tensor | None) -> dict[str, float]:
    """Cosine similarity of mask-mean-pooled sentence embeddings (how a sentence encoder is used)."""
    valid = _valid(mask, ref_hidden.shape[:-1], ref_hidden.device).unsqueeze(-1).double()

    def pool(h: torch.Tensor) -> torch.Tensor:
        return (h.double() * valid).sum(1) / valid.sum(1).clamp_min(1.0)

    cos = torch.nn.functional.cosine_similarity(pool(ref_hidden), pool(hidden), dim=-1)
    return {"pooled_cosine_mean": float(cos.mean()), "pooled_cosine_min": float(cos.min())}


def model_spread_ratio(matrices: Iterable[Matrix], seed: int = 0, block: int | None = None) -> dict[str, float]:
    """SRHT spread ratio over every block of every matrix: rotated and raw, with the block count."""
    rot_sum = raw_sum = 0.0
    count = 0
    for i, m in enumerate(matrices):
        w = m.get().detach().double()
        b = block_for(w.shape[1], block)
        signs = random_signs(w.shape[1], seed * 1_000_003 + i, device=w.device, dtype=w.dtype)
        r = spread_ratios(rotate(w, signs, b), b)
        rot_sum += float(r.sum())
        raw_sum += float(spread_ratios(w, b).sum())
        count += r.numel()
    return {"spread_ratio": rot_sum / count, "spread_ratio_raw": raw_sum / count, "blocks": float(count)}


def summarise(values: Mapping[str, float]) -> tuple[float, float]:
    v = list(values.values())
    return (max(v), sum(v) / len(v)) if v else (0.0, 0.0)
