"""REST signing against the venue's published vectors and a hand-made one."""

from __future__ import annotations

import json
from pathlib import Path

from cryptoscalp_exchange_binance import RequestSigner, hmac_signature

from cryptoscalp_core.ports.secrets import MissingSecretError, Secret

DOC_SECRET = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9"
DOC_QUERY = ("symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000"
             "&timestamp=1591702613943")


class Store:
    def __init__(self, values: dict[str, str]) -> None:
        self._values = values

    def get(self, name: str) -> Secret:
        if name not in self._values:
            raise MissingSecretError(name)
        return Secret(name, self._values[name])

    def names(self) -> list[str]:
        return sorted(self._values)


def test_documented_vector() -> None:
    expected = "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9"
    assert hmac_signature(Secret("s", DOC_SECRET), DOC_QUERY) == expected


def test_hand_made_vector() -> None:
    # computed with the openssl command line, independently of Python:
    #   printf %s '<total>' | openssl dgst -sha256 -hmac 'cryptoscalp-test-secret'
    total = "symbol=ETHUSDT&side=SELL&type=MARKET&quantity=0.5&recvWindow=3000&timestamp=1700000000000"
    expected = "a29969ebc58d71c5da7add04edddbe407a9197ac839215480a9b774efdb4144c"
    assert hmac_signature(Secret("s", "cryptoscalp-test-secret"), total) == expected


def test_signing_vectors_file(market_data_dir: Path) -> None:
    vectors = json.loads((market_data_dir / "messages" / "signing_vectors.json").read_text())
    entries = vectors["binance_usdm_futures"]
    assert len(entries) >= 2
    for entry in entries:  # the second one signs the docs' string with its stray space, as published
        assert hmac_signature(Secret("s", entry["secretKey"]), entry["payload"]) == entry["expected_signature"]


def test_signer_puts_signature_last_and_keeps_secrets_out_of_reprs() -> None:
    store = Store({"binance-usdm.api_key": "KEY-123", "binance-usdm.api_secret": DOC_SECRET})
    signer = RequestSigner(store, recv_window_ms=5000, clock_ms=lambda: 1591702613943)
    query, body = signer.sign({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": 1, "price": 9000,
                               "timeInForce": "GTC"})
    assert body == ""
    assert query == DOC_QUERY + "&signature=3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9"
    assert signer.headers() == {"X-MBX-APIKEY": "KEY-123"}
    assert "KEY-123" not in repr(signer) and DOC_SECRET not in repr(signer)


def test_mixed_query_and_body_join_without_ampersand() -> None:
    store = Store({"binance-usdm.api_key": "k", "binance-usdm.api_secret": DOC_SECRET})
    signer = RequestSigner(store, clock_ms=lambda: 1591702613943)
    query, body = signer.sign({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"},
                              {"quantity": 1, "price": 9000})
    # the notes' corrected value for the docs' mixed example (the printed one has a stray space)
    assert body.endswith("&signature=30baaf0fab549bbeda7f5ef201898b34122da25fd23c646cac2c529aebe670a4")
    assert query == "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
