"""The measurement engine: device, seed, model, method, metrics -> :class:`~pytest_obstacles.Measurement`.

Usable without pytest::

    from pytest_obstacles.experiments.engine import measure
    m = measure("olmoe-tiny", "prune_experts", {"keep_experts": 6})

and from a plugin for a method of your own (``compress(ctx) -> MethodResult``, see
:mod:`.methods.base`)::

    run_experiment(candidate, config, compress=my_compress)
"""

from __future__ import annotations

import copy
import os
import random
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import torch

from ..measurement import Measurement
from . import metrics as M
from . import models as models_mod
from .methods import compressor
from .methods.base import BASE_BITS, Context, KnobError, MethodResult, as_int
from .weights import Matrix, select, tensors_of

DEFAULT_BATCH = 4
DEFAULT_SEQUENCE = 32


class NeedsGPU(Exception):
    """The candidate requires a GPU and the chosen device is not one."""


class ExperimentError(Exception):
    """The experiment could not run as configured (bad knob, unknown model, ...); the message says what to fix."""


def choose_device(requested: str | None = None) -> torch.device:
    """``requested`` (``cpu``, ``cuda``, ``cuda:1``; ``auto``/None: CUDA when available, else CPU).

    Under pytest-xdist with several GPUs, worker ``gwN`` gets ``cuda:(N mod count)``.
    """
    # deterministic cuBLAS (must be set before the first cuBLAS handle exists; harmless on CPU)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    if requested and requested != "auto":
        device = torch.device(requested)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ExperimentError(f"--obstacles-device {requested}: CUDA is not available here")
        return device
    if torch.cuda.is_available():
        count = torch.cuda.device_count()
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        index = int(worker[2:]) % count if worker.startswith("gw") and worker[2:].isdigit() else 0
        return torch.device(f"cuda:{index}")
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        # e.g. the MoE experts' index_add_ has a deterministic CUDA kernel only in this mode
        torch.use_deterministic_algorithms(True, warn_only=True)


