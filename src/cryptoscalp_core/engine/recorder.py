"""Buffered writes of a backtest's orders, fills and audit events to the Store.

In backtest mode the venue is simulated in-process, so nothing can be lost between the decision and
the "send"; journaling every order synchronously would dominate the run time. The recorder keeps each
order's whole life in memory until the order is terminal, then writes finished orders, fills and audit
events in bulk (``Store.import_run_records`` when the store offers it, the port's one-by-one calls
otherwise). Orders still open at the end of the run are written with their last state. Live executors
journal synchronously before sending; they never use this class.

Where the store offers a table writer (``Store.table_writer()``, see
:mod:`cryptoscalp_core.storage.table_writer`), the rows go out as Arrow tables while the run goes on:
every ``stream_every`` fast-lane orders or ``flush_every`` other rows, the finished orders are turned
into tables and handed to the writer, which appends them on its own thread; the final flush waits for
it (or, with ``wait=False``, leaves it finishing while the caller computes the run's summary, and
:meth:`RunRecorder.wait` waits). Otherwise the fast lane's orders wait, as compact arrays, for the final
flush and its bulk insert.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, cast

from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest
from cryptoscalp_core.engine.lane_records import LaneBlock, expand_fills, expand_lives
from cryptoscalp_core.ports.store import AuditEvent, Store
from cryptoscalp_core.storage.bulk import Columns, OrderLife, extend_columns, object_columns
from cryptoscalp_core.storage.table_writer import RunTableWriter

_UNSET: Any = object()


class RunRecorder:
    __slots__ = ("_audits", "_done", "_ending", "_fills", "_lane_blocks", "_lane_rows", "_open", "_writer",
                 "busy_s", "flush_every", "run_id", "store", "stream_every", "written")

    def __init__(self, store: Store, run_id: str, flush_every: int = 20_000, stream_every: int = 4096) -> None:
        self.store = store
        self.run_id = run_id
        self.flush_every = flush_every
        self.stream_every = stream_every
        self._writer: RunTableWriter | None = _UNSET
        self._ending: RunTableWriter | None = None  # closed by a final flush that did not wait for it
        self._lane_rows = 0
        self.busy_s = 0.0  #: time spent in :meth:`flush` (the engine reports it as persist_s)
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
        self._lane_rows += len(block)
        if not (isinstance(last, LaneBlock) and self._fills and self._fills[-1] is last and last.absorb(block)):
            self._done.append(block)
            self._fills.append(block)
            self._lane_blocks += 1
        if self._lane_rows >= self.stream_every:
            # a feed batch can hold tens of thousands of lane orders: hand them over as they come, so the
            # writer works beside the engine instead of after it
            self.flush()

    def lane_room(self) -> int | None:
        """How many more fast-lane orders until the next hand-over to the table writer (at least 1), or
        ``None`` without a writer (the lane's orders then wait for the end of the run anyway)."""
        if self._table_writer() is None:
            return None
        return max(1, self.stream_every - self._lane_rows)

    def audit(self, event: AuditEvent) -> None:
        self._audits.append(event)

    def flush(self, final: bool = False, wait: bool = True) -> None:
        """Write what is finished; with ``final`` also the orders still open, and then wait until the store
        has them all, unless ``wait`` is False: then the table writer (if any) goes on writing its last
        tables while the caller does other work, and :meth:`wait` must follow."""
        began = time.perf_counter()
        try:
            self._flush(final, wait)
        finally:
            self.busy_s += time.perf_counter() - began

    def wait(self) -> None:
        """Wait for the rows a final ``flush(wait=False)`` left to the table writer; raises its error."""
        writer, self._ending = self._ending, None
        if writer is not None:
            began = time.perf_counter()
            try:
                writer.close()
            finally:
                self.busy_s += time.perf_counter() - began

    def _flush(self, final: bool, wait: bool = True) -> None:
        # fast-lane blocks are compact arrays: with a table writer they go every stream_every orders,
        # without one they wait for the final flush and its one bulk insert
        pending = len(self._done) + len(self._fills) + len(self._audits) - 2 * self._lane_blocks
        if not final and pending < self.flush_every and (self._lane_rows < self.stream_every
                                                         or self._table_writer() is None):
            return
        orders = self._done + (list(self._open.values()) if final else [])
        if final:
            self._open.clear()
        fills, audits = self._fills, self._audits
        self._done, self._fills, self._audits, self._lane_blocks, self._lane_rows = [], [], [], 0, 0
        writer = self._table_writer()
        if writer is not None:
            try:
                self._stream(writer, orders, fills, audits)
            except BaseException:
                self.close()
                raise
            if final:
                self._writer = None
                if wait:
                    writer.close()
                else:
                    writer.end()
                    self._ending = writer
            return
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

    def open(self) -> None:
        """Start the store's table writer now, if it has one (its process then loads while the run starts)."""
        self._table_writer()

    def close(self) -> None:
        """Stop the table writer of a run that failed (what it has not written yet is lost with the run; its
        own error, if any, gives way to the run's)."""
        writer, self._writer = self._writer, None
        if writer is not None and writer is not _UNSET:
            writer.close(raise_error=False)
        ending, self._ending = self._ending, None
        if ending is not None:
            ending.close(raise_error=False)

    def _table_writer(self) -> RunTableWriter | None:
        if self._writer is _UNSET:
            opener = getattr(self.store, "table_writer", None)
            self._writer = opener() if callable(opener) else None
        return self._writer

    def _stream(self, writer: RunTableWriter, orders: list[OrderLife | LaneBlock], fills: list[Fill | LaneBlock],
                audits: list[AuditEvent]) -> None:
        """Hand the finished orders and the fills to the table writer as Arrow tables, in order."""
        from cryptoscalp_core.engine.lane_tables import lane_parts
        from cryptoscalp_core.storage.arrow_rows import Part, Rows, arrow_table

        # every lane block's rows built together, and the general path's rows as one set of columns per
        # table: each run of orders or fills is then a range of one of those, gathered once per column
        blocks = {id(b): b for b in (*orders, *fills) if isinstance(b, LaneBlock)}
        made = dict(zip(blocks, lane_parts(list(blocks.values()), self.run_id), strict=True))
        order_runs, fill_runs = list(_runs(orders, OrderLife)), list(_runs(fills, Fill))
        lives = [life for run in order_runs if not isinstance(run, LaneBlock) for life in run]
        executions = [f for run in fill_runs if not isinstance(run, LaneBlock) for f in run]
        o, s, f = object_columns(self.run_id, lives, executions)
        general = {"orders": (o, len(lives)), "order_states": (s, sum(len(life.states) for life in lives)),
                   "fills": (f, len(executions))}
        taken = dict.fromkeys(general, 0)
        parts: dict[str, list[Part]] = {"orders": [], "order_states": [], "fills": []}

        def take(name: str, rows: int) -> None:
            parts[name].append((Rows(general[name], taken[name], taken[name] + rows), rows))
            taken[name] += rows

        for run in order_runs:
            if isinstance(run, LaneBlock):
                parts["orders"].append(made[id(run)][0])
                parts["order_states"].append(made[id(run)][1])
            else:
                take("orders", len(run))
                take("order_states", sum(len(life.states) for life in run))
        for run in fill_runs:
            if isinstance(run, LaneBlock):
                parts["fills"].append(made[id(run)][2])
            else:
                take("fills", len(run))
        # one table per store table, orders first (the states' foreign key), rows in recording order
        writer.write([(name, arrow_table(name, *got)) for name, got in parts.items() if got])
        if audits:
            cast(Any, self.store).import_run_columns(self.run_id, {}, {}, {}, audits)
        self.written += sum(3 * len(o) if isinstance(o, LaneBlock) else len(o.states) for o in orders)
        self.written += sum(len(f) if isinstance(f, LaneBlock) else 1 for f in fills) + len(audits)

    def _columns(self, orders: list[OrderLife | LaneBlock], fills: list[Fill | LaneBlock]
                 ) -> tuple[Columns, Columns, Columns]:
        """The three tables' columns, rows in the order the orders finished (fast-lane blocks in place)."""
        order_cols: Columns = {}
        state_cols: Columns = {}
        fill_cols: Columns = {}
        for run in _runs(orders, OrderLife):
            o, s, _ = run.store_columns(self.run_id) if isinstance(run, LaneBlock) else object_columns(
                self.run_id, run, [])
            extend_columns(order_cols, o)
            extend_columns(state_cols, s)
        for run in _runs(fills, Fill):
            extend_columns(fill_cols, run.store_columns(self.run_id)[2] if isinstance(run, LaneBlock)
                           else object_columns(self.run_id, [], run)[2])
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


def _runs(items: list[Any], kind: type) -> Iterator[Any]:
    """``items`` as consecutive runs: a list of the ``kind`` objects between fast-lane blocks, or a block."""
    run: list[Any] = []
    for item in items:
        if isinstance(item, kind):
            run.append(item)
            continue
        if run:
            yield run
            run = []
        yield item
    if run:
        yield run
