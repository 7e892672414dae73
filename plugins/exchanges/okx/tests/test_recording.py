"""The real OKX recording (cryptofeed's OKX.ws.1.0.gz: books with real checksums, trades, tickers)
replayed through the fake server: all checksums verify, and after faults the books equal the tape's."""

from __future__ import annotations

import gzip
from decimal import Decimal

import orjson
import pytest
from cryptoscalp_exchange_okx.testing import load_recording

from cryptoscalp_core.domain.instrument import Instrument

pytestmark = pytest.mark.shared_data


def _instruments(market_data_dir) -> tuple[list[Instrument], list[dict[str, str]]]:
    """Tick sizes of the recorded instruments from the recorded instruments response of the same day."""
    ticks: dict[str, str] = {}
    with gzip.open(market_data_dir / "okx" / "cryptofeed" / "OKX.0.gz", "rt") as lines:
        for line in lines:
            _, sep, body = line.partition(": ")
            if sep and body.startswith("{"):
                for row in orjson.loads(body).get("data", []):
                    ticks[row["instId"]] = row["tickSz"]
    symbols = ["BTC-USDT", "UNI-USD-SWAP", "BTC-USD-220527"]
    insts = [Instrument("okx", s, tick_size=Decimal(ticks[s]), lot_size=Decimal("0.00000001")) for s in symbols]
    return insts, [{"instId": s, "instType": "SPOT"} for s in symbols]


@pytest.fixture
def recording(market_data_dir):
    return load_recording(market_data_dir / "okx" / "cryptofeed" / "OKX.ws.1.0.gz")


@pytest.mark.parametrize("seq_ids", [False, True])
async def test_recording_checksums_and_faults(harness, recording, market_data_dir, seq_ids) -> None:
    insts, rows = _instruments(market_data_dir)
    books = [p for p in recording if p["arg"]["channel"] == "books"]
    assert len(books) == 290 and all(p["data"][0]["checksum"] != 0 for p in books)
    h = await harness(recording, instruments=insts, rows=rows, server_kw={"add_seq_ids": seq_ids},
                      quote_channel="tickers", mark=False, fetch_instruments=False)
    await h.server.advance(120)
    h.server.faults.skip_book_pushes = 1  # a gap: by seqId, or by checksum in the 2022 format
    await h.server.advance(80)
    await h.server.drop_connections()  # and a reconnect
    await h.wait_until(lambda: h.feed.stats.reconnects == 1 and all(s.state == 1 for s in h.feed.books.values()),
                       what="reconnect and resync")
    await h.server.advance(len(recording))
    await h.server.flush()
    await h.wait_until(lambda: all(s.state == 1 for s in h.feed.books.values()), what="books live")
    import asyncio
    await asyncio.sleep(0.2)
    for i, inst in enumerate(insts):
        h.assert_book_matches(inst, i)
    assert h.feed.stats.gaps >= 1 and not h.feed.stats.dropped.get("malformed")
    assert sum(s.checksums for s in h.feed.books.values()) > 200  # the recorded CRCs were verified
    assert h.feed.stats.dropped.get("checksum_mismatch", 0) <= (0 if seq_ids else 1)
