"""Hawkes simulator and likelihood: checked against brute force, then against each other.

The recovery tests are the honest test of both halves: the cluster simulator produces a path, the same
maximum-likelihood code the estimator runs on the real recording fits it, and the fitted numbers must
land within a few of their own standard errors of the truth.
"""

from __future__ import annotations

import numpy as np
import pytest
from cryptoscalp_feed_synthetic.fit import fit_hawkes
from cryptoscalp_feed_synthetic.hawkes import HawkesStream, excitation, loglik
from cryptoscalp_feed_synthetic.parameters import Hawkes, load

TRUE = load(None).hawkes  # the shipped (real-data) parameters: the regime that matters


def simulate(params: Hawkes, horizon: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    stream = HawkesStream(params, np.random.default_rng(seed))
    times, types = [], []
    while stream.t < horizon:
        t, k = stream.next_block()
        times.append(t)
        types.append(k)
    t, k = np.concatenate(times), np.concatenate(types)
    return t[t < horizon], k[t < horizon]


def brute_force(times: np.ndarray, types: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray]:
    gap = times[:, None] - times[None, :]
    earlier = gap > 0  # strictly: same-timestamp events do not excite each other
    kernel = np.where(earlier, np.exp(-beta * np.where(earlier, gap, 0.0)), 0.0)
    s = np.stack([(kernel * (types[None, :] == j)).sum(1) for j in range(2)], axis=1)
    z = np.stack([(gap * kernel * (types[None, :] == j)).sum(1) for j in range(2)], axis=1)
    return s, z


@pytest.mark.parametrize("beta", [0.5, 7.0, 300.0])
def test_excitation_matches_brute_force_with_ties(beta: float) -> None:
    rng = np.random.default_rng(3)
    times = np.sort(np.round(rng.random(400) * 30.0, 2))  # rounding makes plenty of ties
    types = rng.integers(0, 2, 400)
    assert len(np.unique(times)) < len(times)
    s, z = excitation(times, types, beta, 2)
    s_ref, z_ref = brute_force(times, types, beta)
    np.testing.assert_allclose(s, s_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(z, z_ref, rtol=1e-9, atol=1e-12)


def test_gradient_matches_finite_differences() -> None:
    times, types = simulate(TRUE, 60.0, seed=5)
    mu, alpha, beta = np.array([3.0, 5.0]), np.array([[0.3, 0.1], [0.05, 0.4]]), 40.0
    _, g_mu, g_alpha, g_beta = loglik(times, types, 60.0, mu, alpha, beta)
    theta = np.r_[mu, alpha.ravel(), beta]
    analytic = np.r_[g_mu, g_alpha.ravel(), g_beta]
    for k in range(len(theta)):
        h = 1e-6 * theta[k]
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] -= h
        f = [loglik(times, types, 60.0, p[:2], p[2:6].reshape(2, 2), p[6])[0] for p in (up, down)]
        assert (f[0] - f[1]) / (2 * h) == pytest.approx(analytic[k], rel=1e-5, abs=1e-6), k


def test_simulated_counts_match_the_stationary_rate() -> None:
    horizon = 3000.0
    _, types = simulate(TRUE, horizon, seed=11)
    rates = np.asarray(TRUE.stationary_rates)
    inv = np.linalg.inv(np.eye(2) - np.asarray(TRUE.alpha))
    # Asymptotic covariance of Hawkes counts per unit time: (I - A)^-1 diag(rates) (I - A)^-T.
    cov = inv @ np.diag(rates) @ inv.T
    counts = np.bincount(types, minlength=2) / horizon
    for i in range(2):
        assert abs(counts[i] - rates[i]) < 4 * np.sqrt(cov[i, i] / horizon), (i, counts[i], rates[i])


def test_blocks_change_nothing_but_memory() -> None:
    """Children landing beyond a block wait for their block: block length is not part of the model."""
    counts = []
    for block in (5.0, 50.0):
        stream = HawkesStream(TRUE, np.random.default_rng(2), block_s=block)
        n = 0
        while stream.t < 2000.0:
            n += len(stream.next_block()[0])
        counts.append(n / 2000.0)
    total = sum(TRUE.stationary_rates)
    assert all(abs(c - total) < 0.06 * total for c in counts), counts


@pytest.mark.parametrize("seed", [1, 2])
def test_estimator_recovers_known_parameters(seed: int) -> None:
    horizon = 1500.0
    times, types = simulate(TRUE, horizon, seed)
    fit = fit_hawkes(times, types, horizon)
    assert fit.converged
    true = np.r_[TRUE.mu, np.ravel(TRUE.alpha), TRUE.beta]
    est = np.r_[fit.mu, fit.alpha.ravel(), fit.beta]
    se = np.r_[fit.se_mu, fit.se_alpha.ravel(), fit.se_beta]
    z = (est - true) / se
    print(f"seed {seed}: {len(times)} events, z-scores {np.round(z, 2)}")
    assert np.all(np.isfinite(se)) and np.all(se > 0)
    assert np.all(np.abs(z) < 4.0), z
    assert abs(fit.branching_ratio - TRUE.branching_ratio) < 0.05


def test_millisecond_ties_bias_is_small() -> None:
    """The recording stamps trades to the millisecond; the fit must cope with the ties that makes.
    Rounding shortens apparent gaps inside bursts, which pulls beta down a few percent (README)."""
    horizon = 1500.0
    times, types = simulate(TRUE, horizon, seed=4)
    rounded = np.round(times, 3)
    fit = fit_hawkes(rounded, types, horizon)
    assert fit.beta == pytest.approx(TRUE.beta, rel=0.15)
    assert fit.branching_ratio == pytest.approx(TRUE.branching_ratio, abs=0.06)
    assert np.asarray(fit.mu) == pytest.approx(np.asarray(TRUE.mu), rel=0.1)
