"""REST and WebSocket signing: the shared vectors, a hand-made vector, and a signed call to the fake."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import pytest
from cryptoscalp_exchange_bybit import BybitRestError, BybitSigner
from cryptoscalp_exchange_bybit.rest import BybitRest
from cryptoscalp_exchange_bybit.signing import rest_prehash, sign, ws_prehash
from cryptoscalp_exchange_bybit.testing import FakeBybit

from cryptoscalp_core.ports.secrets import Secret


def test_shared_vectors(market_data_dir: Path) -> None:
    vectors = json.loads((market_data_dir / "messages" / "signing_vectors.json").read_text())["bybit_v5"]
    assert len(vectors) == 3
    for v in vectors:
        if v["kind"] == "websocket auth":
            assert ws_prehash(v["expires"]) == v["prehash"]
            signer = BybitSigner(Secret("k", v["apiKey"]), Secret("s", v["secretKey"]))
            assert signer.ws_auth(v["expires"])["args"] == [v["apiKey"], v["expires"], v["expected_signature"]]
        else:
            assert rest_prehash(v["timestamp"], v["apiKey"], v["recvWindow"], v["payload"]) == v["prehash"]
            signer = BybitSigner(Secret("k", v["apiKey"]), Secret("s", v["secretKey"]), int(v["recvWindow"]))
            assert signer.signature(int(v["timestamp"]), v["payload"]) == v["expected_signature"]


def test_hand_made_vector() -> None:
    """Docs' GET example string with the notes' secret; expected value from the notes (self-computed there)."""
    message = "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C"
    assert sign("XXXXXXXXXXsecret", message) == "db2ac6dac2b9e820e89118590c6e9ea00b8036008b1857c11fc716f8cc08085e"
    expected = hmac.new(b"s3cr3t", b"GET/realtime1700000000000", hashlib.sha256).hexdigest()
    assert BybitSigner(Secret("k", "key"), Secret("s", "s3cr3t")).ws_auth(1700000000000)["args"][2] == expected


def test_secrets_stay_out_of_reprs() -> None:
    signer = BybitSigner(Secret("bybit.api_key", "AKEY123"), Secret("bybit.api_secret", "TOPSECRET"))
    text = repr(signer) + str(signer)
    assert "AKEY123" not in text and "TOPSECRET" not in text and "bybit.api_secret" in text


async def test_signed_request_against_fake(btc_script: Any, infos: Any) -> None:
    async with FakeBybit(btc_script, instruments=infos, api_keys={"AKEY": "SKEY"}) as fake:
        good = BybitSigner(Secret("k", "AKEY"), Secret("s", "SKEY"))
        async with BybitRest(fake.rest_url, signer=good) as rest:
            result = await rest.get("/v5/account/fee-rate", {"category": "linear", "symbol": "BTCUSDT"}, signed=True)
        assert result["list"] == [{"symbol": "BTCUSDT", "makerFeeRate": "0.0002", "takerFeeRate": "0.00055"}]
        bad = BybitSigner(Secret("k", "AKEY"), Secret("s", "wrong"))
        async with BybitRest(fake.rest_url, signer=bad) as rest:
            with pytest.raises(BybitRestError) as info:
                await rest.get("/v5/account/fee-rate", {"category": "linear"}, signed=True)
        assert info.value.ret_code == 10004


def test_stale_timestamp_is_refused_by_the_window_rule() -> None:
    """The fake's window rule is Bybit's: server - recvWindow <= ts < server + 1000."""
    now = int(time.time() * 1000)
    signer = BybitSigner(Secret("k", "AKEY"), Secret("s", "SKEY"), recv_window_ms=5000)
    headers = signer.headers(now - 6000, "category=linear")
    assert int(headers["X-BAPI-TIMESTAMP"]) < now - 5000 and headers["X-BAPI-RECV-WINDOW"] == "5000"
