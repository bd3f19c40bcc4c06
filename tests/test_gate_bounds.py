"""Hypothesis fuzzes every gate's bound against a float64 simulation of the obstacle.

Each test builds a concrete realisation the theorem talks about, measures the error numerically
and checks (a) the proved bound holds and (b) whenever the exact gate kills, the realisation
really exceeds the tolerance: no false kill. Margins of 1e-9 absorb float64 rounding only.
"""

from fractions import Fraction

import numpy as np
from hypothesis import assume, given, settings, strategies as st

from pytest_obstacles.gates.budget import BudgetInfeasibleGate
from pytest_obstacles.gates.depth import DepthCompositionGate
from pytest_obstacles.gates.quant import QuantResolutionGate
from pytest_obstacles.gates.readout import ReadoutCollapseGate
from pytest_obstacles.gates.spectral import SpectralFloorGate

EPS = 1e-9
rationals = st.fractions(min_value=0, max_value=1, max_denominator=10_000)
positive = st.fractions(min_value=Fraction(1, 10_000), max_value=1, max_denominator=10_000)


@settings(max_examples=300, deadline=None)
@given(L=st.integers(1, 64), eps=st.fractions(0, Fraction(1, 5), max_denominator=10_000), tau=positive,
       seed=st.integers(0, 2**32 - 1))
def test_depth_bound_holds_and_is_attained(L, eps, tau, seed):
    gate = DepthCompositionGate()
    values = {"layers": L, "per_layer_error": eps, "tolerance": tau}
    e = float(eps)
    bound = (1 + e) ** L - 1
    rng = np.random.default_rng(seed)
    # Random realisations: exact maps W_i, compressed W_i + E_i with ||E_i|| <= eps ||W_i|| (spectral norm).
    dim = 6
    exact = np.eye(dim)
    compressed = np.eye(dim)
    for _ in range(L):
        W = rng.standard_normal((dim, dim))
        E = rng.standard_normal((dim, dim))
        E *= e * np.linalg.norm(W, 2) / np.linalg.norm(E, 2) * rng.uniform(0, 1)
        exact, compressed = W @ exact, (W + E) @ compressed
        exact /= np.linalg.norm(W, 2)
        compressed /= np.linalg.norm(W, 2)
    realised = np.linalg.norm(compressed - exact, 2)  # relative to prod ||W_i||, normalised out above
    assert realised <= bound * (1 + 1e-9) + EPS
    # The attaining realisation: every layer scaled by exactly (1 + eps).
    attained = abs(np.prod(np.full(L, 1 + e)) - 1.0)
    assert abs(attained - bound) <= 1e-9 * max(1.0, bound)
    if gate.kills(values):
        assert attained > float(tau) - 1e-9  # no false kill: the realisation breaks tolerance
    else:
        assert attained <= float(tau) + 1e-9


@settings(max_examples=300, deadline=None)
@given(n=st.integers(2, 64), tau=positive, seed=st.integers(0, 2**32 - 1), data=st.data())
def test_readout_error_on_the_aligned_input_is_the_pruned_energy(n, tau, seed, data):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(n)
    pruned = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    rho = Fraction(float((w[pruned] ** 2).sum())) / Fraction(float((w**2).sum()))
    assume(rho <= 1)
    x = w.copy()  # the input aligned with the readout
    exact = w @ x
    kept = np.where(pruned, 0.0, w) @ x
    error = abs(exact - kept) / abs(exact)
    assert abs(error - float(rho)) <= 1e-9
    if ReadoutCollapseGate().kills({"pruned_readout_energy": rho, "readout_tolerance": tau}):
        assert error > float(tau) - 1e-9


@settings(max_examples=150, deadline=None)
@given(m=st.integers(2, 24), n=st.integers(2, 24), r=st.integers(1, 24), tau=positive, decay=st.floats(0, 3),
       seed=st.integers(0, 2**32 - 1))
def test_spectral_floor_bounds_the_best_rank_r_error(m, n, r, tau, decay, seed):
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((m, m)))
    V, _ = np.linalg.qr(rng.standard_normal((n, n)))
    k = min(m, n)
    s = np.sort(rng.uniform(0.1, 1, k) * np.arange(1, k + 1) ** -decay)[::-1]
    A = U[:, :k] @ np.diag(s) @ V[:k, :]
    sv = np.linalg.svd(A, compute_uv=False)
    energy = sv**2
    srank = Fraction(float(energy.sum())) / Fraction(float(energy[0]))
    Uf, Sf, Vf = np.linalg.svd(A, full_matrices=False)
    Ar = (Uf[:, :r] * Sf[:r]) @ Vf[:r, :]  # best rank-r (Eckart-Young)
    error = np.linalg.norm(A - Ar) ** 2 / np.linalg.norm(A) ** 2
    assert error >= float(1 - r / srank) - 1e-9
    if SpectralFloorGate().kills({"rank": r, "stable_rank": srank, "max_rel_sq_error": tau}):
        assert error > float(tau) - 1e-9


@settings(max_examples=300, deadline=None)
@given(b=st.integers(1, 10), R=st.fractions(Fraction(1, 100), 100, max_denominator=1000),
       m=st.fractions(Fraction(1, 10_000), 10, max_denominator=10_000), seed=st.integers(0, 2**32 - 1))
def test_uniform_grid_leaves_an_input_at_the_resolution(b, R, m, seed):
    levels = np.linspace(0, float(R), 2**b)
    rng = np.random.default_rng(seed)
    inputs = np.concatenate([rng.uniform(0, float(R), 2000), (levels[:-1] + levels[1:]) / 2])
    worst = np.abs(inputs[:, None] - levels[None, :]).min(axis=1).max()
    resolution = float(R) / (2 * (2**b - 1))
    assert worst >= resolution - 1e-9 and worst <= resolution + 1e-9
    if QuantResolutionGate().kills({"bits": b, "value_range": R, "max_abs_error": m}):
        assert worst > float(m) - 1e-9


@settings(max_examples=300, deadline=None)
@given(r=st.integers(1, 64), m=st.integers(1, 64), n=st.integers(1, 64),
       beta=st.fractions(Fraction(1, 1000), 2, max_denominator=1000))
def test_rank_r_factors_store_r_times_m_plus_n(r, m, n, beta):
    U, V = np.zeros((m, r)), np.zeros((r, n))
    stored = U.size + V.size
    assert stored == r * (m + n)
    kills = BudgetInfeasibleGate().kills({"rank": r, "rows": m, "cols": n, "budget": beta})
    assert kills == (Fraction(stored) > beta * m * n)
