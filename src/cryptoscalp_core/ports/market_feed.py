"""MarketFeed port: where market data enters the pipeline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import EventKind


@dataclass(slots=True)
class EventBatch:
    """One batch of events of a single kind: ``rows`` is a structured array of ``DTYPES[kind]``."""

    kind: EventKind
    rows: npt.NDArray[np.void]

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(slots=True)
class FeedStats:
    """Counters a feed keeps for diagnostics. ``dropped`` maps a reason (``malformed``, ``sequence_gap``,
    ``non_positive_price``…) to the number of events dropped for it."""

    events: int = 0
    batches: int = 0
    gaps: int = 0
    resyncs: int = 0
    reconnects: int = 0
    dropped: dict[str, int] = field(default_factory=dict)

    def drop(self, reason: str, n: int = 1) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + n


@runtime_checkable
class MarketFeed(Protocol):
    """An async stream of normalised event batches for the profile's instruments.

    Contract:

    * :meth:`batches` yields :class:`EventBatch` objects whose ``rows`` use the dtypes of
      :mod:`cryptoscalp_core.domain.events`. Within a batch rows are ordered by ``ts_recv``; across
      batches ``ts_recv`` never decreases (the first row of a batch is >= the last row of the previous
      one). ``instrument`` indexes the ``instruments`` sequence the feed was built with.
    * Timestamps are int64 nanoseconds since the Unix epoch. Prices are positive and finite; a row that
      is not (or a malformed venue message) is dropped and counted in :attr:`stats`, never yielded.
    * A live feed reconnects by itself (backoff with jitter), resynchronises books after a sequence gap
      and counts both in :attr:`stats`; it raises only for configuration errors (unknown symbol, bad
      credentials). A finite feed (a recording, a synthetic run) ends the iterator when exhausted.
    * Book deltas of a fresh snapshot carry ``BookFlag.SNAPSHOT``; the receiver clears the book first.
    * Construction does no I/O. :meth:`start` connects; :meth:`stop` closes and ends :meth:`batches`.
      Both are idempotent. :meth:`batches` may be iterated once per start.
    """

    @property
    def stats(self) -> FeedStats: ...

    async def start(self) -> None: ...

    def batches(self) -> AsyncIterator[EventBatch]: ...

    async def stop(self) -> None: ...
