"""The measurement engine: models, metrics, pruning references, reproducibility, devices."""

from __future__ import annotations

import copy
import math
from fractions import Fraction

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from pytest_obstacles.experiments import engine, models  # noqa: E402
from pytest_obstacles.experiments.methods import prune_experts  # noqa: E402
from pytest_obstacles.experiments.methods.base import Context  # noqa: E402
from pytest_obstacles.experiments.methods.prune_channels import compress as prune_channels, groups  # noqa: E402
from pytest_obstacles.experiments.weights import all_matrices, select  # noqa: E402

CAUSAL_METRICS = {"kl_mean", "kl_p99", "top1_agreement", "hidden_rel_error", "max_layer_rel_error",
                  "mean_layer_rel_error", "min_stable_rank", "mean_stable_rank", "compressed_size_ratio",
                  "model_size_ratio", "compress_seconds", "wall_seconds"}


def ctx_for(model, params, batch=None):
    def run():
        with torch.no_grad():
            model(**batch)
    return Context(model=model, matrices=select(model, params.get("targets")), params=params, seed=0,
                   device=torch.device("cpu"), calibrate=run, evaluate=run)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(models.TINY_MODELS))
def test_every_tiny_architecture_builds_and_measures(name):
    m = engine.measure(name, "quant", {"bits": 8, "group_size": 32}, device="cpu")
    assert CAUSAL_METRICS <= set(m.metrics)
    assert all(math.isfinite(v) for v in m.metrics.values())
    assert m.metrics["top1_agreement"] > 0.8 and m.metrics["kl_mean"] < 0.01  # 8 bits barely moves a model
    assert m.metrics["compressed_size_ratio"] == pytest.approx((8 * 32 + 16) / (16 * 32))
    assert m.device == "cpu"


def test_tiny_models_cover_ten_architectures_and_two_moe():
    classes = {spec.config_class for spec in models.TINY_MODELS.values()}
    assert len(classes) >= 10 and "OlmoeConfig" in classes
    assert sum(spec.moe for spec in models.TINY_MODELS.values()) >= 2


def test_results_are_reproducible():
    params = {"bits": 4, "seed": 3}
    a = engine.measure("llama-tiny", "srht_quant", params, device="cpu")
    engine._REFERENCES.clear()
    models._CACHE.clear()  # rebuild the model from its config and seed
    b = engine.measure("llama-tiny", "srht_quant", params, device="cpu")
    strip = lambda d: {k: v for k, v in d.items() if not k.endswith("_seconds")}  # noqa: E731
    assert strip(a.metrics) == strip(b.metrics)
    c = engine.measure("llama-tiny", "srht_quant", {"bits": 4, "seed": 4}, device="cpu")
    assert strip(c.metrics) != strip(a.metrics)  # the seed is the SRHT's randomness


def test_lowrank_full_rank_is_lossless_and_energy_is_reported():
    m = engine.measure("llama-tiny", "lowrank", {"rank": 64}, device="cpu")
    assert m.metrics["max_layer_rel_error"] < 1e-6 and m.metrics["kl_mean"] < 1e-9
    assert m.metrics["top1_agreement"] == 1.0
    e = engine.measure("llama-tiny", "lowrank", {"energy": Fraction(1, 2), "targets": "self_attn"}, device="cpu")
    assert set(e.details["ranks"]) == {m.name for m in all_matrices(models.load("llama-tiny").model)
                                       if "self_attn" in m.name}
    assert e.metrics["max_layer_rel_error"] <= math.sqrt(0.5) + 1e-9  # at most half the energy is dropped


def test_lowrank_needs_exactly_one_knob():
    with pytest.raises(engine.ExperimentError, match="exactly one of 'rank'"):
        engine.measure("llama-tiny", "lowrank", {"rank": 4, "energy": Fraction(1, 2)}, device="cpu")


def test_unknown_targets_say_what_matrices_exist():
    with pytest.raises(engine.ExperimentError, match=r"match no weight matrix.*self_attn"):
        engine.measure("llama-tiny", "quant", {"targets": ["nonexistent"]}, device="cpu")


def test_srht_reports_spread_ratio_near_theory():
    m = engine.measure("gpt2-tiny", "srht_quant", {"bits": 4}, device="cpu")
    assert abs(m.metrics["spread_ratio"] - math.sqrt(2 / math.pi)) < 0.02


@pytest.mark.parametrize("name", ["llama-tiny", "gpt2-tiny", "phi3-tiny", "gptneox-tiny"])
def test_channel_pruning_equals_the_sliced_mlp(name):
    model = copy.deepcopy(models.load(name).model)
    loaded = models.load(name)
    result = prune_channels(ctx_for(model, {"keep_fraction": Fraction(3, 4)}, loaded.batch(2, 8, calibration=True)))
    for g in groups(model, all_matrices(model)):
        down = g.down.get()
        alive = (down.abs().sum(0) > 0).nonzero().flatten()
        assert alive.numel() == math.ceil(Fraction(3, 4) * g.channels) == result.details["kept_channels"][g.name]
        for up, offset in g.ups:  # pruned channels are zero on both sides
            dead = torch.ones(g.channels, dtype=torch.bool)
            dead[alive] = False
            assert float(up.get()[offset:offset + g.channels][dead].abs().sum()) == 0.0
        if name == "llama-tiny":  # the pruned MLP computes what the sliced, smaller MLP computes
            block = model.model.layers[g.down.layer].mlp
            x = torch.randn(3, 64)
            with torch.no_grad():
                full = block(x)
                act = block.act_fn(x @ block.gate_proj.weight[alive].T) * (x @ block.up_proj.weight[alive].T)
                sliced = act @ block.down_proj.weight[:, alive].T
            assert torch.allclose(full, sliced, atol=1e-5)
    assert result.bits == pytest.approx(16 * 0.75 * result.original_numel)


