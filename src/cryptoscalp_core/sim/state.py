"""State shared by the parts of the simulated venue, and the reports it sends back.

Every venue event (an order's arrival, a fill, a cancel) changes the venue's view of an order through
the domain state machine (:func:`~cryptoscalp_core.domain.orders.accept`, ``fill``, ``cancel``,
``expire``, ``reject``) and queues the new :class:`Order` (after the :class:`Fill` that caused it, if
any) on the response channel, to be delivered at ``venue time + response latency``. One latency draw
serves all reports of one venue instant, so a taker order's fills and updates arrive together.
The queued ``Order`` is the venue's view: it never shows ``PENDING_CANCEL``, which is local knowledge.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest
from cryptoscalp_core.sim.account import Account
from cryptoscalp_core.sim.book import MarketState
from cryptoscalp_core.sim.config import SimVenueConfig
from cryptoscalp_core.sim.latency import channels
from cryptoscalp_core.sim.queue import LiveOrder, make_queue_model

Report = Order | Fill
NEVER = int(np.iinfo(np.int64).min)


@dataclass(slots=True)
class SimStats:
    """Counters of one venue. ``rejections`` maps a reason (``off_grid``, ``min_notional``, ``min_qty``,
    ``post_only_would_cross``, ``reduce_only``, ``insufficient_margin``, ``unknown_instrument``,
    ``duplicate_client_order_id``) to a count; ``funding_paid`` is positive when the account paid.
    ``late_arrivals`` counts orders and cancels that reached the venue after it had already processed
    later market events (the engine did not split a batch at :meth:`SimVenue.next_due_ts`);
    ``cancels_too_late`` cancels that found the order already terminal."""

    orders: int = 0
    fills: int = 0
    maker_fills: int = 0
    taker_fills: int = 0
    cancels: int = 0
    cancels_too_late: int = 0
    expirations: int = 0
    rejections: dict[str, int] = field(default_factory=dict)
    liquidations: int = 0
    funding_paid: Decimal = Decimal(0)
    late_arrivals: int = 0

    def reject(self, reason: str) -> None:
        self.rejections[reason] = self.rejections.get(reason, 0) + 1


class VenueState:
    """Attributes of the venue; :class:`~cryptoscalp_core.sim.venue.SimVenue` adds the behaviour."""

    def __init__(self, instruments: Sequence[Instrument], config: SimVenueConfig) -> None:
        self.instruments = tuple(instruments)
        self.config = config
        self._index = {inst.id: n for n, inst in enumerate(self.instruments)}
        if len(self._index) != len(self.instruments):
            raise ValueError("SimVenue: instrument ids must be unique")
        self.markets = [MarketState(float(inst.tick_size)) for inst in self.instruments]
        self._lot = [float(inst.lot_size) for inst in self.instruments]
        self._ticks = np.array([float(inst.tick_size) for inst in self.instruments] or [1.0])
        self.account = Account(self.instruments, config)
        self._queue = make_queue_model(config.queue_model, config.queue_power)
        self._entry, self._response = channels(config.latency.entry, config.latency.response, config.seed)
        # The venue's view of each order until its terminal report is drained; then only its id is kept
        # (in _finished), so a long backtest does not hold every order and fill it ever made.
        self._orders: dict[str, Order] = {}
        self._live: dict[str, LiveOrder] = {}  # arrived and open, in arrival order
        self._fills: dict[str, list[Fill]] = {}
        self._finished: set[str] = set()
        self._forget: list[Order] = []  # terminal reports drained last time: forgotten at the next drain
        # (arrival, request) of an order or (arrival, client id) of a cancel, in arrival order
        self._actions: deque[tuple[int, OrderRequest | str]] = deque()
        self._cancel_pending: set[str] = set()
        self._reports: deque[tuple[int, Report]] = deque()
        self._reply_at: tuple[int, int] = (NEVER, NEVER)  # (venue time, delivery time) of the last draw
        self._seq = 0
        self.now = NEVER  # exchange time of the venue: never decreases
        self.stats = SimStats()

    def _next_id(self) -> int:
        self._seq += 1
        return self._seq

    def _prices(self) -> list[float]:
        return [m.valuation() for m in self.markets]

    def _delivery(self) -> int:
        """Delivery time of reports of the current venue instant (one latency draw per instant)."""
        if self._reply_at[0] != self.now:
            self._reply_at = (self.now, self._response.arrival(self.now))
        return self._reply_at[1]

    def _report(self, order: Order) -> Order:
        self._orders[order.client_order_id] = order
        self._reports.append((order.ts_updated, order))
        return order
