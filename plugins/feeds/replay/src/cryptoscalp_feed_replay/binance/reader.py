"""Raw Binance USD-M recordings → time-ordered slabs of event batches.

Per chain (the files of one symbol, see :mod:`.files`): frame and classify each line, correct the
recorder's clock (:mod:`.clock`), validate the payload (:mod:`.decode`) and run depth messages through
the book synchroniser (:mod:`.book_sync`). Chains are merged by ``ts_recv`` and cut into runs of one
kind (:mod:`cryptoscalp_feed_replay.batching`). Every line that yields no row is counted with a reason.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import FeedStats
from cryptoscalp_feed_replay.batching import RunBatcher, Slab
from cryptoscalp_feed_replay.binance.book_sync import BookSync
from cryptoscalp_feed_replay.binance.clock import RecvClock, estimate_offset_ns
from cryptoscalp_feed_replay.binance.decode import (
    Row,
    decode_diff,
    decode_mark,
    decode_quote,
    decode_snapshot,
    decode_trade,
)
from cryptoscalp_feed_replay.binance.files import Chain, iter_lines, plan_chains
from cryptoscalp_feed_replay.binance.lines import Line, parse_line
from cryptoscalp_feed_replay.drops import DropLog, log
from cryptoscalp_feed_replay.ticks import TickGrid

Event = tuple[int, EventKind, list[Row]]
_ROW_DECODERS = {"trade": (EventKind.TRADE, decode_trade), "aggTrade": (EventKind.TRADE, decode_trade),
                 "bookTicker": (EventKind.QUOTE, decode_quote), "markPriceUpdate": (EventKind.MARK, decode_mark)}


@dataclass(slots=True)
class BinanceReplay:
    """Everything one replay of recordings shares across its chains."""

    instruments: Sequence[Instrument]
    venue: str
    stats: FeedStats
    drops: DropLog
    offset_ns: int | None = None
    clock_samples: int = 1000
    clock_quantile: float = 0.5
    latency_ns: int = 0
    books: dict[int, BookSync] = field(default_factory=dict)
    _grids: dict[int, TickGrid] = field(default_factory=dict)

    def slabs(self, paths: list[Path], chunk_rows: int) -> Iterator[Slab]:
        """Read ``paths`` as chains and yield slabs of batches of about ``chunk_rows`` rows."""
        chains = plan_chains(paths)
        streams = [self._chain_events(chain) for chain in chains]
        events = streams[0] if len(streams) == 1 else heapq.merge(*streams, key=itemgetter(0))
        batcher, slab, size = RunBatcher(chunk_rows), [], 0
        for _, kind, rows in events:
            done = batcher.add_rows(kind, rows)
            if done:
                slab += done
                size += sum(len(batch) for batch in done)
                if size >= chunk_rows:
                    yield slab
                    slab, size = [], 0
        slab += batcher.flush()
        if slab:
            yield slab
        self.drops.summary()

    def _chain_events(self, chain: Chain) -> Iterator[Event]:
        source = ((path, number, raw) for path in chain.files for number, raw in iter_lines(path, self.drops))
        head: list[tuple[Path, int, Line | str]] = []
        for path, number, raw in source:  # look ahead to estimate the recorder's clock offset
            head.append((path, number, parse_line(raw)))
            if len(head) >= self.clock_samples:
                break
        offset = self.offset_ns
        if offset is None:
            offset = estimate_offset_ns((p for _, _, p in head if isinstance(p, Line)), self.clock_quantile) or 0
            log.info("replay: %s recorder clock offset %.3f ms (local - exchange)", chain.symbol, offset / 1e6)
        clock = RecvClock(offset, self.latency_ns)
        index = {inst.symbol.upper(): i for i, inst in enumerate(self.instruments) if inst.venue == self.venue}
        for path, number, parsed in head:
            event = self._handle(chain, index, clock, path, number, parsed)
            if event is not None:
                yield event
        for path, number, raw in source:
            event = self._handle(chain, index, clock, path, number, parse_line(raw))
            if event is not None:
                yield event
        for symbol in {chain.symbol, *chain.others}:
            if (instrument := index.get(symbol)) is not None and instrument in self.books:
                self.books[instrument].finish()
        if clock.clamped:
            log.warning("replay: %s: %d local stamps went back in time; held at the previous ts_recv",
                        chain.symbol, clock.clamped)

    def _handle(self, chain: Chain, index: dict[str, int], clock: RecvClock, path: Path, number: int,
                parsed: Line | str) -> Event | None:
        if isinstance(parsed, str):
            self.drops.drop(parsed, f"{path.name}:{number}")
            return None
        data, name = parsed.data, parsed.event
        if name == "snapshot":  # the unwrapped REST reply names no symbol: it is the file's own
            symbol = chain.symbol
        else:
            raw_symbol = data.get("s")
            if not isinstance(raw_symbol, str):
                self.drops.drop("missing_field", f"{path.name}:{number}")
                return None
            symbol = raw_symbol.upper()
            if symbol != chain.symbol:
                chain.others.add(symbol)
        instrument = index.get(symbol)
        if instrument is None:
            self.drops.drop("not_subscribed", f"{path.name}:{number} ({symbol})")
            return None
        ts_recv = clock(parsed.local_ns)
        decoder = _ROW_DECODERS.get(name)
        if decoder is not None:
            row = decoder[1](data, instrument, ts_recv)
            if isinstance(row, str):
                self.drops.drop(row, f"{path.name}:{number}")
                return None
            return ts_recv, decoder[0], [row]
        grid = self._grids.get(instrument)
        if grid is None:
            grid = self._grids[instrument] = TickGrid(self.instruments[instrument].tick_size)
        depth = decode_snapshot(data, grid) if name == "snapshot" else decode_diff(data, grid)
        if isinstance(depth, str):
            self.drops.drop(depth, f"{path.name}:{number}")
            return None
        book = self.books.get(instrument)
        if book is None:
            book = self.books[instrument] = BookSync(instrument, symbol, self.stats, self.drops)
        rows = book.on_snapshot(depth, ts_recv) if name == "snapshot" else book.on_diff(depth, ts_recv)
        return (ts_recv, EventKind.BOOK_DELTA, rows) if rows else None
