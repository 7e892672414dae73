"""Queue position of resting limit orders, estimated from L2 (market-by-price) data.

L2 data only shows the total quantity at a price, so where our order sits in that level's FIFO queue is
an estimate. On arrival, ``ahead`` is the visible quantity at the order's price (our order joins the back;
``inf`` when the data cannot see the level, which makes at-price trades unable to fill it until a book
update reveals the level, see :meth:`~cryptoscalp_core.sim.book.MarketState.level_qty`).

Trades at the price with the opposite aggressor consume the front of the queue: ``ahead`` shrinks by
the full trade quantity, and what is left of a trade once ``ahead`` reaches zero fills the order. A trade
*through* the price (better than the order's limit) fills the order entirely (see ``matching``).

A *decrease* of the level's quantity that the trades seen since the previous update do not explain is a
cancellation somewhere in the queue; an increase joins behind us. The models differ on where
cancellations happen:

``risk-averse``
    never in front: ``ahead`` only shrinks by trades, and is capped at the level's quantity (the queue
    in front of us cannot be longer than the whole level). The most pessimistic fill estimate.
``prob-queue``
    in front with probability ``f(ahead) / (f(ahead) + f(behind))``, ``f(x) = x ** queue_power``, the
    estimator of the probabilistic queue models (Rigtorp; hftbacktest's ``PowerProbQueueFunc``). It is
    applied as an expectation, so runs need no random draw: ``ahead -= cancelled * p``. If the share
    given to the back exceeds what is behind us, the excess must have come from the front. A higher
    power assumes cancellations cluster further from the front.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from cryptoscalp_core.domain.orders import OrderRequest, TimeInForce


@dataclass(slots=True, eq=False)
class LiveOrder:
    """Matching state of one order at the venue (the :class:`~cryptoscalp_core.domain.orders.Order` that
    reports carry is kept separately). Quantities on the order side are whole lots."""

    request: OrderRequest
    inst: int
    sign: int  # +1 buy, -1 sell
    price: int | None  # limit price in ticks; None for a market order
    remaining: int  # lots
    arrival: int  # venue time the order arrived; it never matches an event before it
    tif: TimeInForce
    reduce_only: bool
    ahead: float = math.inf  # estimated quantity in front of us at our price
    level_qty: float = math.nan  # last seen visible quantity at our price (top-of-book data)
    traded_since: float = 0.0  # traded at our price since the last level update
    taker_on_trade: bool = False  # trade-only mode: takes liquidity at the next trade

    @property
    def cid(self) -> str:
        return self.request.client_order_id


class QueueModel(Protocol):
    def on_level_change(self, order: LiveOrder, prev: float, new: float) -> None:
        """The visible quantity at ``order``'s price went from ``prev`` to ``new``."""


def _cancelled(order: LiveOrder, prev: float, new: float) -> float:
    """The part of a decrease that the trades since the last update do not explain (never negative)."""
    traded, order.traded_since = order.traded_since, 0.0
    return max(prev - new - traded, 0.0)


class RiskAverseQueue:
    """Cancellations are always behind us."""

    def on_level_change(self, order: LiveOrder, prev: float, new: float) -> None:
        _cancelled(order, prev, new)
        order.ahead = min(order.ahead, new)


class ProbQueue:
    """Cancellations are in front with probability ``f(ahead) / (f(ahead) + f(behind))``."""

    def __init__(self, power: float) -> None:
        self.power = power

    def front_share(self, ahead: float, behind: float) -> float:
        fa: float = ahead**self.power
        fb: float = behind**self.power
        if fa + fb == 0:
            return 0.0
        return fa / (fa + fb)

    def on_level_change(self, order: LiveOrder, prev: float, new: float) -> None:
        traded = order.traded_since
        cancelled = _cancelled(order, prev, new)
        if cancelled > 0 and math.isfinite(order.ahead):
            ahead = max(order.ahead, 0.0)
            behind = max(prev - traded - ahead, 0.0)
            front = cancelled * self.front_share(ahead, behind)
            back = cancelled - front
            if back > behind:  # more cancelled "behind" than there is: the rest was in front
                front += back - behind
            order.ahead -= front
        order.ahead = min(order.ahead, new)


def make_queue_model(name: str, power: float) -> QueueModel:
    if name == "risk-averse":
        return RiskAverseQueue()
    if name == "prob-queue":
        return ProbQueue(power)
    raise ValueError(f"unknown queue model {name!r} (risk-averse, prob-queue)")
