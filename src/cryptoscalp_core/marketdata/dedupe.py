"""Cross-source de-duplication of a merged stream: a high-water mark per (kind, instrument).

Two modes, chosen by the multi-source feed:

``sequence``  the sources are connections to the same venue, so venue ids are comparable: trades by
              ``trade_id``, quotes by ``seq`` (``ts_event`` when a venue sends no sequence), book deltas by
              ``last_seq``, marks by ``ts_event``.
``time``      the sources are different venues: ids mean nothing across them, so every kind is keyed by
              ``ts_event``. Times are not unique (several trades in one millisecond), so the filter only
              acts after a switch (:meth:`StreamCursor.arm`): a row of the new source passes if it is
              strictly later than the last one emitted, and from its first passing row on, everything passes.

A row passes if its key is above the mark left by earlier batches (rows of one batch may share a key:
the rows of one book message carry the same ``last_seq``). Dropped rows are duplicates, counted by the
caller as ``duplicate``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import EventKind

DedupeMode = Literal["sequence", "time"]

_SEQUENCE_KEY = {EventKind.TRADE: "trade_id", EventKind.QUOTE: "seq", EventKind.BOOK_DELTA: "last_seq",
                 EventKind.MARK: "ts_event"}
_LOWEST = np.iinfo(np.int64).min


class StreamCursor:
    """High-water marks of what the merged stream has emitted."""

    def __init__(self, n_instruments: int, mode: DedupeMode) -> None:
        self.mode = mode
        self.marks = {kind: np.full(n_instruments, _LOWEST, dtype=np.int64) for kind in EventKind}
        self.armed = {kind: np.zeros(n_instruments, dtype=bool) for kind in EventKind}

    def arm(self) -> None:
        """A switch happened: in ``time`` mode, filter each (kind, instrument) until a row passes."""
        for armed in self.armed.values():
            armed[:] = True

    def key(self, kind: EventKind, rows: npt.NDArray[np.void]) -> npt.NDArray[np.int64]:
        if self.mode == "time":
            return np.asarray(rows["ts_event"], dtype=np.int64)
        key = np.asarray(rows[_SEQUENCE_KEY[kind]], dtype=np.int64)
        if kind is EventKind.QUOTE and len(key) and (key <= 0).any():
            return np.asarray(rows["ts_event"], dtype=np.int64)
        return key

    def fresh(self, kind: EventKind, rows: npt.NDArray[np.void]) -> npt.NDArray[np.bool_]:
        """Mask of rows not emitted before; advances the marks over the rows that pass."""
        if not len(rows):
            return np.zeros(0, dtype=bool)
        key = self.key(kind, rows)
        inst = rows["instrument"].astype(np.intp)
        marks = self.marks[kind]
        keep = key > marks[inst]
        if self.mode == "time":
            armed = self.armed[kind]
            keep |= ~armed[inst]
            armed[inst[keep]] = False
        if keep.any():
            # the new mark of each instrument is the largest key it emitted
            if inst[0] == inst[-1] and (inst == inst[0]).all():
                marks[inst[0]] = max(int(marks[inst[0]]), int(key[keep].max()))
            else:
                np.maximum.at(marks, inst[keep], key[keep])
        return keep

    def reset(self, kind: EventKind, instrument: int, mark: int) -> None:
        """Set one mark (a switch re-bases the book on the new source's snapshot sequence)."""
        self.marks[kind][instrument] = mark
