"""A small correct Executor (a venue with a fixed book) and broken variants, each breaking one EXEC case."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

from cryptoscalp_core.domain import orders as o
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest, OrderSide, OrderType
from cryptoscalp_core.ports.executor import ReconcileReport

INSTRUMENT = Instrument("toy", "TOYUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.01"),
                        min_notional=Decimal("5"))
BID, ASK = Decimal("100"), Decimal("101")


class ToyExecutor:
    """Fills marketable orders at the touch of a fixed book at once; other orders rest until cancelled."""

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self._queue: asyncio.Queue[Order | Fill | None] = asyncio.Queue()
        self._seq = 0

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        self._queue.put_nowait(None)

    async def updates(self) -> AsyncIterator[Order | Fill]:
        while (item := await self._queue.get()) is not None:
            yield item

    def _emit(self, item: Order | Fill) -> None:
        if isinstance(item, Order):
            self.orders[item.client_order_id] = item
        self._queue.put_nowait(item)

    def validate(self, request: OrderRequest) -> None:
        request.validate(INSTRUMENT)

    def known(self, request: OrderRequest) -> Order | None:
        return self.orders.get(request.client_order_id)

    async def submit(self, request: OrderRequest) -> Order:
        self.validate(request)
        known = self.known(request)
        if known is not None:
            return known
        self._seq += 1
        self._emit(o.accept(Order(request=request), venue_order_id=str(self._seq)))
        touch = ASK if request.side is OrderSide.BUY else BID
        limit = request.price
        if request.type is OrderType.MARKET or (limit is not None and (limit - touch) * request.side.sign >= 0):
            execution = Fill(client_order_id=request.client_order_id, instrument_id=request.instrument_id,
                             side=request.side, price=touch, qty=request.qty,
                             fee=INSTRUMENT.fee(touch, request.qty, maker=False))
            self.execute(self.orders[request.client_order_id], execution)
        return self.orders[request.client_order_id]

    def execute(self, order: Order, execution: Fill) -> None:
        self._emit(execution)
        self._emit(o.fill(order, execution))

    def lookup(self, client_order_id: str) -> Order | None:
        return self.orders.get(client_order_id)

    async def cancel(self, client_order_id: str) -> bool:
        order = self.lookup(client_order_id)
        if order is None or order.status.is_terminal:
            return False
        self._emit(o.cancel(order))
        return True

    async def amend(self, client_order_id: str, *, price: Decimal | None = None,
                    qty: Decimal | None = None) -> Order:
        raise ValueError("the toy venue does not amend")

    async def reconcile(self) -> ReconcileReport:
        return ReconcileReport()


class NotIdempotentExecutor(ToyExecutor):
    def known(self, request: OrderRequest) -> Order | None:
        return None


class UncheckedExecutor(ToyExecutor):
    def validate(self, request: OrderRequest) -> None:
        pass


class CancelUnknownRaisesExecutor(ToyExecutor):
    def lookup(self, client_order_id: str) -> Order | None:
        return self.orders[client_order_id]


class FilledFirstExecutor(ToyExecutor):
    def execute(self, order: Order, execution: Fill) -> None:
        self._emit(o.fill(order, execution))
        self._emit(execution)


class DictReconcileExecutor(ToyExecutor):
    async def reconcile(self) -> ReconcileReport:
        return {}  # type: ignore[return-value]


class ResurrectingExecutor(ToyExecutor):
    async def cancel(self, client_order_id: str) -> bool:
        done = await super().cancel(client_order_id)
        if done:  # a CANCELED order "expires" afterwards: not a transition the state machine allows
            canceled = self.orders[client_order_id]
            self._queue.put_nowait(Order(request=canceled.request, status=o.OrderStatus.EXPIRED))
        return done
