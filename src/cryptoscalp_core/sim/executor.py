"""``SimExecutor``: the asynchronous :class:`~cryptoscalp_core.ports.executor.Executor` port on a
:class:`SimVenue`, for paper mode (live market data, simulated fills).

The engine feeds market batches to :attr:`SimExecutor.venue` (``venue.process``); a background task
started by :meth:`start` moves the venue's clock to ``clock.now_ns()`` (so orders arrive and reports are
delivered even when the market is quiet), drains the delivered reports and turns them into the local view
of each order (through the domain state machine: ``PENDING_CANCEL`` exists only here), which it journals
in the Store (if one is given) and publishes to every :meth:`updates` iterator.

In a backtest the engine drives :attr:`venue` synchronously and need not start the executor.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal

from cryptoscalp_core.domain.orders import (
    Fill,
    Order,
    OrderRequest,
    OrderStatus,
    accept,
    cancel,
    expire,
    fill,
    reject,
    request_cancel,
)
from cryptoscalp_core.ports.clock import Clock
from cryptoscalp_core.ports.executor import ReconcileReport
from cryptoscalp_core.ports.store import DuplicateOrderError, RunRecord, Store
from cryptoscalp_core.sim.reconcile import add_fill, reconcile_with_venue
from cryptoscalp_core.sim.venue import SimVenue

_END = object()  # sentinel that ends the updates() iterators at stop()


class SimExecutor:
    """Executor port on a simulated venue. ``run_id`` names the Store run the journal belongs to (the
    run is created at :meth:`start` if the Store does not know it); ``poll_s`` is the longest the
    background task sleeps when nothing is due (a simulated clock is polled at this rate)."""

    def __init__(self, venue: SimVenue, *, clock: Clock, store: Store | None = None, run_id: str = "sim",
                 poll_s: float = 0.005) -> None:
        self.venue = venue
        self.clock = clock
        self.store = store
        self.run_id = run_id
        self.poll_s = poll_s
        self.local: dict[str, Order] = {}  # the strategy-side view of every order, by client id
        self._applied: set[tuple[str, str]] = set()  # (client id, trade id) of fills applied locally
        self.derived: dict[str, Decimal] = {}  # instrument id -> position from the fills applied locally
        self._subscribers: list[asyncio.Queue[object]] = []
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._stopping = False

    # -- lifecycle ---------------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._task is not None:
            return
        if self.store is not None and self.store.get_run(self.run_id) is None:
            self.store.start_run(RunRecord(run_id=self.run_id, mode="paper", started_ns=self.clock.now_ns()))
        await self.reconcile()
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="sim-executor")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            # A flag and a wake-up, not task.cancel(): asyncio.wait_for may swallow a cancellation that
            # races the event it waits on (Python < 3.12), which would leave the loop running.
            self._stopping = True
            self._poke()
            await task
            self._stopping = False
        for queue in self._subscribers:
            queue.put_nowait(_END)

    async def _run(self) -> None:
        while not self._stopping:
            self.pump()
            assert self._wake is not None
            self._wake.clear()
            due, now = self.venue.next_due_ts(), self.clock.now_ns()
            timeout = self.poll_s if due is None else min(self.poll_s, max(due - now, 0) / 1e9)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    def pump(self) -> None:
        """Advance the venue to the clock's time and deliver the reports due by then."""
        now = self.clock.now_ns()
        self.venue.advance_to(now)
        for item in self.venue.drain(now):
            self._deliver(item)

    # -- orders ------------------------------------------------------------------------------------------
    async def submit(self, request: OrderRequest) -> Order:
        request.validate()
        cid = request.client_order_id
        known = self.local.get(cid)
        if known is not None:
            if known.request != request:
                raise DuplicateOrderError(f"client order id {cid} was already used for a different request")
            return known
        if self.store is not None:  # journal before sending (the store raises on a conflicting reuse)
            journaled = self.store.journal_intent(self.run_id, request)
            if journaled.status is not OrderStatus.PENDING_NEW:  # known from an earlier session
                self.local[cid] = journaled
                return journaled
        order = self.venue.submit(request, self.clock.now_ns())
        self.local[cid] = order
        self._poke()
        return order

    async def cancel(self, client_order_id: str) -> bool:
        local = self.local.get(client_order_id)
        if local is None or local.status.is_terminal or local.status is OrderStatus.PENDING_CANCEL:
            return False
        now = self.clock.now_ns()
        if not self.venue.cancel(client_order_id, now):
            return False
        self._set(request_cancel(local, now))
        self._poke()
        return True

    async def amend(self, client_order_id: str, *, price: Decimal | None = None,
                    qty: Decimal | None = None) -> Order:
        raise NotImplementedError("the simulated venue does not amend orders yet: cancel and submit anew")

    async def updates(self) -> AsyncIterator[Order | Fill]:
        queue: asyncio.Queue[object] = asyncio.Queue()
        self._subscribers.append(queue)
        try:
            while True:
                item = await queue.get()
                if item is _END:
                    return
                assert isinstance(item, Order | Fill)
                yield item
        finally:
            self._subscribers.remove(queue)

    async def reconcile(self) -> ReconcileReport:
        report = reconcile_with_venue(self.venue, self.store, self.run_id, self.local, self._applied,
                                      self.derived)
        for order in report_orders(self.local, report):
            self._publish(order)
        return report

    # -- delivery ----------------------------------------------------------------------------------------
    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def _publish(self, item: Order | Fill) -> None:
        for queue in self._subscribers:
            queue.put_nowait(item)

    def _set(self, order: Order) -> None:
        self.local[order.client_order_id] = order
        if self.store is not None:
            self.store.record_order(self.run_id, order)
        self._publish(order)

    def _known(self, client_order_id: str) -> Order:
        """The local order; one the venue created itself (a liquidation) is journaled on first sight."""
        local = self.local.get(client_order_id)
        if local is None:
            venue_order = self.venue.get_order(client_order_id)
            assert venue_order is not None
            if self.store is not None:
                self.store.journal_intent(self.run_id, venue_order.request)
            local = self.local[client_order_id] = Order(request=venue_order.request, reason=venue_order.reason)
        return local

    def _deliver(self, item: Order | Fill) -> None:
        cid = item.client_order_id
        local = self._known(cid)
        if isinstance(item, Fill):
            if (cid, item.trade_id) in self._applied:  # already taken in by reconcile()
                return
            self._applied.add((cid, item.trade_id))
            add_fill(self.derived, item)
            if self.store is not None:
                self.store.record_fill(self.run_id, item)
            self._publish(item)
            self._set(fill(local, item))
            return
        if local.status.is_terminal:
            return
        ts, status = item.ts_updated, item.status
        if status is OrderStatus.NEW:
            updated = accept(local, item.venue_order_id, ts)
        elif status is OrderStatus.CANCELED:
            updated = cancel(local, ts, item.reason)
        elif status is OrderStatus.EXPIRED:
            updated = expire(local, ts, item.reason)
        elif status is OrderStatus.REJECTED:
            updated = reject(local, item.reason, ts)
        else:  # PARTIALLY_FILLED / FILLED: the Fill before it was applied already
            return
        if updated != local:
            self._set(updated)


def report_orders(local: dict[str, Order], report: ReconcileReport) -> list[Order]:
    """Local orders whose state reconcile() changed, to publish to the updates() iterators."""
    changed = [*report.unknown_at_venue, *report.status_changed, *report.unknown_locally]
    return [local[cid] for cid in dict.fromkeys(changed) if cid in local]
