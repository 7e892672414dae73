"""The real recording (Binance's own BTCUSDT messages, 2024-08-08) replayed by the fake venue, with
faults: the feed's book equals the book rebuilt offline from the recording at the same point."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptoscalp_exchange_binance.testing import Tape

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.domain.instrument import Instrument

MakeHarness = Callable[..., Any]
BTC = Instrument("binance-usdm", "BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"))
TOP = 200  # a resync snapshot holds 1000 levels a side; deeper levels are only known once a diff touches them


async def test_recording_with_gap_reconnect_and_duplicates(harness: MakeHarness, market_data_dir: Path) -> None:
    tape = Tape.from_file(market_data_dir / "binance-usdm" / "hftbacktest" / "btcusdt_20240808.gz", limit=6000)
    assert len(tape.snapshots["BTCUSDT"]["bids"]) == 1000
    h = await harness(tape, instruments=(BTC,), feed={"depth_speed": "0ms"})
    await h.venue.play(1500)
    await h.caught_up()
    h.assert_books_match(TOP)

    h.venue.faults.skip_depth["BTCUSDT"] = 1
    await h.venue.play(3000)
    await h.caught_up()
    h.assert_books_match(TOP)
    assert h.feed.stats.gaps == 1 and h.feed.stats.resyncs == 1

    h.venue.drop_connections()
    await h.venue.play(3200)  # lost while away
    await h.venue.wait_subscribed(4)
    h.venue.faults.duplicate = 300
    await h.venue.play()
    await h.caught_up()
    h.assert_books_match(TOP)
    stats = h.feed.stats
    assert stats.reconnects >= 2 and stats.resyncs >= 2 and stats.dropped.get("duplicate", 0) >= 250

    trades = h.rows(EventKind.TRADE)
    assert (trades["trade_id"][1:] > trades["trade_id"][:-1]).all()
