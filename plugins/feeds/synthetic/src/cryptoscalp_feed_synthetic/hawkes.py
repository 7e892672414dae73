"""Multivariate Hawkes process with exponential kernels: exact simulation and the closed-form likelihood.

Intensity of dimension ``i``::

    lambda_i(t) = mu_i + sum_j alpha_ij * sum_{t_k in N_j, t_k < t} beta * exp(-beta (t - t_k))

The kernel is normalised, so ``alpha_ij`` is the mean number of type-``i`` events that one type-``j``
event triggers and the spectral radius of ``alpha`` is the branching ratio.

Simulation uses the cluster (branching) representation, which is exact and vectorises: immigrants are a
Poisson process of rate ``mu``; every event has ``Poisson(alpha_ij)`` children of type ``i`` at
``Exp(beta)`` delays. Time is cut into blocks; children that land after a block's end wait in a buffer
for the block they belong to, so blocks change nothing but memory use.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from cryptoscalp_feed_synthetic.parameters import Hawkes

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: Largest exponent used inside one block of the likelihood recursion (exp(600) is far from overflow).
_MAX_EXPONENT = 600.0


class HawkesStream:
    """Event times in ``[0, inf)`` block by block; deterministic for a given generator."""

    def __init__(self, params: Hawkes, rng: np.random.Generator, block_s: float = 30.0) -> None:
        self.mu = np.asarray(params.mu, dtype=float)
        self.alpha = np.asarray(params.alpha, dtype=float)
        self.beta = float(params.beta)
        self.rng = rng
        self.block_s = block_s
        self.t = 0.0
        self._pending_t = np.empty(0)
        self._pending_k = np.empty(0, dtype=np.int64)

    def next_block(self) -> tuple[F64, I64]:
        """Times (sorted) and dimensions of the events in the next block ``[t, t + block_s)``."""
        t0, t1 = self.t, self.t + self.block_s
        counts = self.rng.poisson(self.mu * self.block_s)
        types = np.repeat(np.arange(len(self.mu)), counts)
        times = t0 + self.rng.random(len(types)) * self.block_s
        all_t, all_k = self._descendants(times, types)
        all_t = np.concatenate([self._pending_t, all_t])
        all_k = np.concatenate([self._pending_k, all_k])
        order = np.argsort(all_t, kind="stable")
        all_t, all_k = all_t[order], all_k[order]
        cut = int(np.searchsorted(all_t, t1))
        self._pending_t, self._pending_k = all_t[cut:], all_k[cut:]
        self.t = t1
        return all_t[:cut], all_k[:cut]

    def _descendants(self, times: F64, types: I64) -> tuple[F64, I64]:
        """The events given plus every generation of their offspring."""
        out_t, out_k = [times], [types]
        dims = len(self.mu)
        while len(times):
            # children[m, i]: type-i children of parent m
            children = self.rng.poisson(self.alpha[:, types].T)
            n_children = int(children.sum())
            if n_children == 0:
                break
            parents = np.repeat(np.repeat(np.arange(len(times)), dims), children.ravel())
            types = np.repeat(np.tile(np.arange(dims), len(times)), children.ravel())
            times = times[parents] + self.rng.exponential(1.0 / self.beta, n_children)
            out_t.append(times)
            out_k.append(types)
        return np.concatenate(out_t), np.concatenate(out_k).astype(np.int64)


def excitation(times: F64, types: I64, beta: float, dims: int) -> tuple[F64, F64]:
    """``S[n, j] = sum exp(-beta (t_n - t_m))`` and ``Z[n, j] = sum (t_n - t_m) exp(-beta (t_n - t_m))``
    over type-``j`` events ``m`` strictly before ``t_n``.

    Events at the same timestamp do not excite each other (the kernel needs ``t_m < t_n``). The sums
    are computed block-wise with a reference time per block so that ``exp(beta (t_m - t_ref))`` stays
    finite, which keeps the whole computation vectorised.
    """
    n = len(times)
    onehot = np.zeros((n, dims))
    onehot[np.arange(n), types] = 1.0
    y = np.empty((n, dims))  # inclusive sums (m <= n)
    z = np.empty((n, dims))
    carry_y = np.zeros(dims)
    carry_z = np.zeros(dims)
    t_prev = times[0] if n else 0.0
    start = 0
    while start < n:
        # The reference sits mid-block, so exp(+-beta (t - ref)) stays below exp(_MAX_EXPONENT) on a
        # block twice as long as with the reference at its start: half the Python-level iterations.
        ref = times[start] + _MAX_EXPONENT / beta
        end = max(int(np.searchsorted(times, ref + _MAX_EXPONENT / beta, side="right")), start + 1)
        dt0 = ref - t_prev  # move the carry from the previous block's last event to ref
        decay0 = np.exp(-beta * dt0)
        c_y = carry_y * decay0
        c_z = (carry_z + dt0 * carry_y) * decay0
        rel = times[start:end] - ref
        w = onehot[start:end] * np.exp(beta * rel)[:, None]
        cw = np.cumsum(w, axis=0)
        cwt = np.cumsum(w * rel[:, None], axis=0)
        back = np.exp(-beta * rel)[:, None]
        y[start:end] = back * (cw + c_y)
        z[start:end] = back * (rel[:, None] * (cw + c_y) - cwt + c_z)
        carry_y, carry_z, t_prev = y[end - 1], z[end - 1], times[end - 1]
        start = end
    # strictly-before sums: take the inclusive sums at the last event before this timestamp group
    first = np.searchsorted(times, times, side="left")
    prev = first - 1
    has = prev >= 0
    s = np.zeros((n, dims))
    zz = np.zeros((n, dims))
    gap = (times - times[np.maximum(prev, 0)])[:, None]
    dec = np.exp(-beta * gap)
    s[has] = (y[prev[has]] * dec[has])
    zz[has] = ((z[prev[has]] + gap[has] * y[prev[has]]) * dec[has])
    return s, zz


def loglik(times: F64, types: I64, horizon: float, mu: F64, alpha: F64, beta: float,
           ) -> tuple[float, F64, F64, float]:
    """Log-likelihood on ``[0, horizon]`` (no events before 0) and its gradient
    ``(d/d mu, d/d alpha, d/d beta)``. ``times`` must be sorted."""
    dims = len(mu)
    s, z = excitation(times, types, beta, dims)
    a_rows = alpha[types]  # (n, dims): alpha[s_n, j]
    lam = mu[types] + beta * np.einsum("nj,nj->n", a_rows, s)
    if np.any(lam <= 0):
        return -np.inf, np.zeros(dims), np.zeros((dims, dims)), 0.0
    inv = 1.0 / lam
    tail = horizon - times
    kept = 1.0 - np.exp(-beta * tail)  # share of each event's kernel mass inside the window
    kept_by_j = np.bincount(types, weights=kept, minlength=dims)
    dkept_by_j = np.bincount(types, weights=tail * np.exp(-beta * tail), minlength=dims)
    ll = float(np.log(lam).sum() - mu.sum() * horizon - alpha.sum(axis=0) @ kept_by_j)
    g_mu = np.asarray(np.bincount(types, weights=inv, minlength=dims) - horizon, dtype=np.float64)
    g_alpha: F64 = np.zeros((dims, dims))
    for i in range(dims):
        rows = types == i
        g_alpha[i] = beta * (s[rows] * inv[rows, None]).sum(axis=0)
    g_alpha -= kept_by_j[None, :]
    g_beta = float((np.einsum("nj,nj->n", a_rows, s - beta * z) * inv).sum() - alpha.sum(axis=0) @ dkept_by_j)
    return ll, g_mu, g_alpha, g_beta
