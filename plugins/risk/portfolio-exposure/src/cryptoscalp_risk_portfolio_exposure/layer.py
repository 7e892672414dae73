"""The ``portfolio-exposure`` risk layer: limits on the account's notional exposure as a whole.

Exposure of an instrument is its signed notional: position x price x contract multiplier (long > 0),
valued at the mid, else the mark, else the position's average entry price. For the intent's instrument
the resting orders on the intent's side count too (``count_resting``), valued at the intent's price.

Rules, each giving the largest quantity the intent may have (the smallest wins and names the reason):

``gross_notional``    sum of absolute exposures after the intent <= ``max_gross_notional``
``net_notional``      absolute sum of signed exposures after the intent <= ``max_net_notional``
``cluster_notional``  absolute net exposure of the intent's correlation cluster <= ``max_cluster_notional``
                      (clusters: bar-return correlation >= ``cluster_correlation`` from the market view,
                      once ``cluster_min_bars`` bars are known; before that each instrument is alone)
``concentration``     the instrument's share of the gross after the intent <= ``max_concentration``, once
                      the gross reaches ``concentration_min_gross``
``var_limit``         the portfolio's VaR after the intent <= ``max_var`` (never resized; skipped while the
                      market view has too little history or none is given)

An intent that does not increase the absolute exposure of its instrument (reduce-only, or one that only
brings the position toward flat) always passes. Other codes: ``unknown_instrument``, ``no_reference_price``.

Hot path: an intent far from every limit is let through by a shortcut in quantities (:mod:`.estimate`:
with the intent's instrument the only exposure and no concentration limit); otherwise the rules run on
exact ``Decimal`` notionals, and with one exposure the VaR is that notional times the market view's VaR
of one unit (kept per market version, and renewed by ``on_market`` when a bar closes) unless the product
comes within a relative 1e-9 of ``max_var``, where the view computes it
(:meth:`PortfolioExposureLayer._var_clear`). ``check_fast`` (the risk stack's entry) takes the position
and resting orders from the stack's ``IntentView`` and leaves out the detail of a resize.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from decimal import Decimal

from cryptoscalp_core.domain.orders import OrderRequest
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import IntentView, MarketView, PortfolioState, RiskDecision
from cryptoscalp_core.risk_layer import CountingRiskLayer
from cryptoscalp_risk_portfolio_exposure.clusters import clusters
from cryptoscalp_risk_portfolio_exposure.config import PortfolioExposureConfig
from cryptoscalp_risk_portfolio_exposure.estimate import UNKNOWN, Shortcuts

NAME = "portfolio-exposure"
LIMITS = ("gross_notional", "net_notional", "cluster_notional", "concentration")
REASONS = (*LIMITS, "var_limit", "unknown_instrument", "no_reference_price")
_ZERO = Decimal(0)


def _value(pf: PortfolioState, key: str) -> Decimal | None:
    for book in (pf.mid_prices, pf.mark_prices):
        p = book.get(key)
        if p is not None and p.is_finite() and p > _ZERO:
            return p
    return None


class PortfolioExposureLayer(CountingRiskLayer, Shortcuts):
    """See the module docstring for the rules and their reason codes."""

    def __init__(self, config: PortfolioExposureConfig) -> None:
        self._cfg = config
        self._concentration = Decimal(repr(config.max_concentration)) if config.max_concentration else None
        self._labels: tuple[int, list[int]] | None = None  # (market version, cluster labels)
        self._setup_shortcuts(config)
        super().__init__(NAME, REASONS, LIMITS)
        self._allowed = RiskDecision.allow(NAME)

    def _cluster_of(self, market: MarketView | None, key: str, keys: Collection[str]) -> Sequence[str]:
        if market is None or self._cfg.max_cluster_notional is None or len(keys) < 2:
            return (key,)
        cached = self._labels
        if cached is None or cached[0] != market.version:
            if len(market.returns(key)) < self._cfg.cluster_min_bars:
                return [key]
            cached = (market.version, clusters(market.correlation(), self._cfg.cluster_correlation))
            self._labels = cached
        labels = cached[1]
        mine = labels[market.index(key)]
        return [k for k in keys if labels[market.index(k)] == mine]

    def check(self, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision:
        return self.check_fast(intent, portfolio, IntentView.of(intent, portfolio), True)

    def check_fast(self, intent: OrderRequest, portfolio: PortfolioState, view: IntentView,
                   detail: bool = False) -> RiskDecision:
        """``check`` given the stack's view; ``detail``: also describe a resize, as ``check`` does. The view's
        ``unit_sign`` multiplies exactly as the integer sign would."""
        metrics = self._metrics
        metrics["checks"] += 1
        key, inst, sign = intent.instrument_id, view.instrument, view.unit_sign
        if inst is None:
            return self._reject("unknown_instrument", key)
        if intent.reduce_only:
            metrics["allow"] += 1
            return self._allowed
        price = intent.price
        if price is None or not price > _ZERO:
            price = _value(portfolio, key)
            if price is None:
                return self._reject("no_reference_price", f"cannot value an intent on {key}")
        mult = inst.contract_multiplier
        if self._estimate and self.quick_allow(intent, portfolio, view, price, mult):
            metrics["allow"] += 1
            return self._allowed
        unit = price * mult
        exposure: dict[str, Decimal] = {}
        for other, pos in portfolio.positions.items():
            if pos.qty:
                p = price if other == key else (_value(portfolio, other) or pos.avg_entry_price)
                exposure[other] = pos.qty * p * pos.multiplier
        mine = exposure.get(key, _ZERO)
        if self._cfg.count_resting:
            for remaining in view.resting:
                mine += sign * remaining * unit
        exposure[key] = mine
        if abs(mine + sign * intent.qty * unit) <= abs(mine):
            metrics["allow"] += 1  # it only brings this instrument toward flat
            return self._allowed
        # each rule's room: the largest additional signed exposure s * q * u; the smallest room decides
        cfg, qty, reason, gross = self._cfg, intent.qty, "", _ZERO
        for v in exposure.values():
            gross += abs(v)
        limit = cfg.max_gross_notional
        if limit is not None and (cap := (limit - gross + abs(mine) - sign * mine) / unit) < qty:
            qty, reason = cap, "gross_notional"
        limit = cfg.max_net_notional
        if limit is not None:
            total = _ZERO
            for v in exposure.values():
                total += v
            if (cap := (limit - sign * total) / unit) < qty:
                qty, reason = cap, "net_notional"
        limit = cfg.max_cluster_notional
        if limit is not None:
            net = _ZERO
            for k in self._cluster_of(portfolio.market, key, portfolio.instruments):
                net += exposure.get(k, _ZERO)
            if (cap := (limit - sign * net) / unit) < qty:
                qty, reason = cap, "cluster_notional"
        c = self._concentration
        if (c is not None and gross - abs(mine) + abs(mine + sign * intent.qty * unit) >= cfg.concentration_min_gross
                and (cap := (c * (gross - abs(mine)) / (1 - c) - sign * mine) / unit) < qty):
            qty, reason = cap, "concentration"
        if reason:
            why = f"{intent.qty} exceeds the {reason} room ({max(qty, _ZERO)} at {price})"
            lot = inst.lot_size
            qty = (qty // lot) * lot if qty > 0 else _ZERO
            if not cfg.resize or qty < lot or qty < inst.min_qty or inst.notional(price, qty) < inst.min_notional:
                return self._reject(reason, why)
        market = portfolio.market
        if cfg.max_var is not None and market is not None:
            extra = sign * qty * unit
            n = len(portfolio.instruments)
            if not self._var_clear(market, n, exposure, key, mine, mine + extra):
                var = self._var_after(market, n, exposure, key, extra)
                if math.isfinite(var) and var > cfg.max_var:
                    return self._reject("var_limit", f"portfolio VaR {var:.2f} over {cfg.max_var}")
        if reason:
            return self._resized(reason, qty, f"{intent.qty} cut to {qty} by {reason}" if detail else "")
        metrics["allow"] += 1
        return self._allowed

    def on_market(self, batch: EventBatch) -> None:
        """The market-data path: a bar that closed renews the unit VaRs here, not in the next check."""
        self.renew_after_bar()

    def _var_clear(self, market: MarketView, n: int, exposure: dict[str, Decimal], key: str, mine: Decimal,
                   after: Decimal) -> bool:
        """True when the VaR after the intent is surely within ``max_var`` without asking the market view.

        With ``key`` the only exposure, ``_var_after`` asks for the VaR of ``float(mine) + float(extra)``
        units of ``key``; when ``|after| >= |mine|`` (no cancellation) that float is within a few 1e-16 of
        ``after``, and the port's ``portfolio_var`` is positively homogeneous, so the VaR is ``|after|``
        times the VaR of one unit on its side (kept per market version) to well within the relative 1e-9
        by which the estimate must clear the limit. A ``nan`` unit VaR means ``nan`` (never over the
        limit) for any position. False means: compute it."""
        if len(exposure) != 1 or abs(after) < abs(mine):
            return False
        unit_var = self.unit_vars(market, key, n)[0 if after > 0 else 1]
        if unit_var is None:
            return True
        ceiling = self._var_ceiling
        return unit_var is not UNKNOWN and ceiling is not None and abs(after) * unit_var <= ceiling

    def _var_after(self, market: MarketView, n: int, exposure: dict[str, Decimal], key: str, extra: Decimal) -> float:
        cfg = self._cfg
        w = [0.0] * n
        for k, v in exposure.items():
            w[market.index(k)] = float(v)
        w[market.index(key)] += float(extra)
        return market.portfolio_var(w, cfg.var_confidence, cfg.var_method, cfg.var_horizon_bars)[0]
