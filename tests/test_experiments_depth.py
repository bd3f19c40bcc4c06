"""A candidate's `layers` sets the depth of the tiny proxy model it is measured on."""

import pytest

pytest.importorskip("torch")


@pytest.mark.slow
def test_layers_builds_the_tiny_proxy_that_deep():
    from pytest_obstacles.experiments import models

    shallow = models.load("llama-tiny", layers=3)
    deep = models.load("gpt2-tiny", layers=5)
    assert shallow.model.config.num_hidden_layers == 3
    assert deep.model.config.n_layer == 5
    assert models.load("llama-tiny").model.config.num_hidden_layers == models.TINY_LAYERS


@pytest.mark.slow
def test_deeper_composition_measures_more_error():
    from pytest_obstacles.experiments.engine import measure

    shallow = measure("llama-tiny", "lowrank", {"rank": 60, "layers": 2}, device="cpu").metrics
    deep = measure("llama-tiny", "lowrank", {"rank": 60, "layers": 12}, device="cpu").metrics
    assert deep["hidden_rel_error"] > shallow["hidden_rel_error"]
