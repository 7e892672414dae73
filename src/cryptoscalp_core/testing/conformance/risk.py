"""Conformance cases RISK-01..RISK-09 for a :class:`~cryptoscalp_core.ports.RiskLayer`.

RISK-08 and RISK-09 cover the port's optional capabilities (market observation, protective actions);
they live in :class:`RiskLayerCapabilityConformance`, which a layer with those capabilities subclasses
instead (a layer without one skips its case).

Use::

    class TestMyLayer(RiskLayerConformance):
        @pytest.fixture
        def make_layer(self, instruments) -> Callable[[], RiskLayer]:
            return lambda: MyLayer(MyConfig(limit=5), instruments=instruments)

        @pytest.fixture
        def scenarios(self, instruments) -> Sequence[RiskScenario]:
            return [RiskScenario(intent, portfolio, RiskAction.REJECT, reason="my_limit")]

The property cases draw intents and portfolios from :meth:`RiskLayerConformance.scenario_strategy`
(default: :func:`~cryptoscalp_core.testing.conformance.strategies.scenarios` over ``instruments``); a
layer with settings that make most random intents trivially pass should list ``scenarios`` that reach
its resize and reject paths, so RISK-01 and RISK-02 see them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest, OrderStatus
from cryptoscalp_core.engine.market_view import MarketView
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import (
    MarketObserver,
    PortfolioState,
    ProtectiveAction,
    ProtectiveKind,
    ProtectiveLayer,
    RiskAction,
    RiskDecision,
    RiskLayer,
)
from cryptoscalp_core.testing.conformance.instruments import sample_instruments
from cryptoscalp_core.testing.conformance.strategies import Scenario, scenarios


@dataclass(frozen=True, slots=True)
class RiskScenario:
    """A hand-written case: ``intent`` against ``portfolio`` must give ``expect`` (and ``reason``)."""

    intent: OrderRequest
    portfolio: PortfolioState
    expect: RiskAction
    reason: str | None = None


def _snapshot(p: PortfolioState) -> tuple[object, ...]:
    positions = {k: (v.qty, v.avg_entry_price) for k, v in p.positions.items()}
    orders = {k: (v.status, v.filled_qty, v.request) for k, v in p.open_orders.items()}
    return (p.ts_ns, dict(p.instruments), positions, orders, dict(p.mid_prices), dict(p.mark_prices),
            p.equity, p.margin_ratio)


class RiskLayerConformance:
    """Abstract suite: subclass it as ``Test…`` and override the ``make_layer`` fixture."""

    #: examples per property case
    max_examples: int = 100

    @pytest.fixture
    def make_layer(self) -> Callable[[], RiskLayer]:
        raise NotImplementedError("override make_layer: return a factory of fresh layers")

    @pytest.fixture
    def instruments(self) -> tuple[Instrument, ...]:
        return sample_instruments()

    @pytest.fixture
    def scenarios(self) -> Sequence[RiskScenario]:
        return ()

    def scenario_strategy(self, instruments: tuple[Instrument, ...]) -> st.SearchStrategy[Scenario]:
        """Well-formed ``(intent, portfolio)`` pairs; override to steer examples to your layer's limits."""
        return scenarios(instruments)

    # -- helpers ----------------------------------------------------------------------------------------
    def _property(self, instruments: tuple[Instrument, ...],
                  test: Callable[[OrderRequest, PortfolioState], None]) -> None:
        @settings(max_examples=self.max_examples, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        @given(self.scenario_strategy(instruments))
        def run(scenario: Scenario) -> None:
            test(*scenario)

        run()

    @staticmethod
    def _decide(layer: RiskLayer, intent: OrderRequest, portfolio: PortfolioState) -> RiskDecision:
        """Check, skipping examples where the layer raises: raising is RISK-03's case, not this one's."""
        try:
            return layer.check(intent, portfolio)
        except Exception:
            assume(False)
            raise  # unreachable: assume(False) aborts the example

    @staticmethod
    def _assert_shape(layer: RiskLayer, decision: RiskDecision) -> None:
        assert isinstance(decision, RiskDecision), f"check returned {type(decision).__name__}"
        assert isinstance(decision.action, RiskAction)
        assert isinstance(layer.name, str) and layer.name, "layer.name must be a non-empty string"
        assert decision.layer == layer.name, f"decision.layer {decision.layer!r} != name {layer.name!r}"
        if decision.action is not RiskAction.ALLOW:
            assert isinstance(decision.reason, str) and decision.reason, f"{decision.action.value} without reason"

    @staticmethod
    def _assert_resize(intent: OrderRequest, portfolio: PortfolioState, decision: RiskDecision) -> None:
        if decision.action is not RiskAction.RESIZE:
            return
        qty = decision.qty
        assert isinstance(qty, Decimal), f"RESIZE with qty {qty!r}"
        assert 0 < qty < intent.qty, f"RESIZE to {qty} for an intent of {intent.qty}"
        lot = portfolio.instruments[intent.instrument_id].lot_size
        assert qty % lot == 0, f"RESIZE to {qty} is off the lot grid {lot}"

    # -- cases ------------------------------------------------------------------------------------------
    def test_risk_01_decision_shape(self, make_layer: Callable[[], RiskLayer],
                                    instruments: tuple[Instrument, ...],
                                    scenarios: Sequence[RiskScenario]) -> None:
        """RISK-01 check() returns a RiskDecision with layer == name and a reason for reject/resize."""
        for sc in scenarios:
            layer = make_layer()
            self._assert_shape(layer, layer.check(sc.intent, sc.portfolio))

        def prop(intent: OrderRequest, portfolio: PortfolioState) -> None:
            layer = make_layer()
            self._assert_shape(layer, self._decide(layer, intent, portfolio))

        self._property(instruments, prop)

    def test_risk_02_resize_qty(self, make_layer: Callable[[], RiskLayer], instruments: tuple[Instrument, ...],
                                scenarios: Sequence[RiskScenario]) -> None:
        """RISK-02 a RESIZE carries a qty strictly smaller than the intent's, positive, on the lot grid."""
        for sc in scenarios:
            self._assert_resize(sc.intent, sc.portfolio, make_layer().check(sc.intent, sc.portfolio))

        def prop(intent: OrderRequest, portfolio: PortfolioState) -> None:
            self._assert_resize(intent, portfolio, self._decide(make_layer(), intent, portfolio))

        self._property(instruments, prop)

    def test_risk_03_never_raises(self, make_layer: Callable[[], RiskLayer],
                                  instruments: tuple[Instrument, ...]) -> None:
        """RISK-03 check() never raises for a well-formed intent, for a fresh layer or one with history."""
        seasoned = make_layer()

        def prop(intent: OrderRequest, portfolio: PortfolioState) -> None:
            make_layer().check(intent, portfolio)
            seasoned.check(intent, portfolio)

        self._property(instruments, prop)

    def test_risk_04_metrics_count_checks(self, make_layer: Callable[[], RiskLayer],
                                          instruments: tuple[Instrument, ...]) -> None:
        """RISK-04 metrics is a Mapping of str to int, and metrics["checks"] counts check() calls."""
        layer = make_layer()
        drawn: list[Scenario] = []
        self._property(instruments, lambda i, p: drawn.append((i, p)) if len(drawn) < 25 else None)
        before = layer.metrics
        assert isinstance(before, Mapping), f"metrics is {type(before).__name__}"
        start = int(before.get("checks", 0))
        calls = 0
        for intent, portfolio in drawn:
            try:  # an example that makes the layer raise is RISK-03's business: leave it out here
                make_layer().check(intent, portfolio)
            except Exception:
                continue
            layer.check(intent, portfolio)
            calls += 1
        after = dict(layer.metrics)
        for key, value in after.items():
            assert isinstance(key, str) and type(value) is int and value >= 0, f"metrics[{key!r}] = {value!r}"
        assert after.get("checks") == start + calls, f"checks {after.get('checks')} after {calls} calls"

    def test_risk_05_scenarios(self, make_layer: Callable[[], RiskLayer],
                               scenarios: Sequence[RiskScenario]) -> None:
        """RISK-05 the subclass's hand-written scenarios give their expected action and reason code."""
        if not scenarios:
            pytest.skip("the subclass lists no scenarios")
        for i, sc in enumerate(scenarios):
            decision = make_layer().check(sc.intent, sc.portfolio)
            assert decision.action is sc.expect, f"scenario {i}: {decision.action.value} ({decision.reason})"
            if sc.reason is not None:
                assert decision.reason == sc.reason, f"scenario {i}: reason {decision.reason!r}"

    def test_risk_06_portfolio_read_only(self, make_layer: Callable[[], RiskLayer],
                                         instruments: tuple[Instrument, ...]) -> None:
        """RISK-06 check() leaves the portfolio state as it found it."""

        def prop(intent: OrderRequest, portfolio: PortfolioState) -> None:
            before = _snapshot(portfolio)
            self._decide(make_layer(), intent, portfolio)
            assert _snapshot(portfolio) == before, "check() changed the portfolio"

        self._property(instruments, prop)

    def test_risk_07_order_and_fill_events(self, make_layer: Callable[[], RiskLayer],
                                           instruments: tuple[Instrument, ...]) -> None:
        """RISK-07 on_order() and on_fill() accept ordinary events without raising, then check() works."""
        layer = make_layer()

        def prop(intent: OrderRequest, portfolio: PortfolioState) -> None:
            inst = portfolio.instruments[intent.instrument_id]
            price = intent.price or portfolio.mid_prices.get(inst.id) or inst.tick_size
            layer.on_order(Order(request=intent, status=OrderStatus.NEW))
            layer.on_fill(Fill(client_order_id=intent.client_order_id, instrument_id=inst.id, side=intent.side,
                               price=price, qty=intent.qty, fee=inst.fee(price, intent.qty, maker=False),
                               ts_event=portfolio.ts_ns, ts_recv=portfolio.ts_ns))
            layer.on_order(Order(request=intent, status=OrderStatus.FILLED, filled_qty=intent.qty,
                                 avg_fill_price=price))
            self._decide(layer, intent, portfolio)

        self._property(instruments, prop)


_PRICES = {EventKind.TRADE: ("price",), EventKind.QUOTE: ("bid_price", "ask_price"),
           EventKind.MARK: ("mark_price",), EventKind.BOOK_DELTA: ()}


def market_batches(n_instruments: int) -> st.SearchStrategy[list[EventBatch]]:
    """Short runs of trade / quote / mark / book batches, times increasing, with some bad prices."""
    price = st.one_of(st.floats(1.0, 1e6), st.sampled_from([math.nan, math.inf, 0.0, -5.0]))

    @st.composite
    def batch(draw: st.DrawFn, start: int) -> EventBatch:
        kind = draw(st.sampled_from([EventKind.TRADE, EventKind.QUOTE, EventKind.MARK, EventKind.BOOK_DELTA]))
        n = draw(st.integers(1, 12))
        rows = empty(kind, n)
        gaps = draw(st.lists(st.integers(0, 3 * 10**9), min_size=n, max_size=n))
        ts = start + np.cumsum(np.asarray(gaps, dtype=np.int64))
        rows["ts_event"], rows["ts_recv"] = ts, ts
        rows["instrument"] = draw(st.lists(st.integers(0, n_instruments - 1), min_size=n, max_size=n))
        for name in _PRICES[kind]:
            rows[name] = draw(st.lists(price, min_size=n, max_size=n))
        if kind is EventKind.BOOK_DELTA:
            rows["price_ticks"], rows["qty"], rows["side"] = 1000, 1.0, 1
        return EventBatch(kind, rows)

    @st.composite
    def run(draw: st.DrawFn) -> list[EventBatch]:
        out, start = [], draw(st.integers(0, 2**40))
        for _ in range(draw(st.integers(1, 6))):
            b = draw(batch(start))
            start = int(b.rows["ts_recv"][-1])
            out.append(b)
        return out

    return run()


class RiskLayerCapabilityConformance(RiskLayerConformance):
    """RISK-01..07 plus RISK-08..09 for layers with the optional capabilities of the port
    (:class:`~cryptoscalp_core.ports.risk.MarketObserver`, :class:`~cryptoscalp_core.ports.risk.ProtectiveLayer`).
    A layer without a capability must not half-implement it."""

    def _with_market(self, instruments: tuple[Instrument, ...],
                     test: Callable[[list[EventBatch], OrderRequest, PortfolioState], None]) -> None:
        @settings(max_examples=self.max_examples, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        @given(market_batches(len(instruments)), self.scenario_strategy(instruments))
        def run(batches: list[EventBatch], scenario: Scenario) -> None:
            test(batches, *scenario)

        run()

    def test_risk_08_market_observation(self, make_layer: Callable[[], RiskLayer],
                                        instruments: tuple[Instrument, ...]) -> None:
        """RISK-08 on_market() takes batches of every kind (bad prices included) without raising and
        returns a bool or None; check() then answers well-formed decisions with a market view."""
        if not isinstance(make_layer(), MarketObserver):
            # no capability is fine; half of one (an on_market the protocol does not accept) is not
            assert not callable(getattr(make_layer(), "on_market", None)), \
                "on_market() exists but the layer does not satisfy MarketObserver"
            return

        def prop(batches: list[EventBatch], intent: OrderRequest, portfolio: PortfolioState) -> None:
            layer = make_layer()
            assert isinstance(layer, MarketObserver)
            view = MarketView(instruments)
            for b in batches:
                view.observe(b)
                assert layer.on_market(b) in (None, True, False)
            now = max(portfolio.ts_ns, view.last_recv_ns(intent.instrument_id))
            portfolio = replace(portfolio, market=view, ts_ns=now)
            self._assert_shape(layer, layer.check(intent, portfolio))

        self._with_market(instruments, prop)

    def test_risk_09_protective_actions(self, make_layer: Callable[[], RiskLayer],
                                        instruments: tuple[Instrument, ...]) -> None:
        """RISK-09 protective_actions() returns ProtectiveActions named after the layer, with a reason, a
        known or empty instrument and a positive or absent quantity, and leaves the portfolio as it was."""
        if not isinstance(make_layer(), ProtectiveLayer):
            assert not callable(getattr(make_layer(), "protective_actions", None)), \
                "protective_actions() exists but the layer does not satisfy ProtectiveLayer"
            return

        def prop(batches: list[EventBatch], intent: OrderRequest, portfolio: PortfolioState) -> None:
            layer = make_layer()
            assert isinstance(layer, ProtectiveLayer)
            view = MarketView(instruments)
            for b in batches:
                view.observe(b)
                if isinstance(layer, MarketObserver):
                    layer.on_market(b)
            portfolio = replace(portfolio, market=view)
            before = _snapshot(portfolio)
            self._decide(layer, intent, portfolio)
            for action in layer.protective_actions(portfolio):
                assert isinstance(action, ProtectiveAction), type(action).__name__
                assert isinstance(action.kind, ProtectiveKind)
                assert action.layer == layer.name and action.reason
                assert action.instrument_id == "" or action.instrument_id in portfolio.instruments
                assert action.qty is None or action.qty > 0
            assert _snapshot(portfolio) == before, "protective_actions() changed the portfolio"

        self._with_market(instruments, prop)
