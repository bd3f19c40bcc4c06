"""Each compression method against a reference computation (small sizes: these run in seconds)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from hypothesis import given, settings, strategies as st  # noqa: E402

from pytest_obstacles.experiments.methods import lowrank, quant, srht  # noqa: E402

SETTINGS = settings(deadline=None, max_examples=25)


# -- FWHT / SRHT ---------------------------------------------------------------------------------
@SETTINGS
@given(k=st.integers(0, 9), rows=st.integers(1, 4), seed=st.integers(0, 2**31 - 1))
def test_fwht_equals_the_dense_sylvester_hadamard_product(k, rows, seed):
    n = 2**k
    x = torch.randn(rows, n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    dense = x @ srht.hadamard(n)
    assert torch.allclose(srht.fwht(x), dense, atol=1e-9 * n, rtol=1e-12)


def test_hadamard_is_sylvester_and_orthogonal():
    h = srht.hadamard(8)
    assert torch.equal(h[:2, :2], torch.tensor([[1.0, 1.0], [1.0, -1.0]], dtype=torch.float64))
    assert torch.equal(h @ h.T, 8 * torch.eye(8, dtype=torch.float64))
    x = torch.randn(3, 64, dtype=torch.float64)
    assert torch.allclose(srht.fwht(srht.fwht(x)), 64 * x)  # H H = n I


def test_fwht_rejects_non_powers_of_two():
    with pytest.raises(ValueError, match="power-of-two"):
        srht.fwht(torch.zeros(3, 12))


@SETTINGS
@given(block_log=st.integers(1, 7), blocks=st.integers(1, 3), seed=st.integers(0, 1000))
def test_srht_rotation_is_orthogonal_and_inverted(block_log, blocks, seed):
    block = 2**block_log
    w = torch.randn(5, block * blocks, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    signs = srht.random_signs(w.shape[1], seed, dtype=torch.float64)
    y = srht.rotate(w, signs, block)
    assert torch.allclose(y.norm(dim=1), w.norm(dim=1))
    assert torch.allclose(srht.unrotate(y, signs, block), w, atol=1e-12)


def test_spread_ratio_of_gaussian_blocks_is_sqrt_2_over_pi():
    w = torch.randn(64, 4096, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    r = srht.spread_ratios(w, 4096)
    assert abs(float(r.mean()) - math.sqrt(2 / math.pi)) < 2e-3


def test_rotation_spreads_a_spike_to_the_flat_vector():
    w = torch.zeros(1, 64, dtype=torch.float64)
    w[0, 5] = 3.0  # a one-hot row: spread ratio 1/sqrt(64)
    assert float(srht.spread_ratios(w, 64)) == pytest.approx(1 / 8)
    y = srht.rotate(w, srht.random_signs(64, 1, dtype=torch.float64), 64)
    assert float(srht.spread_ratios(y, 64)) == pytest.approx(1.0)  # +-3/8 everywhere: perfectly flat


# -- low rank ------------------------------------------------------------------------------------
@SETTINGS
@given(m=st.integers(1, 24), n=st.integers(1, 24), r=st.integers(1, 24), seed=st.integers(0, 10_000))
def test_rank_r_error_equals_the_tail_energy(m, n, r, seed):
    w = torch.randn(m, n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    s = torch.linalg.svdvals(w)
    err2 = float((w - lowrank.truncate(w, r)).norm() ** 2)
    tail = float((s[r:] ** 2).sum())
    assert err2 == pytest.approx(tail, rel=1e-9, abs=1e-9)


def test_rank_for_energy_is_the_smallest_rank_reaching_the_fraction():
    s = torch.tensor([3.0, 2.0, 1.0, 1.0], dtype=torch.float64)  # energies 9, 4, 1, 1 of 15
    assert lowrank.rank_for_energy(s, Fraction(9, 15)) == 1
    assert lowrank.rank_for_energy(s, Fraction(10, 15)) == 2
    assert lowrank.rank_for_energy(s, Fraction(13, 15)) == 2
    assert lowrank.rank_for_energy(s, Fraction(14, 15)) == 3
    assert lowrank.rank_for_energy(s, Fraction(1)) == 4


# -- uniform quantisation ------------------------------------------------------------------------
@SETTINGS
@given(bits=st.integers(2, 8), symmetric=st.booleans(), group_log=st.integers(0, 5), seed=st.integers(0, 10_000),
       scale=st.floats(1e-3, 1e3))
def test_quantisation_error_is_at_most_half_a_step(bits, symmetric, group_log, seed, scale):
    w = torch.randn(6, 32, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * scale
    group = 2**group_log
    deq, step = quant.quantize(w, bits, group, symmetric)
    assert bool((step >= 0).all())
    assert bool(((deq - w).abs() <= step / 2 * (1 + 1e-9) + 1e-15).all())
    levels = (2 ** (bits - 1) - 1) * 2 + 1 if symmetric else 2**bits
    for row in deq.reshape(-1, group):  # every group uses at most the grid's number of levels
        assert torch.unique(row).numel() <= levels


def test_quantisation_grid_and_storage():
    w = torch.tensor([[-1.0, -0.5, 0.0, 0.25, 1.0, 0.6, -0.2, 0.9]], dtype=torch.float64)
    deq, step = quant.quantize(w, 2, 0, True)  # levels -1, 0, 1 (step 1)
    assert deq.tolist() == [[-1.0, -0.0, 0.0, 0.0, 1.0, 1.0, -0.0, 1.0]]
    assert quant.storage_bits(4, 8, 4, 0, True) == 4 * 8 * 4 + 4 * 16
    assert quant.storage_bits(4, 8, 3, 4, False) == 4 * 8 * 3 + 8 * 32
    const = torch.full((2, 4), 0.7, dtype=torch.float64)
    assert torch.equal(quant.quantize(const, 3, 0, False)[0], const)  # a constant group is exact


def test_quantisation_rejects_a_group_that_does_not_divide():
    from pytest_obstacles.experiments.methods.base import KnobError

    with pytest.raises(KnobError, match="does not divide"):
        quant.quantize(torch.zeros(2, 12), 4, 8, True)
