"""The venue side of the executor suite: what the subclass describes, and a recorder of what comes back.

:class:`UpdateLog` reads ``updates()`` in a background task into a list, so a case can wait for a
condition with a timeout without cancelling the venue's async generator mid-``await`` (which would close
it for good).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce
from cryptoscalp_core.ports.executor import Executor

_ids = itertools.count()


@dataclass(frozen=True, slots=True)
class OrderPrices:
    """Limit prices for one side: ``resting`` does not cross the book, ``marketable`` fills at once."""

    resting: Decimal
    marketable: Decimal


@dataclass(frozen=True, slots=True)
class Venue:
    """What the subclass's fixtures describe, bundled so each case takes one argument."""

    make: Callable[[], Executor]
    instrument: Instrument
    prices: Mapping[OrderSide, OrderPrices]
    qty: Decimal

    def order(self, side: OrderSide, marketable: bool = False) -> OrderRequest:
        """A fresh GTC limit order with a new client id, at the resting or the marketable price."""
        price = self.prices[side].marketable if marketable else self.prices[side].resting
        return OrderRequest(client_order_id=f"conf{next(_ids):06d}{side.value}", instrument_id=self.instrument.id,
                            side=side, type=OrderType.LIMIT, qty=self.qty, price=price,
                            time_in_force=TimeInForce.GTC)




def fills_for(items: Sequence[object], client_order_id: str) -> list[Fill]:
    return [u for u in items if isinstance(u, Fill) and u.client_order_id == client_order_id]


def statuses_for(items: Sequence[object], client_order_id: str) -> list[OrderStatus]:
    return [u.status for u in items if isinstance(u, Order) and u.client_order_id == client_order_id]


class UpdateLog:
    """Everything ``executor.updates()`` yielded, in order, plus waiting helpers."""

    def __init__(self, executor: Executor, timeout_s: float,
                 advance: Callable[[Executor], Awaitable[None]]) -> None:
        self.items: list[object] = []
        self._executor = executor
        self._timeout_s = timeout_s
        self._advance = advance
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._pump())
        await asyncio.sleep(0)  # let the pump subscribe before the case submits anything

    async def _pump(self) -> None:
        async for update in self._executor.updates():
            self.items.append(update)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def wait_status(self, client_order_id: str, status: OrderStatus) -> int:
        """Wait until an Order update with ``status`` arrives; return its index in :attr:`items`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout_s
        while True:
            for i, item in enumerate(self.items):
                if isinstance(item, Order) and item.client_order_id == client_order_id and item.status is status:
                    return i
            if self._task is not None and self._task.done() and self._task.exception() is not None:
                raise AssertionError(f"updates() raised {self._task.exception()!r}")
            if loop.time() > deadline:
                seen = statuses_for(self.items, client_order_id)
                raise AssertionError(f"no {status.value} update for {client_order_id} within "
                                     f"{self._timeout_s}s (saw {[s.value for s in seen]})")
            await self._advance(self._executor)
            await asyncio.sleep(0.001)

    async def settle(self, rounds: int = 20) -> None:
        """Give the venue a few more turns, so late duplicates (a second fill, say) show up."""
        for _ in range(rounds):
            await self._advance(self._executor)
            await asyncio.sleep(0.001)
