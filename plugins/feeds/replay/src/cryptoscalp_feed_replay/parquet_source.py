"""The ``parquet`` format: day files of the layout, merged across kinds and symbols by ``ts_recv``.

Each ``(venue, symbol, kind)`` is one stream of chunks (a Parquet row group read at a time, at most
``chunk_rows`` rows), its days in order. The streams are k-way merged by ``ts_recv`` and cut into runs.
The stored ``instrument`` column is ignored: the path names the instrument, and the row gets the
index of that instrument in this run's profile. Rows failing the core's sanity rules
(:func:`~cryptoscalp_core.domain.events.valid_rows`) are dropped and counted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from cryptoscalp_core.domain.events import EventKind, valid_rows
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import FeedStats
from cryptoscalp_feed_replay.batching import Array, Slab, merge_arrays, slabs
from cryptoscalp_feed_replay.config import ReplayConfig
from cryptoscalp_feed_replay.drops import DropLog
from cryptoscalp_feed_replay.layout import KIND_DIRS, LayoutFile, parse_layout
from cryptoscalp_feed_replay.parquet_io import check_schema, read_chunks

#: the first slab's size: the replay waits for it alone, then reads on while the engine works
FIRST_SLAB_ROWS = 65_536


class ParquetSource:
    """Replays the layout files among ``paths`` whose ``<kind>`` is in ``config.parquet_kinds``."""

    def __init__(self, paths: list[Path], config: ReplayConfig, instruments: Sequence[Instrument],
                 stats: FeedStats, drops: DropLog) -> None:
        self.chunk_rows = config.chunk_rows
        self.latency_ns = round(config.md_latency_ms * 1e6)
        self.drops = drops
        files = [parse_layout(p) for p in paths if p.suffix == ".parquet"]
        layout = [f for f in files if f is not None and f.kind_dir in config.parquet_kinds]
        if not layout:
            raise FileNotFoundError(f"replay: no <venue>/<SYMBOL>/<kind>/<YYYY-MM-DD>.parquet file of kinds "
                                    f"{list(config.parquet_kinds)} under {config.path!r}")
        index = {(inst.venue, inst.symbol): i for i, inst in enumerate(instruments)}
        groups: dict[tuple[str, str, str], list[LayoutFile]] = {}
        for f in layout:
            groups.setdefault((f.venue, f.symbol, f.kind_dir), []).append(f)
        self.streams: list[tuple[int, str, list[LayoutFile]]] = []
        self.unsubscribed: list[tuple[Path, int]] = []
        for (venue, symbol, kind_dir), members in sorted(groups.items()):
            members.sort(key=lambda f: f.day)
            instrument = index.get((venue, symbol))
            if instrument is None:
                self.unsubscribed += [(f.path, check_schema(f.path, kind_dir)) for f in members]
                continue
            for f in members:  # fail at start, not mid-run: columns and tick size
                check_schema(f.path, kind_dir, instruments[instrument].tick_size)
            self.streams.append((instrument, kind_dir, members))

    def slabs(self) -> Iterator[Slab]:
        for path, rows in self.unsubscribed:
            self.drops.drop("not_subscribed", path.name, rows)
        streams = [self._stream(instrument, kind_dir, members) for instrument, kind_dir, members in self.streams]
        yield from slabs(merge_arrays(streams), self.chunk_rows, FIRST_SLAB_ROWS)
        self.drops.summary()

    def _stream(self, instrument: int, kind_dir: str, members: list[LayoutFile]) -> Iterator[tuple[EventKind, Array]]:
        kind = KIND_DIRS[kind_dir]
        last: int | None = None
        for f in members:
            for rows in read_chunks(f.path, kind_dir, self.chunk_rows, first_group_alone=f is members[0]):
                rows["instrument"] = instrument
                if self.latency_ns:
                    rows["ts_recv"] += self.latency_ns
                check = valid_rows(rows, prev_ts_recv=last)
                for reason, count in check.dropped.items():
                    self.drops.drop(reason, f.path.name, count)
                if check.total_dropped:
                    rows = rows[check.mask]
                if len(rows):
                    last = int(rows["ts_recv"][-1])
                    yield kind, np.ascontiguousarray(rows)
