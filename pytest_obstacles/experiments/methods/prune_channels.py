"""Structured pruning of MLP channels (intermediate neurons).

For every targeted MLP (selected by its down projection), each intermediate channel j gets a
score and the lowest-scoring channels are removed: row j of the up (and gate) projection and
column j of the down projection become zero, which computes exactly what the sliced, smaller
MLP computes. Dense MLPs of every built-in architecture are found (``gate/up/down_proj``,
fused ``gate_up_proj``, ``fc1/fc2``, GPT-2 ``c_fc/c_proj``, GPT-NeoX ``dense_h_to_4h/4h_to_h``,
BERT ``intermediate/output.dense``), and so are the experts of fused MoE expert tensors.

Knobs:
  ``keep_fraction``  in (0, 1]: keep ceil(keep_fraction * channels) channels of every MLP.
  ``score``          ``activation`` (default): rms of channel j's activation on the
                     calibration batch times ||down[:, j]||_2 (Wanda / FLAP style);
                     ``weight``: ||up_j|| * ||gate_j|| * ||down[:, j]||. Fused MoE experts
                     always use ``weight`` (their per-expert activations are not hookable).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import torch

from ..weights import Matrix, all_matrices
from .base import BASE_BITS, Context, KnobError, MethodResult, as_fraction, ceil_fraction

DOWN_LEAVES = ("down_proj", "fc2", "dense_4h_to_h")
UP_LEAVES = ("gate_proj", "up_proj", "gate_up_proj", "fc1", "c_fc", "dense_h_to_4h")
_BERT_DOWN = re.compile(r"^(.*\.\d+)\.output\.dense$")


@dataclass
class Group:
    """One MLP: a down projection and the up/gate rows that feed each of its input channels."""

    name: str
    down: Matrix
    ups: list[tuple[Matrix, int]] = field(default_factory=list)  # (matrix, row offset of channel 0)

    @property
    def channels(self) -> int:
        return self.down.shape[1]

    def matrices(self) -> list[Matrix]:
        out = [self.down]
        for m, _ in self.ups:
            if all(m is not o for o in out):
                out.append(m)
        return out


def _is_down(m: Matrix) -> bool:
    base = m.name.split("[")[0]
    leaf = m.leaf
    if leaf in DOWN_LEAVES:
        return True
    if leaf == "c_proj" and base.rsplit(".", 1)[0].endswith("mlp"):
        return True
    return bool(_BERT_DOWN.match(base))


def groups(model, targets: list[Matrix]) -> list[Group]:
    """The MLPs whose down projection is among ``targets``."""
    mats = all_matrices(model)
    by_name = {m.name: m for m in mats}
    target_names = {m.name for m in targets}
    out: list[Group] = []
    for down in mats:
        if down.name not in target_names or not _is_down(down):
            continue
        channels = down.shape[1]
        base = down.name.split("[")[0]
        parent = base.rsplit(".", 1)[0]
        suffix = f"[{down.index}]" if down.index is not None else ""
        bert = _BERT_DOWN.match(base)
        if bert:
            candidates = [f"{bert.group(1)}.intermediate.dense"]
        else:
            candidates = [f"{parent}.{leaf}{suffix}" for leaf in UP_LEAVES]
        group = Group(down.name, down)
        for cname in dict.fromkeys(candidates):
            up = by_name.get(cname)
            if up is None:
                continue
            rows = up.shape[0]
            if rows == channels:
                group.ups.append((up, 0))
            elif rows == 2 * channels:  # fused gate_up: gate rows first, then up rows
                group.ups += [(up, 0), (up, channels)]
            else:
                raise KnobError(f"{up.name} has {rows} rows; expected {channels} or {2 * channels} to match {down.name}")
        if not group.ups:
            raise KnobError(f"found no up projection feeding {down.name}; prune_channels does not know this MLP layout")
        out.append(group)
    return out


def weight_scores(g: Group) -> torch.Tensor:
    s = g.down.get().double().norm(dim=0)
    for up, offset in g.ups:
        s = s * up.get()[offset:offset + g.channels].double().norm(dim=1)
    return s


def activation_scores(ctx: Context, gs: list[Group]) -> dict[str, torch.Tensor]:
    """rms activation of every input channel of each (module) down projection on the calibration batch."""
    sums: dict[str, torch.Tensor] = {}
    counts: dict[str, int] = {}
    handles = []
    for g in gs:
        if g.down.index is not None:
            continue

        def hook(module, args, name=g.name):
            x = args[0].detach().double()
            x = x.reshape(-1, x.shape[-1])
            sums[name] = sums.get(name, 0) + (x ** 2).sum(0)
            counts[name] = counts.get(name, 0) + x.shape[0]

        handles.append(g.down.module.register_forward_pre_hook(hook))
    try:
        ctx.calibrate()
    finally:
        for h in handles:
            h.remove()
    return {name: (sums[name] / counts[name]).sqrt() for name in sums}


def compress(ctx: Context) -> MethodResult:
    keep_fraction = as_fraction(ctx.params, "keep_fraction")
    if keep_fraction is None:
        raise KnobError("prune_channels needs 'keep_fraction' in (0, 1]")
    score = ctx.params.get("score", "activation")
    if score not in ("activation", "weight"):
        raise KnobError(f"knob 'score' must be 'activation' or 'weight', got {score!r}")
    gs = groups(ctx.model, ctx.matrices)
    if not gs:
        raise KnobError("prune_channels found no MLP among the targeted matrices (targets must include a down projection)")
    acts = activation_scores(ctx, gs) if score == "activation" else {}
    bits = 0.0
    numel = 0
    kept: dict[str, int] = {}
    with torch.no_grad():
        for g in gs:
            n = g.channels
            k = max(1, min(n, ceil_fraction(keep_fraction, n)))
            s = weight_scores(g) if g.name not in acts else acts[g.name] * g.down.get().double().norm(dim=0)
            order = torch.argsort(s, descending=True, stable=True)
            drop = order[k:]
            g.down.get()[:, drop] = 0
            for up, offset in g.ups:
                up.get()[offset + drop] = 0
                bias = getattr(up.module, "bias", None) if up.index is None else None
                if bias is not None:  # (out,) for Linear and Conv1D alike
                    bias.data[offset + drop] = 0
            size = sum(m.numel for m in g.matrices())
            numel += size
            bits += BASE_BITS * size * k / n
            kept[g.name] = k
    return MethodResult(bits=bits, original_numel=numel,
                        metrics={"kept_channel_fraction": sum(kept.values()) / sum(g.channels for g in gs)},
                        details={"kept_channels": kept, "score": score, "mlps": len(gs)},
                        matrices_after=[m for g in gs for m in g.matrices()])
