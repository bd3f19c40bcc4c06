"""``pytest-obstacles profile MODEL -o profiles/MODEL.json``: measure a model once, for gates to read as facts.

One cheap pass over a model's weights (and one forward on the fixed batch) records, per block
matrix, its shape, stable rank ||W||_F^2 / ||W||_2^2, squared singular values (the top ones, plus
the tail's total), the ranks that keep 90/99/99.9 % of the energy, its row value ranges and SRHT
spread ratios; for the model, the readout energy per coordinate fraction. ``facts`` restates the
quantities gates read as exact decimal strings, each rounded in the direction that kills fewer
candidates (so a gate reading a fact is never more aggressive than the measurement):

  ``layers``                 number of blocks (exact)
  ``stable_rank``            largest stable rank over the matrices, rounded down (a larger one kills more)
  ``stable_rank_min``        smallest stable rank, rounded down
  ``value_range``            largest row range max - min over the matrices, rounded down
  ``value_range_row_min``    smallest row range, rounded down
  ``pruned_readout_energy@f`` readout energy on the fraction f of coordinates that carry the least of it
                             (what pruning those coordinates removes), rounded down

The profile is plain JSON; ``schema`` is 1.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..exact import fixed, floor_decimal

SCHEMA = 1
ENERGY_LEVELS = ("0.9", "0.99", "0.999")
FRACTIONS = ("0.01", "0.05", "0.1", "0.25", "0.5")
PLACES = 6


def _floor(value: float, places: int = PLACES) -> str:
    return fixed(floor_decimal(Fraction(value), places), places)


def profile(model_name: str, *, spectrum: int = 64, device: str | None = None, allow_download: bool = False,
            batch_size: int = 4, sequence_length: int = 32) -> dict[str, Any]:
    import torch

    from . import engine, metrics as M
    from .methods.srht import block_for, random_signs, rotate, spread_ratios
    from .weights import all_matrices

    start = time.perf_counter()
    dev = engine.choose_device(device)
    ref = engine.reference(model_name, dev, batch_size, sequence_length, allow_download)
    model = ref.model
    rows: list[dict[str, Any]] = []
    srank_all, range_max, range_min = [], 0.0, math.inf
    rot_sum = raw_sum = 0.0
    blocks = 0
    for i, m in enumerate(all_matrices(model)):
        w = m.get().detach()
        w = w.double() if w.numel() <= 4_000_000 else w.float()
        s2 = torch.linalg.svdvals(w).double() ** 2
        total = float(s2.sum())
        srank = total / float(s2[0]) if float(s2[0]) > 0 else 0.0
        cum = torch.cumsum(s2, 0) / total if total > 0 else torch.ones_like(s2)
        ranks = {lvl: int(torch.searchsorted(cum, torch.tensor(float(lvl) - 1e-12, dtype=cum.dtype, device=cum.device))) + 1
                 for lvl in ENERGY_LEVELS}
        row_range = (w.amax(1) - w.amin(1)).double()
        b = block_for(w.shape[1], None)
        signs = random_signs(w.shape[1], i, device=w.device, dtype=w.dtype)
        r_rot = spread_ratios(rotate(w, signs, b), b)
        r_raw = spread_ratios(w, b)
        rot_sum += float(r_rot.sum())
        raw_sum += float(r_raw.sum())
        blocks += r_rot.numel()
        srank_all.append(srank)
        range_max = max(range_max, float(row_range.max()))
        range_min = min(range_min, float(row_range.min()))
        rows.append({
            "name": m.name, "tensor": m.tensor, "layer": m.layer, "shape": list(w.shape),
            "stable_rank": srank, "frobenius_sq": total, "spectral_norm_sq": float(s2[0]),
            "spectrum_sq": [float(x) for x in s2[:spectrum]], "spectrum_tail_sq": float(s2[spectrum:].sum()),
            "rank_for_energy": ranks, "row_range_max": float(row_range.max()), "row_range_min": float(row_range.min()),
            "spread_ratio": float(r_rot.mean()), "spread_ratio_raw": float(r_raw.mean()), "srht_block": b,
        })
    readout = _readout(model, ref, torch)
    config = getattr(model, "config", None)
    layers = int(getattr(config, "num_hidden_layers", 0) or getattr(config, "n_layer", 0) or
                 len({r["layer"] for r in rows if r["layer"] is not None}))
    facts = {
        "layers": str(layers),
        "stable_rank": _floor(max(srank_all)),
        "stable_rank_min": _floor(min(srank_all)),
        "value_range": _floor(range_max),
        "value_range_row_min": _floor(range_min),
    }
    for f, share in readout["lowest_coordinate_energy"].items():
        facts[f"pruned_readout_energy@{f}"] = _floor(share)
    return {
        "schema": SCHEMA,
        "model": model_name,
        "kind": ref.loaded.kind,
        "moe": ref.loaded.moe,
        "device": str(dev),
        "versions": {"torch": torch.__version__, "transformers": _version("transformers")},
        "config": {k: getattr(config, k) for k in ("model_type", "hidden_size", "num_hidden_layers", "vocab_size",
                                                   "intermediate_size") if hasattr(config, k)},
        "parameters": ref.total_params,
        "matrices": rows,
        "readout": readout,
        "spread_ratio": {"rotated": rot_sum / blocks, "raw": raw_sum / blocks, "blocks": blocks,
                         "theory_sqrt_2_over_pi": M.SQRT_2_OVER_PI},
        "facts": facts,
        "facts_rounding": "every fact is rounded down to 6 decimals: a larger value would kill more candidates",
        "seconds": time.perf_counter() - start,
    }


def _version(name: str) -> str:
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:  # pragma: no cover
        return "?"


def _readout(model, ref, torch) -> dict[str, Any]:
    """Readout energy per hidden coordinate: of the LM head's columns (causal LMs) or of the final hidden states."""
    head = getattr(model, "get_output_embeddings", lambda: None)()
    if head is not None and isinstance(getattr(head, "weight", None), torch.Tensor):
        energy = head.weight.detach().double().pow(2).sum(0)  # (hidden,)
        source = "lm_head weight columns (energy of each hidden coordinate in the readout)"
    else:
        mask = ref.batch.get("attention_mask")
        h = ref.hidden.detach().double()
        h = h[mask.bool()] if mask is not None else h.reshape(-1, h.shape[-1])
        energy = h.pow(2).sum(0)
        source = "final hidden states on the fixed batch (an encoder read by pooling: every coordinate counts)"
    order = torch.sort(energy).values  # ascending
    total = float(order.sum())
    d = order.numel()
    lowest, highest = {}, {}
    for f in FRACTIONS:
        k = max(1, math.ceil(Fraction(f) * d))
        lowest[f] = float(order[:k].sum()) / total
        highest[f] = float(order[-k:].sum()) / total
    return {"source": source, "coordinates": d, "lowest_coordinate_energy": lowest,
            "highest_coordinate_energy": highest}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a built-in model name (e.g. olmoe-tiny, minilm-l6), hub id or local path")
    parser.add_argument("-o", "--output", type=Path, default=None, help="write the profile here (default: stdout)")
    parser.add_argument("--spectrum", type=int, default=64, help="squared singular values kept per matrix (default 64)")
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:N (default: CUDA when available)")
    parser.add_argument("--allow-download", action="store_true", help="fetch a hub id that is not in the local cache")


def run(args: argparse.Namespace) -> int:
    from .engine import ExperimentError

    try:
        doc = profile(args.model, spectrum=args.spectrum, device=args.device, allow_download=args.allow_download)
    except ExperimentError as exc:
        print(f"profile: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(doc, indent=1, sort_keys=False)
    if args.output is None:
        print(text)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text + "\n", encoding="utf-8")
        f = doc["facts"]
        print(f"profile of {args.model}: {len(doc['matrices'])} matrices, stable rank {f['stable_rank_min']}..."
              f"{f['stable_rank']}, spread ratio {doc['spread_ratio']['rotated']:.4f} -> {args.output}")
    return 0
