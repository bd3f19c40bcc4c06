"""The weight matrices of a model, seen uniformly as ``(out, in)`` matrices.

A :class:`Matrix` is one ``nn.Linear`` weight, one transformers ``Conv1D`` weight (stored
transposed, as GPT-2 does), or one expert's slice of a fused 3-D expert tensor
(``experts.gate_up_proj[e]``, OLMoE / Mixtral / Qwen2-MoE in transformers >= 5).
Only matrices inside the repeated blocks (a ``.N.`` layer index in the name) are
candidates for compression; embeddings, the LM head and MoE routers never are.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import torch
from torch import nn

_LAYER = re.compile(r"\.(\d+)\.")
_GLOB = set("*?[")
ROUTER_NAMES = ("gate", "router", "shared_expert_gate")


def _is_conv1d(module: nn.Module) -> bool:
    return type(module).__name__ == "Conv1D" and hasattr(module, "nf")


@dataclass
class Matrix:
    name: str  # e.g. "model.layers.0.self_attn.q_proj" or "model.layers.0.mlp.experts.down_proj[3]"
    tensor: str  # the full parameter name this matrix lives in
    module: nn.Module
    attr: str  # parameter attribute on the module ("weight", "down_proj", ...)
    index: int | None = None  # expert index into a 3-D tensor
    transposed: bool = False  # Conv1D stores (in, out)

    @property
    def param(self) -> nn.Parameter:
        return getattr(self.module, self.attr)

    def get(self) -> torch.Tensor:
        """The matrix as (out, in), a view of the live parameter."""
        w = self.param.data
        if self.index is not None:
            w = w[self.index]
        return w.t() if self.transposed else w

    def set(self, value: torch.Tensor) -> None:
        with torch.no_grad():
            self.get().copy_(value.to(self.param.dtype))

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.get().shape)  # type: ignore[return-value]

    @property
    def numel(self) -> int:
        m, n = self.shape
        return m * n

    @property
    def layer(self) -> int | None:
        found = _LAYER.search(self.name)
        return int(found.group(1)) if found else None

    @property
    def leaf(self) -> str:
        base = self.name.split("[")[0]
        return base.rsplit(".", 1)[-1]


def all_matrices(model: nn.Module) -> list[Matrix]:
    """Every block matrix of ``model`` (not embeddings, LM head or routers), in module order."""
    out: list[Matrix] = []
    for mname, module in model.named_modules():
        if not _LAYER.search(mname + "."):
            continue
        leaf = mname.rsplit(".", 1)[-1]
        if isinstance(module, nn.Linear) or _is_conv1d(module):
            if leaf in ROUTER_NAMES or "router" in leaf:
                continue
            out.append(Matrix(mname, f"{mname}.weight", module, "weight", None, _is_conv1d(module)))
            continue
        if "experts" in leaf:
            for pname, p in module.named_parameters(recurse=False):
                if p.ndim == 3:
                    for e in range(p.shape[0]):
                        out.append(Matrix(f"{mname}.{pname}[{e}]", f"{mname}.{pname}", module, pname, e))
    return out


def matches(name: str, patterns: Sequence[str]) -> bool:
    """A pattern with glob characters is matched against the whole name; a plain word as a substring."""
    for p in patterns:
        if set(p) & _GLOB:
            if fnmatch.fnmatchcase(name, p):
                return True
        elif p in name:
            return True
    return False


def select(model: nn.Module, targets: Iterable[str] | str | None) -> list[Matrix]:
    """The block matrices named by ``targets`` (all of them when ``targets`` is None or ``"all"``)."""
    mats = all_matrices(model)
    if targets is None or targets == "all" or targets == ["all"]:
        return mats
    patterns = [targets] if isinstance(targets, str) else [str(t) for t in targets]
    chosen = [m for m in mats if matches(m.name, patterns)]
    if not chosen:
        sample = ", ".join(sorted({_pattern_of(m.name) for m in mats})[:12])
        raise ValueError(f"targets {patterns} match no weight matrix of this model; its matrices look like: {sample}")
    return chosen


def _pattern_of(name: str) -> str:
    return _LAYER.sub(".*.", name.split("[")[0])


def tensors_of(mats: Iterable[Matrix]) -> dict[str, Matrix]:
    """First matrix of each distinct parameter tensor, by tensor name."""
    seen: dict[str, Matrix] = {}
    for m in mats:
        seen.setdefault(m.tensor, m)
    return seen
