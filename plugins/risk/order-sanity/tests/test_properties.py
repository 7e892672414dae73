"""The layer agrees with a reference written independently from the README's rules, in exact fractions.

The layer works in ``Decimal`` (28 significant digits); the reference works in ``Fraction`` (exact), so
rounding at the edges of the band, the notional limit and the lot grid is checked, not assumed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from cryptoscalp_risk_order_sanity.config import OrderSanityConfig
from cryptoscalp_risk_order_sanity.layer import OrderSanityLayer
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderType
from cryptoscalp_core.ports.risk import PortfolioState, RiskAction
from cryptoscalp_core.testing.conformance import sample_instruments, scenarios

INSTRUMENTS = sample_instruments()


@dataclass(frozen=True)
class Verdict:
    action: RiskAction
    reason: str = ""
    qty: Fraction | None = None


def reference(cfg: OrderSanityConfig, intent: OrderRequest, pf: PortfolioState) -> Verdict:
    """The README's rules, one by one (a fresh layer: duplicates cannot occur)."""
    inst = pf.instruments.get(intent.instrument_id)
    if inst is None:
        return Verdict(RiskAction.REJECT, "unknown_instrument")
    lot, q = Fraction(inst.lot_size), Fraction(intent.qty)
    if (q / lot).denominator != 1:
        return Verdict(RiskAction.REJECT, "off_grid_qty")
    if q < Fraction(inst.min_qty):
        return Verdict(RiskAction.REJECT, "below_min_qty")
    mid, mark = pf.mid_prices.get(inst.id), pf.mark_prices.get(inst.id)
    candidates = {"mid": [mid], "mark": [mark], "mid_or_mark": [mid, mark]}[cfg.reference]
    ref = next((Fraction(p) for p in candidates if p is not None and p > 0), None)
    if intent.type is OrderType.LIMIT:
        assert intent.price is not None
        p = Fraction(intent.price)
        if (p / Fraction(inst.tick_size)).denominator != 1:
            return Verdict(RiskAction.REJECT, "off_grid_price")
        if ref is None:
            return Verdict(RiskAction.REJECT, "no_reference_price")
        if abs(p / ref - 1) * 10_000 > Fraction(cfg.price_band_bps):
            return Verdict(RiskAction.REJECT, "price_band")
        value: Fraction | None = p
    else:
        value = ref
        must_value = cfg.max_notional is not None or (inst.min_notional > 0 and not intent.reduce_only)
        if value is None and must_value:
            return Verdict(RiskAction.REJECT, "no_reference_price")
    mult = Fraction(inst.contract_multiplier)
    target, limit = q, ""
    if cfg.max_qty is not None and target > Fraction(cfg.max_qty):
        target, limit = lot * math.floor(Fraction(cfg.max_qty) / lot), "max_qty"
    if cfg.max_notional is not None and value is not None and target * value * mult > Fraction(cfg.max_notional):
        target, limit = lot * math.floor(Fraction(cfg.max_notional) / (value * mult * lot)), "max_notional"
    if limit and (not cfg.resize or target < lot or target < Fraction(inst.min_qty)):
        return Verdict(RiskAction.REJECT, limit)
    if value is not None and not intent.reduce_only and target * value * mult < Fraction(inst.min_notional):
        return Verdict(RiskAction.REJECT, limit or "min_notional")
    return Verdict(RiskAction.RESIZE, limit, target) if limit else Verdict(RiskAction.ALLOW)


def _decimals(low: int, high: int, scale: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low, high).map(lambda n: Decimal(n).scaleb(-scale))


configs = st.builds(
    OrderSanityConfig,
    price_band_bps=_decimals(1, 50_000, 1),
    reference=st.sampled_from(["mid", "mark", "mid_or_mark"]),
    max_qty=st.none() | _decimals(1, 10**7, 3),
    max_notional=st.none() | _decimals(1, 10**9, 2),
    resize=st.booleans(),
)


def _with_mark(drawn: tuple[tuple[OrderRequest, PortfolioState], bool]) -> tuple[OrderRequest, PortfolioState]:
    """Give most portfolios a mark price equal to the mid, so ``reference: mark`` reaches the size rules."""
    (intent, portfolio), add = drawn
    if add and intent.instrument_id in portfolio.mid_prices:
        portfolio.mark_prices = {intent.instrument_id: portfolio.mid_prices[intent.instrument_id]}
    return intent, portfolio


@settings(max_examples=400, deadline=None)
@given(configs, st.tuples(scenarios(INSTRUMENTS), st.booleans()).map(_with_mark))
def test_layer_matches_reference(cfg: OrderSanityConfig, scenario: tuple[OrderRequest, PortfolioState]) -> None:
    intent, portfolio = scenario
    got = OrderSanityLayer(cfg, instruments=INSTRUMENTS).check(intent, portfolio)
    want = reference(cfg, intent, portfolio)
    assert (got.action, got.reason) == (want.action, want.reason)
    assert (Fraction(got.qty) if got.qty is not None else None) == want.qty


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3 * 10**9), st.sampled_from("abc")), max_size=40))
def test_duplicates_match_reference(steps: list[tuple[int, int, str]]) -> None:
    """A run of intents drawn from four shapes, at increasing times, under three client ids: the layer
    rejects exactly those that repeat a shape allowed under another id less than a window ago."""
    window = 10**9
    layer = OrderSanityLayer(OrderSanityConfig(duplicate_window_ns=window), instruments=INSTRUMENTS)
    make: Callable[[int, str], OrderRequest] = lambda shape, cid: OrderRequest(  # noqa: E731
        client_order_id=cid, instrument_id=INSTRUMENTS[0].id, side=OrderSide.BUY if shape % 2 else OrderSide.SELL,
        type=OrderType.LIMIT, qty=Decimal("0.010") + Decimal("0.001") * (shape // 2), price=Decimal("60000"))
    allowed: dict[int, tuple[int, str]] = {}  # shape -> (time, client id) of the last allowed intent
    now = 0
    for shape, gap, cid in steps:
        now += gap
        portfolio = PortfolioState(ts_ns=now, instruments={i.id: i for i in INSTRUMENTS},
                                   mid_prices={INSTRUMENTS[0].id: Decimal("60000")})
        last = allowed.get(shape)
        duplicate = last is not None and last[1] != cid and now - last[0] < window
        decision = layer.check(make(shape, cid), portfolio)
        assert (decision.reason == "duplicate_intent") is duplicate, (shape, now, cid, last)
        if not duplicate:
            allowed[shape] = (now, cid)
