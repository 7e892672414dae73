"""Buffered writes of a backtest's orders, fills and audit events to the Store.

In backtest mode the venue is simulated in-process, so nothing can be lost between the decision and the
"send"; writing every order row synchronously would dominate the run time. The recorder keeps the same
order of writes (intent, then its states and fills) and flushes them once per batch. Live executors
journal synchronously before sending; they do not use this class.
"""

from __future__ import annotations

from typing import Any

from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest
from cryptoscalp_core.ports.store import AuditEvent, Store


class RunRecorder:
    __slots__ = ("_pending", "run_id", "store", "written")

    def __init__(self, store: Store, run_id: str) -> None:
        self.store = store
        self.run_id = run_id
        self._pending: list[tuple[str, Any]] = []
        self.written = 0

    def intent(self, request: OrderRequest) -> None:
        self._pending.append(("intent", request))

    def order(self, order: Order) -> None:
        self._pending.append(("order", order))

    def fill(self, fill: Fill) -> None:
        self._pending.append(("fill", fill))

    def audit(self, event: AuditEvent) -> None:
        self._pending.append(("audit", event))

    def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        bulk = getattr(self.store, "write_batch", None)
        if callable(bulk):
            bulk(self.run_id, pending)
        else:
            for kind, item in pending:
                if kind == "intent":
                    self.store.journal_intent(self.run_id, item)
                elif kind == "order":
                    self.store.record_order(self.run_id, item)
                elif kind == "fill":
                    self.store.record_fill(self.run_id, item)
                else:
                    self.store.audit(item)
        self.written += len(pending)
