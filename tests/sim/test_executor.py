"""SimExecutor: the Executor conformance suite (live and simulated clocks, with and without a Store),
the journal in the SQL store, reconciliation, and the ``sim`` component."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path

import pytest

from cryptoscalp_core.clocks import LiveClock, SimulatedClock
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Fill, Order, OrderSide, OrderStatus
from cryptoscalp_core.ports.clock import Clock
from cryptoscalp_core.ports.executor import Executor
from cryptoscalp_core.ports.store import DuplicateOrderError, RunRecord, Store
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_core.sim import SimExecutor, SimVenue, SimVenueConfig
from cryptoscalp_core.sim.component import factory, register
from cryptoscalp_core.testing.conformance import ExecutorConformance, OrderPrices
from tests.sim.simkit import BTC, MS, SELL, config, limit, market, snapshot, trades

sql_store = pytest.importorskip("cryptoscalp_core.storage.sql_store", reason="the SQL store is not there yet")


def make_store(path: Path) -> Store:
    store = sql_store.SqlStore(f"sqlite:///{path}")
    store.migrate()
    return store


def booked(clock: Clock, store: Store | None = None, **overrides: object) -> SimExecutor:
    """An unstarted executor whose venue holds bids at 99.0 and asks at 101.0, 10 each."""
    venue = SimVenue([BTC], config(latency={"kind": "constant", "ms": 1}, **overrides))
    venue.process(snapshot(clock.now_ns(), [(990, 10.0)], [(1010, 10.0)]))
    return SimExecutor(venue, clock=clock, store=store, run_id="paper-1")


class SimConformance(ExecutorConformance):
    timeout_s = 3.0

    @pytest.fixture
    def instrument(self) -> Instrument:
        return BTC

    @pytest.fixture
    def order_prices(self) -> Mapping[OrderSide, OrderPrices]:
        return {OrderSide.BUY: OrderPrices(resting=Decimal("95"), marketable=Decimal("105")),
                OrderSide.SELL: OrderPrices(resting=Decimal("105"), marketable=Decimal("95"))}


class TestLiveClock(SimConformance):
    @pytest.fixture
    def make_executor(self) -> Callable[[], Executor]:
        return lambda: booked(LiveClock())


class TestSimulatedClockWithStore(SimConformance):
    @pytest.fixture
    def make_executor(self, tmp_path: Path) -> Iterator[Callable[[], Executor]]:
        stores: list[Store] = []

        def make() -> Executor:
            stores.append(make_store(tmp_path / f"s{len(stores)}.db"))
            return booked(SimulatedClock(1_000 * MS), stores[-1])

        yield make
        for store in stores:
            store.close()

    async def advance(self, executor: Executor) -> None:
        assert isinstance(executor, SimExecutor) and isinstance(executor.clock, SimulatedClock)
        executor.clock.advance_to(executor.clock.now_ns() + MS // 2)
        await asyncio.sleep(0)


# -- the journal -----------------------------------------------------------------------------------------
@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = make_store(tmp_path / "journal.db")
    yield store
    store.close()


async def test_journal_before_send_and_every_state_recorded(store: Store) -> None:
    clock = SimulatedClock(1_000 * MS)
    executor = booked(clock, store)
    await executor.start()
    assert store.get_run("paper-1") is not None  # created by start()
    request = market(OrderSide.BUY, "2")
    await executor.submit(request)
    journaled = store.get_order(request.client_order_id)
    assert journaled is not None and journaled.status is OrderStatus.PENDING_NEW  # before the venue saw it
    assert executor.venue.get_order(request.client_order_id) is not None
    clock.advance_to(clock.now_ns() + 2 * MS)  # arrival at +1 ms, reports at +2 ms
    executor.pump()
    assert [o.status for o in store.order_history(request.client_order_id)] == [
        OrderStatus.PENDING_NEW, OrderStatus.NEW, OrderStatus.FILLED]
    assert [(f.qty, f.price) for f in store.fills("paper-1")] == [(Decimal(2), Decimal("101.0"))]
    with pytest.raises(DuplicateOrderError):
        await executor.submit(market(OrderSide.SELL, "2", cid=request.client_order_id))
    assert (await executor.submit(request)).status is OrderStatus.FILLED  # a retry: no second order
    assert executor.venue.stats.orders == 1
    await executor.stop()


async def test_cancel_goes_through_pending_cancel(store: Store) -> None:
    clock = SimulatedClock(1_000 * MS)
    executor = booked(clock, store)
    await executor.start()
    seen: list[Order | Fill] = []

    async def pump_updates() -> None:
        async for update in executor.updates():
            seen.append(update)

    reader = asyncio.create_task(pump_updates())
    await asyncio.sleep(0)
    request = limit(OrderSide.BUY, "95.0", "1")
    await executor.submit(request)
    clock.advance_to(clock.now_ns() + 2 * MS)
    executor.pump()
    assert await executor.cancel(request.client_order_id) is True
    assert await executor.cancel(request.client_order_id) is False  # already pending
    clock.advance_to(clock.now_ns() + 2 * MS)
    executor.pump()
    await executor.stop()
    await reader  # stop() ends the iterators
    statuses = [u.status for u in seen if isinstance(u, Order)]
    assert statuses == [OrderStatus.NEW, OrderStatus.PENDING_CANCEL, OrderStatus.CANCELED]
    assert [o.status for o in store.order_history(request.client_order_id)][-1] is OrderStatus.CANCELED
    assert store.open_orders("paper-1") == []


async def test_reconcile_after_restart_on_a_fresh_venue(store: Store) -> None:
    clock = SimulatedClock(1_000 * MS)
    first = booked(clock, store)
    await first.start()
    resting = limit(OrderSide.BUY, "95.0", "1")
    await first.submit(resting)
    clock.advance_to(clock.now_ns() + 2 * MS)
    first.pump()
    await first.stop()
    # the process restarts: a new venue (paper mode keeps nothing) and the same journal
    second = booked(clock, store)
    report = await second.reconcile()
    assert report.unknown_at_venue == [resting.client_order_id]
    after = store.get_order(resting.client_order_id)
    assert after is not None and (after.status, after.reason) == (OrderStatus.EXPIRED, "unknown_at_venue")
    assert (await second.reconcile()).clean


async def test_reconcile_takes_in_undelivered_fills_and_unknown_orders(store: Store) -> None:
    clock = SimulatedClock(1_000 * MS)
    store.start_run(RunRecord(run_id="paper-1", mode="paper"))
    executor = booked(clock, store)
    request = limit(OrderSide.SELL, "101.5", "1")
    await executor.submit(request)
    executor.venue.advance_to(clock.now_ns() + MS)  # arrived, acknowledged; nothing delivered yet
    executor.venue.process(trades((clock.now_ns() + MS, 1, 101.6, 1.0)))  # buyer through 101.5: filled
    stranger = limit(OrderSide.BUY, "90.0", "1", cid="placed-by-hand")
    executor.venue.submit(stranger, clock.now_ns())  # at the venue only
    executor.venue.advance_to(clock.now_ns() + 2 * MS)
    report = await executor.reconcile()
    assert [f.client_order_id for f in report.missed_fills] == [request.client_order_id]
    assert report.status_changed == [request.client_order_id]
    assert report.unknown_locally == ["placed-by-hand"]
    assert report.position_diff == {}  # the missed fill is recorded now
    assert store.get_order("placed-by-hand") is not None
    assert executor.local[request.client_order_id].status is OrderStatus.FILLED
    # the reports still in flight are not applied twice
    clock.advance_to(clock.now_ns() + 10 * MS)
    executor.pump()
    assert len(store.fills("paper-1")) == 1
    assert (await executor.reconcile()).clean


async def test_liquidation_orders_are_journaled(store: Store) -> None:
    clock = SimulatedClock(1_000 * MS)
    executor = booked(clock, store, initial_balance=100, leverage=100)
    await executor.start()
    await executor.submit(market(OrderSide.BUY, "9"))  # 9 @ 101.0
    clock.advance_to(clock.now_ns() + 2 * MS)
    executor.pump()
    executor.venue.process(trades((clock.now_ns(), SELL, 90.0, 1.0)))
    clock.advance_to(clock.now_ns() + 2 * MS)
    executor.pump()
    liquidations = [o for cid, o in executor.local.items() if cid.startswith("sim-liquidation")]
    assert [o.reason for o in liquidations] == ["liquidation"]
    assert liquidations[0].status is OrderStatus.FILLED
    assert store.get_order(liquidations[0].client_order_id) == liquidations[0]
    await executor.stop()


async def test_amend_is_not_supported_yet() -> None:
    executor = booked(SimulatedClock(0))
    with pytest.raises(NotImplementedError):
        await executor.amend("x", price=Decimal(1))


# -- the component ---------------------------------------------------------------------------------------
def test_sim_component() -> None:
    registry = ComponentRegistry()
    register(registry)
    spec = registry.get(ComponentKind.EXECUTOR, "sim")
    assert spec.config is SimVenueConfig and spec.factory is factory
    settings = SimVenueConfig.model_validate({"latency": {"kind": "normal", "mean_ms": 8, "jitter_ms": 3},
                                              "fees_bps": {"maker": 2, "taker": 5}})
    executor = spec.factory(settings, instruments=(BTC,), clock=SimulatedClock(0), store=None)
    assert isinstance(executor, Executor) and isinstance(executor.venue, SimVenue)
    assert executor.venue.config is settings
