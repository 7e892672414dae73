"""Store port: durable record of runs, the order journal, fills, positions and audit events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
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


class ModelStage(StrEnum):
    """Where a registered model version stands. ``candidate`` on registration; ``shadow`` runs beside
    production without trading; at most one ``production`` version per model name; ``retired`` is kept
    for lineage and rollback."""

    CANDIDATE = "candidate"
    SHADOW = "shadow"
    PRODUCTION = "production"
    RETIRED = "retired"


class ModelVersion(msgspec.Struct, kw_only=True):
    """One version of a named model in the registry, with its lineage.

    ``component`` is the model component (``use:`` name) that loads the artifact with ``config``;
    ``artifact_uri`` is relative to the registry's artifact root and ``artifact_sha256`` the digest of
    its files; ``data_start_ns``/``data_end_ns`` the training data's time range; ``features`` the feature
    names in column order; ``code_version`` maps distributions (and ``git`` when known) to versions;
    ``parent`` is ``"name:version"`` of the model it was derived from (a distillation teacher, a
    fine-tuning base). ``version`` is assigned by the store (1, 2, … per name)."""

    name: str
    version: int = 0
    stage: ModelStage = ModelStage.CANDIDATE
    component: str
    config: dict[str, Any] = msgspec.field(default_factory=dict)
    created_ns: int = 0
    data_start_ns: int | None = None
    data_end_ns: int | None = None
    features: list[str] = msgspec.field(default_factory=list)
    params: dict[str, Any] = msgspec.field(default_factory=dict)
    code_version: dict[str, str] = msgspec.field(default_factory=dict)
    metrics: dict[str, float] = msgspec.field(default_factory=dict)
    artifact_uri: str = ""
    artifact_sha256: str = ""
    parent: str | None = None
    description: str = ""


class StageChange(msgspec.Struct, kw_only=True, frozen=True):
    """One stage transition of a model version (the registry's audit trail)."""

    name: str
    version: int
    from_stage: ModelStage | None
    to_stage: ModelStage
    ts_ns: int
    reason: str = ""


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


class StageTransitionError(ValueError):
    """A stage change the registry refuses (unknown version, same stage, back to candidate, nothing to
    roll back to)."""


@runtime_checkable
class ModelCatalog(Protocol):
    """The model registry's persistence; :class:`~cryptoscalp_core.storage.sql_store.SqlStore`
    implements it beside :class:`Store`, in the same database.

    Contract:

    * :meth:`register_model` assigns the next version number of ``version.name`` (1 for a new name),
      stores the version in stage ``candidate`` with a :class:`StageChange` from ``None`` and returns it
      as stored. Concurrent registrations of one name get distinct numbers.
    * :meth:`set_model_stage` moves one version and records the change. Moving a version to
      ``production`` retires the current production version of that name in the same transaction, so
      at most one is ever in production (a database constraint enforces it too). Nothing moves back to
      ``candidate``; a move to the current stage, or of an unknown version, raises
      :class:`StageTransitionError`.
    * :meth:`model_versions` lists versions, newest first; :meth:`get_model_version` finds one by number
      or by stage (the newest in that stage); :meth:`model_stage_history` lists changes oldest first.
    """

    def register_model(self, version: ModelVersion) -> ModelVersion: ...

    def model_versions(self, name: str | None = None) -> list[ModelVersion]: ...

    def get_model_version(self, name: str, *, version: int | None = None,
                          stage: ModelStage | None = None) -> ModelVersion | None: ...

    def set_model_stage(self, name: str, version: int, stage: ModelStage, *, ts_ns: int,
                        reason: str = "") -> ModelVersion: ...

    def model_stage_history(self, name: str) -> list[StageChange]: ...
