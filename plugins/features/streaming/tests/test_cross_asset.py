"""Cross-asset correlation and beta: a plain-Python reference, any chunking, no look-ahead, real data."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from cryptoscalp_features_streaming import StreamingFeatureEngine, StreamingFeaturesConfig
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import EventBatch

IDS = ["x:A", "x:B"]
W = 5
CFG = {"clocks": ["tick5"], "families": ["tod", "xasset"], "emit": "any",
       "xasset": {"clocks": ["time1s", "time3s"], "windows": [W, 12]}}
T0 = 1_700_000_000_000_000_000


def events(n: int, seed: int) -> list[tuple[EventKind, np.ndarray]]:
    """Trades of two correlated instruments and quotes, one row each, in ts_recv order."""
    rng = np.random.default_rng(seed)
    out = []
    ts, common, ia, ib = T0, 0.0, 0.0, 0.0
    for i in range(n):
        ts += int(rng.integers(1, 700_000_000)) if rng.random() > 0.02 else 4_000_000_000  # some gaps
        common += rng.normal(0, 1e-3)  # a shared factor: B moves 0.7x A's factor plus its own noise
        ia += rng.normal(0, 3e-4)
        ib += rng.normal(0, 3e-4)
        pa, pb = 100.0 * math.exp(common + ia), 50.0 * math.exp(0.7 * common + ib)
        k = int(rng.random() < 0.45)
        if rng.random() < 0.2:
            r = empty(EventKind.QUOTE, 1)
            r["bid_price"], r["ask_price"], r["bid_qty"], r["ask_qty"] = 10.0, 10.1, 1.0, 1.0
            kind = EventKind.QUOTE
        else:
            r = empty(EventKind.TRADE, 1)
            r["price"], r["qty"], r["side"], r["trade_id"] = (pa if k == 0 else pb), 1.0, 1, i
            kind = EventKind.TRADE
        r["instrument"] = k
        r["ts_event"] = r["ts_recv"] = ts
        out.append((kind, r))
    return out


def group(evs: list[tuple[EventKind, np.ndarray]], cuts: list[int] | None = None) -> list[EventBatch]:
    out, i, k = [], 0, 0
    while i < len(evs):
        j = i
        while j < len(evs) and evs[j][0] is evs[i][0]:
            j += 1
        run = np.concatenate([e[1] for e in evs[i:j]])  # both instruments mixed in one batch
        pos = 0
        while pos < len(run):
            size = len(run) if cuts is None else cuts[k % len(cuts)]
            out.append(EventBatch(evs[i][0], run[pos:pos + size]))
            pos, k = pos + size, k + 1
        i = j
    return out


def flat(evs: list[tuple[EventKind, np.ndarray]]) -> tuple[list[int], list[int], list[float]]:
    """(ts_recv, instrument, trade price or NaN) per event."""
    return ([int(r["ts_recv"][0]) for _, r in evs], [int(r["instrument"][0]) for _, r in evs],
            [float(r["price"][0]) if k is EventKind.TRADE else math.nan for k, r in evs])


def reference(tss: list[int], insts: list[int], prices: list[float], interval: int, w: int, max_fill: int = 1000
              ) -> tuple[list[float], list[float], list[float]]:
    """Per event: corr(A, B), beta of A on B, beta of B on A as of that event (plain Python)."""
    last = [math.nan, math.nan]
    prev = [math.nan, math.nan]
    pairs: list[tuple[float, float]] = []
    cur = None
    value = (math.nan, math.nan, math.nan)
    corr, bab, bba = [], [], []
    for ts, k_inst, px in zip(tss, insts, prices, strict=True):
        slot = ts // interval
        if cur is None:
            cur = slot
        if slot > cur:
            n_new = 1 + min(slot - cur - 1, max_fill)
            for s in range(n_new):
                close = list(last)
                ret = [math.log(close[k] / prev[k]) if s == 0 else (0.0 if math.isfinite(close[k]) else math.nan)
                       for k in range(2)]
                if s == 0:
                    prev = close
                pairs.append((ret[0], ret[1]))
            good = [p for p in pairs if math.isfinite(p[0]) and math.isfinite(p[1])]
            if not all(math.isfinite(x) for x in pairs[-1]) or len(good) < w:
                value = (math.nan, math.nan, math.nan)
            else:
                a = np.array([p[0] for p in good[-w:]])
                b = np.array([p[1] for p in good[-w:]])
                va, vb, cov = a.var(), b.var(), ((a - a.mean()) * (b - b.mean())).mean()
                value = (cov / math.sqrt(va * vb) if va > 0 and vb > 0 else 0.0,
                         cov / vb if vb > 0 else 0.0, cov / va if va > 0 else 0.0)
            cur = slot
        if math.isfinite(px):
            last[k_inst] = px
        corr.append(value[0])
        bab.append(value[1])
        bba.append(value[2])
    return corr, bab, bba


EVS = events(700, 5)


def run(eng: StreamingFeatureEngine, bs: list[EventBatch]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    outs = [eng.update(b) for b in bs]
    return (np.concatenate([o.ts for o in outs]), np.concatenate([o.instrument for o in outs]),
            np.concatenate([o.values for o in outs]))


@pytest.fixture(scope="module")
def whole() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return run(StreamingFeatureEngine(StreamingFeaturesConfig(**CFG), IDS), group(EVS))


@pytest.mark.parametrize(("clock", "interval", "w"), [("time1s", 10**9, W), ("time3s", 3 * 10**9, 12)])
def test_values_equal_the_plain_python_reference(whole: tuple[np.ndarray, np.ndarray, np.ndarray], clock: str,
                                                 interval: int, w: int) -> None:
    _, inst, values = whole
    names = StreamingFeatureEngine(StreamingFeaturesConfig(**CFG), IDS).names
    col = {n: j for j, n in enumerate(names)}
    corr, bab, bba = (np.array(x) for x in reference(*flat(EVS), interval, w))
    a, b = inst == 0, inst == 1
    assert len(values) == len(EVS)
    np.testing.assert_allclose(values[a, col[f"xasset.{clock}.corr_{w}.x:B"]], corr[a], rtol=1e-7, atol=1e-9,
                               equal_nan=True)
    np.testing.assert_allclose(values[b, col[f"xasset.{clock}.corr_{w}.x:A"]], corr[b], rtol=1e-7, atol=1e-9,
                               equal_nan=True)
    np.testing.assert_allclose(values[a, col[f"xasset.{clock}.beta_{w}.x:B"]], bab[a], rtol=1e-7, atol=1e-9,
                               equal_nan=True)
    np.testing.assert_allclose(values[b, col[f"xasset.{clock}.beta_{w}.x:A"]], bba[b], rtol=1e-7, atol=1e-9,
                               equal_nan=True)
    assert np.isnan(values[a, col[f"xasset.{clock}.corr_{w}.x:A"]]).all()  # no correlation with itself
    assert np.isfinite(corr).mean() > 0.5 and np.nanmean(corr) > 0.1  # the two co-move (slot sampling dilutes it)


@settings(max_examples=10, deadline=None)
@given(cuts=st.lists(st.integers(1, 30), min_size=1, max_size=5))
def test_any_chunking_gives_the_same_rows(whole: tuple[np.ndarray, np.ndarray, np.ndarray], cuts: list[int]) -> None:
    ts, inst, values = run(StreamingFeatureEngine(StreamingFeaturesConfig(**CFG), IDS), group(EVS, cuts))
    np.testing.assert_array_equal(ts, whole[0])
    np.testing.assert_array_equal(inst, whole[1])
    np.testing.assert_array_equal(values, whole[2])


@settings(max_examples=8, deadline=None)
@given(cut=st.integers(5, 695))
def test_future_events_never_change_emitted_rows(whole: tuple[np.ndarray, np.ndarray, np.ndarray], cut: int) -> None:
    ts, _, values = run(StreamingFeatureEngine(StreamingFeaturesConfig(**CFG), IDS), group(EVS[:cut]))
    np.testing.assert_array_equal(values, whole[2][:len(ts)])


def test_reference_instrument_and_bad_settings() -> None:
    names = StreamingFeatureEngine(StreamingFeaturesConfig(**{**CFG, "xasset": {"clocks": ["time1s"], "windows": [3],
                                                                               "reference": "x:A"}}), IDS).names
    assert [n for n in names if n.startswith("xasset.")] == ["xasset.time1s.corr_3.x:A", "xasset.time1s.beta_3.x:A"]
    with pytest.raises(ValueError, match=r"xasset\.reference"):
        StreamingFeatureEngine(StreamingFeaturesConfig(**{**CFG, "xasset": {"reference": "x:C"}}), IDS)
    with pytest.raises(ValidationError, match="not a time clock"):
        StreamingFeaturesConfig(**{**CFG, "xasset": {"clocks": ["tick100"]}})
    with pytest.raises(ValidationError, match="windows"):
        StreamingFeaturesConfig(**{**CFG, "xasset": {"windows": [1]}})
    one = StreamingFeatureEngine(StreamingFeaturesConfig(**CFG), IDS[:1]).names  # one instrument: no pairs
    assert not any(n.startswith("xasset.") for n in one)


def test_btc_and_eth_recordings(market_data_dir: Path) -> None:
    folder = market_data_dir / "binance-usdm" / "hftbacktest"
    if not (folder / "ethusdt_20240808.gz").is_file() or not (folder / "btcusdt_20240808.gz").is_file():
        pytest.skip("the 2024-08-08 BTCUSDT/ETHUSDT recordings are not in the data folder")
    import asyncio

    from cryptoscalp_feed_replay import ReplayConfig, make_replay_feed

    insts = [Instrument("binance-usdm", s, tick_size=Decimal(t), lot_size=Decimal("0.001"))
             for s, t in (("BTCUSDT", "0.1"), ("ETHUSDT", "0.01"))]
    feed = make_replay_feed(ReplayConfig(path=str(folder / "*usdt_20240808.gz"), format="binance-ws",
                                         chunk_rows=20_000), instruments=insts)

    async def take(limit: int) -> list[EventBatch]:
        out: list[EventBatch] = []
        await feed.start()
        async for b in feed.batches():
            out.append(b)
            if sum(len(x) for x in out) >= limit:
                break
        await feed.stop()
        return out

    stream = asyncio.run(take(200_000))
    cfg = StreamingFeaturesConfig(clocks=["tick100"], families=["tod", "xasset"], emit="trade",
                                  xasset={"clocks": ["time1s"], "windows": [30]})
    eng = StreamingFeatureEngine(cfg, insts)
    outs = [eng.update(b) for b in stream]
    inst = np.concatenate([o.instrument for o in outs])
    values = np.concatenate([o.values for o in outs])
    assert set(inst.tolist()) == {0, 1}
    btc_rows = inst == 0
    corr = values[btc_rows, eng.names.index("xasset.time1s.corr_30.binance-usdm:ETHUSDT")]
    # Reference over the trades and the first event of each second (the only other events that matter).
    ts = np.concatenate([b.rows["ts_recv"] for b in stream])
    kinds = np.concatenate([np.full(len(b), b.kind is EventKind.TRADE) for b in stream])
    order = np.argsort(ts, kind="stable")  # batches of different kinds interleave by ts_recv
    assert (order == np.arange(len(ts))).all()
    inst_all = np.concatenate([b.rows["instrument"] for b in stream]).astype(int)
    price = np.concatenate([b.rows["price"] if b.kind is EventKind.TRADE else np.full(len(b), np.nan)
                            for b in stream])
    sec = ts // 10**9
    keep = kinds | np.concatenate(([True], sec[1:] != sec[:-1]))
    ref_corr, _, _ = reference(ts[keep].tolist(), inst_all[keep].tolist(), price[keep].tolist(), 10**9, 30)
    on_btc_trade = (kinds & (inst_all == 0))[keep]
    assert np.isfinite(corr[-1]) and -1.0 <= corr[-1] <= 1.0
    np.testing.assert_allclose(corr, np.array(ref_corr)[on_btc_trade], rtol=1e-6, atol=1e-9, equal_nan=True)
    assert np.nanmean(corr) > 0.2  # BTC and ETH move together
