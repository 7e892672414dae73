"""The ``ohlcv`` format: bar files replayed as synthetic trades (convention in :mod:`.ohlcv`).

A file's symbol is ``symbol`` from the settings, or the layout's (``<venue>/<SYMBOL>/ohlcv_1m/…``), or
the start of its name up to the first ``-``/``_``/``.`` (``BTCUSDT-1m.csv.gz``, Binance's
``BTCUSDT-1m-2024-08-01.csv``). Files of one symbol form one stream in time order; streams merge by
``ts_recv``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import FeedStats
from cryptoscalp_feed_replay.batching import Array, Slab, merge_arrays, slabs
from cryptoscalp_feed_replay.config import ReplayConfig
from cryptoscalp_feed_replay.drops import DropLog
from cryptoscalp_feed_replay.layout import OHLCV_DIR, parse_layout
from cryptoscalp_feed_replay.ohlcv import bar_interval_ns, bars_to_trades, read_ohlcv

_NAME_SYMBOL = re.compile(r"^[A-Za-z0-9]+")


def file_symbol(path: Path, venue: str, symbol: str | None) -> tuple[str, str]:
    """``(venue, symbol)`` of a bar file (see the module docstring)."""
    layout = parse_layout(path)
    if layout is not None and layout.kind_dir == OHLCV_DIR:
        return layout.venue, symbol or layout.symbol
    match = _NAME_SYMBOL.match(path.name)
    return venue, symbol or (match[0].upper() if match else path.stem)


class OhlcvSource:
    def __init__(self, paths: list[Path], config: ReplayConfig, instruments: Sequence[Instrument],
                 stats: FeedStats, drops: DropLog) -> None:
        self.chunk_rows = config.chunk_rows
        self.latency_ns = round(config.md_latency_ms * 1e6)
        self.drops = drops
        index = {(inst.venue, inst.symbol): i for i, inst in enumerate(instruments)}
        groups: dict[tuple[str, str], list[Path]] = {}
        for path in paths:
            groups.setdefault(file_symbol(path, config.venue, config.symbol), []).append(path)
        self.streams = [(index.get(key), files) for key, files in sorted(groups.items())]

    def slabs(self) -> Iterator[Slab]:
        streams: list[Iterator[tuple[EventKind, Array]]] = []
        for instrument, files in self.streams:
            if instrument is None:
                for path in files:
                    self.drops.drop("not_subscribed", path.name, len(read_ohlcv(path, on_drop=lambda *_: None)))
                continue
            streams.append(self._stream(instrument, files))
        yield from slabs(merge_arrays(streams), self.chunk_rows)
        self.drops.summary()

    def _stream(self, instrument: int, files: list[Path]) -> Iterator[tuple[EventKind, Array]]:
        loaded = []
        for path in files:
            def on_drop(reason: str, line: int, name: str = path.name) -> None:
                self.drops.drop(reason, f"{name}:{line}")

            bars = read_ohlcv(path, on_drop=on_drop)
            if len(bars):
                loaded.append((int(bars["ts_open"][0]), path.name, bars))
        prev_close: float | None = None
        last_open: int | None = None
        step = max(1, self.chunk_rows // 4)
        for _, name, bars in sorted(loaded, key=lambda item: item[0]):
            if last_open is not None:  # overlapping files (the same day twice): keep time moving forward
                overlap = int((bars["ts_open"] <= last_open).sum())
                self.drops.drop("duplicate_bar", name, overlap)
                bars = bars[bars["ts_open"] > last_open]
            if not len(bars):
                continue
            interval = bar_interval_ns(bars)
            for start in range(0, len(bars), step):
                chunk = bars[start:start + step]
                trades, dropped = bars_to_trades(chunk, instrument, interval_ns=interval,
                                                 latency_ns=self.latency_ns, prev_close=prev_close)
                for reason, count in dropped.items():
                    self.drops.drop(reason, name, count)
                prev_close = float(chunk["close"][-1])
                yield EventKind.TRADE, trades
            last_open = int(bars["ts_open"][-1])
