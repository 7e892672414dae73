"""Maximum-likelihood fits behind :mod:`cryptoscalp_feed_synthetic.estimate` (needs scipy, the
``estimate`` extra; the feed never imports this module)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize, minimize_scalar  # type: ignore[import-untyped, unused-ignore]

from cryptoscalp_feed_synthetic.hawkes import loglik

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class HawkesFit:
    mu: F64
    alpha: F64
    beta: float
    loglik: float
    se_mu: F64
    se_alpha: F64
    se_beta: float
    converged: bool

    @property
    def branching_ratio(self) -> float:
        return float(max(abs(np.linalg.eigvals(self.alpha))))


def _unpack(x: F64, dims: int) -> tuple[F64, F64, float]:
    e = np.exp(x)
    return e[:dims], e[dims:dims + dims * dims].reshape(dims, dims), float(e[-1])


def fit_hawkes(times: F64, types: I64, horizon: float, dims: int = 2) -> HawkesFit:
    """MLE of ``(mu, alpha, beta)`` by L-BFGS-B on log-parameters with the analytic gradient, started
    from several decay rates (the likelihood in ``beta`` can have more than one hump); standard errors
    from the inverse of a finite-difference Hessian of that gradient."""
    counts = np.bincount(types, minlength=dims).astype(float)

    def objective(x: F64) -> tuple[float, F64]:
        mu, alpha, beta = _unpack(x, dims)
        ll, g_mu, g_alpha, g_beta = loglik(times, types, horizon, mu, alpha, beta)
        if not np.isfinite(ll):
            return 1e300, np.zeros_like(x)
        grad = np.concatenate([g_mu * mu, (g_alpha * alpha).ravel(), [g_beta * beta]])
        return -ll, -grad

    bounds = [(-20.0, 10.0)] * dims + [(-20.0, 0.0)] * (dims * dims) + [(-5.0, 12.0)]
    best = None
    base_rate = counts.sum() / horizon
    for beta0 in (0.3 * base_rate, 3.0 * base_rate, 30.0 * base_rate):
        alpha0 = np.full((dims, dims), 0.05) + np.eye(dims) * 0.25
        x0 = np.concatenate([np.log(np.maximum(0.5 * counts / horizon, 1e-6)), np.log(alpha0).ravel(),
                             [np.log(beta0)]])
        res = minimize(objective, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                       options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-8})
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    mu, alpha, beta = _unpack(best.x, dims)
    se = _standard_errors(times, types, horizon, mu, alpha, beta)
    return HawkesFit(mu, alpha, beta, float(-best.fun), se[:dims], se[dims:-1].reshape(dims, dims), float(se[-1]),
                     bool(best.success))


def _standard_errors(times: F64, types: I64, horizon: float, mu: F64, alpha: F64, beta: float) -> F64:
    dims = len(mu)
    theta = np.concatenate([mu, alpha.ravel(), [beta]])

    def grad(th: F64) -> F64:
        _, g_mu, g_alpha, g_beta = loglik(times, types, horizon, th[:dims],
                                          th[dims:-1].reshape(dims, dims), float(th[-1]))
        return np.concatenate([g_mu, g_alpha.ravel(), [g_beta]])

    hess = np.empty((len(theta), len(theta)))
    for k in range(len(theta)):
        h = 1e-5 * max(abs(theta[k]), 1e-3)
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] = max(down[k] - h, 1e-12)
        hess[:, k] = (grad(up) - grad(down)) / (up[k] - down[k])
    hess = 0.5 * (hess + hess.T)
    try:
        cov = np.linalg.inv(-hess)
        se: F64 = np.sqrt(np.clip(np.diag(cov), 0.0, None))
        return se
    except np.linalg.LinAlgError:
        return np.full(len(theta), np.nan)


# -- queue-reactive rates -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateFit:
    rate: float  #: a (add, at q = 0) or c (cancel, at q = scale)
    shape: float  #: theta (add) or phi (cancel)
    events: int
    exposure_s: float


def _bounded(neg: Callable[[float], float], lo: float, hi: float) -> float:
    """Bounded scalar minimum; Brent's method never evaluates the bounds themselves, so an optimum on a
    bound comes back a hair inside it: check the bounds and report them exactly (0 means "flat")."""
    x = float(minimize_scalar(neg, bounds=(lo, hi), method="bounded", options={"xatol": 1e-7}).x)
    return min((x, lo, hi), key=neg)


def fit_add_rate(expo_q: F64, expo_dt: F64, event_q: F64, scale: float) -> RateFit:
    """``lambda(q) = a (1 + q/scale)^-theta``, theta in [0, 4], by profile likelihood: for a given
    theta the MLE of ``a`` is ``N / sum dt (1 + q/scale)^-theta``."""
    n = len(event_q)
    lx_e = np.log1p(event_q / scale).sum()
    lx = np.log1p(expo_q / scale)

    def neg(theta: float) -> float:
        a = n / float((expo_dt * np.exp(-theta * lx)).sum())
        return -float(n * np.log(a) - theta * lx_e - n)

    theta = _bounded(neg, 0.0, 4.0)
    a = n / float((expo_dt * np.exp(-theta * lx)).sum())
    return RateFit(a, theta, n, float(expo_dt.sum()))


def fit_cancel_rate(expo_q: F64, expo_dt: F64, event_q: F64, scale: float) -> RateFit:
    """``lambda(q) = c (q/scale)^phi`` for q > 0 (nothing to cancel at q = 0), phi in [0, 2]."""
    keep = expo_q > 0
    lx = np.log(expo_q[keep] / scale)
    dt = expo_dt[keep]
    n = len(event_q)
    lx_e = np.log(event_q / scale).sum()

    def neg(phi: float) -> float:
        c = n / float((dt * np.exp(phi * lx)).sum())
        return -float(n * np.log(c) + phi * lx_e - n)

    phi = _bounded(neg, 0.0, 2.0)
    c = n / float((dt * np.exp(phi * lx)).sum())
    return RateFit(c, phi, n, float(dt.sum()))


def fit_size(event_q: F64, sizes: F64, scale: float) -> dict[str, float]:
    """``ln size = mu + slope ln(1 + q/scale) + sigma Z`` by least squares (the Gaussian MLE)."""
    x = np.log1p(event_q / scale)
    y = np.log(sizes)
    design = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    return {"mu": float(coef[0]), "slope": float(coef[1]), "sigma": float(resid.std()), "max": float(sizes.max())}


def fit_lognormal(values: F64) -> dict[str, float]:
    y = np.log(values)
    return {"mu": float(y.mean()), "sigma": float(y.std()), "max": float(values.max())}


def fit_prints(qty: F64, prints: I64) -> dict[str, float]:
    """Poisson regression ``prints - 1 ~ Poisson(rho * qty ** gamma)`` (qty in base units) by MLE."""
    extra = prints - 1.0
    lq = np.log(qty)

    def neg(x: F64) -> tuple[float, F64]:
        lam = np.exp(x[0] + x[1] * lq)
        ll = float((extra * (x[0] + x[1] * lq) - lam).sum())
        grad = np.array([(extra - lam).sum(), ((extra - lam) * lq).sum()])
        return -ll, -grad

    res = minimize(neg, np.array([0.0, 0.5]), jac=True, method="L-BFGS-B")
    return {"rho": float(np.exp(res.x[0])), "gamma": float(res.x[1])}


def correlation_time(times: F64, values: F64) -> float:
    """Time (same unit as ``times``) at which the autocorrelation of ``values`` falls to 1/e, read off
    lags 1, 2, 4, ... messages and interpolated in log-correlation: the OU process's ``tau``."""
    centred = values - values.mean()
    var = float((centred**2).mean())
    prev_gap, prev_rho = 0.0, 1.0
    lag = 1
    while lag < len(values) // 2:
        rho = float((centred[:-lag] * centred[lag:]).mean() / var)
        gap = float((times[lag:] - times[:-lag]).mean())
        if rho <= np.exp(-1.0):
            # log rho is linear in the gap for an OU process: interpolate between the two lags
            lo, hi = float(np.log(max(prev_rho, 1e-12))), float(np.log(max(rho, 1e-12)))
            return prev_gap + (-1.0 - lo) / (hi - lo) * (gap - prev_gap)
        prev_gap, prev_rho = gap, rho
        lag *= 2
    return float(times[-1] - times[0])  # never decorrelates within the recording: as slow as observed
