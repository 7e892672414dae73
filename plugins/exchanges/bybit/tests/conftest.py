"""Fixtures of the Bybit plugin tests (importlib import mode: helpers travel as fixtures).

The reference book here is deliberately independent of the plugin: it applies the recorded messages
with Decimal arithmetic to plain dictionaries, the way Bybit's documentation describes, and converts
prices to ticks only at the end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptoscalp_exchange_bybit import BybitFeed, BybitFeedConfig
from cryptoscalp_exchange_bybit.testing import FakeBybit, fixture_path, linear_info, load_script

from cryptoscalp_core.domain.instrument import Instrument

BTC = Instrument("bybit", "BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"), base="BTC", quote="USDT")
XRP = Instrument("bybit", "XRPUSDT", tick_size=Decimal("0.0001"), lot_size=Decimal("1"), base="XRP", quote="USDT")
INFOS = {"BTCUSDT": linear_info("BTCUSDT", "0.1", "0.001"), "XRPUSDT": linear_info("XRPUSDT", "0.0001", "1")}
XRP_FILE = "bybit/nautilus/2024-12-01_XRPUSDT_ob500.data"

Book = tuple[dict[int, float], dict[int, float]]


def reference_book(script: Sequence[dict[str, Any]], topic_prefix: str, tick: Decimal, depth: int | None = None,
                   upto: int | None = None) -> Book:
    """The book rebuilt offline from the recorded messages (the first ``upto``), optionally cut to the
    top ``depth`` levels a side."""
    bids: dict[Decimal, Decimal] = {}
    asks: dict[Decimal, Decimal] = {}
    for msg in script[:upto]:
        if not msg["topic"].startswith(topic_prefix):
            continue
        if msg["type"] == "snapshot":
            bids.clear()
            asks.clear()
        for key, book in (("b", bids), ("a", asks)):
            for p, s in msg["data"][key]:
                if Decimal(s) == 0:
                    book.pop(Decimal(p), None)
                else:
                    book[Decimal(p)] = Decimal(s)
    best_b = sorted(bids, reverse=True)[:depth]
    best_a = sorted(asks)[:depth]
    return ({int(p / tick): float(bids[p]) for p in best_b}, {int(p / tick): float(asks[p]) for p in best_a})


def client_book(feed: BybitFeed, instrument: int = 0) -> Book:
    book = feed.book(instrument)
    assert book is not None
    return book.levels()


async def converge(feed: BybitFeed, expected: Book, timeout: float = 5.0, instrument: int = 0) -> Book:
    """Wait until the feed's book equals ``expected`` (the fake finished playing); return the last seen."""
    deadline = asyncio.get_running_loop().time() + timeout
    seen = client_book(feed, instrument)
    while seen != expected and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)
        seen = client_book(feed, instrument)
    return seen


@pytest.fixture
def btc() -> Instrument:
    return BTC


@pytest.fixture
def xrp() -> Instrument:
    return XRP


@pytest.fixture
def infos() -> dict[str, dict[str, Any]]:
    return INFOS


@pytest.fixture
def btc_script() -> list[dict[str, Any]]:
    return load_script(fixture_path())


@pytest.fixture
def xrp_script(market_data_dir: Path) -> list[dict[str, Any]]:
    return load_script(market_data_dir / XRP_FILE)


@pytest.fixture
def fast_config() -> Callable[..., BybitFeedConfig]:
    """Feed settings for a fake server: short heartbeats and timeouts so faults resolve in milliseconds."""

    def make(fake: FakeBybit, **overrides: Any) -> BybitFeedConfig:
        settings: dict[str, Any] = dict(ws_url=fake.ws_url, rest_url=fake.rest_url, cache_instruments=False,
                                        ping_interval_s=0.1, stall_timeout_s=0.4, subscribe_timeout_s=1.0,
                                        open_timeout_s=2.0, backoff_initial_s=0.01, backoff_max_s=0.1)
        settings.update(overrides)
        return BybitFeedConfig(**settings)

    return make


@pytest.fixture
def reference() -> Callable[..., Book]:
    return reference_book


@pytest.fixture
def book_of() -> Callable[..., Book]:
    return client_book


@pytest.fixture
def converged() -> Callable[..., Awaitable[Book]]:
    return converge


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the user's instrument cache."""
    monkeypatch.setenv("CRYPTOSCALP_CACHE_DIR", str(tmp_path / "cache"))
