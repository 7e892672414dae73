"""From time-ordered rows to :class:`EventBatch` runs, and k-way merging of time-ordered arrays.

A replay emits consecutive rows of the same kind as one batch, up to ``chunk_rows`` rows: a tick
recording alternates kinds every few rows, a bar or archive file is one long run. The producer side
is synchronous (it runs in a worker thread, see :mod:`cryptoscalp_feed_replay.feed`) and hands over
*slabs* (lists of batches) so the event loop pays one thread hop per slab, not per batch.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import DTYPES, EventKind
from cryptoscalp_core.ports.market_feed import EventBatch

Array = npt.NDArray[np.void]
Slab = list[EventBatch]


class RunBatcher:
    """Collects rows of one kind until the kind changes or ``chunk_rows`` is reached."""

    def __init__(self, chunk_rows: int) -> None:
        self.chunk_rows = chunk_rows
        self._kind: EventKind | None = None
        self._pieces: list[Array] = []
        self._tuples: list[tuple[Any, ...]] = []
        self._n = 0

    def add_rows(self, kind: EventKind, rows: list[tuple[Any, ...]]) -> list[EventBatch]:
        """Add row tuples (fields in dtype order); returns the batches completed by this call."""
        out = self.flush() if kind is not self._kind else []
        self._kind = kind
        self._tuples += rows
        self._n += len(rows)
        if self._n >= self.chunk_rows:
            out += self._cut()
        return out

    def add_array(self, kind: EventKind, rows: Array) -> list[EventBatch]:
        """Add a structured array of ``kind``'s dtype; returns the batches completed by this call."""
        out = self.flush() if kind is not self._kind else []
        self._kind = kind
        self._seal_tuples()
        self._pieces.append(rows)
        self._n += len(rows)
        if self._n >= self.chunk_rows:
            out += self._cut()
        return out

    def flush(self) -> list[EventBatch]:
        """The pending run as a batch (if any)."""
        if not self._n or self._kind is None:
            return []
        rows = self._take()
        return [EventBatch(self._kind, rows)]

    def _seal_tuples(self) -> None:
        if self._tuples:
            assert self._kind is not None
            self._pieces.append(np.array(self._tuples, dtype=DTYPES[self._kind]))
            self._tuples = []

    def _take(self) -> Array:
        self._seal_tuples()
        rows = self._pieces[0] if len(self._pieces) == 1 else np.concatenate(self._pieces)
        self._pieces, self._n = [], 0
        return rows

    def _cut(self) -> list[EventBatch]:
        assert self._kind is not None
        rows = self._take()
        full = len(rows) - len(rows) % self.chunk_rows
        out = [EventBatch(self._kind, rows[i:i + self.chunk_rows]) for i in range(0, full, self.chunk_rows)]
        if full < len(rows):
            self._pieces, self._n = [rows[full:]], len(rows) - full
        return out


def slabs(pieces: Iterable[tuple[EventKind, Array]], chunk_rows: int, first_rows: int | None = None) -> Iterator[Slab]:
    """Runs of ``(kind, array)`` pieces in time order → slabs of batches of about ``chunk_rows`` rows.

    ``first_rows`` (smaller than ``chunk_rows``): the first slab is cut at that size, so the consumer
    starts on it while the reader goes on (the first slab is the only one nobody overlaps)."""
    batcher = RunBatcher(min(first_rows or chunk_rows, chunk_rows))
    slab: Slab = []
    size = 0
    for kind, rows in pieces:
        for batch in batcher.add_array(kind, rows):
            slab.append(batch)
            size += len(batch)
        if size >= batcher.chunk_rows:
            yield slab
            slab, size = [], 0
            batcher.chunk_rows = chunk_rows
    slab += batcher.flush()
    if slab:
        yield slab


def merge_arrays(streams: list[Iterator[tuple[EventKind, Array]]]) -> Iterator[tuple[EventKind, Array]]:
    """k-way merge by ``ts_recv`` of streams of time-ordered chunks, as zero-copy slices.

    Each step takes the stream with the oldest head row and emits its rows up to the next stream's
    head time, so merging costs one ``searchsorted`` per switch between streams rather than a heap
    operation per row. Ties go to the stream listed first, which makes the merge deterministic.
    """
    heads: list[tuple[int, int, EventKind, Array]] = []
    for index, stream in enumerate(streams):
        _push(heads, index, stream, None)
    while heads:
        _, index, kind, rows = heapq.heappop(heads)
        if heads:
            limit, other = heads[0][0], heads[0][1]
            side: Literal["left", "right"] = "right" if index < other else "left"
            cut = max(1, int(np.searchsorted(rows["ts_recv"], limit, side=side)))
        else:
            cut = len(rows)
        yield kind, rows[:cut]
        _push(heads, index, streams[index], (kind, rows[cut:]))


def _push(heads: list[tuple[int, int, EventKind, Array]], index: int,
          stream: Iterator[tuple[EventKind, Array]], rest: tuple[EventKind, Array] | None) -> None:
    """Put the stream's next non-empty chunk (``rest`` first) on the heap; drop exhausted streams."""
    if rest is not None and len(rest[1]):
        heapq.heappush(heads, (int(rest[1]["ts_recv"][0]), index, rest[0], rest[1]))
        return
    for kind, rows in stream:
        if len(rows):
            heapq.heappush(heads, (int(rows["ts_recv"][0]), index, kind, rows))
            return
