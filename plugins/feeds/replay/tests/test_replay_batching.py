"""Slabs and batches of a replay: rows neither lost, duplicated nor reordered, however they are cut."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from cryptoscalp_feed_replay import write_parquet
from cryptoscalp_feed_replay.batching import slabs
from cryptoscalp_feed_replay.parquet_io import read_chunks
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import EventKind, empty


def piece(kind: EventKind, start: int, n: int) -> np.ndarray:
    rows = empty(kind, n)
    rows["ts_recv"] = np.arange(start, start + n)
    return rows


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([EventKind.TRADE, EventKind.QUOTE]), st.integers(1, 40)), max_size=12),
       st.integers(1, 30), st.one_of(st.none(), st.integers(1, 30)))
def test_slabs_keep_every_row_in_order(spec: list[tuple[EventKind, int]], chunk_rows: int,
                                       first_rows: int | None) -> None:
    pieces, at = [], 0
    for kind, n in spec:
        pieces.append((kind, piece(kind, at, n)))
        at += n
    got = list(slabs(iter(pieces), chunk_rows, first_rows))
    ts = [int(t) for slab in got for batch in slab for t in batch.rows["ts_recv"]]
    assert ts == list(range(at))
    kinds = [kind for kind, rows in pieces for _ in range(len(rows))]
    assert [batch.kind for slab in got for batch in slab for _ in range(len(batch))] == kinds
    first_cut = min(first_rows or chunk_rows, chunk_rows)
    for i, slab in enumerate(got):
        limit = first_cut if i == 0 else chunk_rows
        assert all(0 < len(batch) <= limit for batch in slab)
        if i < len(got) - 1:  # every slab but the last is full
            assert sum(len(b) for b in slab) >= limit


def test_the_first_row_group_can_be_read_alone(tmp_path: Path) -> None:
    rows = empty(EventKind.TRADE, 1000)
    rows["ts_recv"] = rows["ts_event"] = np.arange(1000) + 1_700_000_000 * 10**9
    rows["price"], rows["qty"], rows["side"] = 1.0, 1.0, 1
    (path,) = write_parquet(tmp_path, "binance-usdm", "BTCUSDT", "trade", rows, row_group_rows=300)
    alone = list(read_chunks(path, "trade", 600, first_group_alone=True))
    assert [len(c) for c in alone] == [300, 600, 100]
    together = list(read_chunks(path, "trade", 600))
    assert [len(c) for c in together] == [600, 400]
    assert np.array_equal(np.concatenate(alone), rows) and np.array_equal(np.concatenate(together), rows)
