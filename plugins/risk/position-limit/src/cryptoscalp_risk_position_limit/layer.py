"""The ``position-limit`` risk layer: caps the worst-case position an intent can lead to.

Worst case for a buy: the current position, plus every resting buy order on the instrument (what is left
of it), plus this intent, all filled; a sell mirrors it. Resting orders on the other side are ignored,
because they might never fill. The intent passes when that worst case stays within the side's limit.

* Reduce-only intents always pass (the venue only lets them shrink a position).
* So does any intent that, even with the same-side resting orders, can at most take the position to flat
  (it only reduces exposure), whatever the limits say — a layer must never block getting out.
* Otherwise the intent is resized to the remaining room on the lot grid (``resize: true``) or rejected.
  A resize that leaves less than one lot, less than the venue's minimum quantity, or (when the price is
  known) less than its minimum notional, is a rejection.

Reason codes: ``position_limit`` (``max_position`` binds), ``max_long`` / ``max_short`` (the per-side
limit binds), ``unknown_instrument``. Hot path: no logging, no pydantic objects, O(open orders), exact
``Decimal`` sums; the limits are looked up once per instrument object. ``check_fast`` (the risk stack's
entry) takes the position and the resting orders from the stack's ``IntentView``, keeps their sum while
the view gives the same objects (the same position and open orders), and leaves out the detail of a
resize.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import OrderRequest, OrderSide
from cryptoscalp_core.ports.risk import IntentView, PortfolioState, RiskDecision
from cryptoscalp_core.risk_layer import CountingRiskLayer
from cryptoscalp_risk_position_limit.config import PositionLimitConfig, SideLimits

NAME = "position-limit"
REASONS = ("position_limit", "max_long", "max_short", "unknown_instrument")
_ZERO = Decimal(0)
_BUY = OrderSide.BUY

# (limit, reason) per side; a None limit means the side is unbounded.
SideLimit = tuple[Decimal | None, str]


def _side_limit(max_position: Decimal | None, max_side: Decimal | None, side_reason: str) -> SideLimit:
    """The tighter of the two-sided and the one-sided limit, named after the setting that binds."""
    if max_side is not None and (max_position is None or max_side < max_position):
        return max_side, side_reason
    return max_position, "position_limit"


def _resolve(limits: SideLimits, fallback: SideLimits) -> tuple[SideLimit, SideLimit]:
    def pick(name: str) -> Decimal | None:
        value: Decimal | None = getattr(limits, name)
        return value if value is not None else getattr(fallback, name)

    position = pick("max_position")
    return _side_limit(position, pick("max_long"), "max_long"), _side_limit(position, pick("max_short"), "max_short")


class PositionLimitLayer(CountingRiskLayer):
    """Per-instrument position limits; see the module docstring for the rule."""

    def __init__(self, config: PositionLimitConfig, *, instruments: tuple[Instrument, ...] = ()) -> None:
        known = {inst.id for inst in instruments}
        unknown = sorted(set(config.per_instrument) - known) if known else []
        if unknown:
            raise ValueError(f"position-limit: per_instrument names instruments not in the profile: {unknown}")
        self._default = _resolve(config, config)
        self._limits = {inst_id: _resolve(o, config) for inst_id, o in config.per_instrument.items()}
        self._resize = config.resize
        self._by_object: dict[int, tuple[Instrument, str, SideLimit, SideLimit]] = {}  # id(instrument) -> limits
        self._last: tuple[Instrument | None, str, SideLimit, SideLimit] = (None, "", (None, ""), (None, ""))
        # (held, resting, unit_sign) of the last exposure summed, and the sum (see check_fast)
        self._exposure: tuple[Decimal | None, list[Decimal] | None, Decimal | None, Decimal] = (None, None, None, _ZERO)
        super().__init__(NAME, REASONS, REASONS[:3])
        self._allowed = RiskDecision.allow(NAME)

    def check(self, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision:
        return self.check_fast(intent, portfolio, IntentView.of(intent, portfolio), True)

    def check_fast(self, intent: OrderRequest, portfolio: PortfolioState, view: IntentView,
                   detail: bool = False) -> RiskDecision:
        """``check`` given the stack's view; ``detail``: also describe a resize, as ``check`` does."""
        metrics = self._metrics
        metrics["checks"] += 1
        inst = view.instrument
        if inst is None:
            return self._reject("unknown_instrument", intent.instrument_id)
        limits = self._last  # the instrument of the previous intent, most often this one's
        if limits[0] is not inst:
            found = self._by_object.get(id(inst))
            limits = self._last = found if found is not None and found[0] is inst else self._limits_of(inst)
        if limits[1] != intent.instrument_id:  # the view is of the intent's id, the rule of the instrument's
            view = IntentView.of(msgspec.structs.replace(intent, instrument_id=limits[1]), portfolio)
        buy = intent.side is _BUY
        limit, reason = limits[2] if buy else limits[3]
        if not intent.reduce_only and limit is not None:
            # Exposure on the intent's side: positive = a position on that side; a resting order of the
            # intent itself (a re-check) is not extra exposure. The same position and remainders (the same
            # objects: a view shares its snapshot's list while the open orders stay the same, and lists
            # handed out are never mutated) give the same sum, kept from the last check
            held, resting, unit_sign = view.held, view.resting, view.unit_sign
            known = self._exposure
            if known[0] is held and known[1] is resting and known[2] is unit_sign:
                exposure = known[3]
            else:
                exposure = held * unit_sign
                for remaining in resting:
                    exposure += remaining
                self._exposure = (held, resting, unit_sign, exposure)
            worst = exposure + intent.qty
            if not (worst <= limit or worst <= _ZERO):  # limits are >= 0: the second test only documents the rule
                return self._over(intent, portfolio, inst, limit, reason, exposure, worst, detail)
        metrics["allow"] += 1
        return self._allowed

    def _limits_of(self, inst: Instrument) -> tuple[Instrument, str, SideLimit, SideLimit]:
        if len(self._by_object) > 1024:  # portfolios built afresh with new instrument objects: stay bounded
            self._by_object.clear()
        key = inst.id
        found = self._by_object[id(inst)] = (inst, key, *self._limits.get(key, self._default))
        return found

    def _over(self, intent: OrderRequest, portfolio: PortfolioState, inst: Instrument, limit: Decimal, reason: str,
              exposure: Decimal, worst: Decimal, detail: bool) -> RiskDecision:
        room = limit - exposure
        why = f"worst case {worst} over {reason} {limit} (exposure {exposure})"
        if not self._resize or room <= 0:
            return self._reject(reason, why)
        qty = (room // inst.lot_size) * inst.lot_size
        price = intent.price or portfolio.mid_prices.get(inst.id) or portfolio.mark_prices.get(inst.id)
        if qty < inst.lot_size or qty < inst.min_qty or (
                price is not None and price.is_finite() and inst.notional(price, qty) < inst.min_notional):
            return self._reject(reason, why + f"; room {room} is not a tradable order")
        return self._resized(reason, qty, f"{intent.qty} cut to {qty}: " + why if detail else "")
