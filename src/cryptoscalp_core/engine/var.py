"""Value at risk and expected shortfall, historical and parametric (normal), for one return series or a
portfolio of them. Losses are positive numbers; returns are log returns per bar.

* historical VaR at confidence ``c``: minus the ``1 - c`` quantile of the returns (linear interpolation);
  expected shortfall: minus the mean of the returns at or below that quantile;
* parametric VaR: ``-(mu + sigma * z)`` with ``z`` the ``1 - c`` quantile of the standard normal; expected
  shortfall ``-(mu - sigma * pdf(z) / (1 - c))``;
* a horizon of ``h`` bars scales a parametric answer by ``h`` (mean) and ``sqrt(h)`` (deviation); a
  historical one sums returns over overlapping ``h``-bar windows.

Too few returns (fewer than :data:`MIN_OBSERVATIONS`) give ``nan``: a risk number from three points is
worse than none.

Moments: :func:`moments` (and :func:`mean_of`, :func:`cov_of`, :func:`std_of`) are numpy's, to the bit;
:class:`ExactMoments` keeps the mean and sample variance of a rolling window in O(1) per value with exact
integer sums, and :func:`parametric_moments` is :func:`parametric_of` from them (the correctly rounded
figures, within a relative 1e-12 of numpy's; the market view uses these for one instrument).
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

MIN_OBSERVATIONS = 20
_NORMAL = NormalDist()

Floats = npt.NDArray[np.float64]


def _check(confidence: float, horizon: int) -> None:
    if not 0.5 <= confidence < 1:
        raise ValueError(f"confidence must be in [0.5, 1), got {confidence}")
    if horizon < 1:
        raise ValueError(f"horizon must be at least one bar, got {horizon}")


def aggregate(returns: Floats, horizon: int) -> Floats:
    """Sums over overlapping windows of ``horizon`` bars (the returns themselves for one bar)."""
    if horizon == 1 or len(returns) < horizon:
        return returns if horizon == 1 else np.empty(0)
    c = np.concatenate(([0.0], np.cumsum(returns)))
    return c[horizon:] - c[:-horizon]


def historical(returns: Floats, confidence: float = 0.99, horizon: int = 1) -> tuple[float, float]:
    """(VaR, expected shortfall) of ``returns`` at ``confidence``; ``nan`` for too short a series."""
    _check(confidence, horizon)
    r = aggregate(returns[np.isfinite(returns)], horizon)
    if len(r) < MIN_OBSERVATIONS:
        return math.nan, math.nan
    q = float(np.quantile(r, 1 - confidence))
    tail = r[r <= q]
    return -q, -float(tail.mean()) if len(tail) else -q


def parametric(mu: float, sigma: float, confidence: float = 0.99, horizon: int = 1) -> tuple[float, float]:
    """(VaR, expected shortfall) of a normal return with mean ``mu`` and deviation ``sigma`` per bar."""
    _check(confidence, horizon)
    if not (math.isfinite(mu) and math.isfinite(sigma)) or sigma < 0:
        return math.nan, math.nan
    m, s = mu * horizon, sigma * math.sqrt(horizon)
    z, tail = _normal_tail(confidence)
    return -(m + s * z), -(m - s * tail)


@lru_cache(maxsize=64)
def _normal_tail(confidence: float) -> tuple[float, float]:
    """The ``1 - c`` quantile of the standard normal and ``pdf(z) / (1 - c)`` (cached: called per check)."""
    z = _NORMAL.inv_cdf(1 - confidence)
    return z, _NORMAL.pdf(z) / (1 - confidence)


def parametric_of(returns: Floats, confidence: float = 0.99, horizon: int = 1) -> tuple[float, float]:
    r = returns[np.isfinite(returns)]
    if len(r) < MIN_OBSERVATIONS:
        _check(confidence, horizon)
        return math.nan, math.nan
    return parametric(float(r.mean()), float(r.std(ddof=1)), confidence, horizon)


def portfolio(matrix: Floats, notionals: Floats, confidence: float = 0.99, method: str = "historical",
              horizon: int = 1) -> tuple[float, float]:
    """(VaR, ES) in quote currency of signed ``notionals`` over aligned return columns ``matrix``
    (bars x instruments). PnL of a bar is approximated by ``notional * return`` (small returns)."""
    _check(confidence, horizon)
    w = np.asarray(notionals, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] != len(w):
        raise ValueError(f"{matrix.shape} returns for {len(w)} notionals")
    if not w.any():
        return 0.0, 0.0
    rows = matrix[np.isfinite(matrix).all(axis=1)]
    if len(rows) < MIN_OBSERVATIONS:
        return math.nan, math.nan
    if method == "historical":
        return historical(rows @ w, confidence, horizon)
    if method != "parametric":
        raise ValueError(f"unknown VaR method {method!r}")
    got = moments(rows)
    mu, cov = got if got is not None else (None, None)
    return parametric_portfolio(mu, cov, w, confidence, horizon)


def moments(matrix: Floats) -> tuple[Floats, Floats] | None:
    """Mean vector and covariance matrix of the complete rows of ``matrix``; ``None`` for too few.

    Runs whenever a bar closes, so it does numpy's own arithmetic without numpy's argument handling:
    :func:`mean_of` and :func:`cov_of` give ``rows.mean(axis=0)`` and ``np.cov(rows, rowvar=False)``
    to the last bit (the same reductions on the same memory layouts; a test holds them to it)."""
    rows = matrix[np.isfinite(matrix).all(axis=1)] if matrix.ndim == 2 else np.empty((0, 0))
    if len(rows) < MIN_OBSERVATIONS:
        return None
    return mean_of(rows), cov_of(rows)


def mean_of(rows: Floats) -> Floats:
    """``rows.mean(axis=0)`` of a 2-D float array: numpy's sum along the axis, divided in place."""
    mean = np.add.reduce(rows, 0)
    np.true_divide(mean, rows.shape[0], out=mean, casting="unsafe")
    return mean  # type: ignore[no-any-return]


