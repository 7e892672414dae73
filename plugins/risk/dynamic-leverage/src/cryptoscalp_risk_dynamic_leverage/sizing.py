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

Hot path: exact ``Decimal`` notionals. The allowed leverage (the smallest of the three) only changes
when a bar or a trade closes, so it is kept per market version and Kelly estimate instead of being
rebuilt from a float on every check, and renewed by ``on_market`` (the market-data path) when a bar
closes, so the check after it finds it ready. ``check_fast`` (the risk stack's entry) takes the position
from the stack's ``IntentView`` and leaves out the detail of a resize (formatting it costs more than the
rule); a resize to the same quantity for the same reason as the one before gives the same (frozen)
decision object again.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from decimal import Decimal

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Fill, OrderRequest
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import IntentView, MarketView, PortfolioState, RiskAction, RiskDecision
from cryptoscalp_core.risk_layer import CountingRiskLayer
from cryptoscalp_risk_dynamic_leverage.brackets import BracketTable, ccxt_symbol, load_ccxt_tiers
from cryptoscalp_risk_dynamic_leverage.config import DynamicLeverageConfig

NAME = "dynamic-leverage"
LIMITS = ("max_leverage", "vol_target", "kelly", "leverage_bracket")
REASONS = (*LIMITS, "no_equity", "no_reference_price", "unknown_instrument")
_ZERO = Decimal(0)
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
        self._resize = config.resize  # read on the resize path: a plain attribute, not the pydantic model's
        self._max = Decimal(repr(config.max_leverage))
        account = Decimal(repr(config.account_leverage))
        self._bracket_cap = {k: t.cap_for(account) for k, t in bracket_tables(config, instruments).items()}
        self._books = {i.id: Position(i.id, i.contract_multiplier) for i in instruments}
        self._returns: deque[float] = deque(maxlen=config.kelly_window)
        self._kelly: Decimal | None = None
        # the leverage and its rule for ``_lev_key``, as found in market version ``_lev_version`` of
        # ``_lev_market`` with Kelly estimate ``_lev_kelly`` (version -2: nothing kept yet)
        self._lev_market: MarketView | None = None
        self._lev_version, self._lev_key = -2, ""
        self._lev_kelly: Decimal | None = None
        self._lev: tuple[Decimal, str] = (self._max, "max_leverage")
        self._memo_args: dict[str, tuple[Hashable, Callable[[MarketView], Decimal | None]]] = {}
        super().__init__(NAME, REASONS, LIMITS)
        self._allowed = RiskDecision.allow(NAME)
        self._resize_count = {r: f"resize.{r}" for r in LIMITS}
        self._last_resize: RiskDecision | None = None  # the last resize without detail, given again if alike

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
        return self.check_fast(intent, portfolio, IntentView.of(intent, portfolio), True)

    def check_fast(self, intent: OrderRequest, portfolio: PortfolioState, view: IntentView,
                   detail: bool = False) -> RiskDecision:
        """``check`` given the stack's view; ``detail``: also describe a resize, as ``check`` does."""
        metrics = self._metrics
        metrics["checks"] += 1
        key, inst, held = intent.instrument_id, view.instrument, view.held
        if inst is None:
            return self._reject("unknown_instrument", key)
        if intent.reduce_only:
            metrics["allow"] += 1
            return self._allowed
        after = held + intent.qty if view.sign > 0 else held - intent.qty  # held + sign * qty, one step less
        size, held_size = abs(after), abs(held)
        if size <= held_size:
            metrics["allow"] += 1
            return self._allowed
        equity = portfolio.equity
        if equity <= _ZERO:
            return self._reject("no_equity", "no positive equity to size against")
        price = intent.price or portfolio.mark_prices.get(key) or portfolio.mid_prices.get(key)
        if price is None or not price.is_finite() or price <= _ZERO:
            return self._reject("no_reference_price", f"cannot value an intent on {key}")
        market = portfolio.market
        if (market is self._lev_market and (market is None or market.version == self._lev_version)
                and key == self._lev_key and self._kelly is self._lev_kelly):
            leverage, reason = self._lev  # what _leverage_of would answer, without the call
        else:
            leverage, reason = self._leverage_of(key, market)
        cap = equity * leverage
        bracket = self._bracket_cap.get(key)
        if bracket is not None and bracket < cap:
            cap, reason = bracket, "leverage_bracket"
        unit = price * inst.contract_multiplier
        if size * unit <= cap:
            metrics["allow"] += 1
            return self._allowed
        # comparisons with Decimal zero, not int 0: an int operand is converted to a new Decimal each time
        room = cap / unit - held_size if (after > _ZERO) == (held > _ZERO) or not held else cap / unit + held_size
        lot = inst.lot_size
        qty = (room // lot) * lot if room > _ZERO else _ZERO
        if (not self._resize or qty < lot or qty < inst.min_qty or qty * unit < inst.min_notional
                or qty >= intent.qty):
            return self._reject(reason, self._detail(after, unit, reason, cap, leverage))
        if detail:
            return self._resized(reason, qty, self._detail(after, unit, reason, cap, leverage))
        metrics["resize"] += 1
        metrics[self._resize_count[reason]] += 1
        last = self._last_resize
        # the same quantity to the digit (compare_total: also the same exponent), so the same decision
        if last is None or last.reason != reason or last.qty is None or qty.compare_total(last.qty):
            last = self._last_resize = RiskDecision(action=RiskAction.RESIZE, layer=NAME, reason=reason, qty=qty)
        return last

    @staticmethod
    def _detail(after: Decimal, unit: Decimal, reason: str, cap: Decimal, leverage: Decimal) -> str:
        return f"{abs(after) * unit:.2f} notional over {reason} cap {cap:.2f} (leverage {leverage:.4g})"

    def _leverage_of(self, key: str, market: MarketView | None) -> tuple[Decimal, str]:
        """The leverage allowed for ``key`` and the rule that sets it (before the bracket), kept until the
        market version or the Kelly estimate changes."""
        leverage, reason = self._max, "max_leverage"
        if self._cfg.target_vol_annual is not None and market is not None:
            asked = self._memo_args.get(key)
            if asked is None:  # the memo key and the function that computes it, made once
                asked = self._memo_args[key] = ((self, "vol_target", key), lambda view: self._vol_target(view, key))
            memo = getattr(market, "memo", None)  # a MarketMemo view computes it when the bar closes
            target = memo(*asked) if memo is not None else asked[1](market)
            if target is not None and target < leverage:
                leverage, reason = target, "vol_target"
        if self._kelly is not None and self._kelly < leverage:
            leverage, reason = self._kelly, "kelly"
        self._lev_market, self._lev_key, self._lev_kelly = market, key, self._kelly
        self._lev_version = market.version if market is not None else -1
        self._lev = (leverage, reason)
        return self._lev

    def on_market(self, batch: EventBatch) -> None:
        """The market-data path: once a bar has closed, find the leverage of the last instrument checked
        here rather than in the next check."""
        market = self._lev_market
        if market is not None and market.version != self._lev_version:
            self._leverage_of(self._lev_key, market)

    def _vol_target(self, market: MarketView, key: str) -> Decimal | None:
        """``target_vol_annual`` / annualised realised volatility, or None while it is unknown or zero."""
        assert self._cfg.target_vol_annual is not None
        vol = market.realised_vol(key) * math.sqrt(_YEAR_NS / market.bar_ns)
        return Decimal(repr(self._cfg.target_vol_annual / vol)) if math.isfinite(vol) and vol > 0 else None
