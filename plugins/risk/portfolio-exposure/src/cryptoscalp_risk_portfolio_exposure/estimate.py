"""Shortcuts of the ``portfolio-exposure`` layer: decide in floats what is far from every limit, and keep
the VaR of one unit of an instrument per market version, so the exact ``Decimal`` rules run only near a
limit (or for portfolios the shortcuts do not cover). Neither changes a decision.

Float estimate (:meth:`Shortcuts.floats_allow`), for a portfolio whose only exposure is the intent's
instrument and without a concentration limit: the exposure ``m`` (position plus same-side resting
orders, valued at the intent's price) and the intent's ``a = s * q * u`` in floats, each within
``tol = (k + 16) * 1e-14 * (Σ|terms| + |a|)`` of the exact figures (``k`` resting orders; every float
step errs by at most 1.1e-16 of the terms' magnitudes, so this is ten times the worst case or more). An
intent is allowed only when each test holds by more than ``tol``:

* ``|m + a| < |m|``: it only reduces the exposure (allowed whatever the limits);
* otherwise each rule's room exceeds ``|a|`` (by ``tol`` and 1e-14 of the limit more):
  ``max_gross_notional - |m| + |m| - s*m``,
  ``max_net_notional - s*m`` and ``max_cluster_notional - s*m`` (with one exposure, the gross is ``|m|``
  and the net of any cluster is ``m``); the exact rule then finds ``room / u >= q``, by a margin far
  above the 28-digit rounding of that division;
* the VaR after the intent, ``(|m + a| + tol)`` times the VaR of one unit on that side, is within
  ``max_var`` less a relative 1e-9 (the market view's ``portfolio_var`` is positively homogeneous: with
  one exposure the VaR is ``|w|`` times the unit figure, ``w`` being the float the exact path asks for).

Anything else — a test too close to call, ``nan`` or infinite figures — goes to the exact rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from decimal import Decimal

from cryptoscalp_core.domain.orders import OrderRequest
from cryptoscalp_core.ports.risk import IntentView, MarketView, PortfolioState
from cryptoscalp_risk_portfolio_exposure.config import PortfolioExposureConfig

#: a unit VaR that says nothing (infinite): the VaR itself must be computed
UNKNOWN = Decimal("Infinity")
# (VaR of one long unit, of one short unit) as Decimals (None: nan) and as floats
UnitVars = tuple[Decimal | None, Decimal | None, float, float]


def _limit(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


class Shortcuts:
    """Mixed into the layer: the float estimate and the per-version unit VaR (state kept on the layer)."""

    _cfg: PortfolioExposureConfig

    def _setup_shortcuts(self, config: PortfolioExposureConfig) -> None:
        self._floats: dict[int, tuple[Decimal, float]] = {}  # id(Decimal) -> (it, its float)
        self._unit_key: tuple[MarketView, int, str, int] | None = None  # (market, version, key, instruments)
        self._unit: UnitVars = (None, None, math.nan, math.nan)
        self._memo_args: dict[tuple[str, int], tuple[Hashable, Callable[[MarketView], UnitVars]]] = {}
        self._estimate = config.max_concentration is None
        self._gross_f, self._net_f = _limit(config.max_gross_notional), _limit(config.max_net_notional)
        self._cluster_f, self._var_f = _limit(config.max_cluster_notional), _limit(config.max_var)
        self._var_ceiling = config.max_var * (1 - Decimal("1e-9")) if config.max_var is not None else Decimal(0)

    def _float(self, value: Decimal) -> float:
        """``float(value)``, remembered for the object (positions, multipliers and resting remainders are
        the same objects from one check to the next)."""
        known = self._floats.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        if len(self._floats) > 4096:
            self._floats.clear()
        f = float(value)
        self._floats[id(value)] = (value, f)
        return f

    # -- the float estimate -----------------------------------------------------------------------------
    def floats_allow(self, intent: OrderRequest, portfolio: PortfolioState, view: IntentView, price: Decimal,
                     mult: Decimal, count_resting: bool) -> bool:
        """True when the exact rules surely allow the intent (see the module docstring); False: ask them."""
        if not self._estimate:
            return False
        key, floats, convert = intent.instrument_id, self._floats, self._float
        price_f = float(price)
        m = scale = 0.0
        for other, pos in portfolio.positions.items():
            if pos.qty:
                if other != key:
                    return False  # another exposure: the exact rules
                q, mu = pos.qty, pos.multiplier
                known, known_mu = floats.get(id(q)), floats.get(id(mu))
                m = ((known[1] if known is not None and known[0] is q else convert(q)) * price_f
                     * (known_mu[1] if known_mu is not None and known_mu[0] is mu else convert(mu)))
                scale = abs(m)
        known = floats.get(id(mult))
        unit = price_f * (known[1] if known is not None and known[0] is mult else convert(mult))
        sign = view.sign
        if count_resting and view.resting:
            rest = rest_abs = 0.0
            for remaining in view.resting:
                known = floats.get(id(remaining))
                r = known[1] if known is not None and known[0] is remaining else convert(remaining)
                rest += r
                rest_abs += abs(r)
            m += sign * rest * unit
            scale += rest_abs * abs(unit)
        a = sign * float(intent.qty) * unit
        a_abs = abs(a)
        tol = (len(view.resting) + 16) * 1e-14 * (scale + a_abs) + 1e-300
        after, m_abs = m + a, abs(m)
        change = abs(after) - m_abs
        if change < -tol:
            return True  # it only brings the instrument toward flat
        if not change > tol:
            return False
        signed, gross = sign * m, self._gross_f
        if gross is not None and not (gross - m_abs + m_abs - signed) - a_abs > tol + 1e-14 * gross:
            return False
        for limit in (self._net_f, self._cluster_f):
            if limit is not None and not (limit - signed) - a_abs > tol + 1e-14 * limit:
                return False
        market = portfolio.market
        if self._var_f is not None and market is not None:
            if not abs(after) > tol:
                return False
            units = self.unit_vars(market, key, len(portfolio.instruments))
            unit_var = units[2] if after > 0 else units[3]
            if not math.isnan(unit_var) and not (abs(after) + tol) * unit_var <= self._var_f * (1 - 1e-9):
                return False
        return True

    # -- the VaR of one unit --------------------------------------------------------------------------
    def unit_vars(self, market: MarketView, key: str, n: int) -> UnitVars:
        """The VaR of one long and of one short unit of ``key`` among ``n`` instruments, kept per market
        version (a ``MarketMemo`` view computes it when the bar closes)."""
        version = market.version
        cached = self._unit_key
        if cached is None or cached[0] is not market or cached[1] != version or cached[2] != key or cached[3] != n:
            asked = self._memo_args.get((key, n))
            if asked is None:  # the memo key and the function that computes it, made once
                asked = self._memo_args[key, n] = ((self, "unit_var", key, n),
                                                   lambda view: self._unit_vars_of(view, key, n))
            memo = getattr(market, "memo", None)
            self._unit = memo(*asked) if memo is not None else asked[1](market)
            self._unit_key = (market, version, key, n)
        return self._unit

    def _unit_vars_of(self, market: MarketView, key: str, n: int) -> UnitVars:
        cfg, index = self._cfg, market.index(key)
        out: list[float] = []
        for side in (1.0, -1.0):
            w = [0.0] * n
            w[index] = side
            out.append(market.portfolio_var(w, cfg.var_confidence, cfg.var_method, cfg.var_horizon_bars)[0])
        exact = [Decimal(repr(u)) if math.isfinite(u) else None if math.isnan(u) else UNKNOWN for u in out]
        return exact[0], exact[1], out[0], out[1]
