"""The shortcuts decide as the exact rules do, near and far from every limit.

* ``check_fast`` (the stack's entry, with its ``IntentView``) against ``check``;
* the quick allow (:mod:`cryptoscalp_risk_portfolio_exposure.estimate`) against the same layer without
  it, with limits set exactly at the room an intent needs and a hair either side;
* the VaR of one unit scaled (``_var_clear``) against the market view's VaR of the whole position;
* one layer kept over many checks (the figures it keeps per side and per market version) against them.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np
from cryptoscalp_risk_portfolio_exposure.config import PortfolioExposureConfig
from cryptoscalp_risk_portfolio_exposure.layer import PortfolioExposureLayer
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.domain.orders import Order, OrderRequest, OrderSide, OrderStatus, OrderType
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.engine.market_view import MarketView
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import IntentView, PortfolioState, RiskAction, RiskDecision
from cryptoscalp_core.testing.conformance import sample_instruments, scenarios

INSTRUMENTS = sample_instruments()
RELATIVE = [0, 1e-28, -1e-28, 1e-16, -1e-16, 1e-14, -1e-14, 1e-12, -1e-12, 1e-9, -1e-9, 1e-6, -1e-6, 0.5]


def _view(seed: int, sigma: float) -> MarketView:
    rng = np.random.default_rng(seed)
    n, k = 300, len(INSTRUMENTS)
    rows = empty(EventKind.TRADE, n * k)
    rows["ts_event"] = rows["ts_recv"] = np.repeat(np.arange(n, dtype=np.int64) * 10**9 + 1, k)
    rows["instrument"] = np.tile(np.arange(k), n)
    for i in range(k):
        rows["price"][i::k] = 100 * (i + 1) * np.exp(np.cumsum(rng.normal(0, sigma, n)))
    view = MarketView(INSTRUMENTS)
    view.observe(EventBatch(EventKind.TRADE, rows))
    return view


VIEWS = [_view(1, 1e-4), _view(2, 3e-3)]


class Exact(PortfolioExposureLayer):
    """The layer without its shortcuts: no float estimate, and the market view's VaR every time."""

    def __init__(self, config: PortfolioExposureConfig) -> None:
        super().__init__(config)
        self._estimate = False

    def _var_clear(self, *args: Any) -> bool:
        return False


def _same(fast: RiskDecision, exact: RiskDecision, *, detail: bool = True) -> None:
    assert (fast.action, fast.layer, fast.reason, fast.qty) == (exact.action, exact.layer, exact.reason, exact.qty)
    assert str(fast.qty) == str(exact.qty)
    if detail or exact.action is RiskAction.REJECT:
        assert fast.detail == exact.detail


def _mine(intent: OrderRequest, pf: PortfolioState, price: Decimal, resting: bool) -> Decimal:
    """The exposure of the intent's instrument, as the rules value it (test setup: where the limits go)."""
    inst = pf.instruments[intent.instrument_id]
    unit, sign = price * inst.contract_multiplier, Decimal(intent.side.sign)
    pos = pf.positions.get(intent.instrument_id)
    mine = pos.qty * price * pos.multiplier if pos is not None and pos.qty else Decimal(0)
    for o in pf.open_orders.values() if resting else ():
        r = o.request
        if (r.instrument_id == intent.instrument_id and r.side is intent.side and o.status.is_open
                and r.client_order_id != intent.client_order_id):
            mine += sign * (r.qty - o.filled_qty) * unit
    return mine


limits = st.none() | st.integers(1, 10**7).map(Decimal) | st.integers(1, 10**4).map(lambda x: Decimal(x) / 1000)


@settings(max_examples=300, deadline=None)
@given(scenarios(INSTRUMENTS), limits, limits, limits, st.none() | st.floats(0.05, 0.95), limits,
       st.sampled_from([0, 1, None]), st.booleans(), st.booleans())
