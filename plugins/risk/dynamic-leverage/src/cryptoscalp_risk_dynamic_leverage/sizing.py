"""The ``dynamic-leverage`` risk layer: how large a position may be, given the market and the strategy.

Allowed leverage (notional / equity) for an instrument is the smallest of:

``max_leverage``      the hard cap
``vol_target``        ``target_vol_annual`` / annualised realised volatility of the market view's bars
                      (skipped until the view has volatility for the instrument)
``kelly``             ``kelly_fraction`` x mean / variance of the strategy's closed-trade returns (return on
                      notional, from its own fills; ``kelly_floor`` when that estimate is <= 0), once
                      ``kelly_min_trades`` trades are closed

and the position's notional must also stay within ``leverage_bracket``: the largest notional at which the
venue's brackets allow ``account_leverage``. An intent that would take the absolute position beyond the
allowed notional is resized to fit (or rejected); one that only reduces it passes. Other codes:
``no_equity`` (the engine reports no positive equity, so nothing can be sized), ``no_reference_price``,
``unknown_instrument``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from decimal import Decimal

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Fill, OrderRequest
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.ports.risk import PortfolioState, RiskDecision
from cryptoscalp_core.risk_layer import CountingRiskLayer
from cryptoscalp_risk_dynamic_leverage.brackets import BracketTable, ccxt_symbol, load_ccxt_tiers
from cryptoscalp_risk_dynamic_leverage.config import DynamicLeverageConfig

NAME = "dynamic-leverage"
LIMITS = ("max_leverage", "vol_target", "kelly", "leverage_bracket")
REASONS = (*LIMITS, "no_equity", "no_reference_price", "unknown_instrument")
_YEAR_NS = 365 * 86_400 * 1_000_000_000


def bracket_tables(config: DynamicLeverageConfig, instruments: Sequence[Instrument]) -> dict[str, BracketTable]:
    known = {i.id for i in instruments}
    unknown = sorted(set(config.brackets) - known) if known else []
    if unknown:
        raise ValueError(f"dynamic-leverage: brackets name instruments not in the profile: {unknown}")
    tables = {k: BracketTable(v) for k, v in config.brackets.items()}
    if config.file_tiers:
        wanted = {i.id: config.brackets_symbols.get(i.id, ccxt_symbol(i)) for i in instruments if i.id not in tables}
        tiers = load_ccxt_tiers(config.file_tiers, list(wanted.values()))
        tables.update({k: BracketTable(tiers[s]) for k, s in wanted.items() if s in tiers})
    return tables


class DynamicLeverageLayer(CountingRiskLayer):
    """See the module docstring."""

    def __init__(self, config: DynamicLeverageConfig, instruments: Sequence[Instrument] = ()) -> None:
        self._cfg = config
        self._max = Decimal(repr(config.max_leverage))
        account = Decimal(repr(config.account_leverage))
        self._bracket_cap = {k: t.cap_for(account) for k, t in bracket_tables(config, instruments).items()}
        self._books = {i.id: Position(i.id, i.contract_multiplier) for i in instruments}
        self._returns: deque[float] = deque(maxlen=config.kelly_window)
        self._kelly: Decimal | None = None
        super().__init__(NAME, REASONS, LIMITS)

    @property
    def bracket_caps(self) -> dict[str, Decimal]:
        return dict(self._bracket_cap)

    # -- the strategy's record (for Kelly) -------------------------------------------------------------
    def on_fill(self, fill: Fill) -> None:
        book = self._books.get(fill.instrument_id)
        if book is None or self._cfg.kelly_fraction is None:
            return
        before, entry = book.qty, book.avg_entry_price
        realised = book.apply_fill(fill)
        closed = min(abs(before), fill.qty) if before and (before > 0) != (fill.side.sign > 0) else Decimal(0)
        if closed and entry > 0:
            self._returns.append(float((realised - fill.fee * closed / fill.qty) / (closed * entry * book.multiplier)))
            self._kelly = self._kelly_leverage()

    def _kelly_leverage(self) -> Decimal | None:
        cfg = self._cfg
        r = self._returns
        if cfg.kelly_fraction is None or len(r) < cfg.kelly_min_trades:
            return None
        mean = sum(r) / len(r)
        var = sum((x - mean) ** 2 for x in r) / (len(r) - 1)
        if mean <= 0 or var <= 0:
            return Decimal(repr(cfg.kelly_floor)) if mean <= 0 else None
        return Decimal(repr(cfg.kelly_fraction * mean / var))

    # -- the check ------------------------------------------------------------------------------------
    def check(self, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision:
        self._metrics["checks"] += 1
        key = intent.instrument_id
        inst = portfolio.instruments.get(key)
        if inst is None:
            return self._reject("unknown_instrument", key)
        if intent.reduce_only:
            return self._allow()
        held = portfolio.position_qty(key)
        after = held + intent.side.sign * intent.qty
        if abs(after) <= abs(held):
            return self._allow()
        equity = portfolio.equity
        if equity <= 0:
            return self._reject("no_equity", "no positive equity to size against")
        price = intent.price or portfolio.mark_prices.get(key) or portfolio.mid_prices.get(key)
        if price is None or not price.is_finite() or price <= 0:
            return self._reject("no_reference_price", f"cannot value an intent on {key}")
        leverage, reason = self._max, "max_leverage"
        cfg, market = self._cfg, portfolio.market
        if cfg.target_vol_annual is not None and market is not None:
            vol = market.realised_vol(key) * math.sqrt(_YEAR_NS / market.bar_ns)
            if math.isfinite(vol) and vol > 0:
                target = Decimal(repr(cfg.target_vol_annual / vol))
                if target < leverage:
                    leverage, reason = target, "vol_target"
        if self._kelly is not None and self._kelly < leverage:
            leverage, reason = self._kelly, "kelly"
        cap = equity * leverage
        bracket = self._bracket_cap.get(key)
        if bracket is not None and bracket < cap:
            cap, reason = bracket, "leverage_bracket"
        unit = price * inst.contract_multiplier
        if abs(after) * unit <= cap:
            return self._allow()
        room = cap / unit - abs(held) if (after > 0) == (held > 0) or not held else cap / unit + abs(held)
        lot = inst.lot_size
        qty = (room // lot) * lot if room > 0 else Decimal(0)
        detail = f"{abs(after) * unit:.2f} notional over {reason} cap {cap:.2f} (leverage {leverage:.4g})"
        if not cfg.resize or qty < lot or qty < inst.min_qty or qty * unit < inst.min_notional or qty >= intent.qty:
            return self._reject(reason, detail)
        return self._resized(reason, qty, detail)
