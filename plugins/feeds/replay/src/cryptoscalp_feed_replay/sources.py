"""What a ``path`` names, in which format, and the source that turns it into slabs of batches.

:func:`open_source` runs in the feed's ``start()`` (in a worker thread): it globs, tells the format,
and checks what can be checked before the first row — Parquet columns and tick sizes — so a
configuration mistake raises at start, not half-way through a backtest.
"""

from __future__ import annotations

import glob
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import FeedStats
from cryptoscalp_feed_replay.batching import Slab
from cryptoscalp_feed_replay.binance.book_sync import BookSync
from cryptoscalp_feed_replay.binance.files import iter_lines
from cryptoscalp_feed_replay.binance.lines import Line, parse_line
from cryptoscalp_feed_replay.binance.reader import BinanceReplay
from cryptoscalp_feed_replay.config import ReplayConfig
from cryptoscalp_feed_replay.drops import DropLog
from cryptoscalp_feed_replay.layout import OHLCV_DIR, parse_layout


class Source(Protocol):
    def slabs(self) -> Iterator[Slab]: ...


def resolve_paths(pattern: str) -> list[Path]:
    """The files ``pattern`` names: a file, every file under a directory, or the matches of a glob
    (``**`` allowed). Hidden files (a writer's temporary files) are ignored. ``FileNotFoundError`` when
    nothing matches."""
    path = Path(pattern).expanduser()
    if path.is_file():
        return [path]
    roots = [path] if path.is_dir() else [Path(p) for p in sorted(glob.glob(str(path), recursive=True))]
    files: set[Path] = set()
    for root in roots:
        if root.is_file():
            files.add(root)
        elif root.is_dir():
            files.update(f for f in root.rglob("*") if f.is_file())
    found = sorted(f for f in files if not f.name.startswith("."))
    if not found:
        raise FileNotFoundError(f"replay: no file matches path {pattern!r}")
    return found


def detect_format(paths: list[Path]) -> str:
    """``parquet``, ``ohlcv`` or ``binance-ws``, from the file names and, failing that, the first line."""
    names = [p.name.lower() for p in paths]
    if all(n.endswith(".parquet") for n in names):
        layout = [parse_layout(p) for p in paths]
        return "ohlcv" if all(f is not None and f.kind_dir == OHLCV_DIR for f in layout) else "parquet"
    if all(n.endswith((".csv", ".csv.gz")) for n in names):
        return "ohlcv"
    for _, raw in iter_lines(paths[0]):
        if isinstance(parse_line(raw), Line):
            return "binance-ws"
        break
    raise ValueError(f"replay: cannot tell the format of {paths[0]} (and {len(paths) - 1} more files); "
                     "set format: binance-ws, parquet or ohlcv")


class BinanceSource:
    """Raw Binance USD-M WebSocket recordings (see :mod:`cryptoscalp_feed_replay.binance`)."""

    def __init__(self, paths: list[Path], config: ReplayConfig, instruments: Sequence[Instrument],
                 stats: FeedStats, drops: DropLog) -> None:
        self.paths, self.chunk_rows = paths, config.chunk_rows
        offset = None if config.clock_offset_ms is None else round(config.clock_offset_ms * 1e6)
        self.replay = BinanceReplay(instruments, config.venue, stats, drops, offset, config.clock_samples,
                                    config.clock_quantile, round(config.md_latency_ms * 1e6))

    @property
    def books(self) -> dict[int, BookSync]:
        return self.replay.books

    def slabs(self) -> Iterator[Slab]:
        return self.replay.slabs(self.paths, self.chunk_rows)


def open_source(config: ReplayConfig, instruments: Sequence[Instrument], stats: FeedStats,
                drops: DropLog) -> Source:
    """Resolve ``config.path``, tell its format and build the source (raises on configuration errors)."""
    paths = resolve_paths(config.path)
    fmt = detect_format(paths) if config.format == "auto" else config.format
    if fmt == "binance-ws":
        return BinanceSource(paths, config, instruments, stats, drops)
    if fmt == "parquet":
        from cryptoscalp_feed_replay.parquet_source import ParquetSource

        return ParquetSource(paths, config, instruments, stats, drops)
    from cryptoscalp_feed_replay.ohlcv_source import OhlcvSource

    return OhlcvSource(paths, config, instruments, stats, drops)