def test_expert_pruning_matches_a_reference_routing_computation():
    name = "olmoe-tiny"
    loaded = models.load(name)
    model = copy.deepcopy(loaded.model)
    calib, evaluation = loaded.batch(4, 16, calibration=True), loaded.batch(4, 16)
    # reference: router softmax by hand from the inputs each router sees
    seen = {}
    handles = [layer.mlp.gate.register_forward_hook(
        lambda mod, args, out, i=i: seen.setdefault(i, []).append(torch.softmax(args[0].double() @ mod.weight.double().T, -1)))
        for i, layer in enumerate(model.model.layers)]
    with torch.no_grad():
        model(**calib)
    calib_probs = {i: torch.cat(v) for i, v in seen.items()}
    seen.clear()
    with torch.no_grad():
        model(**evaluation)
    eval_probs = {i: torch.cat(v) for i, v in seen.items()}
    for h in handles:
        h.remove()
    expected = []
    for i in calib_probs:
        keep = torch.argsort(calib_probs[i].mean(0), descending=True)[:5]
        removed = torch.ones(8, dtype=torch.bool)
        removed[keep] = False
        expected.append(float(eval_probs[i][:, removed].sum(-1).mean()))

    def run(batch):
        def go():
            with torch.no_grad():
                model(**batch)
        return go

    ctx = Context(model=model, matrices=select(model, None), params={"keep_experts": 5}, seed=0,
                  device=torch.device("cpu"), calibrate=run(calib), evaluate=run(evaluation))
    result = prune_experts.compress(ctx)
    assert result.metrics["routing_mass_lost"] == pytest.approx(sum(expected) / len(expected), rel=1e-6)
    assert result.metrics["routing_mass_lost_max"] == pytest.approx(max(expected), rel=1e-6)
    for layer in model.model.layers:  # experts and router rows are really gone
        assert layer.mlp.gate.weight.shape[0] == 5 and layer.mlp.experts.gate_up_proj.shape[0] == 5
    with torch.no_grad():
        assert torch.isfinite(model(**evaluation).logits).all()
    assert result.bits == pytest.approx(16 * result.original_numel * 5 / 8)


@pytest.mark.parametrize("name", ["olmoe-tiny", "mixtral-tiny", "qwen2moe-tiny"])
def test_keeping_every_expert_loses_nothing(name):
    m = engine.measure(name, "prune_experts", {"keep_experts": 8}, device="cpu")
    assert m.metrics["routing_mass_lost"] == 0.0 and m.metrics["kl_mean"] < 1e-9
    assert m.metrics["top1_agreement"] == 1.0
    k = engine.measure(name, "prune_experts", {"keep_experts": 4}, device="cpu")
    assert 0 < k.metrics["routing_mass_lost"] < 1 and k.metrics["compressed_size_ratio"] == pytest.approx(0.5)


def test_expert_pruning_refuses_fewer_experts_than_top_k_and_dense_models():
    with pytest.raises(engine.ExperimentError, match="router top-k"):
        engine.measure("mixtral-tiny", "prune_experts", {"keep_experts": 1}, device="cpu")
    with pytest.raises(engine.ExperimentError, match="mixture-of-experts"):
        engine.measure("llama-tiny", "prune_experts", {"keep_experts": 1}, device="cpu")


def test_a_gpu_candidate_is_refused_on_cpu():
    with pytest.raises(engine.NeedsGPU, match="requires a GPU"):
        engine.measure("llama-tiny", "quant", {}, requires=("gpu",), device="cpu")


def test_device_choice(monkeypatch):
    assert engine.choose_device("cpu") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert engine.choose_device(None) == torch.device("cpu")
    with pytest.raises(engine.ExperimentError, match="CUDA is not available"):
        engine.choose_device("cuda:0")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 4)
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw6")
    assert engine.choose_device("auto") == torch.device("cuda:2")  # one device per xdist worker
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert engine.choose_device(None) == torch.device("cuda:0")


@pytest.mark.slow
def test_real_weights_encoder_measures_hidden_and_pooled_metrics():
    m = engine.measure("minilm-l6", "quant", {"bits": 8}, device="cpu")
    assert "kl_mean" not in m.metrics and "top1_agreement" not in m.metrics  # an encoder has no next token
    assert m.metrics["pooled_cosine_mean"] > 0.999 and m.metrics["hidden_rel_error"] < 0.05
    assert m.details["model_kind"] == "encoder" and "note" in m.details
    assert len(m.details["layer_rel_error"]) == 6 * 6  # q, k, v, attn out, intermediate, output per layer
