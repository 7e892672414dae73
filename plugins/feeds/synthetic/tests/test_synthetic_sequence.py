"""Sequence ids, timestamps, determinism and the stream's limits."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pytest

from cryptoscalp_core.domain.events import BookFlag, EventKind
from cryptoscalp_core.ports.market_feed import EventBatch


def rows_of(batches: list[EventBatch], kind: EventKind) -> np.ndarray:
    return np.concatenate([b.rows for b in batches if b.kind is kind])


def test_sequence_ids_are_contiguous_like_binance_u_pu(collect: Any) -> None:
    batches, _ = collect(seed=4, duration_s=120.0)
    deltas = rows_of(batches, EventKind.BOOK_DELTA)
    assert (deltas["first_seq"] == deltas["last_seq"]).all()  # one update per message
    last = deltas[deltas["flags"] & BookFlag.LAST != 0]
    seq = last["last_seq"]
    assert seq[0] == 1 and last["prev_seq"][0] == -1
    assert (np.diff(seq) == 1).all(), "a message id was skipped or repeated"
    assert (last["prev_seq"][1:] == seq[:-1]).all(), "prev_seq must be the previous message's last_seq"
    # every row of a message carries the message's ids; a message ends exactly once
    starts = np.r_[0, np.flatnonzero(deltas["flags"][:-1] & BookFlag.LAST) + 1]
    assert len(starts) == len(seq)
    quotes = rows_of(batches, EventKind.QUOTE)
    assert np.isin(quotes["seq"], seq).all() and (np.diff(quotes["seq"]) > 0).all()
    trades = rows_of(batches, EventKind.TRADE)
    assert (np.diff(trades["trade_id"]) == 1).all() and trades["trade_id"][0] == 1


def test_timestamps_and_batches_follow_the_port_contract(collect: Any) -> None:
    batches, stats = collect(seed=6, duration_s=60.0, start_ns=1_000_000_000_000_000_000)
    recv = np.concatenate([b.rows["ts_recv"] for b in batches])
    event = np.concatenate([b.rows["ts_event"] for b in batches])
    assert (np.diff(recv) >= 0).all()  # within and across batches
    assert (recv >= event).all()
    assert event.min() >= 1_000_000_000_000_000_000 and event.max() < 1_000_000_000_000_000_000 + 60 * 10**9
    kinds = [b.kind for b in batches]
    assert all(a is not b for a, b in pairwise(kinds)), "batches must be maximal runs"
    assert stats.events == len(recv) and stats.batches == len(batches)


def test_same_seed_same_batches_other_seed_other_batches(collect: Any) -> None:
    first, _ = collect(seed=21, duration_s=30.0)
    again, _ = collect(seed=21, duration_s=30.0)
    other, _ = collect(seed=22, duration_s=30.0)
    assert [b.kind for b in first] == [b.kind for b in again]
    assert all(a.rows.tobytes() == b.rows.tobytes() for a, b in zip(first, again, strict=True))
    flat = np.concatenate([b.rows["ts_event"] for b in first])
    flat_other = np.concatenate([b.rows["ts_event"] for b in other])
    assert len(flat) != len(flat_other) or (flat != flat_other).any()


def test_chunk_size_changes_batching_only(collect: Any) -> None:
    """Stopping a chunk consumes no random number, so the stream is the same however it is cut."""
    small, _ = collect(seed=5, duration_s=40.0, chunk_rows=500)
    large, _ = collect(seed=5, duration_s=40.0, chunk_rows=200_000)
    for kind in (EventKind.TRADE, EventKind.BOOK_DELTA, EventKind.QUOTE):
        assert rows_of(small, kind).tobytes() == rows_of(large, kind).tobytes(), kind
    assert max(len(b) for b in small) <= 500


@pytest.mark.parametrize("limit", [1, 7, 5000])
def test_max_events_yields_whole_messages_only(collect: Any, limit: int) -> None:
    batches, stats = collect(seed=2, duration_s=None, max_events=limit)
    assert 0 < stats.events <= limit or (limit < 10 and stats.events == 0)
    deltas = [b.rows for b in batches if b.kind is EventKind.BOOK_DELTA]
    if deltas:
        assert np.concatenate(deltas)["flags"][-1] & BookFlag.LAST
    if limit == 5000:
        assert stats.events > 4900


def test_latency_follows_the_fitted_distribution(collect: Any) -> None:
    from cryptoscalp_feed_synthetic.parameters import load

    lat = load(None).latency
    batches, _ = collect(seed=9, duration_s=120.0)
    quotes = rows_of(batches, EventKind.QUOTE)
    delay_ms = (quotes["ts_recv"] - quotes["ts_event"]) / 1e6
    # FIFO delivery can only add delay, and only when messages crowd: the median barely moves
    assert np.median(delay_ms) == pytest.approx(lat.floor_ms + np.exp(lat.mu), rel=0.1)
    assert delay_ms.min() >= lat.floor_ms and delay_ms.max() <= lat.floor_ms + lat.max_ms + 100
