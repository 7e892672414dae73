"""Instrument metadata: REST entries → Instrument, the start-time check, the offline resolver, profiles."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptoscalp_exchange_bybit import BybitConfigError, BybitFeed, BybitFeedConfig
from cryptoscalp_exchange_bybit.instruments import instrument_from_info, resolve
from cryptoscalp_exchange_bybit.plugin import cryptoscalp_resolve_instrument
from cryptoscalp_exchange_bybit.testing import FakeBybit, linear_info
from pydantic import ValidationError

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.plugins import PluginHost
from cryptoscalp_core.profile import load_profile


def test_info_to_instrument(market_data_dir: Path) -> None:
    import json

    data = json.loads((market_data_dir / "messages/bybit/nautilus/http_get_instruments_linear.json").read_text())
    eth = instrument_from_info(data["result"]["list"][1])
    assert (eth.symbol, eth.tick_size, eth.lot_size, eth.min_qty, eth.min_notional) == (
        "ETHUSDT", Decimal("0.05"), Decimal("0.01"), Decimal("0.01"), Decimal("5"))
    assert eth.venue == "bybit" and eth.contract_multiplier == 1 and eth.base == "ETH"


def test_offline_resolution_uses_reference_then_cache() -> None:
    btc = cryptoscalp_resolve_instrument(venue="bybit", symbol="BTCUSDT")
    assert btc is not None and btc.tick_size == Decimal("0.1") and btc.lot_size == Decimal("0.001")
    assert cryptoscalp_resolve_instrument(venue="okx", symbol="BTCUSDT") is None
    assert resolve("NOPEUSDT") is None


async def test_start_refuses_wrong_tick_and_unknown_symbol(btc_script: Any, infos: Any) -> None:
    async with FakeBybit(btc_script, instruments=infos) as fake:
        cfg = BybitFeedConfig(ws_url=fake.ws_url, rest_url=fake.rest_url)
        wrong = Instrument("bybit", "BTCUSDT", tick_size=Decimal("0.5"), lot_size=Decimal("0.001"))
        with pytest.raises(BybitConfigError, match="tick/lot size"):
            await BybitFeed(cfg, [wrong]).start()
        unknown = Instrument("bybit", "NOPEUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"))
        with pytest.raises(BybitConfigError, match="no linear contract"):
            await BybitFeed(cfg, [unknown]).start()
        # a good start refreshes the cache, from which the resolver then answers
        fake.instruments["SOLUSDT"] = linear_info("SOLUSDT", "0.01", "0.1")
        sol = Instrument("bybit", "SOLUSDT", tick_size=Decimal("0.01"), lot_size=Decimal("0.1"))
        with pytest.raises(BybitConfigError, match="Invalid topic"):  # the script has no SOLUSDT stream
            await BybitFeed(cfg, [sol]).start()
    found = resolve("SOLUSDT")
    assert found is not None and found.tick_size == Decimal("0.01")


def test_config_rules() -> None:
    with pytest.raises(ValidationError):
        BybitFeedConfig(depth=0, trades=False, quotes=False, marks=False)
    with pytest.raises(ValidationError):
        BybitFeedConfig(ws_url="http://127.0.0.1:1/v5/public/linear")
    with pytest.raises(ValidationError):
        BybitFeedConfig(depth=25)  # type: ignore[arg-type]
    with pytest.raises(BybitConfigError):
        BybitFeed(BybitFeedConfig(), [Instrument("okx", "BTC-USDT-SWAP", tick_size=Decimal("0.1"),
                                                 lot_size=Decimal("1"))])


def test_profile_with_the_feed_validates(tmp_path: Path) -> None:
    profile = tmp_path / "paper-bybit.yaml"
    profile.write_text(
        "mode: paper\ninstruments: [bybit:BTCUSDT]\n"
        "feed: {use: bybit, ws_url: 'ws://127.0.0.1:8765/v5/public/linear', rest_url: 'http://127.0.0.1:8765',"
        " depth: 50}\n")
    host = PluginHost()
    resolved = load_profile(profile, host.registry, resolver=host.hook.cryptoscalp_resolve_instrument)
    assert resolved.instruments[0].id == "bybit:BTCUSDT"
