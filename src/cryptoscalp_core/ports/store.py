"""Store port: durable record of runs, the order journal, fills, positions and audit events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import msgspec

from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest
from cryptoscalp_core.domain.positions import Position


class RunRecord(msgspec.Struct, kw_only=True):
    """One backtest, paper or live run. ``profile_digest`` is a hash of the resolved profile (secrets
    masked) so results can be traced to their configuration."""

    run_id: str
    mode: str
    profile_name: str = ""
    profile_digest: str = ""
    started_ns: int = 0
    finished_ns: int | None = None
    status: str = "running"  # running | finished | failed | interrupted
    summary: dict[str, Any] = msgspec.field(default_factory=dict)


class AuditEvent(msgspec.Struct, kw_only=True):
    """Something an operator must be able to find later: a risk rejection, a kill switch, a reconcile
    difference, a failover. ``kind`` is a stable code (``risk_reject``…), ``source`` the component."""

    run_id: str
    ts_ns: int
    kind: str
    source: str
    message: str = ""
    data: dict[str, Any] = msgspec.field(default_factory=dict)


class DuplicateOrderError(ValueError):
    """A client order id journaled again with a *different* request."""


@runtime_checkable
class Store(Protocol):
    """Persistence for everything a run must not lose.

    Contract:

    * :meth:`migrate` brings the schema to the current version (idempotent); other methods assume it ran.
    * Runs come first: :meth:`journal_intent`, :meth:`record_order`, :meth:`record_fill` and
      :meth:`save_positions` raise :class:`LookupError` for a run id :meth:`start_run` never created
      (:meth:`audit` accepts any run id, so an event from before a run's start is not lost).
    * :meth:`journal_intent` is called **before** an order is sent. It is idempotent for the same
      request (a retry; it then returns the order's *current* state) and raises
      :class:`DuplicateOrderError` for a different request under an id already used. The order is then
      visible to :meth:`open_orders` in ``PENDING_NEW``.
    * :meth:`record_order` stores a new state of a journaled order (every state is kept in history; a
      state equal to the current one, a replayed update, adds nothing). It raises :class:`LookupError`
      for a client order id never journaled and :class:`DuplicateOrderError` if ``order.request``
      differs from the journaled request.
    * :meth:`record_fill` is idempotent on ``(client_order_id, trade_id)`` and returns ``False`` for a
      duplicate, so a fill replayed after a reconnect is never counted twice. A fill with an empty
      ``trade_id`` raises :class:`ValueError` (it could not be told apart from the order's other
      fills). A fill for an order never journaled is still kept (a manual trade must not be lost).
    * :meth:`save_positions` keeps the latest snapshot per instrument: one older (smaller ``ts_ns``)
      than the stored one is ignored.
    * :meth:`next_sequence` returns a strictly increasing integer per prefix, across restarts: the source
      of deterministic client order ids.
    * Decimals round-trip exactly. Secrets never reach the database: audit ``data`` is scrubbed of
      values under secret-like keys (``*key*``, ``*secret*``, ``*password*``, ``*passphrase*``,
      ``*token*``, ``*signature*``, case-insensitive) and of :class:`~cryptoscalp_core.ports.secrets.Secret`
      objects, which become ``"***"``; run summaries are scrubbed the same way. Summaries and audit data
      come back as JSON values (a Decimal as its exact string, a tuple as a list).
    * Calls are synchronous and thread-safe; they are off the per-event hot path (orders and fills only).
    """

    def migrate(self) -> None: ...

    def close(self) -> None: ...

    # runs
    def start_run(self, run: RunRecord) -> None: ...

    def finish_run(self, run_id: str, *, status: str, finished_ns: int,
                   summary: Mapping[str, Any] | None = None) -> None: ...

    def get_run(self, run_id: str) -> RunRecord | None: ...

    def list_runs(self, limit: int = 50) -> list[RunRecord]: ...

    # order journal
    def next_sequence(self, prefix: str) -> int: ...

    def journal_intent(self, run_id: str, request: OrderRequest) -> Order: ...

    def record_order(self, run_id: str, order: Order) -> None: ...

    def get_order(self, client_order_id: str) -> Order | None: ...

    def order_history(self, client_order_id: str) -> list[Order]: ...

    def open_orders(self, run_id: str | None = None) -> list[Order]: ...

    # fills and positions
    def record_fill(self, run_id: str, fill: Fill) -> bool: ...

    def fills(self, run_id: str, client_order_id: str | None = None) -> list[Fill]: ...

    def save_positions(self, run_id: str, positions: Sequence[Position], ts_ns: int) -> None: ...

    def positions(self, run_id: str) -> list[Position]: ...

    # audit
    def audit(self, event: AuditEvent) -> None: ...

    def audit_events(self, run_id: str, kind: str | None = None) -> list[AuditEvent]: ...