def test_fast_check_matches_check(scenario: tuple[OrderRequest, PortfolioState], gross: Decimal | None,
                                  net: Decimal | None, cluster: Decimal | None, concentration: float | None,
                                  var: Decimal | None, market: int | None, resting: bool, resize: bool) -> None:
    intent, pf = scenario
    pf.market = VIEWS[market] if market is not None else None
    if all(x is None for x in (gross, net, cluster, concentration, var)):
        gross = Decimal(1000)
    cfg = PortfolioExposureConfig(max_gross_notional=gross, max_net_notional=net, max_cluster_notional=cluster,
                                  max_concentration=concentration, max_var=var, count_resting=resting,
                                  resize=resize)
    fast, plain, exact = PortfolioExposureLayer(cfg), PortfolioExposureLayer(cfg), Exact(cfg)
    got = fast.check_fast(intent, pf, IntentView.of(intent, pf))
    want = exact.check(intent, pf)
    _same(got, want, detail=False)
    _same(plain.check(intent, pf), want)
    assert dict(fast.metrics) == dict(plain.metrics) == dict(exact.metrics)


@settings(max_examples=500, deadline=None)
@given(scenarios(INSTRUMENTS), st.sampled_from(["max_gross_notional", "max_net_notional", "max_cluster_notional"]),
       st.sampled_from(RELATIVE), st.booleans(), st.booleans())
def test_estimate_at_the_limits(scenario: tuple[OrderRequest, PortfolioState], rule: str, relative: float,
                                resting: bool, resize: bool) -> None:
    """The limit at exactly the room the intent needs (``q * u + s * m``), and a hair either side."""
    intent, pf = scenario
    if intent.price is None or not intent.price > 0:
        return
    inst = pf.instruments[intent.instrument_id]
    unit = intent.price * inst.contract_multiplier
    bound = intent.qty * unit + intent.side.sign * _mine(intent, pf, intent.price, resting)
    limit = bound * (1 + Decimal(repr(relative)))
    if not limit > 0:
        return
    cfg = PortfolioExposureConfig(**{rule: limit}, count_resting=resting, resize=resize)
    _same(PortfolioExposureLayer(cfg).check(intent, pf), Exact(cfg).check(intent, pf))


@settings(max_examples=300, deadline=None)
@given(scenarios(INSTRUMENTS[:1]), st.sampled_from(RELATIVE), st.sampled_from(["historical", "parametric"]),
       st.integers(1, 60), st.sampled_from([0, 1]))
def test_var_at_the_limit(scenario: tuple[OrderRequest, PortfolioState], relative: float, method: str,
                          horizon: int, market: int) -> None:
    """``max_var`` at exactly the VaR the market view gives for the position after the intent."""
    intent, pf = scenario
    pf.instruments = {intent.instrument_id: pf.instruments[intent.instrument_id]}
    pf.market = view = VIEWS[market]
    price = intent.price if intent.price is not None and intent.price > 0 else pf.mid_prices.get(intent.instrument_id)
    if price is None:
        return
    inst = pf.instruments[intent.instrument_id]
    mine = _mine(intent, pf, price, True)
    extra = intent.side.sign * intent.qty * price * inst.contract_multiplier
    var = view.portfolio_var([float(mine) + float(extra)], 0.99, method, horizon)[0]  # type: ignore[arg-type]
    if not math.isfinite(var) or var <= 0:
        return
    cfg = PortfolioExposureConfig(max_var=Decimal(repr(var * (1 + relative))), var_method=method,
                                  var_horizon_bars=horizon)
    layer = PortfolioExposureLayer(cfg)
    _same(layer.check_fast(intent, pf, IntentView.of(intent, pf)), Exact(cfg).check(intent, pf), detail=False)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10**6), st.integers(-1, 1), st.booleans(), st.integers(1, 10**6))
def test_estimate_at_flat(lots: int, step: int, long: bool, ticks: int) -> None:
    """An intent that takes the position exactly to its opposite (no nearer flat, no further), and a lot
    either side, under a gross limit any increase breaks."""
    inst = INSTRUMENTS[0]
    pos = Position(inst.id, inst.contract_multiplier)
    pos.qty = inst.lot_size * lots * (1 if long else -1)
    price = inst.tick_size * ticks
    pos.avg_entry_price = price
    intent = OrderRequest(client_order_id="x", instrument_id=inst.id, side=OrderSide.SELL if long else OrderSide.BUY,
                          type=OrderType.LIMIT, qty=inst.lot_size * (2 * lots + step), price=price)
    pf = PortfolioState(ts_ns=0, instruments={inst.id: inst}, positions={inst.id: pos},
                        mid_prices={inst.id: price})
    cfg = PortfolioExposureConfig(max_gross_notional=Decimal("1e-9"), resize=False)
    _same(PortfolioExposureLayer(cfg).check(intent, pf), Exact(cfg).check(intent, pf))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["position", "order", "check"]), st.booleans(), st.integers(0, 40)),
                min_size=1, max_size=30),
       st.integers(1, 60), st.sampled_from(RELATIVE),
       st.sampled_from(["max_gross_notional", "max_net_notional", "max_cluster_notional"]), st.booleans())
