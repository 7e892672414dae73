"""Fills (deduplicated) and position snapshots."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest

from cryptoscalp_core.domain.orders import Fill, OrderRequest, OrderSide
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.ports.store import RunRecord
from cryptoscalp_core.storage import SqlStore, UnknownRunError

MakeRequest = Callable[..., OrderRequest]
MakeFill = Callable[..., Fill]


def test_a_replayed_fill_is_not_counted_twice(store: SqlStore, run_id: str, limit_buy: MakeRequest,
                                              fill_of: MakeFill) -> None:
    request = limit_buy("cs1", qty="0.03")
    store.journal_intent(run_id, request)
    first = fill_of(request, "t1", qty="0.01", price="65000.5")
    second = fill_of(request, "t2", qty="0.02", price="65001", ts=200)
    assert store.record_fill(run_id, first) is True
    assert store.record_fill(run_id, first) is False
    assert store.record_fill(run_id, second) is True
    # same trade id replayed with other content: still a duplicate, the first record stays
    assert store.record_fill(run_id, fill_of(request, "t1", qty="0.02", price="1")) is False
    assert store.fills(run_id) == [first, second]
    assert store.fills(run_id, "cs1") == [first, second]
    assert store.fills(run_id, "other") == []
    assert store.fills("other-run") == []


def test_the_same_trade_id_on_two_orders_is_two_fills(store: SqlStore, run_id: str,
                                                      limit_buy: MakeRequest, fill_of: MakeFill) -> None:
    a, b = limit_buy("a"), limit_buy("b")
    assert store.record_fill(run_id, fill_of(a, "t1", qty="0.01", price="1"))
    assert store.record_fill(run_id, fill_of(b, "t1", qty="0.01", price="1"))
    assert [f.client_order_id for f in store.fills(run_id)] == ["a", "b"]


def test_concurrent_replays_store_one_fill(store: SqlStore, run_id: str, limit_buy: MakeRequest,
                                          fill_of: MakeFill) -> None:
    the_fill = fill_of(limit_buy("cs1"), "t-race", qty="0.01", price="2")
    outcomes: list[bool] = []
    threads = [threading.Thread(target=lambda: outcomes.append(store.record_fill(run_id, the_fill)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False] * 7 + [True]
    assert store.fills(run_id) == [the_fill]


def test_fill_for_an_unjournaled_order_is_kept(store: SqlStore, run_id: str, limit_buy: MakeRequest,
                                               fill_of: MakeFill) -> None:
    manual = fill_of(limit_buy("web-manual-1"), "t9", qty="0.5", price="3")
    assert store.record_fill(run_id, manual) is True
    assert store.fills(run_id) == [manual]


def test_bad_fills_are_refused(store: SqlStore, run_id: str, limit_buy: MakeRequest,
                               fill_of: MakeFill) -> None:
    request = limit_buy("cs1")
    with pytest.raises(ValueError, match="trade_id"):
        store.record_fill(run_id, fill_of(request, "", qty="0.01", price="1"))
    with pytest.raises(UnknownRunError):
        store.record_fill("no-run", fill_of(request, "t1", qty="0.01", price="1"))
    assert store.fills(run_id) == []


def test_fills_survive_a_restart(open_store: Callable[[], SqlStore], limit_buy: MakeRequest,
                                 fill_of: MakeFill) -> None:
    before = open_store()
    before.migrate()
    before.start_run(RunRecord(run_id="r", mode="live"))
    the_fill = Fill(client_order_id="cs1", instrument_id="bybit-linear:SOLUSDT", side=OrderSide.SELL,
                    price=Decimal("142.137"), qty=Decimal("12.5"), fee=Decimal("-0.00088835625"),
                    fee_asset="USDT", is_maker=True, trade_id="b1a2", venue_order_id="9f8e",
                    ts_event=1_718_000_000_000_000_001, ts_recv=1_718_000_000_000_900_002)
    before.record_fill("r", the_fill)
    before.close()
    after = open_store()
    assert after.fills("r") == [the_fill]
    assert after.record_fill("r", the_fill) is False


def _position(instrument_id: str, fills: list[tuple[OrderSide, str, str]]) -> Position:
    position = Position(instrument_id, multiplier=Decimal("0.01"))
    for i, (side, qty, price) in enumerate(fills):
        position.apply_fill(Fill(client_order_id="x", instrument_id=instrument_id, side=side,
                                 price=Decimal(price), qty=Decimal(qty), fee=Decimal("0.013"),
                                 trade_id=str(i)))
    position.apply_funding(Decimal("0.0001"), Decimal("3000"))
    return position


def _as_tuple(position: Position) -> tuple[object, ...]:
    return tuple(getattr(position, name) for name in Position.__slots__)


def test_positions_round_trip(open_store: Callable[[], SqlStore], run_id: str) -> None:
    eth = _position("okx-swap:ETH-USDT-SWAP", [(OrderSide.BUY, "3", "3000.1"), (OrderSide.SELL, "1", "3010.7")])
    btc = _position("binance-usdm:BTCUSDT", [(OrderSide.SELL, "2", "65000")])
    # by hand: 1 contract of 0.01 ETH closed 10.6 higher; funding 0.0001 of 2 * 3000 * 0.01 paid by the long
    assert (eth.qty, eth.realised_pnl, eth.funding) == (Decimal("2"), Decimal("0.106"), Decimal("-0.0060000"))
    store = open_store()
    store.save_positions(run_id, [eth, btc], ts_ns=10)
    restarted = open_store()
    loaded = restarted.positions(run_id)
    assert [p.instrument_id for p in loaded] == ["binance-usdm:BTCUSDT", "okx-swap:ETH-USDT-SWAP"]
    assert [_as_tuple(p) for p in loaded] == [_as_tuple(btc), _as_tuple(eth)]
    assert restarted.positions("other") == []


def test_latest_position_snapshot_wins(store: SqlStore, run_id: str) -> None:
    flat = Position("binance-usdm:BTCUSDT")
    long = _position("binance-usdm:BTCUSDT", [(OrderSide.BUY, "1", "65000")])
    store.save_positions(run_id, [long], ts_ns=100)
    store.save_positions(run_id, [flat], ts_ns=50)  # a delayed, older snapshot
    assert [_as_tuple(p) for p in store.positions(run_id)] == [_as_tuple(long)]
    store.save_positions(run_id, [flat], ts_ns=200)
    assert [_as_tuple(p) for p in store.positions(run_id)] == [_as_tuple(flat)]
    with pytest.raises(UnknownRunError):
        store.save_positions("no-run", [flat], ts_ns=1)
