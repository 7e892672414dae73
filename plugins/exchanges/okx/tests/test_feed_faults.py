"""The real client against the fake server: after each fault the book equals the tape's book."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np

from cryptoscalp_core.domain.events import BookFlag, EventKind


async def _run_with(h: Any, fault: object, before: int = 80) -> None:
    await h.server.advance(before)
    await h.settle()
    h.assert_book_matches()
    if callable(fault):
        result = fault()
        if asyncio.iscoroutine(result):
            await result
    await h.server.advance(40)
    await asyncio.sleep(0.05)
    await h.server.advance(len(h.server.tape))
    await h.settle()
    h.assert_book_matches()


async def test_clean_session_streams_every_kind(harness) -> None:
    h = await harness()
    await h.server.advance(len(h.server.tape))
    await h.settle()
    h.assert_book_matches()
    s = h.feed.stats
    assert s.gaps == s.resyncs == s.reconnects == 0 and not s.dropped
    assert h.feed.books["BTC-USDT-SWAP"].checksums > 200  # every update's CRC was checked
    trades = np.concatenate(h.rows.rows[EventKind.TRADE])
    pushed = [p for p in h.server.tape if p["arg"]["channel"] == "trades"]
    assert list(trades["trade_id"]) == [int(p["data"][0]["tradeId"]) for p in pushed]
    assert list(trades["price"]) == [float(p["data"][0]["px"]) for p in pushed]
    assert h.rows.rows[EventKind.QUOTE] and h.rows.rows[EventKind.MARK]
    marks = np.concatenate(h.rows.rows[EventKind.MARK])
    assert (marks["funding_rate"][~np.isnan(marks["funding_rate"])] == 0.0001).all()
    first = h.rows.rows[EventKind.BOOK_DELTA][0]
    assert (first["flags"][:-1] == BookFlag.SNAPSHOT).all() and first["flags"][-1] == BookFlag.SNAPSHOT | BookFlag.LAST
    assert h.rows.backwards == 0


async def test_sequence_gap_resubscribes_on_same_socket(harness) -> None:
    h = await harness()

    def gap() -> None:
        h.server.faults.skip_book_pushes = 1

    await _run_with(h, gap)
    s = h.feed.stats
    assert s.gaps == 1 and s.resyncs == 1 and s.reconnects == 0
    assert s.dropped["sequence_gap"] == 1
    assert h.server.connections == 1 and h.server.subscribe_requests == 3  # subscribe, unsubscribe, subscribe


async def test_gap_detected_by_checksum_without_seq_ids(harness, tape) -> None:
    stripped = []
    for push in tape:
        if push["arg"]["channel"] == "books":
            item = {k: v for k, v in push["data"][0].items() if k not in ("seqId", "prevSeqId")}
            push = {**push, "data": [item]}
        stripped.append(push)
    h = await harness(stripped, server_kw={"add_seq_ids": False})
    await h.server.advance(80)
    h.server.faults.skip_book_pushes = 1
    await h.server.advance(len(stripped))
    await h.wait_until(lambda: h.feed.stats.resyncs == 1, what="checksum resync")
    await asyncio.sleep(0.1)
    h.assert_book_matches()
    assert h.feed.stats.dropped["checksum_mismatch"] == 1


async def test_checksum_zero_is_never_a_mismatch(harness) -> None:
    h = await harness()
    h.server.faults.checksum_zero = True
    await h.server.advance(len(h.server.tape))
    await h.settle()
    h.assert_book_matches()
    assert h.feed.stats.gaps == 0 and h.feed.books["BTC-USDT-SWAP"].checksums == 0


async def test_dropped_connection_reconnects_and_resyncs(harness) -> None:
    h = await harness()
    await _run_with(h, h.server.drop_connections)
    s = h.feed.stats
    assert s.reconnects == 1 and s.resyncs == 1 and h.server.connections == 2


async def test_silent_stall_is_detected_by_missing_pong(harness) -> None:
    h = await harness()
    await h.server.advance(60)
    await h.settle()
    h.server.faults.stalled = True
    await h.wait_until(lambda: h.feed.stats.reconnects == 1, 5.0, "the stall to be detected")
    h.server.faults.stalled = False
    await h.server.advance(len(h.server.tape))
    await h.settle()
    h.assert_book_matches()
    assert h.server.connections == 2


async def test_idle_socket_sends_text_ping_and_survives_idle_close(harness) -> None:
    h = await harness(server_kw={"idle_timeout_s": 0.6})
    await h.server.advance(10)
    await asyncio.sleep(1.5)  # no market data: only the client's pings keep the socket open
    assert h.server.pings >= 2 and h.feed.stats.reconnects == 0
    await h.server.advance(len(h.server.tape))
    await h.settle()
    h.assert_book_matches()


async def test_malformed_and_truncated_frames(harness) -> None:
    h = await harness()

    def garbage() -> None:
        h.server.send_raw("{not json")
        h.server.send_raw('{"arg":{"channel":"trades","instId":"BTC-USDT-SWAP"},"data":[{"px":"-1"}]}')
        h.server.send_raw("[1,2]")
        h.server.faults.truncate_next = 1

    await _run_with(h, garbage)
    dropped = h.feed.stats.dropped
    assert dropped["malformed"] >= 3 + 1
    assert h.feed.stats.reconnects == 0


async def test_duplicate_pushes_are_dropped_not_resynced(harness) -> None:
    h = await harness()

    def dup() -> None:
        h.server.faults.duplicate_next = 5

    await _run_with(h, dup)
    s = h.feed.stats
    assert s.gaps == 0 and s.dropped.get("duplicate", 0) >= 1


async def test_notice_then_close_reconnects(harness) -> None:
    h = await harness()
    await _run_with(h, h.server.notice_and_close)
    assert h.feed.stats.reconnects >= 1 and h.server.connections >= 2


async def test_slow_snapshot_withholds_deltas_until_it_arrives(harness) -> None:
    h = await harness()

    async def slow_gap() -> None:
        h.server.faults.snapshot_delay_s = 0.3
        h.server.faults.skip_book_pushes = 1
        await h.server.advance(20)
        await asyncio.sleep(0.1)
        assert h.feed.books["BTC-USDT-SWAP"].state != 1  # still waiting for the slow snapshot

    await _run_with(h, slow_gap)
    assert h.feed.stats.resyncs == 1 and h.feed.stats.dropped["unsynced"] > 0


async def test_heartbeat_and_sequence_reset_are_accepted(harness) -> None:
    h = await harness()

    async def protocol_events() -> None:
        h.server.inject("BTC-USDT-SWAP", "heartbeat")
        h.server.inject("BTC-USDT-SWAP", "reset")
        await h.server.flush()

    await h.server.advance(80)
    await h.settle()
    await protocol_events()
    await h.settle()
    assert h.feed.stats.gaps == 0
    # After the reset the tape's own next update no longer chains: a real gap, and a resync.
    await h.server.advance(len(h.server.tape))
    await h.settle()
    h.assert_book_matches()


async def test_unknown_instrument_is_a_configuration_error(harness) -> None:
    import pytest
    from cryptoscalp_exchange_okx.instruments import instrument_from_okx
    from cryptoscalp_exchange_okx.testing import swap_instrument_row

    other = instrument_from_okx(swap_instrument_row("DOGE-USDT-SWAP", "0.00001", "1", "1000"))
    with pytest.raises(ValueError, match="unknown SWAP instrument 'DOGE-USDT-SWAP'"):
        await harness(instruments=[other])
    bad_grid = instrument_from_okx(swap_instrument_row(tick="0.5"))
    with pytest.raises(ValueError, match="tick_size"):
        await harness(instruments=[bad_grid])
    # Without the REST check the venue's own 60018 error stops the feed.
    with pytest.raises(RuntimeError, match="60018"):
        await harness(instruments=[other], fetch_instruments=False)


async def test_subscribe_request_is_okx_json(harness) -> None:
    h = await harness()
    client = h.server.clients[0]
    assert client.subs == {("books", "BTC-USDT-SWAP"), ("bbo-tbt", "BTC-USDT-SWAP"), ("trades", "BTC-USDT-SWAP"),
                           ("mark-price", "BTC-USDT-SWAP"), ("funding-rate", "BTC-USDT-SWAP")}
