"""Buffered writes of a backtest's orders, fills and audit events to the Store.

In backtest mode the venue is simulated in-process, so nothing can be lost between the decision and
the "send"; journaling every order synchronously would dominate the run time. The recorder keeps each
order's whole life in memory until the order is terminal, then writes finished orders, fills and audit
events in bulk (``Store.import_run_records`` when the store offers it, the port's one-by-one calls
otherwise). Orders still open at the end of the run are written with their last state. Live executors
journal synchronously before sending; they never use this class.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest
from cryptoscalp_core.engine.lane_records import LaneBlock, expand_fills, expand_lives
from cryptoscalp_core.ports.store import AuditEvent, Store
from cryptoscalp_core.storage.bulk import Columns, OrderLife, extend_columns, object_columns


class RunRecorder:
    __slots__ = ("_audits", "_done", "_fills", "_lane_blocks", "_open", "flush_every", "run_id", "store", "written")

    def __init__(self, store: Store, run_id: str, flush_every: int = 20_000) -> None:
        self.store = store
        self.run_id = run_id
        self.flush_every = flush_every
        self._open: dict[str, OrderLife] = {}
        self._done: list[OrderLife | LaneBlock] = []
        self._fills: list[Fill | LaneBlock] = []
        self._lane_blocks = 0
        self._audits: list[AuditEvent] = []
        self.written = 0

    def intent(self, request: OrderRequest) -> None:
        self._open[request.client_order_id] = OrderLife(request, [Order(request=request)])

    def order(self, order: Order) -> None:
        life = self._open.get(order.client_order_id)
        if life is None:
            return  # an order the recorder never saw sent (another run's): not this run's to store
        life.states.append(order)
        if order.status.is_terminal:
            self._done.append(self._open.pop(order.client_order_id))

    def fill(self, fill: Fill) -> None:
        self._fills.append(fill)

    def lane_block(self, block: LaneBlock) -> None:
        """Orders the taker fast lane completed (each with its fill), kept as numbers until written."""
        last = self._done[-1] if self._done else None
        if isinstance(last, LaneBlock) and self._fills and self._fills[-1] is last and last.absorb(block):
            return
        self._done.append(block)
        self._fills.append(block)
        self._lane_blocks += 1

    def audit(self, event: AuditEvent) -> None:
        self._audits.append(event)

    def flush(self, final: bool = False) -> None:
        """Write what is finished; with ``final`` also the orders still open."""
        # fast-lane blocks are compact arrays: they wait for the final flush and its one bulk insert
        pending = len(self._done) + len(self._fills) + len(self._audits) - 2 * self._lane_blocks
        if not final and pending < self.flush_every:
            return
        orders = self._done + (list(self._open.values()) if final else [])
        if final:
            self._open.clear()
        fills, audits = self._fills, self._audits
        self._done, self._fills, self._audits, self._lane_blocks = [], [], [], 0
        columns = getattr(self.store, "import_run_columns", None)
        if callable(columns):
            # in parts of at most flush_every orders or fills, so the columns of a long run's orders are
            # never all in memory at once
            for part in _parts(orders, self.flush_every):
                got = self._columns(part, [])
                columns(self.run_id, got[0], got[1], {}, [])
            for part in _parts(fills, self.flush_every):
                columns(self.run_id, {}, {}, self._columns([], part)[2], [])
            if audits:
                columns(self.run_id, {}, {}, {}, audits)
            self.written += sum(3 * len(o) if isinstance(o, LaneBlock) else len(o.states) for o in orders)
            self.written += sum(len(f) if isinstance(f, LaneBlock) else 1 for f in fills) + len(audits)
            return
        lives, executions = expand_lives(orders), expand_fills(fills)
        bulk = getattr(self.store, "import_run_records", None)
        if callable(bulk):
            bulk(self.run_id, lives, executions, audits)
        else:
            self._one_by_one(lives, executions, audits)
        self.written += sum(len(life.states) for life in lives) + len(executions) + len(audits)

    def _columns(self, orders: list[OrderLife | LaneBlock], fills: list[Fill | LaneBlock]
                 ) -> tuple[Columns, Columns, Columns]:
        """The three tables' columns, rows in the order the orders finished (fast-lane blocks in place)."""
        order_cols: Columns = {}
        state_cols: Columns = {}
        fill_cols: Columns = {}
        run_id, pending = self.run_id, []
        for item in [*orders, None]:
            if isinstance(item, OrderLife):
                pending.append(item)
                continue
            if pending:
                o, s, _ = object_columns(run_id, pending, [])
                extend_columns(order_cols, o)
                extend_columns(state_cols, s)
                pending = []
            if item is not None:
                o, s, _ = item.store_columns(run_id)
                extend_columns(order_cols, o)
                extend_columns(state_cols, s)
        executions: list[Fill] = []
        for entry in [*fills, None]:
            if isinstance(entry, Fill):
                executions.append(entry)
                continue
            if executions:
                extend_columns(fill_cols, object_columns(run_id, [], executions)[2])
                executions = []
            if entry is not None:
                extend_columns(fill_cols, entry.store_columns(run_id)[2])
        return order_cols, state_cols, fill_cols

    def _one_by_one(self, orders: list[OrderLife], fills: list[Fill], audits: list[AuditEvent]) -> None:
        for life in orders:
            self.store.journal_intent(self.run_id, life.request)
            for state in life.states[1:]:
                self.store.record_order(self.run_id, state)
        for fill in fills:
            self.store.record_fill(self.run_id, fill)
        for event in audits:
            self.store.audit(event)


def _parts(items: list[Any], size: int) -> Iterator[list[Any]]:
    """``items`` in consecutive groups of about ``size`` rows (fast-lane blocks split as needed)."""
    part: list[Any] = []
    rows = 0
    for item in items:
        pieces = item.split(size) if isinstance(item, LaneBlock) else [item]
        for piece in pieces:
            n = len(piece) if isinstance(piece, LaneBlock) else 1
            if part and rows + n > size:
                yield part
                part, rows = [], 0
            part.append(piece)
            rows += n
    if part:
        yield part
