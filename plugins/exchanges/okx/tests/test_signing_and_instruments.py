"""REST/WS signing against published and hand-made vectors; instrument metadata; login on the fake server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from decimal import Decimal

import pytest
from cryptoscalp_exchange_okx import plugin
from cryptoscalp_exchange_okx.config import OkxFeedConfig
from cryptoscalp_exchange_okx.instruments import (
    InstrumentError,
    fetch_instruments,
    instrument_from_okx,
    instruments_from_response,
)
from cryptoscalp_exchange_okx.signing import OkxSigner, iso_timestamp, sign
from cryptoscalp_exchange_okx.testing import FakeOkxServer, swap_instrument_row, synthetic_tape
from pydantic import ValidationError

from cryptoscalp_core.ports.secrets import MissingSecretError, Secret

DOC_SECRET = "22582BD0CFF14C41EDBF1AB98506286D"


class DictSecrets:
    def __init__(self, values: dict[str, str]) -> None:
        self._values = values

    def get(self, name: str) -> Secret:
        if name not in self._values:
            raise MissingSecretError(name)
        return Secret(name, self._values[name])

    def names(self) -> list[str]:
        return sorted(self._values)


@pytest.mark.shared_data
def test_shared_signing_vectors(market_data_dir) -> None:
    vectors = json.loads((market_data_dir / "messages" / "signing_vectors.json").read_text())["okx_v5"]
    assert vectors
    for v in vectors:
        signer = OkxSigner(Secret("k", v["apiKey"]), Secret("s", v["secretKey"]), Secret("p", v["passphrase"]))
        assert signer.signature(v["timestamp"], v["method"], v["requestPath"], v["body"]) == v["expected_signature"]


@pytest.mark.parametrize(("prehash", "expected"), [
    # self-computed with the docs' example secret (the docs publish no output)
    ("2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC", "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY="),
    ("1704876947GET/users/self/verify", "5/36BgGV6m/6pmdc20zdqk0mzF5ZalmzzPD2fo3wavU="),
])
def test_doc_secret_vectors(prehash: str, expected: str) -> None:
    assert sign(DOC_SECRET, prehash) == expected


def test_hand_made_vector_and_headers() -> None:
    # Hand-made: secret "okx-test-secret", computed independently below with hmac/base64.
    body = '{"instId":"BTC-USDT-SWAP","tdMode":"cross","side":"buy","ordType":"limit","px":"30000","sz":"1"}'
    prehash = "2024-01-10T08:55:47.123ZPOST/api/v5/trade/order" + body
    expected = base64.b64encode(hmac.new(b"okx-test-secret", prehash.encode(), hashlib.sha256).digest()).decode()
    signer = OkxSigner.from_store(DictSecrets({"k": "key-1", "s": "okx-test-secret", "p": "pass-1"}), "k", "s", "p",
                                  demo=True)
    headers = signer.rest_headers("post", "/api/v5/trade/order", body, 1_704_876_947_123)
    assert headers["OK-ACCESS-TIMESTAMP"] == "2024-01-10T08:55:47.123Z"
    assert headers["OK-ACCESS-SIGN"] == expected
    assert headers["OK-ACCESS-KEY"] == "key-1" and headers["OK-ACCESS-PASSPHRASE"] == "pass-1"
    assert headers["x-simulated-trading"] == "1"
    assert "okx-test-secret" not in repr(signer) and "pass-1" not in repr(signer)
    login = signer.ws_login(1_704_876_947)["args"][0]  # type: ignore[index]
    assert login["timestamp"] == "1704876947"
    assert login["sign"] == sign("okx-test-secret", "1704876947GET/users/self/verify")


def test_iso_timestamp() -> None:
    assert iso_timestamp(1_607_418_537_715) == "2020-12-08T09:08:57.715Z"
    assert iso_timestamp(1_607_418_537_005) == "2020-12-08T09:08:57.005Z"


def test_instrument_rows() -> None:
    btc = instrument_from_okx(swap_instrument_row())
    assert (btc.venue, btc.symbol, btc.tick_size, btc.lot_size, btc.contract_multiplier, btc.min_qty) == (
        "okx", "BTC-USDT-SWAP", Decimal("0.1"), Decimal("0.01"), Decimal("0.01"), Decimal("0.01"))
    assert btc.notional("60000", "1") == Decimal("600")  # one contract = 0.01 BTC
    inverse = {**swap_instrument_row("BTC-USD-SWAP", "0.1", "1", "100"), "ctType": "inverse"}
    with pytest.raises(InstrumentError, match="linear"):
        instrument_from_okx(inverse)
    with pytest.raises(InstrumentError, match="malformed"):
        instrument_from_okx({"instId": "X", "instType": "SWAP"})
    with pytest.raises(InstrumentError, match="error"):
        instruments_from_response(b'{"code":"50011","msg":"Too Many Requests","data":[]}')
    assert set(instruments_from_response({"code": "0", "data": [swap_instrument_row(), inverse]})) == {"BTC-USDT-SWAP"}


@pytest.mark.shared_data
def test_real_instruments_response(market_data_dir) -> None:
    text = (market_data_dir / "messages" / "okx" / "nautilus" / "http_get_instruments_swap.json").read_text()
    found = instruments_from_response(text)
    assert found["ETH-USDT-SWAP"].contract_multiplier == Decimal("0.1")
    assert found["ETH-USDT-SWAP"].tick_size == Decimal("0.01") and "BTC-USD-SWAP" not in found


def test_resolve_hook_uses_shipped_data() -> None:
    btc = plugin.cryptoscalp_resolve_instrument(venue="okx", symbol="BTC-USDT-SWAP")
    assert btc is not None and btc.contract_multiplier == Decimal("0.01")
    assert plugin.cryptoscalp_resolve_instrument(venue="bybit", symbol="BTCUSDT") is None
    assert plugin.cryptoscalp_resolve_instrument(venue="okx", symbol="NOPE-USDT-SWAP") is None


def test_config_validation() -> None:
    with pytest.raises(ValidationError, match="needs login"):
        OkxFeedConfig(book_channel="books-l2-tbt")
    with pytest.raises(ValidationError, match="ping_after_s"):
        OkxFeedConfig(ping_after_s=31)
    with pytest.raises(ValidationError, match="nothing to subscribe"):
        OkxFeedConfig(book_channel="none", quote_channel="none", trades=False, mark=False)


async def test_rest_fetch_and_slow_rest() -> None:
    async with FakeOkxServer([], instruments=[swap_instrument_row()]) as server:
        found = await fetch_instruments(server.rest_url, "SWAP", 2.0)
        assert list(found) == ["BTC-USDT-SWAP"]
        server.faults.rest_delay_s = 0.5
        with pytest.raises(OSError):  # a timeout is an OSError: the feed logs it and keeps the profile's grid
            await fetch_instruments(server.rest_url, "SWAP", 0.2)


async def test_login_channel_on_fake_server() -> None:
    from cryptoscalp_exchange_okx.feed import OkxFeed

    secrets = DictSecrets({"okx.key": "key-1", "okx.secret": "s3cr3t", "okx.pass": "pass-1"})
    tape = [{**p, "arg": {**p["arg"], "channel": "books-l2-tbt"}} if p["arg"]["channel"] == "books" else p
            for p in synthetic_tape(40, seed=2)]
    for creds, ok in (("s3cr3t", True), ("wrong", False)):
        async with FakeOkxServer(tape, instruments=[swap_instrument_row()],
                                 credentials=("key-1", creds, "pass-1")) as server:
            config = OkxFeedConfig(ws_url=server.ws_url, rest_url=server.rest_url, book_channel="books-l2-tbt",
                                   api_key="okx.key", api_secret="okx.secret", passphrase="okx.pass",
                                   connect_timeout_s=3)
            feed = OkxFeed(config, [instrument_from_okx(swap_instrument_row())], secrets)
            if not ok:
                with pytest.raises(RuntimeError, match="60009"):
                    await feed.start()
                continue
            await feed.start()
            await server.advance(len(tape))
            await server.flush()
            batches = feed.batches()
            first = await anext(batches)
            assert first.kind.name == "BOOK_DELTA"
            assert server.clients[0].logged_in
            await feed.stop()
