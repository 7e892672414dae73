"""EventBus port: events between components, in one process or across processes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

import msgspec


class BusMessage(msgspec.Struct, frozen=True, kw_only=True):
    """One delivered message. ``deliveries`` counts how often it was handed out (1 on first delivery)."""

    topic: str
    id: str
    payload: bytes
    deliveries: int = 1


@runtime_checkable
class EventBus(Protocol):
    """Topic-based publish/subscribe with consumer groups and acknowledgement (at-least-once).

    Contract:

    * :meth:`publish` appends ``payload`` (``bytes``, else ``TypeError``) to ``topic`` and returns the
      message id; ids increase within a topic in the order of their integer parts (``"9"`` < ``"10"``,
      ``"1700000000000-0"`` < ``"1700000000000-1"``), not in plain string order.
    * :meth:`subscribe` yields messages of ``topic`` for consumer ``consumer`` of ``group``. Each message
      goes to one consumer per group; every group sees every message published after the group was
      created (a group created with ``from_start=True`` also sees earlier ones still retained). A new
      group is created when its first subscription starts iterating (the first ``__anext__``), not
      by the ``subscribe`` call; ``from_start`` has no effect on a group that already exists.
    * A message stays pending until :meth:`ack`; a message not acknowledged within ``claim_after_s`` of
      its delivery (its consumer died or hung) is delivered again to a live consumer of the group, with
      ``deliveries`` increased. Consumers must therefore be idempotent.
    * Iteration ends when :meth:`close` is called; :meth:`publish` after it raises ``RuntimeError``.
    """

    async def publish(self, topic: str, payload: bytes) -> str: ...

    def subscribe(self, topic: str, group: str, consumer: str, *, from_start: bool = False,
                  claim_after_s: float = 30.0) -> AsyncIterator[BusMessage]: ...

    async def ack(self, message: BusMessage, group: str) -> None: ...

    async def close(self) -> None: ...
