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
"""

from __future__ import annotations

import math
from decimal import Decimal

from cryptoscalp_core.domain.orders import OrderRequest
from cryptoscalp_core.ports.risk import MarketView, PortfolioState, RiskDecision
from cryptoscalp_core.risk_layer import CountingRiskLayer
from cryptoscalp_risk_portfolio_exposure.clusters import clusters
from cryptoscalp_risk_portfolio_exposure.config import PortfolioExposureConfig

NAME = "portfolio-exposure"
LIMITS = ("gross_notional", "net_notional", "cluster_notional", "concentration")
REASONS = (*LIMITS, "var_limit", "unknown_instrument", "no_reference_price")
_ZERO = Decimal(0)


def _value(pf: PortfolioState, key: str) -> Decimal | None:
    for book in (pf.mid_prices, pf.mark_prices):
        p = book.get(key)
        if p is not None and p.is_finite() and p > 0:
            return p
    return None


class PortfolioExposureLayer(CountingRiskLayer):
    """See the module docstring for the rules and their reason codes."""

    def __init__(self, config: PortfolioExposureConfig) -> None:
        self._cfg = config
        self._concentration = Decimal(repr(config.max_concentration)) if config.max_concentration else None
        self._labels: tuple[int, list[int]] | None = None  # (market version, cluster labels)
        super().__init__(NAME, REASONS, LIMITS)

    def _cluster_of(self, market: MarketView | None, key: str, keys: list[str]) -> list[str]:
        if market is None or self._cfg.max_cluster_notional is None or len(keys) < 2:
            return [key]
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
        self._metrics["checks"] += 1
        cfg = self._cfg
        key = intent.instrument_id
        inst = portfolio.instruments.get(key)
        if inst is None:
            return self._reject("unknown_instrument", key)
        if intent.reduce_only:
            return self._allow()
        price = intent.price if intent.price is not None and intent.price > 0 else _value(portfolio, key)
        if price is None:
            return self._reject("no_reference_price", f"cannot value an intent on {key}")
        unit, sign = price * inst.contract_multiplier, intent.side.sign
        exposure: dict[str, Decimal] = {}
        for other, pos in portfolio.positions.items():
            if pos.qty:
                p = price if other == key else (_value(portfolio, other) or pos.avg_entry_price)
                exposure[other] = pos.qty * p * pos.multiplier
        mine = exposure.get(key, _ZERO)
        if cfg.count_resting:
            for order in portfolio.open_orders.values():
                r = order.request
                if (r.instrument_id == key and r.side is intent.side and order.status.is_open
                        and r.client_order_id != intent.client_order_id):
                    mine += sign * (r.qty - order.filled_qty) * unit
        exposure[key] = mine
        if abs(mine + sign * intent.qty * unit) <= abs(mine):
            return self._allow()  # it only brings this instrument toward flat
        gross = sum((abs(v) for v in exposure.values()), _ZERO)
        room: list[tuple[Decimal, str]] = []  # largest additional signed exposure s * q * u per rule
        if cfg.max_gross_notional is not None:
            room.append((cfg.max_gross_notional - gross + abs(mine) - sign * mine, "gross_notional"))
        if cfg.max_net_notional is not None:
            room.append((cfg.max_net_notional - sign * sum(exposure.values(), _ZERO), "net_notional"))
        if cfg.max_cluster_notional is not None:
            members = self._cluster_of(portfolio.market, key, list(portfolio.instruments))
            net = sum((exposure.get(k, _ZERO) for k in members), _ZERO)
            room.append((cfg.max_cluster_notional - sign * net, "cluster_notional"))
        c = self._concentration
        if c is not None and gross - abs(mine) + abs(mine + sign * intent.qty * unit) >= cfg.concentration_min_gross:
            room.append((c * (gross - abs(mine)) / (1 - c) - sign * mine, "concentration"))
        qty, reason = intent.qty, ""
        for extra, why in room:
            cap = extra / unit
            if cap < qty:
                qty, reason = cap, why
        if reason:
            detail = f"{intent.qty} exceeds the {reason} room ({max(qty, _ZERO)} at {price})"
            lot = inst.lot_size
            qty = (qty // lot) * lot if qty > 0 else _ZERO
            if not cfg.resize or qty < lot or qty < inst.min_qty or inst.notional(price, qty) < inst.min_notional:
                return self._reject(reason, detail)
        if cfg.max_var is not None and portfolio.market is not None:
            var = self._var_after(portfolio.market, len(portfolio.instruments), exposure, key, sign * qty * unit)
            if math.isfinite(var) and var > cfg.max_var:
                return self._reject("var_limit", f"portfolio VaR {var:.2f} over {cfg.max_var}")
        if reason:
            return self._resized(reason, qty, f"{intent.qty} cut to {qty} by {reason}")
        return self._allow()

    def _var_after(self, market: MarketView, n: int, exposure: dict[str, Decimal], key: str, extra: Decimal) -> float:
        cfg = self._cfg
        w = [0.0] * n
        for k, v in exposure.items():
            w[market.index(k)] = float(v)
        w[market.index(key)] += float(extra)
        return market.portfolio_var(w, cfg.var_confidence, cfg.var_method, cfg.var_horizon_bars)[0]