def test_kept_layer_matches_exact(steps: list[tuple[str, bool, int]], limit_lots: int, relative: float, rule: str,
                                  resting: bool) -> None:
    """One layer over a run of checks while the position and the resting orders change under it (the
    figures it keeps per side must follow), with the limit at a whole number of lots of room, and a hair
    either side of it."""
    inst, price = INSTRUMENTS[0], Decimal("100.5")
    lot = inst.lot_size
    limit = limit_lots * lot * price * inst.contract_multiplier * (1 + Decimal(repr(relative)))
    cfg = PortfolioExposureConfig(**{rule: limit}, count_resting=resting)
    pos = Position(inst.id, inst.contract_multiplier)
    orders: dict[str, Order] = {}
    pf = PortfolioState(ts_ns=0, instruments={inst.id: inst}, positions={inst.id: pos}, open_orders=orders,
                        mid_prices={inst.id: price})
    kept = PortfolioExposureLayer(cfg)
    for i, (what, buy, lots) in enumerate(steps):
        side = OrderSide.BUY if buy else OrderSide.SELL
        if what == "position":
            pos.qty = lots * lot * side.sign
        elif what == "order":  # a new order, or one replacing another (a fill, an amendment)
            cid = f"o{lots % 3}"
            orders[cid] = Order(request=OrderRequest(client_order_id=cid, instrument_id=inst.id, side=side,
                                                     type=OrderType.LIMIT, qty=(lots + 1) * lot, price=price),
                                status=OrderStatus.NEW)
        else:
            intent = OrderRequest(client_order_id=f"i{i}", instrument_id=inst.id, side=side, type=OrderType.LIMIT,
                                  qty=(lots + 1) * lot, price=price)
            _same(kept.check_fast(intent, pf, IntentView.of(intent, pf)), Exact(cfg).check(intent, pf),
                  detail=False)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(RELATIVE), st.sampled_from(["historical", "parametric"]),
       st.booleans())
def test_unit_var_renewed_on_the_market_path(seed: int, relative: float, method: str, buy: bool) -> None:
    """Bars close between checks and ``on_market`` renews the unit VaR: each check decides as the exact
    rules with the view's VaR of that version (``max_var`` at the first check's VaR, and a hair beside)."""
    rng = np.random.default_rng(seed)
    inst = INSTRUMENTS[0]
    view = MarketView((inst,))
    t, price = 0, 100.0

    def bars(n: int) -> EventBatch:
        nonlocal t, price
        rows = empty(EventKind.TRADE, n)
        rows["ts_event"] = rows["ts_recv"] = t + np.arange(n, dtype=np.int64) * 400_000_000
        t += n * 400_000_000
        rows["price"] = price * np.exp(np.cumsum(rng.normal(0, 1e-3, n)))
        price = float(rows["price"][-1])
        return EventBatch(EventKind.TRADE, rows)

    view.observe(bars(200))
    side = OrderSide.BUY if buy else OrderSide.SELL
    intent = OrderRequest(client_order_id="i", instrument_id=inst.id, side=side, type=OrderType.LIMIT,
                          qty=Decimal("0.5"), price=Decimal("100"))
    var = view.portfolio_var([side.sign * 50.0], 0.99, method, 60)[0]  # type: ignore[arg-type]
    if not math.isfinite(var) or var <= 0:
        return
    cfg = PortfolioExposureConfig(max_var=Decimal(repr(var * (1 + relative))), var_method=method)
    kept = PortfolioExposureLayer(cfg)
    pf = PortfolioState(ts_ns=0, instruments={inst.id: inst}, mid_prices={inst.id: Decimal(100)}, market=view)
    for _ in range(8):
        _same(kept.check_fast(intent, pf, IntentView.of(intent, pf)), Exact(cfg).check(intent, pf), detail=False)
        batch = bars(int(rng.integers(1, 6)))
        view.observe(batch)
        kept.on_market(batch)