def _cpu_threads() -> None:
    """Share the cores between xdist workers instead of oversubscribing them."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    if workers > 1:
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))


@dataclass
class Reference:
    """The original model on a device, its fixed batches and its outputs on the evaluation batch."""

    loaded: models_mod.LoadedModel
    model: Any
    device: torch.device
    batch: dict[str, torch.Tensor]
    calib: dict[str, torch.Tensor]
    logits: torch.Tensor | None
    hidden: torch.Tensor
    total_params: int
    seconds: float


_REFERENCES: dict[tuple, Reference] = {}


def _forward(model, batch: Mapping[str, torch.Tensor], kind: str) -> tuple[torch.Tensor | None, torch.Tensor]:
    with torch.no_grad():
        if kind == "causal":
            out = model(**batch, output_hidden_states=True, use_cache=False)
            return out.logits, out.hidden_states[-1]
        out = model(**batch)
        return None, out.last_hidden_state


def reference(model_name: str, device: torch.device, batch_size: int, sequence_length: int,
              allow_download: bool = False, layers: int | None = None) -> Reference:
    key = (model_name, str(device), batch_size, sequence_length, layers)
    if key not in _REFERENCES:
        start = time.perf_counter()
        try:
            loaded = models_mod.load(model_name, allow_download, layers=layers)
        except models_mod.ModelUnavailable as exc:
            raise ExperimentError(str(exc)) from None
        model = copy.deepcopy(loaded.model).to(device)
        batch = {k: v.to(device) for k, v in loaded.batch(batch_size, sequence_length).items()}
        calib = {k: v.to(device) for k, v in loaded.batch(batch_size, sequence_length, calibration=True).items()}
        logits, hidden = _forward(model, batch, loaded.kind)
        total = sum(p.numel() for p in model.parameters())
        _REFERENCES[key] = Reference(loaded, model, device, batch, calib, logits, hidden, total,
                                     time.perf_counter() - start)
    return _REFERENCES[key]


def _targets(params: Mapping[str, Any]) -> Any:
    targets = params.get("targets")
    if targets is None:
        return None
    if isinstance(targets, str):
        return [targets]
    if isinstance(targets, (list, tuple)) and all(isinstance(t, str) for t in targets):
        return list(targets)
    raise KnobError(f"knob 'targets' must be a pattern or a list of patterns, got {targets!r}")


def measure(model: str, method: str, params: Mapping[str, Any] | None = None, *, requires: Sequence[str] = (),
            device: str | torch.device | None = None, compress: Callable[[Context], MethodResult] | None = None,
            allow_download: bool = False) -> Measurement:
    """Compress ``model`` with ``method`` and measure it against the original. Deterministic for fixed inputs."""
    wall = time.perf_counter()
    params = dict(params or {})
    dev = device if isinstance(device, torch.device) else choose_device(device)
    if "gpu" in requires and dev.type != "cuda":
        raise NeedsGPU(f"the candidate requires a GPU and the experiment device is {dev} "
                       f"(torch.cuda.is_available() = {torch.cuda.is_available()})")
    if dev.type == "cpu":
        _cpu_threads()
    fn = compress or compressor(method)
    if fn is None:
        raise ExperimentError(f"no built-in measurement for method {method!r}")
    try:
        seed = as_int(params, "seed", 0, minimum=0)
        batch_size = as_int(params, "batch_size", DEFAULT_BATCH, minimum=1, maximum=4096)
        seq = as_int(params, "sequence_length", DEFAULT_SEQUENCE, minimum=2, maximum=65536)
        layers = as_int(params, "layers", 0, minimum=0) or None  # a tiny proxy is built this deep
        ref = reference(model, dev, batch_size, seq, allow_download, layers)
        work = copy.deepcopy(ref.model)
        matrices = select(work, _targets(params))
        kind = ref.loaded.kind

        def run(batch):
            def go() -> None:
                _forward(work, batch, kind)
            return go

        ctx = Context(model=work, matrices=matrices, params=params, seed=seed, device=dev,
                      calibrate=run(ref.calib), evaluate=run(ref.batch), moe=ref.loaded.moe)
        seed_everything(seed)
        start = time.perf_counter()
        result = fn(ctx)
        compress_seconds = time.perf_counter() - start
    except (KnobError, ValueError) as exc:
        raise ExperimentError(f"{method} on {model}: {exc}") from None
    start = time.perf_counter()
    logits, hidden = _forward(work, ref.batch, kind)
    mask = ref.batch.get("attention_mask")
    out: dict[str, float] = {}
    if kind == "causal":
        out.update(M.next_token_metrics(ref.logits, logits, mask))
    else:
        out.update(M.pooled_cosine(ref.hidden, hidden, mask))
    out.update(M.hidden_metrics(ref.hidden, hidden, mask))
    compressed = result.matrices_after if result.matrices_after is not None else matrices
    errors = result.tensor_errors if result.tensor_errors is not None else _tensor_errors(ref.model, compressed)
    out["max_layer_rel_error"], out["mean_layer_rel_error"] = M.summarise(errors)
    ranks = {m.name: M.stable_rank(m.get()) for m in compressed}
    out["min_stable_rank"] = min(ranks.values())
    out["mean_stable_rank"] = sum(ranks.values()) / len(ranks)
    out["compressed_size_ratio"] = result.bits / (BASE_BITS * result.original_numel)
    out["model_size_ratio"] = ((ref.total_params - result.original_numel) * BASE_BITS + result.bits) / (
        ref.total_params * BASE_BITS)
    out.update(result.metrics)
    eval_seconds = time.perf_counter() - start
    seconds = time.perf_counter() - wall
    out["compress_seconds"] = compress_seconds
    out["wall_seconds"] = seconds
    details = {
        "model": model, "model_kind": kind, "method": method, "seed": seed, "batch_size": batch_size,
        "sequence_length": seq, "layer_rel_error": errors, "stable_rank": ranks,
        "compressed_bits": result.bits, "original_bits": BASE_BITS * result.original_numel,
        "timings": {"reference_seconds": ref.seconds, "compress_seconds": compress_seconds,
                    "eval_seconds": eval_seconds},
        **result.details,
    }
    if kind != "causal":
        details["note"] = "encoder: next-token metrics (kl_*, top1_agreement) do not apply; pooled_cosine_* measured"
    return Measurement(metrics=out, device=str(dev), seconds=seconds, details=details)


def _tensor_errors(original, compressed: Sequence[Matrix]) -> dict[str, float]:
    params = dict(original.named_parameters())
    errors: dict[str, float] = {}
    for name, m in tensors_of(compressed).items():
        errors[name] = M.relative_error(params[name], m.param)
    return errors


def run_experiment(candidate, config=None, *, compress: Callable[[Context], MethodResult] | None = None) -> Measurement:
    """Measure a :class:`~pytest_obstacles.Candidate` (the device from ``--obstacles-device`` when ``config`` is given)."""
    requested = None
    download = False
    if config is not None:
        requested = config.getoption("obstacles_device", None) or (config.getini("obstacles_device") or None)
        download = bool(config.getoption("obstacles_allow_download", False))
    return measure(candidate.model, candidate.method, candidate.params, requires=candidate.requires,
                   device=requested, compress=compress, allow_download=download)