def cov_of(rows: Floats) -> Floats:
    """``np.atleast_2d(np.cov(rows, rowvar=False, ddof=1))`` of a 2-D float array with two rows or more:
    numpy's steps (a copy, transposed; the mean along it; centred in place; the product with its own
    transpose; scaled by ``1 / (n - 1)``)."""
    x = np.array(rows, ndmin=2, dtype=np.float64).T
    centre = np.add.reduce(x, (1,))
    np.true_divide(centre, x.shape[1], out=centre, casting="unsafe")
    x -= centre[:, None]
    cov = np.dot(x, x.T.conj())
    cov *= np.true_divide(1, x.shape[1] - 1)
    return cov  # type: ignore[no-any-return]


def std_of(returns: Floats, scratch: Floats | None = None) -> float:
    """``float(returns.std(ddof=1))`` of a 1-D float array of two values or more, numpy's steps without
    its argument handling (the sample deviation is read whenever a bar closes). ``scratch``, at least as
    long as ``returns``, takes the centred values instead of a new array."""
    n = len(returns)
    mean = np.add.reduce(returns, axis=None, keepdims=True)
    np.true_divide(mean, n, out=mean, casting="unsafe")
    x = np.subtract(returns, mean, out=None if scratch is None else scratch[:n])
    np.square(x, out=x)
    return float(np.sqrt(np.add.reduce(x, None) / (n - 1)))


class ExactMoments:
    """Count, mean and sample variance of a multiset of finite floats that values join and leave one at a
    time (a rolling window), without rounding error: the sums are Python integers, of the values' exact
    binary values times ``2**scale`` and of their squares times ``2**(2 * scale)`` (``scale``: the finest
    binary exponent seen; a finer value rescales the sums, exactly). So nothing drifts however many values
    come and go, and :meth:`mean` and :meth:`variance` are the *correctly rounded* mean and sample
    variance (``ddof=1``) of the values held: within one rounding of the exact figure, where numpy's
    pairwise sums and two-pass variance are within a few (a test holds the two within a relative 1e-12).
    O(1) per value: a few operations on integers of about ``scale`` bits (~70-130 for bar returns).

    :meth:`remove` only takes a value that was added and is still held; values must be finite."""

    __slots__ = ("_got", "n", "s1", "s2", "scale")

    def __init__(self) -> None:
        self.n = self.scale = self.s1 = self.s2 = 0
        self._got: tuple[float, float] | None = None

    def add(self, x: float) -> None:
        num, den = x.as_integer_ratio()  # x == num / 2**k, den == 2**k
        sh = self.scale + 1 - den.bit_length()
        if sh < 0:  # finer than the sums: rescale them (exact), then x fits as it is
            self.s1 <<= -sh
            self.s2 <<= -sh - sh
            self.scale -= sh
            sh = 0
        self.s1 += num << sh
        self.s2 += (num * num) << (sh + sh)
        self.n += 1
        self._got = None

    def remove(self, x: float) -> None:
        num, den = x.as_integer_ratio()
        sh = self.scale + 1 - den.bit_length()  # >= 0: x was added at this scale or a coarser one
        self.s1 -= num << sh
        self.s2 -= (num * num) << (sh + sh)
        self.n -= 1
        if not self.n:
            self.scale = 0  # the sums are 0: start again at the coarsest scale
        self._got = None

    def clear(self) -> None:
        self.n = self.scale = self.s1 = self.s2 = 0
        self._got = None

    def mean_variance(self) -> tuple[float, float]:
        """(mean, sample variance), each correctly rounded; ``nan`` where undefined (no value; one value
        for the variance), ``inf`` for a variance beyond the float range. Kept until a value joins or
        leaves."""
        got = self._got
        if got is None:
            n, s1 = self.n, self.s1
            mean = s1 / (n << self.scale) if n else math.nan
            if n < 2:
                variance = math.nan
            else:
                try:  # n * s2 >= s1 ** 2 (Cauchy-Schwarz): an exact, non-negative numerator
                    variance = (n * self.s2 - s1 * s1) / ((n * (n - 1)) << (self.scale + self.scale))
                except OverflowError:
                    variance = math.inf
            got = self._got = (mean, variance)
        return got


def parametric_moments(moments: ExactMoments, confidence: float = 0.99, horizon: int = 1) -> tuple[float, float]:
    """:func:`parametric_of` the values held by ``moments`` (the same rule: ``nan`` for fewer than
    :data:`MIN_OBSERVATIONS`), with their correctly rounded mean and deviation."""
    _check(confidence, horizon)
    if moments.n < MIN_OBSERVATIONS:
        return math.nan, math.nan
    mean, variance = moments.mean_variance()
    return parametric(mean, math.sqrt(variance), confidence, horizon)


def parametric_portfolio(mu: Floats | None, cov: Floats | None, notionals: Floats, confidence: float = 0.99,
                         horizon: int = 1) -> tuple[float, float]:
    """Parametric (VaR, ES) in quote currency from precomputed moments (``None``: too little history)."""
    _check(confidence, horizon)
    w = np.asarray(notionals, dtype=np.float64)
    if not w.any():
        return 0.0, 0.0
    if mu is None or cov is None:
        return math.nan, math.nan
    return parametric(float(mu @ w), math.sqrt(max(0.0, float(w @ cov @ w))), confidence, horizon)
