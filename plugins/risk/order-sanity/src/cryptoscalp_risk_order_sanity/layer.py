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

Hot path: no logging, no pydantic objects; configuration is read into plain attributes once, and an
instrument's grid and limits once per instrument object. Prices and quantities stay exact ``Decimal``.
``check_fast`` (the risk stack's entry) is ``check`` without the detail of a resize.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderType
from cryptoscalp_core.ports.risk import IntentView, PortfolioState, RiskDecision
from cryptoscalp_core.risk_layer import CountingRiskLayer
from cryptoscalp_risk_order_sanity.config import OrderSanityConfig

NAME = "order-sanity"
REASONS = ("unknown_instrument", "off_grid_qty", "below_min_qty", "off_grid_price", "no_reference_price",
           "price_band", "max_qty", "max_notional", "min_notional", "duplicate_intent")
_BPS = Decimal(10_000)
_ZERO = Decimal(0)

# A remembered intent: [price, qty, time, client id, sequence number, the key of its group in ``_groups``].
# The key, not the group's list: an entry in its own group's list would make a reference cycle, garbage
# only the cyclic collector frees (with the intent's price, quantity and id), so forgotten entries would
# pile up between collections and the collections cost pauses on the decision path.
_Entry = list[Any]
_LIMIT = OrderType.LIMIT


class _Limits:
    """The limits in force for one instrument (overrides merged with the layer-wide values)."""

    __slots__ = ("band_bps", "max_notional", "max_qty")

    def __init__(self, max_qty: Decimal | None, max_notional: Decimal | None, band_bps: Decimal) -> None:
        self.max_qty, self.max_notional, self.band_bps = max_qty, max_notional, band_bps


class _Grid:
    """What the allow path needs of one instrument object, read once (``Instrument.id`` is a property),
    and the verdict on the last reference price seen for it: a price object is judged once (finite,
    positive, ``band_bps * ref``), however many intents are checked against it."""

    __slots__ = ("band_bps", "band_ref", "id", "inst", "lot", "max_notional", "max_qty", "min_notional",
                 "min_qty", "mult", "ref", "ref_ok", "tick")

    def __init__(self, inst: Instrument, limits: _Limits) -> None:
        self.inst, self.id = inst, inst.id
        self.lot, self.min_qty, self.tick = inst.lot_size, inst.min_qty, inst.tick_size
        self.mult, self.min_notional = inst.contract_multiplier, inst.min_notional
        self.max_qty, self.max_notional, self.band_bps = limits.max_qty, limits.max_notional, limits.band_bps
        self.ref: Decimal | None = None
        self.ref_ok, self.band_ref = False, _ZERO

    def judge(self, ref: Decimal) -> bool:
        """Whether ``ref`` can serve as the reference price (finite and positive), remembered for it."""
        self.ref = ref
        self.ref_ok = ref.is_finite() and ref > _ZERO  # NaN refuses ">": finiteness first
        self.band_ref = self.band_bps * ref if self.ref_ok else _ZERO
        return self.ref_ok


def floor_to_lot(qty: Decimal, lot: Decimal) -> Decimal:
    return (qty // lot) * lot


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
        self._recent: dict[int, _Entry] = {}  # sequence number -> entry, oldest first
        self._groups: dict[tuple[str, OrderSide, OrderType], list[_Entry]] = {}
        self._seq = 0
        self._front = 0  # time of the first entry of _recent
        self._latest = -(1 << 62)  # the latest time an entry of _recent was remembered at (or later)
        self._grids: dict[int, _Grid] = {}  # id(instrument) -> its grid (the grid holds the instrument)
        self._last: _Grid | None = None
        super().__init__(NAME, REASONS, ("max_qty", "max_notional"))
        self._allowed = RiskDecision.allow(NAME)

    # -- the check --------------------------------------------------------------------------------------
    def check(self, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision:
        return self.check_fast(intent, portfolio, IntentView.of(intent, portfolio), True)

    def check_fast(self, intent: OrderRequest, portfolio: PortfolioState, view: IntentView,
                   detail: bool = False) -> RiskDecision:
        """``check`` given the stack's view (only its ``instrument`` is read); ``detail``: also describe a
        resize, as ``check`` does."""
        metrics = self._metrics
        metrics["checks"] += 1
        inst = view.instrument
        if inst is None:
            return self._reject("unknown_instrument", intent.instrument_id)
        g = self._last  # the grid of the previous intent, most often this one's
        if g is None or g.inst is not inst:
            g = self._grids.get(id(inst))
            if g is None or g.inst is not inst:
                g = self._grid(inst)
            self._last = g
        lot, qty, price = g.lot, intent.qty, intent.price
        if qty % lot:
            return self._reject("off_grid_qty", f"{qty} is not a multiple of {lot}")
        if qty < g.min_qty:
            return self._reject("below_min_qty", f"{qty} < {g.min_qty}")
        ref = portfolio.mid_prices.get(g.id) if self._use_mid else None
        if ref is not None and not (g.ref_ok if ref is g.ref else g.judge(ref)):
            ref = None
        if ref is None and self._use_mark:
            ref = portfolio.mark_prices.get(g.id)
            if ref is not None and not (g.ref_ok if ref is g.ref else g.judge(ref)):
                ref = None
        # from here a reference that is not None is g.ref, and g.band_ref is band_bps * ref
        if intent.type is _LIMIT and price is not None:
            if price % g.tick:
                return self._reject("off_grid_price", f"{price} is not a multiple of {g.tick}")
            if ref is None:
                return self._reject("no_reference_price", f"no mid or mark price for {g.id} yet")
            if abs(price - ref) * _BPS > g.band_ref:
                return self._reject("price_band", f"{price} is over {g.band_bps} bps from {ref}")
        else:
            price = ref
            if price is None and (g.max_notional is not None or (g.min_notional > 0 and not intent.reduce_only)):
                return self._reject("no_reference_price", f"cannot value a market order on {g.id}")
        new_qty, reason = qty, ""
        if g.max_qty is not None and new_qty > g.max_qty:
            new_qty, reason = floor_to_lot(g.max_qty, lot), "max_qty"
        unit = price * g.mult if price is not None else None
        notional = new_qty * unit if unit is not None else None
        if g.max_notional is not None and notional is not None and notional > g.max_notional:
            assert unit is not None
            new_qty, reason = floor_to_lot(g.max_notional / unit, lot), "max_notional"
            if new_qty * unit > g.max_notional:  # the division rounded up at the 28th digit
                new_qty -= lot
            notional = new_qty * unit
        if reason:
            if not self._resize:
                return self._reject(reason, f"{qty} exceeds the {reason} limit")
            if new_qty < lot or new_qty < g.min_qty:
                return self._reject(reason, f"{qty} cut to the {reason} limit leaves no tradable quantity")
        if notional is not None and not intent.reduce_only and notional < g.min_notional:
            if reason:
                return self._reject(reason, f"{qty} cut to {new_qty} is under the venue minimum notional")
            return self._reject("min_notional", f"{notional} < {g.min_notional}")
        if self._is_duplicate(intent, portfolio.ts_ns):
            return self._reject("duplicate_intent", f"same as an intent less than {self._window} ns ago")
        if reason:
            return self._resized(reason, new_qty, f"{qty} cut to {new_qty} by {reason}" if detail else "")
        metrics["allow"] += 1
        return self._allowed

    def _grid(self, inst: Instrument) -> _Grid:
        if len(self._grids) > 1024:  # portfolios built afresh with new instrument objects: stay bounded
            self._grids.clear()
        g = self._grids[id(inst)] = _Grid(inst, self._limits.get(inst.id, self._default))
        return g

    # -- helpers ----------------------------------------------------------------------------------------
    def _is_duplicate(self, intent: OrderRequest, now: int) -> bool:
        """True for a repeat under another client id within the window; otherwise remember the intent.

        The memory is an LRU of intent keys (instrument, side, type, price, quantity), each with the time
        and client id it was last remembered: ``_recent`` holds the entries in that order (keyed by a
        sequence number; a remembered key moves to the end), ``_groups`` the same entries by (instrument,
        side, type), where a key is found by comparing prices and quantities as Decimals (by value, as
        a dict of the full keys would, without hashing fresh Decimals). ``_front`` is the time of the
        first entry, so the common case finds nothing to forget with one comparison."""
        window = self._window
        if not window:
            return False
        recent = self._recent
        if recent and now - self._front >= window:
            if now - self._latest >= window:  # all of it has aged out (the common case): forget at once
                recent.clear()
                self._groups.clear()
                self._front = 0
            else:
                self._age(now)
        price, qty, cid = intent.price, intent.qty, intent.client_order_id
        group = (intent.instrument_id, intent.side, intent.type)
        entries = self._groups.get(group)
        if entries is None:
            entries = self._groups[group] = []
        else:
            for seen in entries:
                p, q = seen[0], seen[1]
                if (p is price or p == price) and (q is qty or q == qty):  # NaN: only the same object
                    if seen[3] != cid and 0 <= now - seen[2] < window:
                        return True
                    del recent[seen[4]]  # remembered again: it moves to the end
                    seq = self._seq = self._seq + 1
                    seen[2], seen[3], seen[4] = now, cid, seq
                    recent[seq] = seen
                    if now > self._latest:
                        self._latest = now
                    self._front = next(iter(recent.values()))[2]
                    return False
        if not recent:
            self._front = now
        seq = self._seq = self._seq + 1
        entry: _Entry = [price, qty, now, cid, seq, group]
        entries.append(entry)
        recent[seq] = entry
        if now > self._latest:
            self._latest = now
        if len(recent) > self._capacity:
            self._forget(next(iter(recent.values())))
            self._front = next(iter(recent.values()))[2]
        return False

    def _age(self, now: int) -> None:
        """Forget what has aged out: the entries from the first on (arrival order), up to one that has not."""
        window, front, aged = self._window, 0, []
        for entry in self._recent.values():
            if now - entry[2] < window:
                front = entry[2]
                break
            aged.append(entry)
        for entry in aged:
            self._forget(entry)
        self._front = front

    def _forget(self, entry: _Entry) -> None:
        del self._recent[entry[4]]
        entries = self._groups[entry[5]]  # an entry in _recent is in its group (both are cleared together)
        for i, other in enumerate(entries):
            if other is entry:
                del entries[i]
                break
