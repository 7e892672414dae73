"""The layer agrees with a reference written independently from the README's rule, in exact fractions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from cryptoscalp_risk_position_limit.config import PositionLimitConfig, SideLimits
from cryptoscalp_risk_position_limit.layer import PositionLimitLayer
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.orders import OrderRequest, OrderSide
from cryptoscalp_core.ports.risk import PortfolioState, RiskAction
from cryptoscalp_core.testing.conformance import sample_instruments, scenarios

INSTRUMENTS = sample_instruments()


@dataclass(frozen=True)
class Verdict:
    action: RiskAction
    reason: str = ""
    qty: Fraction | None = None


def reference(cfg: PositionLimitConfig, intent: OrderRequest, pf: PortfolioState) -> Verdict:
    inst = pf.instruments.get(intent.instrument_id)
    if inst is None:
        return Verdict(RiskAction.REJECT, "unknown_instrument")
    if intent.reduce_only:
        return Verdict(RiskAction.ALLOW)
    override = cfg.per_instrument.get(inst.id, SideLimits())
    buy = intent.side is OrderSide.BUY
    side_name = "max_long" if buy else "max_short"
    candidates = []
    for name, order in (("max_position", 0), (side_name, 1)):
        value = getattr(override, name)
        value = getattr(cfg, name) if value is None else value
        if value is not None:  # ties go to max_position (order 0)
            candidates.append((Fraction(value), order, "position_limit" if order == 0 else side_name))
    if not candidates:
        return Verdict(RiskAction.ALLOW)
    limit, _, reason = min(candidates)
    sign = 1 if buy else -1
    pos = pf.positions.get(inst.id)
    exposure = sign * Fraction(pos.qty) if pos is not None else Fraction(0)
    for order in pf.open_orders.values():
        r = order.request
        if r.instrument_id == inst.id and r.side is intent.side and order.status.is_open \
                and r.client_order_id != intent.client_order_id:
            exposure += Fraction(r.qty) - Fraction(order.filled_qty)
    if exposure + Fraction(intent.qty) <= limit:
        return Verdict(RiskAction.ALLOW)
    room = limit - exposure
    if not cfg.resize or room <= 0:
        return Verdict(RiskAction.REJECT, reason)
    lot = Fraction(inst.lot_size)
    qty = lot * math.floor(room / lot)
    price = intent.price or pf.mid_prices.get(inst.id) or pf.mark_prices.get(inst.id)
    too_small = price is not None and \
        Fraction(price) * qty * Fraction(inst.contract_multiplier) < Fraction(inst.min_notional)
    if qty < lot or qty < Fraction(inst.min_qty) or too_small:
        return Verdict(RiskAction.REJECT, reason)
    return Verdict(RiskAction.RESIZE, reason, qty)


limits = st.none() | st.integers(0, 10**6).map(lambda n: Decimal(n).scaleb(-3))
NAMES = ("max_position", "max_long", "max_short")


@st.composite
def configs(draw: st.DrawFn) -> PositionLimitConfig:
    wide = {name: draw(limits) for name in NAMES}
    override = draw(st.none() | st.fixed_dictionaries({name: limits for name in NAMES}))
    if all(v is None for v in wide.values()):
        wide["max_position"] = Decimal(draw(st.integers(0, 10**6))).scaleb(-3)
    per_instrument = {INSTRUMENTS[0].id: override} if override is not None else {}
    return PositionLimitConfig.model_validate(wide | {"resize": draw(st.booleans()), "per_instrument": per_instrument})


@settings(max_examples=400, deadline=None)
@given(configs(), scenarios(INSTRUMENTS))
def test_layer_matches_reference(cfg: PositionLimitConfig, scenario: tuple[OrderRequest, PortfolioState]) -> None:
    intent, portfolio = scenario
    got = PositionLimitLayer(cfg, instruments=INSTRUMENTS).check(intent, portfolio)
    want = reference(cfg, intent, portfolio)
    assert (got.action, got.reason) == (want.action, want.reason)
    assert (Fraction(got.qty) if got.qty is not None else None) == want.qty
