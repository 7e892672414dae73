"""multi-source: failover on stall within the deadline, no gap and no duplicate, book re-based on a
snapshot, failback with hysteresis, and config errors with their YAML paths."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np
import pytest

from cryptoscalp_core.domain.events import BookFlag, EventKind, Side
from cryptoscalp_core.marketdata.multi_source import FailoverRule, MultiSourceFeed, SourceSwitchBatch
from cryptoscalp_core.plugins import PluginHost
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.profile import ProfileError
from cryptoscalp_core.profile.resolve import resolve_data

MS = 1_000_000


def paced(batches: list[EventBatch], pause_s: float = 0.002) -> list[Any]:
    return [x for b in batches for x in (b, ("sleep", pause_s))]


def rule(**kw: float) -> FailoverRule:
    values = {"stall_ms": 150, "lag_ms": 10_000, "failback_ms": 300, "min_dwell_ms": 100, "check_ms": 10,
              "buffer_ms": 60_000, **kw}
    return FailoverRule(**{k.replace("_ms", "_ns"): int(v * MS) for k, v in values.items()})


async def collect(feed: MultiSourceFeed, until: Any, timeout: float = 5.0) -> list[tuple[float, EventBatch]]:
    got: list[tuple[float, EventBatch]] = []
    await feed.start()

    async def read() -> None:
        async for batch in feed.batches():
            got.append((time.monotonic(), batch))
            if until(got):
                return

    try:
        await asyncio.wait_for(read(), timeout)
    finally:
        await feed.stop()
    return got


def trade_ids(got: list[tuple[float, EventBatch]]) -> list[int]:
    return [int(x) for _, b in got if b.kind is EventKind.TRADE for x in b.rows["trade_id"]]


async def test_stalled_source_is_replaced_within_500ms_without_gap_or_duplicate(scripted: Any,
                                                                                make_trade_batches: Any) -> None:
    ids = list(range(200))
    a = scripted([*paced(make_trade_batches(ids[:80])), ("stall", 30.0)])
    b = scripted(paced(make_trade_batches(ids, latency_ms=3.0)))
    stalled_at: list[float] = []
    feed = MultiSourceFeed([a, b], ["a", "b"], 1, rule(), "sequence")
    got = await collect(feed, lambda g: trade_ids(g)[-1:] == [199])
    assert trade_ids(got) == ids  # every trade exactly once, in order, across the switch
    switch = [(t, x) for t, x in got if isinstance(x, SourceSwitchBatch)]
    assert len(switch) == 1 and switch[0][1].switch is not None
    assert (switch[0][1].switch.from_source, switch[0][1].switch.to_source, switch[0][1].switch.reason) == (
        "a", "b", "stall")
    last_from_a = max(t for t, x in got if x.kind is EventKind.TRADE and int(x.rows["trade_id"][-1]) < 80)
    stalled_at.append(last_from_a)
    assert switch[0][0] - stalled_at[0] < 0.5
    assert feed.failovers == 1 and feed.stats.dropped.get("duplicate", 0) > 0
    ts = np.concatenate([x.rows["ts_recv"] for _, x in got])
    assert (np.diff(ts) >= 0).all()


async def test_failback_to_preferred_source_after_it_recovers(scripted: Any, make_trade_batches: Any) -> None:
    ids = list(range(1500))
    batches = make_trade_batches(ids)
    # a stalls, then comes back with current data, as a reconnected live connection does
    a = scripted([*paced(batches[:10], 0.003), ("stall", 0.3), *paced(batches[100:], 0.003)])
    b = scripted(paced(make_trade_batches(ids, latency_ms=2.0), 0.003))
    feed = MultiSourceFeed([a, b], ["a", "b"], 1, rule(failback_ms=100), "sequence")
    got = await collect(feed, lambda g: trade_ids(g)[-1:] == [1499])
    reasons = [s.reason for s in feed.switches]
    assert reasons[:2] == ["stall", "failback"] and feed.failbacks >= 1
    assert feed.switches[1].to_source == "a"
    assert trade_ids(got) == ids


def _apply(book: dict[tuple[int, int], float], rows: np.ndarray) -> None:
    for row in rows:
        if int(row["flags"]) & BookFlag.SNAPSHOT and (not book or _apply.fresh):  # type: ignore[attr-defined]
            book.clear()
        _apply.fresh = bool(int(row["flags"]) & BookFlag.LAST)  # type: ignore[attr-defined]
        key = (int(row["side"]), int(row["price_ticks"]))
        if float(row["qty"]) == 0:
            book.pop(key, None)
        else:
            book[key] = float(row["qty"])


async def test_new_active_source_book_starts_from_a_snapshot(scripted: Any, make_book: Any) -> None:
    B, S = int(Side.BUY), int(Side.SELL)
    snap = [(B, 99, 1.0), (B, 98, 2.0), (S, 101, 1.5), (S, 102, 3.0)]
    msgs = [make_book(10, snap, snapshot=True), make_book(11, [(B, 99, 0.0), (B, 97, 4.0)]),
            make_book(12, [(S, 101, 0.5)]), make_book(13, [(S, 100, 2.0)]), make_book(14, [(B, 96, 1.0)])]
    batches = [EventBatch(EventKind.BOOK_DELTA, m) for m in msgs]
    a = scripted([batches[0], ("sleep", 0.01), batches[1], ("stall", 30.0)])
    b = scripted([b_ for x in batches for b_ in (x, ("sleep", 0.01))])
    feed = MultiSourceFeed([a, b], ["a", "b"], 1, rule(), "sequence")
    got = await collect(feed, lambda g: any(int(x.rows["last_seq"][-1]) == 14 for _, x in g), timeout=5)
    downstream: dict[tuple[int, int], float] = {}
    _apply.fresh = True  # type: ignore[attr-defined]
    for _, x in got:
        _apply(downstream, x.rows)
    expected: dict[tuple[int, int], float] = {}
    _apply.fresh = True  # type: ignore[attr-defined]
    for m in msgs:
        _apply(expected, m)
    assert downstream == expected
    marked = [x for _, x in got if isinstance(x, SourceSwitchBatch)]
    assert marked and marked[0].kind is EventKind.BOOK_DELTA
    assert (marked[0].rows["flags"] & BookFlag.SNAPSHOT).all()


async def test_source_failing_at_runtime_fails_over(scripted: Any, make_trade_batches: Any) -> None:
    ids = list(range(30))
    a = scripted([*make_trade_batches(ids[:10]), ConnectionResetError("boom")])
    b = scripted([x for bt in make_trade_batches(ids) for x in (bt, ("sleep", 0.005))])
    feed = MultiSourceFeed([a, b], ["a", "b"], 1, rule(), "sequence")
    got = await collect(feed, lambda g: trade_ids(g)[-1:] == [29])
    assert trade_ids(got) == ids
    assert feed.switches[0].reason == "failed"


def _profile(feed: dict[str, Any]) -> dict[str, Any]:
    return {"mode": "paper", "instruments": [{"id": "binance-usdm:BTCUSDT", "tick_size": "0.1",
                                              "lot_size": "0.001"}], "feed": feed}


def test_nested_sections_are_validated_with_their_yaml_paths() -> None:
    host = PluginHost(load_entry_points=True)
    if "synthetic" not in host.registry.names("feed"):
        pytest.skip("the synthetic feed plugin is not installed")
    with pytest.raises(ProfileError) as err:
        resolve_data(_profile({"use": "multi-source", "sources": [{"use": "synthetc"},
                                                                   {"use": "synthetic", "seed": -3, "bogus": 1}]}),
                     host.registry)
    text = str(err.value)
    assert "feed.sources[0].use" in text and "did you mean 'synthetic'" in text
    assert "feed.sources[1].seed" in text and "feed.sources[1].bogus" in text
    ok = resolve_data(_profile({"use": "multi-source", "stall_ms": 300,
                                "sources": [{"use": "synthetic", "seed": 1}, {"use": "synthetic", "seed": 2}]}),
                      host.registry)
    assert ok.components["feed"].spec.name == "multi-source"


def test_wrappers_nest_and_report_inner_errors_with_full_paths() -> None:
    host = PluginHost(load_entry_points=True)
    if "synthetic" not in host.registry.names("feed"):
        pytest.skip("the synthetic feed plugin is not installed")
    bad = {"use": "market-cache", "trades_kept": 0,
           "source": {"use": "validated", "jump_sigma": -1,
                      "source": {"use": "multi-source", "sources": [{"use": "synthetic"}, {"use": "nope"}]}}}
    with pytest.raises(ProfileError) as err:
        resolve_data(_profile(bad), host.registry)
    text = str(err.value)
    assert "feed.trades_kept" in text
    assert "feed.source.jump_sigma" in text
    assert "feed.source.source.sources[1].use" in text


async def test_a_slower_first_connect_is_not_a_stall(scripted: Any, make_trade_batches: Any) -> None:
    ids = list(range(100))
    a = scripted([("sleep", 0.08), *paced(make_trade_batches(ids))])  # connects later than b, within stall_ms
    b = scripted(paced(make_trade_batches(ids)))
    feed = MultiSourceFeed([a, b], ["a", "b"], 1, rule(), "sequence")
    got = await collect(feed, lambda g: trade_ids(g)[-1:] == [99])
    assert feed.switches == [] and trade_ids(got) == ids
