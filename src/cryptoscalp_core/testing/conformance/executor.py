"""Conformance cases EXEC-01..EXEC-08 for an :class:`~cryptoscalp_core.ports.Executor`.

Use::

    class TestMyExecutor(ExecutorConformance):
        @pytest.fixture
        def make_executor(self) -> Callable[[], Executor]:
            return lambda: SimExecutor(SimConfig(), instruments=(BTC,))

        @pytest.fixture
        def instrument(self) -> Instrument:
            return BTC

        @pytest.fixture
        def order_prices(self) -> Mapping[OrderSide, OrderPrices]:
            return {OrderSide.BUY: OrderPrices(resting=Decimal("90"), marketable=Decimal("110")),
                    OrderSide.SELL: OrderPrices(resting=Decimal("110"), marketable=Decimal("90"))}

A *resting* price must not cross the book (the order rests until cancelled); a *marketable* price must
cross it with enough liquidity to fill ``order_qty`` at once. A simulated venue that needs time or market
data to move overrides :meth:`ExecutorConformance.advance`. Each case runs in its own event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal

import msgspec
import pytest

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import (
    TRANSITIONS,
    Fill,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from cryptoscalp_core.ports.executor import Executor, ReconcileReport
from cryptoscalp_core.testing.conformance.lifecycle import within
from cryptoscalp_core.testing.conformance.venue import (
    OrderPrices,
    UpdateLog,
    Venue,
    fills_for,
    statuses_for,
)


class ExecutorConformance:
    """Abstract suite: subclass it as ``Test…`` and override ``make_executor``, ``instrument`` and
    ``order_prices`` (and ``order_qty`` if the default minimum order is not right)."""

    #: seconds to wait for an expected update
    timeout_s: float = 5.0
    #: whether reconcile() right after a clean session must report no difference (a shared test account
    #: with leftovers would set this to False)
    reconcile_clean: bool = True

    @pytest.fixture
    def make_executor(self) -> Callable[[], Executor]:
        raise NotImplementedError("override make_executor: return a factory of unstarted executors")

    @pytest.fixture
    def instrument(self) -> Instrument:
        raise NotImplementedError("override instrument: the instrument the suite trades")

    @pytest.fixture
    def order_prices(self) -> Mapping[OrderSide, OrderPrices]:
        raise NotImplementedError("override order_prices: resting and marketable prices per side")

    @pytest.fixture
    def order_qty(self, instrument: Instrument, order_prices: Mapping[OrderSide, OrderPrices]) -> Decimal:
        """The smallest quantity on the lot grid that meets the venue minimums at every suite price."""
        lowest = min(min(p.resting, p.marketable) for p in order_prices.values())
        need = max(instrument.lot_size, instrument.min_qty,
                   instrument.min_notional / (lowest * instrument.contract_multiplier))
        return instrument.lot_size * math.ceil(need / instrument.lot_size)

    @pytest.fixture
    def venue(self, make_executor: Callable[[], Executor], instrument: Instrument,
              order_prices: Mapping[OrderSide, OrderPrices], order_qty: Decimal) -> Venue:
        return Venue(make_executor, instrument, order_prices, order_qty)

    async def advance(self, executor: Executor) -> None:
        """Let the venue make progress while the suite waits; override to feed market data or time."""
        await asyncio.sleep(0)

    # -- helpers ----------------------------------------------------------------------------------------
    def _session(self, make_executor: Callable[[], Executor],
                 body: Callable[[Executor, UpdateLog], Awaitable[None]]) -> None:
        async def run() -> None:
            executor = make_executor()
            await within(executor.start(), self.timeout_s, "executor.start()")
            log = UpdateLog(executor, self.timeout_s, self.advance)
            await log.start()
            try:
                await body(executor, log)
            finally:
                await log.stop()
                await within(executor.stop(), self.timeout_s, "executor.stop()")

        asyncio.run(run())

    # -- cases ------------------------------------------------------------------------------------------
    @pytest.mark.parametrize("side", list(OrderSide))
    def test_exec_01_submit_returns_order(self, venue: Venue, side: OrderSide) -> None:
        """EXEC-01 submit() returns an Order carrying the request's client id, instrument, side and qty."""
        request = venue.order(side)

        async def body(executor: Executor, log: UpdateLog) -> None:
            order = await executor.submit(request)
            assert isinstance(order, Order), f"submit returned {type(order).__name__}"
            assert order.client_order_id == request.client_order_id
            assert (order.request.instrument_id, order.request.side, order.request.qty) == (
                request.instrument_id, request.side, request.qty)
            with contextlib.suppress(Exception):  # clean-up only; cancelling is EXEC-05's concern
                await executor.cancel(request.client_order_id)

        self._session(venue.make, body)

    def test_exec_02_submit_idempotent(self, venue: Venue) -> None:
        """EXEC-02 re-submitting a client id returns the same order and never creates a second one: one
        acknowledgement, one cancel for a resting order; fills never exceed the qty for a marketable one."""
        resting = venue.order(OrderSide.BUY)
        taking = venue.order(OrderSide.BUY, marketable=True)

        async def body(executor: Executor, log: UpdateLog) -> None:
            for request in (resting, taking):
                first = await executor.submit(request)
                again = await executor.submit(request)
                assert again.client_order_id == first.client_order_id
                assert again.request == first.request
            await log.wait_status(taking.client_order_id, OrderStatus.FILLED)
            again = await executor.submit(taking)  # a retry after the fill must not trade again
            assert again.client_order_id == taking.client_order_id
            assert await executor.cancel(resting.client_order_id) is True
            await log.wait_status(resting.client_order_id, OrderStatus.CANCELED)
            await log.settle()
            filled = sum((f.qty for f in fills_for(log.items, taking.client_order_id)), Decimal(0))
            assert filled == taking.qty, f"fills sum to {filled} for an order of {taking.qty}"
            for cid in (resting.client_order_id, taking.client_order_id):
                seen = statuses_for(log.items, cid)
                assert seen.count(OrderStatus.NEW) <= 1, f"{cid} acknowledged twice: {seen}"
            assert statuses_for(log.items, resting.client_order_id).count(OrderStatus.CANCELED) == 1
            assert statuses_for(log.items, taking.client_order_id).count(OrderStatus.FILLED) == 1

        self._session(venue.make, body)

    @pytest.mark.parametrize("defect", ["zero_qty", "negative_qty", "limit_without_price",
                                        "market_with_price", "empty_client_id", "post_only_market"])
    def test_exec_03_invalid_request_raises(self, venue: Venue, defect: str) -> None:
        """EXEC-03 an invalid request raises ValueError (not a REJECTED order, not another error)."""
        good = venue.order(OrderSide.BUY)
        defects: dict[str, dict[str, object]] = {
            "zero_qty": dict(qty=Decimal(0)),
            "negative_qty": dict(qty=-venue.qty),
            "limit_without_price": dict(price=None),
            "market_with_price": dict(type=OrderType.MARKET),
            "empty_client_id": dict(client_order_id=""),
            "post_only_market": dict(type=OrderType.MARKET, price=None, time_in_force=TimeInForce.POST_ONLY),
        }
        request = msgspec.structs.replace(good, **defects[defect])  # no validation here: the executor must do it

        async def body(executor: Executor, log: UpdateLog) -> None:
            with pytest.raises(ValueError):
                await executor.submit(request)

        self._session(venue.make, body)

    def test_exec_04_cancel_unknown_returns_false(self, venue: Venue) -> None:
        """EXEC-04 cancel() of a client id the executor never saw returns False without raising."""

        async def body(executor: Executor, log: UpdateLog) -> None:
            assert await executor.cancel("confneverseen0") is False

        self._session(venue.make, body)

    @pytest.mark.parametrize("side", list(OrderSide))
    def test_exec_05_resting_order_cancels(self, venue: Venue, side: OrderSide) -> None:
        """EXEC-05 a resting order stays open, cancel() returns True, updates() ends it CANCELED with no
        fill, and cancelling it again returns False."""
        request = venue.order(side)

        async def body(executor: Executor, log: UpdateLog) -> None:
            order = await executor.submit(request)
            assert order.status.is_open, f"a resting order came back {order.status.value}"
            assert await executor.cancel(request.client_order_id) is True
            await log.wait_status(request.client_order_id, OrderStatus.CANCELED)
            assert not fills_for(log.items, request.client_order_id), "a resting order was filled"
            assert await executor.cancel(request.client_order_id) is False

        self._session(venue.make, body)

    @pytest.mark.parametrize("side", list(OrderSide))
    def test_exec_06_marketable_fills_before_filled(self, venue: Venue, side: OrderSide) -> None:
        """EXEC-06 a marketable order yields Fill(s) before its FILLED update; fills sum to filled_qty."""
        request = venue.order(side, marketable=True)

        async def body(executor: Executor, log: UpdateLog) -> None:
            await executor.submit(request)
            done = await log.wait_status(request.client_order_id, OrderStatus.FILLED)
            cid = request.client_order_id
            fill_at = [i for i, u in enumerate(log.items) if isinstance(u, Fill) and u.client_order_id == cid]
            assert fill_at, "FILLED without any Fill"
            assert max(fill_at) < done, "a fill came after the FILLED update"
            final = log.items[done]
            assert isinstance(final, Order)
            fills = fills_for(log.items, cid)
            assert sum((f.qty for f in fills), Decimal(0)) == final.filled_qty == request.qty
            for f in fills:
                assert (f.side, f.instrument_id) == (side, request.instrument_id) and f.price > 0

        self._session(venue.make, body)

    def test_exec_07_reconcile_report(self, venue: Venue) -> None:
        """EXEC-07 reconcile() returns a ReconcileReport (clean after a session without divergence)."""

        async def body(executor: Executor, log: UpdateLog) -> None:
            report = await executor.reconcile()
            assert isinstance(report, ReconcileReport), f"reconcile returned {type(report).__name__}"
            if self.reconcile_clean:
                assert report.clean, f"unexpected differences: {report}"

        self._session(venue.make, body)

    def test_exec_08_updates_follow_state_machine(self, venue: Venue) -> None:
        """EXEC-08 updates() carries only Order and Fill objects, and each order's successive statuses
        are transitions the order state machine allows."""
        resting = venue.order(OrderSide.SELL)
        taking = venue.order(OrderSide.SELL, marketable=True)

        async def body(executor: Executor, log: UpdateLog) -> None:
            await executor.submit(resting)
            await executor.submit(taking)
            await executor.cancel(resting.client_order_id)
            await log.wait_status(resting.client_order_id, OrderStatus.CANCELED)
            await log.wait_status(taking.client_order_id, OrderStatus.FILLED)
            await log.settle()
            for item in log.items:
                assert isinstance(item, Order | Fill), f"updates() yielded {type(item).__name__}"
            for cid in (resting.client_order_id, taking.client_order_id):
                seen = statuses_for(log.items, cid)
                for before, after in itertools.pairwise(seen):
                    assert before == after or after in TRANSITIONS[before], f"{cid}: {before.value} -> {after.value}"

        self._session(venue.make, body)
