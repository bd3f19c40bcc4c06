"""MoE expert pruning (OLMoE / Mixtral / Qwen2-MoE style top-k routers).

In every targeted MoE layer the router's softmax mass per expert is averaged over the
calibration batch and the ``keep_experts`` experts with the most mass are kept; the others are
removed for real: their slices of the fused expert tensors and their router rows are cut out,
so the router's softmax and top-k run over the kept experts only (what a smaller checkpoint
computes). Shared experts (Qwen2-MoE) are not routed and are kept.

Knobs:
  ``keep_experts``  int >= the router's top-k and <= the number of experts.

Reports, measured with the original router on the evaluation batch (not the calibration batch):
  ``routing_mass_lost``       mean over tokens and MoE layers of the softmax mass on removed experts;
  ``routing_mass_lost_max``   the largest per-layer mean;
  ``routing_topk_mass_lost``  mean over tokens and layers of the (normalised) top-k routing weight that
                              went to removed experts.
"""

from __future__ import annotations

import torch
from torch import nn

from ..weights import all_matrices
from .base import BASE_BITS, Context, KnobError, MethodResult, as_int


def moe_blocks(model: nn.Module) -> list[tuple[str, nn.Module, nn.Module, nn.Module]]:
    """(name, block, router, experts) for every MoE block."""
    out = []
    for name, module in model.named_modules():
        experts = getattr(module, "experts", None)
        router = getattr(module, "gate", None) or getattr(module, "router", None)
        if experts is None or router is None or not isinstance(getattr(router, "weight", None), torch.Tensor):
            continue
        if router.weight.ndim == 2:
            out.append((name, module, router, experts))
    return out


def router_probs(output) -> torch.Tensor:
    logits = output[0] if isinstance(output, tuple) else output
    return torch.softmax(logits.detach().double().reshape(-1, logits.shape[-1]), dim=-1)


def _top_k(block: nn.Module, router: nn.Module) -> int:
    for obj in (router, block):
        for attr in ("top_k", "num_experts_per_tok"):
            if isinstance(getattr(obj, attr, None), int):
                return getattr(obj, attr)
    raise KnobError(f"cannot find the router top-k of {type(block).__name__}")


def _record(blocks, run) -> dict[str, torch.Tensor]:
    """Router softmax probabilities (tokens, experts) per block for one pass of ``run``."""
    seen: dict[str, list[torch.Tensor]] = {}
    handles = []
    for name, _, router, _ in blocks:
        def hook(module, args, output, name=name):
            seen.setdefault(name, []).append(router_probs(output))
        handles.append(router.register_forward_hook(hook))
    try:
        run()
    finally:
        for h in handles:
            h.remove()
    return {name: torch.cat(v) for name, v in seen.items()}


def _slice(block: nn.Module, router: nn.Module, experts: nn.Module, keep: torch.Tensor, n_experts: int) -> None:
    k = int(keep.numel())
    router.weight = nn.Parameter(router.weight.data[keep].clone())
    if isinstance(getattr(router, "bias", None), torch.Tensor):
        router.bias = nn.Parameter(router.bias.data[keep].clone())
    if isinstance(router, nn.Linear):
        router.out_features = k
    if isinstance(experts, nn.ModuleList):
        block.experts = nn.ModuleList([experts[int(i)] for i in keep])
    else:
        for pname, p in list(experts.named_parameters(recurse=False)):
            if p.ndim >= 2 and p.shape[0] == n_experts:
                setattr(experts, pname, nn.Parameter(p.data[keep].clone()))
    for obj in (block, router, experts):
        for attr in ("num_experts", "num_local_experts"):
            if isinstance(getattr(obj, attr, None), int):
                setattr(obj, attr, k)


def compress(ctx: Context) -> MethodResult:
    keep_n = as_int(ctx.params, "keep_experts", minimum=1, required=True)
    target_tensors = {m.tensor for m in ctx.matrices}
    blocks = [b for b in moe_blocks(ctx.model)
              if any(t.startswith(b[0] + ".experts") for t in target_tensors)]
    if not blocks:
        raise KnobError("prune_experts needs a mixture-of-experts model (a block with a router 'gate' and 'experts'); "
                        "none is among the targets of this model")
    calib = _record(blocks, ctx.calibrate)
    evaluation = _record(blocks, ctx.evaluate)
    lost, lost_topk, kept_sets = [], [], {}
    tensor_errors: dict[str, float] = {}
    bits = 0.0
    numel = 0
    for name, block, router, experts in blocks:
        n_experts = router.weight.shape[0]
        top_k = _top_k(block, router)
        if not top_k <= keep_n <= n_experts:
            raise KnobError(f"keep_experts must be between the router top-k ({top_k}) and the number of experts "
                            f"({n_experts}) in {name}, got {keep_n}")
        mass = calib[name].mean(0).cpu()
        keep = torch.sort(torch.argsort(mass, descending=True, stable=True)[:keep_n]).values
        removed = torch.ones(n_experts, dtype=torch.bool)
        removed[keep] = False
        probs = evaluation[name]
        lost.append(float(probs[:, removed.to(probs.device)].sum(-1).mean()))
        top_v, top_i = torch.topk(probs, top_k, dim=-1)
        top_v = top_v / top_v.sum(-1, keepdim=True)
        lost_topk.append(float((top_v * removed.to(probs.device)[top_i]).sum(-1).mean()))
        kept_sets[name] = [int(i) for i in keep]
        for pname, p in experts.named_parameters():
            full = f"{name}.experts.{pname}"
            if isinstance(experts, nn.ModuleList):
                continue
            if p.ndim == 3 and p.shape[0] == n_experts:
                per = p.detach().double().pow(2).sum(dim=(1, 2))
                tensor_errors[full] = float((per[removed.to(per.device)].sum() / per.sum()).sqrt())
                numel += p.numel()
                bits += BASE_BITS * p.numel() * keep_n / n_experts
        if isinstance(experts, nn.ModuleList):
            for i, expert in enumerate(experts):
                for pname, p in expert.named_parameters():
                    if p.ndim == 2:
                        numel += p.numel()
                        if not removed[i]:
                            bits += BASE_BITS * p.numel()
        _slice(block, router, experts, keep.to(router.weight.device), n_experts)
    pruned = {b[0] for b in blocks}
    after = [m for m in all_matrices(ctx.model) if any(m.name.startswith(p + ".experts") for p in pruned)]
    metrics = {
        "routing_mass_lost": sum(lost) / len(lost),
        "routing_mass_lost_max": max(lost),
        "routing_topk_mass_lost": sum(lost_topk) / len(lost_topk),
    }
    return MethodResult(bits=bits, original_numel=numel, metrics=metrics,
                        details={"kept_experts": kept_sets, "routing_mass_lost_per_layer": dict(zip(kept_sets, lost))},
                        tensor_errors=tensor_errors or None, matrices_after=after)
