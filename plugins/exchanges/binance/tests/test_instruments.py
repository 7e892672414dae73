"""Instrument metadata: exchangeInfo → Instrument, the resolve hook, and the check at feed start."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from cryptoscalp_exchange_binance import BinanceFeedConfig, InstrumentError, instrument_from_symbol, make_binance_feed
from cryptoscalp_exchange_binance.plugin import cryptoscalp_resolve_instrument
from cryptoscalp_exchange_binance.testing import FakeBinanceServer, synthetic_tape

from cryptoscalp_core.domain.instrument import Instrument


def test_exchange_info_of_the_venue(market_data_dir: Path) -> None:
    path = market_data_dir / "messages" / "binance-usdm" / "nautilus" / "http_responses"
    info = json.loads((path / "http_futures_market_exchange_info.json").read_text())
    btc = next(s for s in info["symbols"] if s["symbol"] == "BTCUSDT")
    filters = {f["filterType"]: f for f in btc["filters"]}
    inst = instrument_from_symbol(btc)
    assert inst.id == "binance-usdm:BTCUSDT"
    assert inst.tick_size == Decimal(filters["PRICE_FILTER"]["tickSize"])
    assert inst.lot_size == Decimal(filters["LOT_SIZE"]["stepSize"])
    assert inst.min_notional == Decimal(filters["MIN_NOTIONAL"]["notional"])
    assert (inst.base, inst.quote) == ("BTC", "USDT")


def test_resolve_hook_uses_shipped_data_only() -> None:
    btc = cryptoscalp_resolve_instrument(venue="binance-usdm", symbol="BTCUSDT")
    assert btc is not None and btc.tick_size == Decimal("0.1") and btc.min_notional == Decimal("100")
    assert cryptoscalp_resolve_instrument(venue="binance-usdm", symbol="NOPEUSDT") is None
    assert cryptoscalp_resolve_instrument(venue="okx", symbol="BTCUSDT") is None


def test_missing_filter_is_a_clear_error() -> None:
    with pytest.raises(InstrumentError, match="PRICE_FILTER"):
        instrument_from_symbol({"symbol": "X", "filters": []})


@pytest.mark.parametrize(("symbol", "tick", "message"), [
    ("DOGEUSDT", "0.1", "does not list"),
    ("BTCUSDT", "0.3", "not a multiple"),
])
async def test_feed_start_refuses_bad_instruments(symbol: str, tick: str, message: str) -> None:
    inst = Instrument("binance-usdm", symbol, tick_size=Decimal(tick), lot_size=Decimal("0.001"))
    async with FakeBinanceServer(synthetic_tape(steps=20)) as venue:
        feed = make_binance_feed(BinanceFeedConfig(ws_url=venue.ws_url, rest_url=venue.rest_url), instruments=[inst])
        with pytest.raises(InstrumentError, match=message):
            await feed.start()
        assert venue.connections_opened == 0


def test_feed_needs_an_instrument_of_its_venue() -> None:
    other = Instrument("okx", "BTC-USDT-SWAP", tick_size=Decimal("0.1"), lot_size=Decimal("0.01"))
    with pytest.raises(ValueError, match="binance-usdm"):
        make_binance_feed(BinanceFeedConfig(), instruments=[other])


def test_config_rejects_non_websocket_urls() -> None:
    with pytest.raises(ValueError, match="ws://"):
        BinanceFeedConfig(ws_url="http://127.0.0.1:1")
