"""The ``order-sanity`` risk layer: cheap, stateless-ish checks that stop obviously wrong orders.

Checks run in this order and the first failure decides (reason codes are stable strings):

``unknown_instrument``  the intent's instrument is not in the portfolio's instrument table
``off_grid_qty``        quantity not a whole number of lots; ``below_min_qty`` under the venue minimum
``off_grid_price``      limit price not a whole number of ticks
``no_reference_price``  a limit order (or a market order whose notional must be checked) before any
                        mid/mark price is known
``price_band``          limit price further than ``price_band_bps`` from the reference price
``max_qty``             quantity above the limit (resized down to it when ``resize`` is on)
``max_notional``        notional above the limit (resized down to it when ``resize`` is on)
``min_notional``        notional under the venue minimum (reduce-only orders are exempt, as on the venues)
``duplicate_intent``    same instrument, side, type, price and quantity as an intent allowed less than
                        ``duplicate_window_ns`` ago under another client id (a retry keeps its id)

Hot path: no logging, no pydantic objects; configuration is read into plain attributes once.
"""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderType
from cryptoscalp_core.ports.risk import PortfolioState, RiskDecision
from cryptoscalp_core.risk_layer import CountingRiskLayer
from cryptoscalp_risk_order_sanity.config import OrderSanityConfig

NAME = "order-sanity"
REASONS = ("unknown_instrument", "off_grid_qty", "below_min_qty", "off_grid_price", "no_reference_price",
           "price_band", "max_qty", "max_notional", "min_notional", "duplicate_intent")
_BPS = Decimal(10_000)
_ZERO = Decimal(0)

DuplicateKey = tuple[str, OrderSide, OrderType, Decimal | None, Decimal]


class _Limits:
    """The limits in force for one instrument (overrides merged with the layer-wide values)."""

    __slots__ = ("band_bps", "max_notional", "max_qty")

    def __init__(self, max_qty: Decimal | None, max_notional: Decimal | None, band_bps: Decimal) -> None:
        self.max_qty, self.max_notional, self.band_bps = max_qty, max_notional, band_bps


def floor_to_lot(qty: Decimal, lot: Decimal) -> Decimal:
    return (qty // lot) * lot


def _usable(price: Decimal | None) -> Decimal | None:
    """A reference price only if finite and positive (checked in that order: NaN refuses ``>``)."""
    return price if price is not None and price.is_finite() and price > 0 else None


class OrderSanityLayer(CountingRiskLayer):
    """Fat-finger checks; see the module docstring for the rules and their reason codes."""

    def __init__(self, config: OrderSanityConfig, *, instruments: tuple[Instrument, ...] = ()) -> None:
        known = {inst.id for inst in instruments}
        unknown = sorted(set(config.per_instrument) - known) if known else []
        if unknown:
            raise ValueError(f"order-sanity: per_instrument names instruments not in the profile: {unknown}")
        self._default = _Limits(config.max_qty, config.max_notional, config.price_band_bps)
        self._limits = {
            inst_id: _Limits(o.max_qty or config.max_qty, o.max_notional or config.max_notional,
                             o.price_band_bps or config.price_band_bps)
            for inst_id, o in config.per_instrument.items()
        }
        self._use_mid = config.reference in ("mid", "mid_or_mark")
        self._use_mark = config.reference in ("mark", "mid_or_mark")
        self._resize = config.resize
        self._window = config.duplicate_window_ns
        self._capacity = config.duplicate_memory
        self._recent: OrderedDict[DuplicateKey, tuple[int, str]] = OrderedDict()
        super().__init__(NAME, REASONS, ("max_qty", "max_notional"))

    # -- the check --------------------------------------------------------------------------------------
    def check(self, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision:
        self._metrics["checks"] += 1
        inst = portfolio.instruments.get(intent.instrument_id)
        if inst is None:
            return self._reject("unknown_instrument", intent.instrument_id)
        lot, qty, price = inst.lot_size, intent.qty, intent.price
        if qty % lot:
            return self._reject("off_grid_qty", f"{qty} is not a multiple of {lot}")
        if qty < inst.min_qty:
            return self._reject("below_min_qty", f"{qty} < {inst.min_qty}")
        limits = self._limits.get(inst.id, self._default)
        ref = self._reference(inst.id, portfolio)
        if intent.type is OrderType.LIMIT and price is not None:
            if price % inst.tick_size:
                return self._reject("off_grid_price", f"{price} is not a multiple of {inst.tick_size}")
            if ref is None:
                return self._reject("no_reference_price", f"no mid or mark price for {inst.id} yet")
            if abs(price - ref) * _BPS > limits.band_bps * ref:
                return self._reject("price_band", f"{price} is over {limits.band_bps} bps from {ref}")
        else:
            price = ref
            needs_price = limits.max_notional is not None or (inst.min_notional > 0 and not intent.reduce_only)
            if price is None and needs_price:
                return self._reject("no_reference_price", f"cannot value a market order on {inst.id}")
        new_qty, reason = qty, ""
        if limits.max_qty is not None and new_qty > limits.max_qty:
            new_qty, reason = floor_to_lot(limits.max_qty, lot), "max_qty"
        unit = price * inst.contract_multiplier if price is not None else None
        if limits.max_notional is not None and unit is not None and new_qty * unit > limits.max_notional:
            new_qty, reason = floor_to_lot(limits.max_notional / unit, lot), "max_notional"
            if new_qty * unit > limits.max_notional:  # the division rounded up at the 28th digit
                new_qty -= lot
        if reason:
            if not self._resize:
                return self._reject(reason, f"{qty} exceeds the {reason} limit")
            if new_qty < lot or new_qty < inst.min_qty:
                return self._reject(reason, f"{qty} cut to the {reason} limit leaves no tradable quantity")
        if unit is not None and not intent.reduce_only and new_qty * unit < inst.min_notional:
            if reason:
                return self._reject(reason, f"{qty} cut to {new_qty} is under the venue minimum notional")
            return self._reject("min_notional", f"{new_qty * unit} < {inst.min_notional}")
        if self._is_duplicate(intent, portfolio.ts_ns):
            return self._reject("duplicate_intent", f"same as an intent less than {self._window} ns ago")
        if reason:
            return self._resized(reason, new_qty, f"{qty} cut to {new_qty} by {reason}")
        return self._allow()

    # -- helpers ----------------------------------------------------------------------------------------
    def _reference(self, instrument_id: str, portfolio: PortfolioState) -> Decimal | None:
        price = _usable(portfolio.mid_prices.get(instrument_id)) if self._use_mid else None
        if price is None and self._use_mark:
            price = _usable(portfolio.mark_prices.get(instrument_id))
        return price

    def _is_duplicate(self, intent: OrderRequest, now: int) -> bool:
        """True for a repeat under another client id within the window; otherwise remember the intent."""
        if not self._window:
            return False
        recent = self._recent
        while recent:  # forget what has aged out (entries are kept in arrival order)
            oldest = next(iter(recent.values()))
            if now - oldest[0] < self._window:
                break
            recent.popitem(last=False)
        key = (intent.instrument_id, intent.side, intent.type, intent.price, intent.qty)
        seen = recent.get(key)
        if seen is not None and seen[1] != intent.client_order_id and 0 <= now - seen[0] < self._window:
            return True
        recent[key] = (now, intent.client_order_id)
        recent.move_to_end(key)
        if len(recent) > self._capacity:
            recent.popitem(last=False)
        return False
