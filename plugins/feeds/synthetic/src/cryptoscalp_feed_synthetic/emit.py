"""From a simulated :class:`~cryptoscalp_feed_synthetic.book_model.Chunk` to core event batches.

Each simulated event is one venue message: its trades, then its book deltas, then a quote if the top of
the book changed, all with the message's ``ts_event`` and ``ts_recv``. The stream of messages is cut
into batches that are maximal runs of one event kind (the port orders batches by ``ts_recv`` across
kinds, so kinds cannot be regrouped). Every message gets the next sequence id: book deltas carry it as
``first_seq = last_seq`` with ``prev_seq`` the one before (``-1`` for the initial snapshot), quotes as
``seq``, as Binance's ``U``/``u``/``pu`` and bookTicker ``u`` do.

Receive time models one connection: ``ts_recv = max(ts_event + latency, previous ts_recv)``, so
messages arrive in the order they were sent (TCP delivers in order) and ``ts_recv`` never decreases.
The latency itself drifts (an Ornstein-Uhlenbeck log-latency), so that rule rarely has to intervene.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from math import sqrt

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import BookFlag, EventKind, empty
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_feed_synthetic.book_model import Chunk
from cryptoscalp_feed_synthetic.parameters import Latency

_KINDS = (EventKind.TRADE, EventKind.BOOK_DELTA, EventKind.QUOTE)
_Built = tuple[npt.NDArray[np.void], npt.NDArray[np.int64]]  # rows of one kind and each row's message


def _scaler(step: Decimal) -> tuple[bool, float]:
    """``(divide, factor)``: dividing by ``1/step`` when that is a whole number gives the float nearest
    to the decimal price (``617998 / 10 == 61799.8``); multiplying by ``0.1`` would not always."""
    inverse = Decimal(1) / step
    if inverse == inverse.to_integral_value():
        return True, float(inverse)
    return False, float(step)


def _scale(values: list[int], how: tuple[bool, float]) -> npt.NDArray[np.float64]:
    arr = np.asarray(values, dtype=np.float64)
    return arr / how[1] if how[0] else arr * how[1]


class Emitter:
    """Keeps the counters that run across chunks: sequence id, trade id, last ``ts_recv``."""

    def __init__(self, *, instrument: int, tick_size: Decimal, lot_size: Decimal, start_ns: int,
                 latency: Latency, rng: np.random.Generator) -> None:
        self.instrument = instrument
        self._price = _scaler(tick_size)
        self._qty = _scaler(lot_size)
        self.start_ns = start_ns
        self.latency = latency
        self.rng = rng
        self.next_seq = 1
        self.next_trade_id = 1
        self.last_recv = np.iinfo(np.int64).min
        self._y: float | None = None  # log-latency of the last message (the OU state)
        self._last_event: int | None = None

    def _recv(self, ts_event: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        lat = self.latency
        z = self.rng.standard_normal(len(ts_event)).tolist()
        # exact OU transition over each gap: y' = mu + (y - mu) a + sigma sqrt(1 - a^2) Z, a = exp(-gap/tau)
        gaps = np.diff(ts_event, prepend=self._last_event if self._last_event is not None else ts_event[0])
        decay = np.exp(-gaps / (lat.tau_s * 1e9)).tolist()
        mu, sigma = lat.mu, lat.sigma
        y = self._y if self._y is not None else mu + sigma * z[0]
        logs = []
        for a, zi in zip(decay, z, strict=True):
            y = mu + (y - mu) * a + sigma * sqrt(1.0 - a * a) * zi
            logs.append(y)
        self._y, self._last_event = y, int(ts_event[-1])
        ms = np.minimum(np.exp(np.asarray(logs)), lat.max_ms)
        recv = ts_event + np.rint((lat.floor_ms + ms) * 1e6).astype(np.int64)
        recv[0] = max(recv[0], self.last_recv)
        recv = np.maximum.accumulate(recv)
        self.last_recv = int(recv[-1])
        return recv

    def batches(self, chunk: Chunk, *, max_msgs: int | None = None, max_batch: int = 65536) -> Iterator[EventBatch]:
        """The chunk's rows as batches; ``max_msgs`` keeps only its first messages (whole ones). The
        arrays are built at once; the batch objects one by one as they are consumed, because a chunk
        holds ~10^5 tiny runs and half a million live objects at once make the garbage collector crawl."""
        n_msgs = len(chunk.msg_t) if max_msgs is None else min(max_msgs, len(chunk.msg_t))
        if n_msgs <= 0:
            return iter(())
        t = np.asarray(chunk.msg_t[:n_msgs])
        ts_event = self.start_ns + np.rint(t * 1e9).astype(np.int64)
        ts_recv = self._recv(ts_event)
        seq = self.next_seq + np.arange(n_msgs, dtype=np.int64)
        built = (self._trades(chunk, n_msgs, ts_event, ts_recv),
                 self._deltas(chunk, n_msgs, ts_event, ts_recv, seq),
                 self._quotes(chunk, n_msgs, ts_event, ts_recv, seq))
        self.next_seq += n_msgs
        return _runs(built, n_msgs, max_batch)

    def _trades(self, c: Chunk, n: int, te: npt.NDArray[np.int64], tr: npt.NDArray[np.int64]) -> _Built:
        msg = np.asarray(c.tr_msg, dtype=np.int64)
        keep = int(np.searchsorted(msg, n))
        msg = msg[:keep]
        rows = empty(EventKind.TRADE, keep)
        rows["ts_event"], rows["ts_recv"], rows["instrument"] = te[msg], tr[msg], self.instrument
        rows["side"] = 1 - 2 * np.asarray(c.tr_side[:keep], dtype=np.int8)
        rows["trade_id"] = self.next_trade_id + np.arange(keep)
        rows["price"] = _scale(c.tr_px[:keep], self._price)
        rows["qty"] = _scale(c.tr_lots[:keep], self._qty)
        self.next_trade_id += keep
        return rows, msg

    def _deltas(self, c: Chunk, n: int, te: npt.NDArray[np.int64], tr: npt.NDArray[np.int64],
                seq: npt.NDArray[np.int64]) -> _Built:
        msg = np.asarray(c.dl_msg, dtype=np.int64)
        keep = int(np.searchsorted(msg, n))
        msg = msg[:keep]
        rows = empty(EventKind.BOOK_DELTA, keep)
        rows["ts_event"], rows["ts_recv"], rows["instrument"] = te[msg], tr[msg], self.instrument
        rows["side"] = 1 - 2 * np.asarray(c.dl_side[:keep], dtype=np.int8)
        flags = np.zeros(keep, dtype=np.uint8)
        if keep:  # a message's last row says the book is consistent again
            flags[np.r_[msg[1:] != msg[:-1], True]] |= np.uint8(BookFlag.LAST)
        if c.snapshot:
            flags[msg == 0] |= np.uint8(BookFlag.SNAPSHOT)
        rows["flags"] = flags
        rows["first_seq"] = rows["last_seq"] = seq[msg]
        prev = seq[msg] - 1
        if c.snapshot:
            prev[msg == 0] = -1
        rows["prev_seq"] = prev
        rows["price_ticks"] = c.dl_px[:keep]
        rows["qty"] = _scale(c.dl_lots[:keep], self._qty)
        return rows, msg

    def _quotes(self, c: Chunk, n: int, te: npt.NDArray[np.int64], tr: npt.NDArray[np.int64],
                seq: npt.NDArray[np.int64]) -> _Built:
        msg = np.asarray(c.qt_msg, dtype=np.int64)
        keep = int(np.searchsorted(msg, n))
        msg = msg[:keep]
        rows = empty(EventKind.QUOTE, keep)
        rows["ts_event"], rows["ts_recv"], rows["instrument"] = te[msg], tr[msg], self.instrument
        rows["seq"] = seq[msg]
        rows["bid_price"] = _scale(c.qt_bid[:keep], self._price)
        rows["bid_qty"] = _scale(c.qt_bq[:keep], self._qty)
        rows["ask_price"] = _scale(c.qt_ask[:keep], self._price)
        rows["ask_qty"] = _scale(c.qt_aq[:keep], self._qty)
        return rows, msg


def message_rows(chunk: Chunk) -> npt.NDArray[np.int64]:
    """Rows per message (trades + deltas + quote), for cutting a chunk at whole messages."""
    n = len(chunk.msg_t)
    return sum((np.bincount(np.asarray(col, dtype=np.int64), minlength=n)
                for col in (chunk.tr_msg, chunk.dl_msg, chunk.qt_msg)), np.zeros(n, dtype=np.int64))


def _runs(built: tuple[_Built, _Built, _Built], n_msgs: int, max_batch: int) -> Iterator[EventBatch]:
    """Split into maximal same-kind runs in emission order (message, then trade < delta < quote)."""
    counts = np.column_stack([np.bincount(msg, minlength=n_msgs) for _, msg in built])
    flat_kind = np.repeat(np.tile(np.arange(3), n_msgs), counts.ravel())
    if not len(flat_kind):
        return iter(())
    change = np.flatnonzero(flat_kind[1:] != flat_kind[:-1]) + 1
    starts = np.r_[0, change]
    lengths = np.diff(np.r_[starts, len(flat_kind)])
    kinds = flat_kind[starts]
    offsets = np.zeros(len(starts), dtype=np.int64)
    for col in range(3):  # a run's first row within its kind's array: the lengths of earlier same-kind runs
        sel = kinds == col
        offsets[sel] = np.cumsum(lengths[sel]) - lengths[sel]
    arrays = [rows for rows, _ in built]
    runs = zip(kinds.tolist(), offsets.tolist(), lengths.tolist(), strict=True)
    if int(lengths.max()) <= max_batch:  # the usual case: one batch per run
        return (EventBatch(_KINDS[c], arrays[c][o:o + n]) for c, o, n in runs)
    return (EventBatch(_KINDS[c], arrays[c][lo:min(lo + max_batch, o + n)])
            for c, o, n in runs for lo in range(o, o + n, max_batch))
