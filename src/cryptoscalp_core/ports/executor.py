"""Executor port: where order intents leave the process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, runtime_checkable

from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest


@dataclass(slots=True)
class ReconcileReport:
    """Differences between the local order journal and the venue after a (re)start.

    ``unknown_at_venue``: journaled open orders the venue does not know (never arrived, or expired).
    ``unknown_locally``: open orders at the venue missing from the journal.
    ``status_changed``: orders whose venue status differs from the journal (now updated locally).
    ``missed_fills``: fills at the venue that the journal had not recorded (now recorded).
    ``position_diff``: instrument -> venue qty minus locally derived qty, where non-zero.
    """

    unknown_at_venue: list[str] = field(default_factory=list)
    unknown_locally: list[str] = field(default_factory=list)
    status_changed: list[str] = field(default_factory=list)
    missed_fills: list[Fill] = field(default_factory=list)
    position_diff: dict[str, Decimal] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not (self.unknown_at_venue or self.unknown_locally or self.status_changed
                    or self.missed_fills or self.position_diff)


@runtime_checkable
class Executor(Protocol):
    """Submits, cancels and amends orders at one venue (real or simulated) and streams what happens.

    Contract:

    * Every intent is journaled in the Store **before** :meth:`submit` sends it.
    * :meth:`submit` is idempotent on ``client_order_id``: submitting the same id again (a retry after a
      timeout) returns the known order and never creates a second one. It returns the order in
      ``PENDING_NEW`` (asynchronous venues) or a later state (venues that acknowledge synchronously);
      a venue rejection comes back as a ``REJECTED`` order, not an exception. Exceptions are for
      transport failures after retries (``ConnectionError``) and invalid requests (``ValueError``).
    * :meth:`cancel` of an unknown or already terminal order is a no-op returning ``False``.
    * :meth:`updates` yields every state change as a new :class:`Order` and every execution as a
      :class:`Fill`, in venue order; fills for an order precede its terminal ``FILLED`` update.
    * :meth:`reconcile` compares the journal with the venue's open orders, fills and positions, applies
      the venue's truth locally and reports the differences.
    * :meth:`start` connects (and reconciles); :meth:`stop` closes; construction does no I/O.
    """

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def submit(self, request: OrderRequest) -> Order: ...

    async def cancel(self, client_order_id: str) -> bool: ...

    async def amend(self, client_order_id: str, *, price: Decimal | None = None,
                    qty: Decimal | None = None) -> Order: ...

    def updates(self) -> AsyncIterator[Order | Fill]: ...

    async def reconcile(self) -> ReconcileReport: ...
