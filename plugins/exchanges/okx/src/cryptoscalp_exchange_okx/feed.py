"""The ``okx`` feed: a :class:`~cryptoscalp_core.ports.MarketFeed` over OKX's public WebSocket.

``start()`` checks the profile's instruments against the venue's metadata (a tick size that disagrees
would turn every book price into a wrong integer), opens the sockets and waits (up to the connect
timeout) until each has its subscriptions acknowledged; a venue that is down is retried in the
background rather than failing the run. ``batches()`` yields one batch per data push in arrival order.

The feed is a :class:`~cryptoscalp_core.marketdata.raw.RawFrameSource`: with a sink installed it tees
every frame its sockets receive, plus the records :mod:`cryptoscalp_exchange_okx.recording` needs to
replay them bit for bit (``start``, ``reset``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.marketdata.raw import START_TAG, RawFrameSink, start_record
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats
from cryptoscalp_core.ports.secrets import SecretStore
from cryptoscalp_exchange_okx.book_sync import BookState, BookSync
from cryptoscalp_exchange_okx.config import LOGIN_BOOK_CHANNELS, OkxFeedConfig
from cryptoscalp_exchange_okx.connection import Channel, OkxSocket, SocketContext
from cryptoscalp_exchange_okx.instruments import VENUE, InstrumentError, fetch_instruments, grid_mismatches
from cryptoscalp_exchange_okx.recording import build_decoder, decoder_settings
from cryptoscalp_exchange_okx.signing import OkxSigner

log = logging.getLogger("cryptoscalp.exchange.okx")


def channels_of(config: OkxFeedConfig, symbol: str) -> list[Channel]:
    names: list[str] = []
    if config.book_channel != "none":
        names.append(config.book_channel)
    if config.quote_channel != "none":
        names.append(config.quote_channel)
    if config.trades:
        names.append("trades")
    if config.mark:
        names += ["mark-price", "funding-rate"]
    return [{"channel": name, "instId": symbol} for name in names]


class OkxFeed:
    """Live OKX market data for ``instruments`` (all of venue ``okx``)."""

    def __init__(self, config: OkxFeedConfig, instruments: Sequence[Instrument],
                 secrets: SecretStore | None = None) -> None:
        self.config = config
        self.instruments = tuple(instruments)
        self._secrets = secrets
        self._stats = FeedStats()
        self._queue: asyncio.Queue[EventBatch | None] | None = None
        self._stopping: asyncio.Event | None = None
        self._sockets: list[OkxSocket] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._books: dict[str, BookSync] = {}
        self._failure: BaseException | None = None
        self._iterated = False
        self._raw_sink: RawFrameSink | None = None
        self._ctx: SocketContext | None = None

    @property
    def venue(self) -> str:
        return VENUE

    def set_raw_sink(self, sink: RawFrameSink | None) -> None:
        """Tee every received frame to ``sink`` (recording); ``None`` removes it."""
        self._raw_sink = sink
        if self._ctx is not None:
            self._ctx.raw_sink = sink

    @property
    def stats(self) -> FeedStats:
        return self._stats

    @property
    def books(self) -> dict[str, BookSync]:
        """``instId`` → its synchronised book (levels, state, last seqId) — for checks and tools."""
        return self._books

    @property
    def book_synced(self) -> dict[str, bool]:
        return {symbol: sync.state is BookState.LIVE for symbol, sync in self._books.items()}

    @property
    def sockets(self) -> list[OkxSocket]:
        return self._sockets

    async def start(self) -> None:
        if self._stopping is not None and not self._stopping.is_set():
            return
        cfg = self.config
        foreign = [inst.id for inst in self.instruments if inst.venue != VENUE]
        if foreign:
            raise ValueError(f"okx feed: instruments of another venue: {', '.join(foreign)}")
        if not self.instruments:
            raise ValueError("okx feed: no instruments")
        if cfg.fetch_instruments:
            await self._check_instruments()
        signer = None
        if cfg.book_channel in LOGIN_BOOK_CHANNELS:
            if self._secrets is None:
                raise ValueError(f"okx feed: {cfg.book_channel} needs a SecretStore for login")
            assert cfg.api_key and cfg.api_secret and cfg.passphrase  # the config validator ensures them
            signer = OkxSigner.from_store(self._secrets, cfg.api_key, cfg.api_secret, cfg.passphrase)
        self._stats, self._failure, self._iterated = FeedStats(), None, False
        stats = self._stats
        settings = decoder_settings(cfg)
        self._books, decoder = build_decoder(self.instruments, stats, settings)
        queue: asyncio.Queue[EventBatch | None] = asyncio.Queue(cfg.queue_batches)
        self._queue, self._stopping = queue, asyncio.Event()
        ctx = SocketContext(cfg, decoder, stats, queue.put, self._fail, self._stopping, signer=signer,
                            raw_sink=self._raw_sink)
        self._ctx = ctx
        if ctx.raw_sink is not None:  # a replay starts from a decoder built like this one
            ctx.raw_sink(ctx.clock.now(), start_record(settings), START_TAG)
        self._sockets = [OkxSocket(ctx, channels, [self._books[s] for s in symbols if s in self._books])
                         for channels, symbols in self._plan()]
        self._tasks = [asyncio.create_task(sock.run(), name=f"okx-socket-{i}") for i, sock in enumerate(self._sockets)]
        waits = {asyncio.create_task(sock.connected.wait()) for sock in self._sockets}
        stopped = asyncio.create_task(self._stopping.wait())  # set by _fail on a configuration error
        pending = set(waits)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + cfg.connect_timeout_s
        while pending and not self._stopping.is_set() and loop.time() < deadline:
            _, pending = await asyncio.wait({*pending, stopped}, timeout=deadline - loop.time(),
                                            return_when=asyncio.FIRST_COMPLETED)
            pending.discard(stopped)
        for task in (*pending, stopped):
            task.cancel()
        if pending and self._failure is None:
            log.warning("okx feed: %d of %d sockets not subscribed yet; retrying in the background",
                        len(pending), len(waits))
        if self._failure is not None:
            await self.stop()
            raise self._failure

    def _plan(self) -> list[tuple[list[Channel], list[str]]]:
        """Instruments grouped so that one socket carries all channels of an instrument and at most
        ``max_channels_per_connection`` channels in all (one instrument may exceed it alone)."""
        plan: list[tuple[list[Channel], list[str]]] = []
        for inst in self.instruments:
            channels = channels_of(self.config, inst.symbol)
            if plan and len(plan[-1][0]) + len(channels) <= self.config.max_channels_per_connection:
                plan[-1][0].extend(channels)
                plan[-1][1].append(inst.symbol)
            else:
                plan.append((channels, [inst.symbol]))
        return plan

    async def _check_instruments(self) -> None:
        cfg = self.config
        try:
            venue = await fetch_instruments(cfg.rest_url, cfg.inst_type, cfg.rest_timeout_s)
        except InstrumentError as exc:
            raise ValueError(f"okx feed: {exc}") from None
        except OSError as exc:
            # Metadata is a safety check, not the data: a venue REST outage must not stop the run.
            log.warning("okx feed: instruments endpoint unreachable (%s); using the profile's grids", exc)
            return
        for inst in self.instruments:
            found = venue.get(inst.symbol)
            if found is None:
                raise ValueError(f"okx feed: unknown {cfg.inst_type} instrument {inst.symbol!r}")
            bad = grid_mismatches(inst, found)
            if bad:
                raise ValueError(f"okx feed: {inst.symbol} grid differs from the venue's: {'; '.join(bad)}")

    def _fail(self, exc: BaseException) -> None:
        log.error("okx feed: %s", exc)
        self._failure = exc
        if self._stopping is not None:
            self._stopping.set()
        if self._queue is not None:
            with contextlib.suppress(asyncio.QueueFull):
                self._queue.put_nowait(None)

    async def stop(self) -> None:
        stopping, queue = self._stopping, self._queue
        if stopping is None or queue is None:
            return
        stopping.set()
        await asyncio.gather(*(sock.close() for sock in self._sockets), return_exceptions=True)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        with contextlib.suppress(asyncio.QueueFull):
            queue.put_nowait(None)

    async def batches(self) -> AsyncIterator[EventBatch]:
        queue, stopping = self._queue, self._stopping
        if queue is None or stopping is None:
            raise RuntimeError("okx feed: call start() before batches()")
        if self._iterated:
            raise RuntimeError("okx feed: batches() may be iterated once per start()")
        self._iterated = True
        stats = self._stats
        while True:
            batch = await queue.get()
            if self._failure is not None:
                raise self._failure
            if batch is None or stopping.is_set():
                return
            stats.events += len(batch.rows)
            stats.batches += 1
            yield batch


def make_okx_feed(config: OkxFeedConfig, *, instruments: Sequence[Instrument],
                  secrets: SecretStore | None = None) -> OkxFeed:
    """OKX public market data: trades, best bid/ask, L2 books (seqId + checksum), mark price and funding."""
    return OkxFeed(config, instruments, secrets)
